/**
 * Template 06 (initial sync into PostgreSQL) on a seeded account of a few thousand customers, in
 * batches of 200, in a real n8n 2.40.7 with the packed package: the stored rows equal the emulator's
 * dataset and an unbatched backfill; and with n8n killed (SIGKILL) in the middle of the sync, started
 * again on the same user folder and the workflow run again, the sync resumes from the cursor its last
 * committed batch stored, with nothing missing and nothing doubled; and a batch started by the one
 * before it never starts a finished sync again (test/templates/syncStatePostgres.test.ts runs the SQL
 * that also keeps two chains on one cursor down to one).
 *
 * The template is imported with n8n's CLI and published, as its sticky note says; only its Settings
 * change (schema, batch size, days).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INodeParameters } from 'n8n-workflow';

import { seedDemoAccount, startEmulator, type RunningEmulator } from '../../emulator';
import { emulatorKeyCredential } from '../../dev/credentials';
import { N8N_START_TIMEOUT_MS, startN8n, type N8nInstance } from '../../dev/n8n';
import { runNode } from '../../dev/n8nCoreRunner';
import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { configured } from '../templates/templateFiles';
import { databaseNow, NEXT_BATCH_NODE, POSTGRES_SYNC, START_NODE, syncState, waitForNoRunningBatch, waitForState, waitForSyncDone, type SyncStateRow } from './support/initialSync';
import { POSTGRES_CREDENTIAL, sql } from './support/postgres';

const TEMPLATE = '06-initial-sync-postgres.json';
const CUSTOMERS = 2000;
const BATCH_SIZE = 200;
/** Longer than the seeded history (120 days), so no activity sits at the window's edge while the test runs. */
const DAYS = 150;
const SYNC_TIMEOUT_MS = 15 * 60_000;
/**
 * The emulator's clock stands still this long before the wall clock, which n8n's process reads. The
 * seed plays a few facts a minute or so after its own now; on a clock that follows the wall clock they
 * would come into any window after the test took its reference, as they do for a real account.
 */
const EMULATOR_BEHIND_S = 3600;

const schema = `initial_sync_e2e_${randomBytes(4).toString('hex')}`;
const importDir = mkdtempSync(join(tmpdir(), 'initial-sync-e2e-'));
let stripe: RunningEmulator;
let n8n: N8nInstance;

function report(message: string): void {
	process.stderr.write(`[initial sync e2e] ${message}\n`);
}

beforeAll(async () => {
	stripe = await startEmulator({ now: Math.floor(Date.now() / 1000) - EMULATOR_BEHIND_S });
	const seeded = seedDemoAccount(stripe, { customers: CUSTOMERS, events: 'recent' });
	report(`seeded ${seeded.customers} customers, ${seeded.invoices} invoices, ${seeded.charges} charges, ${seeded.events} events`);
	await sql(`CREATE SCHEMA ${schema}`);
	n8n = await startN8n();
	// Named as the template names them, so `import:workflow` links them.
	await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe Restricted Key', emulatorKeyCredential(stripe, stripe.keys.secretTest));
	await n8n.createCredential('postgres', 'Postgres account', POSTGRES_CREDENTIAL);
	const file = join(importDir, TEMPLATE);
	writeFileSync(file, JSON.stringify(configured(TEMPLATE, { settings: { schema, batchSize: BATCH_SIZE, days: DAYS } })));
	await n8n.runCli(['import:workflow', `--input=${file}`]);
	await n8n.activateWorkflow(POSTGRES_SYNC);
}, N8N_START_TIMEOUT_MS);

afterAll(async () => {
	await n8n?.stop();
	await stripe?.close();
	await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
	rmSync(importDir, { recursive: true, force: true });
});

/** Every customer the emulator holds that is not deleted, sorted. */
function datasetCustomerIds(): string[] {
	return stripe
		.dataset()
		.customers.values()
		.filter((customer) => !customer.deleted)
		.map((customer) => customer.id)
		.sort();
}

/**
 * The backfill's dedupe keys from Activity → Get Many run unbatched with the template's own activity
 * selection, sorted. Run just before a sync starts: the window is fixed at the start of either.
 */
async function unbatchedActivityKeys(): Promise<string[]> {
	const node = configured(TEMPLATE, {}).nodes.find((candidate) => candidate.name === 'Get a batch of activities')!;
	const { inBatches, batchSize, cursor, ...parameters } = node.parameters;
	expect({ inBatches, batchSize, cursor }).toEqual({ inBatches: true, batchSize: expect.any(String), cursor: expect.any(String) });
	const [items] = await runNode({
		node: new StripeLifecycle(),
		parameters: { ...parameters, days: DAYS } as INodeParameters,
		credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(stripe, stripe.keys.secretTest) },
	});
	return items.map((item) => String(item.json.dedupeKey)).sort();
}

async function storedCustomerIds(): Promise<string[]> {
	return (await sql(`SELECT id FROM ${schema}.stripe_customers`)).sort();
}

async function storedActivityKeys(): Promise<string[]> {
	return (await sql(`SELECT dedupe_key FROM ${schema}.stripe_activities`)).sort();
}

