/**
 * Template 06 (initial sync into PostgreSQL) driven as its sticky note tells users to: published, then
 * run once from its manual trigger, after which each batch starts the next; progress read from its
 * `stripe_sync_state` table.
 */
import type { N8nInstance } from '../../../dev/n8n';
import { sql } from './postgres';

export const POSTGRES_SYNC = 'stripeLcSyncPg01';
export const START_NODE = 'Start or resume the sync';
/** The trigger each batch starts the next through; n8n also reruns it at boot when a batch was waiting. */
export const NEXT_BATCH_NODE = 'Next batch';
const POLL_MS = 100;

export interface SyncStateRow {
	name: 'profiles' | 'activities';
	cursor: string | null;
	rowsDone: number;
	estimatedTotal: number | null;
	percent: number | null;
	done: boolean;
	startedAt: string;
}

/** The rows of `stripe_sync_state`, by name; empty before the first batch created the table. */
export async function syncState(schema: string): Promise<Map<string, SyncStateRow>> {
	const exists = await sql(`SELECT to_regclass('${schema}.stripe_sync_state') IS NOT NULL`);
	if (exists[0] !== 't') return new Map();
	const rows = await sql(
		`SELECT json_build_object('name', name, 'cursor', cursor, 'rowsDone', rows_done, 'estimatedTotal', estimated_total, 'percent', percent, 'done', done, 'startedAt', started_at) FROM ${schema}.stripe_sync_state`,
	);
	return new Map(rows.map((line) => JSON.parse(line) as SyncStateRow).map((row) => [row.name, row]));
}

/** The database's clock: `started_at` is written by it. */
export async function databaseNow(): Promise<string> {
	return (await sql(`SELECT to_json(now())`))[0];
}

/**
 * Waits until a sync that started at or after `since` (the database's clock) has both lists done, and
 * fails at once if an execution of the workflow newer than `sinceExecutionId` failed (failed
 * executions are kept; successful ones are not).
 */
export async function waitForSyncDone(n8n: N8nInstance, schema: string, since: string, sinceExecutionId: string, timeoutMs: number): Promise<Map<string, SyncStateRow>> {
	const deadline = Date.now() + timeoutMs;
	const sinceTime = new Date(JSON.parse(since) as string).getTime();
	let state = new Map<string, SyncStateRow>();
	while (Date.now() < deadline) {
		state = await syncState(schema);
		const rows = [...state.values()];
		if (rows.length === 2 && rows.every((row) => row.done && new Date(row.startedAt).getTime() >= sinceTime)) return state;
		const failed = (await n8n.listExecutions(POSTGRES_SYNC)).filter((execution) => Number(execution.id) >= Number(sinceExecutionId) && execution.status === 'error');
		if (failed.length) {
			const details = await n8n.getExecution(failed[0].id);
			throw new Error(`batch execution ${failed[0].id} failed: ${details.data.resultData.error?.message ?? 'unknown error'}`);
		}
		await new Promise((done) => setTimeout(done, POLL_MS * 5));
	}
	throw new Error(`the sync was not done within ${timeoutMs} ms: ${JSON.stringify([...state.values()])}`);
}

/** Polls the state until `condition` holds for it; returns that state. */
export async function waitForState(schema: string, condition: (state: Map<string, SyncStateRow>) => boolean, timeoutMs: number): Promise<Map<string, SyncStateRow>> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const state = await syncState(schema);
		if (condition(state)) return state;
		await new Promise((done) => setTimeout(done, POLL_MS));
	}
	throw new Error(`the sync state did not reach the expected point within ${timeoutMs} ms: ${JSON.stringify([...(await syncState(schema)).values()])}`);
}

/** Until no execution of the workflow has been running or waiting to run for two seconds in a row. */
export async function waitForNoRunningBatch(n8n: N8nInstance, workflowId: string, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let quietSince = Date.now();
	while (Date.now() - quietSince < 2000) {
		if (Date.now() > deadline) throw new Error(`executions of ${workflowId} were still running after ${timeoutMs} ms`);
		const running = (await n8n.listExecutions(workflowId)).filter((execution) => ['new', 'running', 'waiting'].includes(execution.status));
		if (running.length) quietSince = Date.now();
		await new Promise((done) => setTimeout(done, POLL_MS * 2));
	}
}
