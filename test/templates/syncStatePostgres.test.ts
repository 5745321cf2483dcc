/**
 * The SQL of template 06 (PostgreSQL) run against the local PostgreSQL, as n8n's Postgres node runs it:
 * expressions resolved, `$n` replaced by literals (pg-promise's formatting). Two chains of batches on
 * one cursor happen for real: n8n 2.x runs a batch that was waiting when it stopped again when it
 * starts, and the user runs the workflow too (templates/README.md).
 */
import { randomBytes } from 'node:crypto';

import { sql } from '../e2e/support/postgres';
import { nodeNamed, readTemplate } from './templateFiles';

const workflow = readTemplate('06-initial-sync-postgres.json');
const schema = `sync_state_sql_${randomBytes(4).toString('hex')}`;

type Value = string | number | boolean | null;

function literal(value: Value): string {
	if (value === null) return 'NULL';
	if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
	return String(value);
}

/** The node's query with its expressions resolved and its parameters inlined. */
function statement(node: string, parameters: Value[] = [], startedByHand = false): string {
	let query = String(nodeNamed(workflow, node).parameters.query)
		.replace(/^=/, '')
		.replaceAll("{{ $('Settings').first().json.schema }}", schema)
		.replaceAll("{{ $('Start or resume the sync').isExecuted }}", String(startedByHand));
	expect(query).not.toContain('{{');
	// Highest first, so $1 does not eat the start of a $10.
	for (let n = parameters.length; n >= 1; n--) query = query.replaceAll(`$${n}`, literal(parameters[n - 1]));
	return query;
}

interface Stored {
	rows_written: number;
	more_to_do: boolean;
	superseded: boolean;
	done: boolean;
}

/** One run of a Store node: the batch's rows, the next cursor and progress, and the cursor the batch was read from. */
async function store(node: 'Store profiles and cursor' | 'Store activities and cursor', rows: object[], next: string | null, readFrom: string, done = false): Promise<Stored> {
	const [line] = await sql(statement(node, [JSON.stringify(rows), next, rows.length, 10, 10, done, readFrom]));
	// psql -At: the RETURNING columns in order, separated by |, booleans as t or f.
	const [, , , , stored, written, more, superseded] = line.split('|');
	return { done: stored === 't', rows_written: Number(written), more_to_do: more === 't', superseded: superseded === 't' };
}

/** What "Read the sync state" hands on: the list and cursor of the next batch, or nothing. */
async function readState(startedByHand: boolean): Promise<string[]> {
	const answers = await sql(statement('Read the sync state', [], startedByHand));
	return answers.filter((line) => line.includes('|'));
}

const state = async (name: string) => (await sql(`SELECT coalesce(cursor, '') || '|' || rows_done || '|' || done || '|' || started_at FROM ${schema}.stripe_sync_state WHERE name = '${name}'`))[0];
const activity = (dedupeKey: string) => ({ dedupeKey, eventId: `evt_${dedupeKey}`, activity: 'charge.succeeded', category: 'charge', occurredAt: '2026-12-01T00:00:00Z' });

beforeEach(async () => {
	await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
	await sql(statement('Create tables if missing'));
});

afterAll(async () => {
	await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

describe('template 06 (PostgreSQL), two chains of batches on one cursor', () => {
	it('stores a batch once: the run that stores first after the cursor it read goes on, the other writes nothing and stops', async () => {
		expect(await readState(true)).toEqual(['profiles|']);

		const first = await store('Store profiles and cursor', [{ id: 'cus_1', status: 'active' }], 'cursor-2', '');
		const second = await store('Store profiles and cursor', [{ id: 'cus_1', status: 'active' }, { id: 'cus_9', status: 'active' }], 'cursor-2', '');

		expect(first).toMatchObject({ rows_written: 1, more_to_do: true, superseded: false });
		expect(second).toMatchObject({ rows_written: 0, more_to_do: false, superseded: true });
		expect(await sql(`SELECT id FROM ${schema}.stripe_customers ORDER BY id`)).toEqual(['cus_1']);
		expect(await state('profiles')).toMatch(/^cursor-2\|1\|false\|/);
		// The winner's chain goes on from its cursor.
		expect(await store('Store profiles and cursor', [{ id: 'cus_2', status: 'active' }], null, 'cursor-2', true)).toMatchObject({ rows_written: 1, more_to_do: true, superseded: false });
		expect(await readState(false)).toEqual(['activities|']);
	});

	it('ends the activities with more_to_do false on the last batch, and a late run of that batch is superseded', async () => {
		await sql(`UPDATE ${schema}.stripe_sync_state SET done = true WHERE name = 'profiles'`);
		await readState(true);

		expect(await store('Store activities and cursor', [activity('a'), activity('b')], null, '', true)).toMatchObject({ rows_written: 2, more_to_do: false, superseded: false, done: true });
		expect(await store('Store activities and cursor', [activity('c')], null, '', true)).toMatchObject({ rows_written: 0, more_to_do: false, superseded: true });
		expect(await sql(`SELECT dedupe_key FROM ${schema}.stripe_activities ORDER BY 1`)).toEqual(['a', 'b']);
	});

	it('starts a finished sync again only when started by hand, never from a batch the one before it started', async () => {
		await readState(true);
		await sql(`UPDATE ${schema}.stripe_sync_state SET done = true, cursor = NULL, rows_done = 7, started_at = '2026-01-01T00:00:00Z'`);

		expect(await readState(false)).toEqual([]);
		expect(await state('profiles')).toMatch(/^\|7\|true\|2026-01-01/);

		expect(await readState(true)).toEqual(['profiles|']);
		expect(await state('profiles')).toMatch(/^\|0\|false\|/);
		expect(await state('profiles')).not.toMatch(/2026-01-01/);
	});
});