/** Both lists' progress as the state table reports it, for the log. */
function progressLine(state: Map<string, SyncStateRow>): string {
	return [...state.values()].map((row) => `${row.name} ${row.rowsDone}/${row.estimatedTotal ?? '?'} (${row.percent ?? '?'} %)${row.done ? ' done' : ''}`).join(', ');
}

function expectFinished(state: Map<string, SyncStateRow>, customers: number): void {
	expect(state.get('profiles')).toMatchObject({ done: true, cursor: null, rowsDone: customers, estimatedTotal: customers, percent: 100 });
	expect(state.get('activities')).toMatchObject({ done: true, cursor: null, percent: 100 });
}

describe('template 06, initial sync into PostgreSQL, in batches', () => {
	it('stores every customer once and the backfill the unbatched operation gives', async () => {
		const expectedKeys = await unbatchedActivityKeys();
		const since = await databaseNow();
		const startedAt = Date.now();

		const state = await waitForSyncDone(n8n, schema, since, await n8n.runManually(POSTGRES_SYNC, START_NODE), SYNC_TIMEOUT_MS);

		const customers = datasetCustomerIds();
		report(`synced in ${Math.round((Date.now() - startedAt) / 1000)} s: ${progressLine(state)}; ${Math.ceil(customers.length / BATCH_SIZE)} profile batches, ${expectedKeys.length} distinct activities`);
		// The primary keys make a doubled row impossible; equal sorted lists make a missing one visible.
		expect(await storedCustomerIds()).toEqual(customers);
		expect(await storedActivityKeys()).toEqual(expectedKeys);
		expect(expectedKeys.length).toBeGreaterThan(BATCH_SIZE * 5);
		expectFinished(state, customers.length);
		// Rows handed out count an activity the backfill gave twice (from the object, then its event) twice.
		expect(state.get('activities')!.rowsDone).toBeGreaterThanOrEqual(expectedKeys.length);
	}, SYNC_TIMEOUT_MS);

	it('killed with SIGKILL mid-sync and run again, resumes from the stored cursor with nothing missing or doubled', async () => {
		await sql(`DROP TABLE IF EXISTS ${schema}.stripe_customers, ${schema}.stripe_activities, ${schema}.stripe_sync_state`);
		const expectedKeys = await unbatchedActivityKeys();
		const since = await databaseNow();
		await n8n.runManually(POSTGRES_SYNC, START_NODE);

		// Some profile batches committed, not all.
		await waitForState(schema, (state) => (state.get('profiles')?.rowsDone ?? 0) >= 2 * BATCH_SIZE && state.get('profiles')?.done === false, SYNC_TIMEOUT_MS);
		await n8n.kill();
		// A statement PostgreSQL was running when its client died still commits or rolls back on its own; let it.
		await new Promise((done) => setTimeout(done, 2000));
		const killedAt = await databaseNow();
		const killed = await syncState(schema);
		const profiles = killed.get('profiles')!;
		report(`killed at ${progressLine(killed)}`);

		// The cursor advanced and progress was reported, and the committed rows are exactly the batches the state counts.
		expect(profiles).toMatchObject({ done: false, cursor: expect.stringMatching(/.{20,}/) });
		expect(profiles.rowsDone % BATCH_SIZE).toBe(0);
		expect(profiles.estimatedTotal).toBeGreaterThan(profiles.rowsDone);
		expect(profiles.percent).toBeGreaterThan(0);
		expect(profiles.percent).toBeLessThan(100);
		expect(await sql(`SELECT count(*) FROM ${schema}.stripe_customers`)).toEqual([String(profiles.rowsDone)]);

		await n8n.restart();
		const resumedAt = Date.now();
		const resumed = await waitForSyncDone(n8n, schema, since, await n8n.runManually(POSTGRES_SYNC, START_NODE), SYNC_TIMEOUT_MS);
		report(`resumed from ${profiles.rowsDone} profiles and finished in ${Math.round((Date.now() - resumedAt) / 1000)} s: ${progressLine(resumed)}`);

		// The same sync went on (not a new one), from its cursor: the rows committed before the kill were not written again.
		expect(resumed.get('profiles')!.startedAt).toBe(profiles.startedAt);
		expect(await sql(`SELECT count(*) FROM ${schema}.stripe_customers WHERE synced_at < '${JSON.parse(killedAt) as string}'`)).toEqual([String(profiles.rowsDone)]);
		const customers = datasetCustomerIds();
		expect(await storedCustomerIds()).toEqual(customers);
		expect(await storedActivityKeys()).toEqual(expectedKeys);
		expectFinished(resumed, customers.length);
	}, 2 * SYNC_TIMEOUT_MS);

	it('a batch started by the one before it finds the finished sync and stops: after a restart n8n reruns a waiting batch itself, and that must not start the sync again', async () => {
		const finished = await syncState(schema);
		expectFinished(finished, datasetCustomerIds().length);

		// What n8n's boot-time recovery runs: the workflow from its "Next batch" trigger, not from the manual one.
		await n8n.runManually(POSTGRES_SYNC, NEXT_BATCH_NODE);
		await waitForNoRunningBatch(n8n, POSTGRES_SYNC, SYNC_TIMEOUT_MS);

		const after = await syncState(schema);
		expect(after.get('profiles')!.startedAt).toBe(finished.get('profiles')!.startedAt);
		expectFinished(after, datasetCustomerIds().length);
	}, SYNC_TIMEOUT_MS);
});
