/**
 * What the reliability suite shares: the figures file docs/RELIABILITY.md is built from, a bounded
 * request pool, n8n's resident memory, every execution of a workflow (past the REST page size), and
 * the trigger workflow the scenarios drive.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { INodeParameters } from 'n8n-workflow';

import { chain, nodeOutput, noOperationNode, triggerNode, TRIGGER, type CredentialReference, type ExecutionSummary, type N8nInstance, type WorkflowDefinition } from '../n8n';
import { REPO_ROOT } from '../n8n/package';

/** Heavier variants (10,000 hostile requests instead of 2,000, 100 real activation cycles) run with RELIABILITY_FULL=1. */
export const FULL = process.env.RELIABILITY_FULL === '1';

export const FIGURES_FILE = join(REPO_ROOT, '.tmp', 'reliability.json');

/** The first run on a fresh machine installs n8n before it starts. */
export const START_TIMEOUT_MS = 15 * 60_000;

/**
 * Deliveries in flight at once. Stripe sends in parallel, but not 1,200 requests in the same instant;
 * released all at once, a single n8n on SQLite timed out on its database write lock and stored
 * executions as error/crashed (see docs/RELIABILITY.md), which is n8n's limit, not the trigger's.
 */
export const STORM_CONCURRENCY = 50;

/**
 * Stripe retries over three days; here the same shape in seconds, long enough (about two minutes)
 * to span an n8n restart, so "none lost" is about the package, not about a too-short schedule.
 */
export const RETRY_SCHEDULE_MS = [2000, 4000, 8000, 15_000, 30_000, 60_000];

export interface ScenarioFigures {
	scenario: string;
	load: string;
	faults: string;
	/** Filled in by the test after its assertions passed; a scenario that threw keeps 'failed'. */
	result: 'passed' | 'failed';
	figures: Record<string, number | string>;
}

/**
 * Records one scenario's figures in .tmp/reliability.json, keyed by scenario, so several test files
 * (even in parallel jest workers) add to one file; synchronous read-modify-write keeps the window tiny.
 */
export function recordFigures(entry: ScenarioFigures): void {
	mkdirSync(dirname(FIGURES_FILE), { recursive: true });
	const current = existsSync(FIGURES_FILE) ? (JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as Record<string, ScenarioFigures>) : {};
	current[entry.scenario] = { ...entry, figures: { ...entry.figures, fullRun: FULL ? 'yes' : 'no' } };
	writeFileSync(FIGURES_FILE, `${JSON.stringify(current, null, 2)}\n`);
	// Printed too, so a CI log carries the figures even when the file is not kept.
	process.stdout.write(`[reliability] ${entry.scenario}: ${JSON.stringify(entry.figures)}\n`);
}

/** Runs `task(i)` for i < count with at most `concurrency` in flight: load without unbounded sockets. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
	let next = 0;
	const lane = async (): Promise<void> => {
		while (next < count) await task(next++);
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * The pid of the process listening on this loopback port: the harness starts n8n under a watchdog,
 * so the pid that holds the HTTP socket (n8n itself) is found through /proc, not through the child handle.
 */
export function pidListeningOn(port: number): number {
	const portHex = port.toString(16).toUpperCase().padStart(4, '0');
	const inodes = new Set<string>();
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		if (!existsSync(table)) continue;
		for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
			const columns = line.trim().split(/\s+/);
			// State 0A is LISTEN.
			if (columns[1]?.endsWith(`:${portHex}`) && columns[3] === '0A') inodes.add(columns[9]);
		}
	}
	for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
		let fds: string[];
		try {
			fds = readdirSync(`/proc/${pid}/fd`);
		} catch {
			continue; // another user's process, or gone
		}
		for (const fd of fds) {
			try {
				const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
				if (inodes.has(target.slice('socket:['.length, -1)) && target.startsWith('socket:[')) return Number(pid);
			} catch {
				// closed meanwhile
			}
		}
	}
	throw new Error(`no process listens on 127.0.0.1:${port}`);
}

/** Resident memory in MB, from /proc/<pid>/status (VmRSS). */
export function rssMb(pid: number): number {
	const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!match) throw new Error(`no VmRSS for pid ${pid}`);
	return Math.round(Number(match[1]) / 1024);
}

export function portOf(n8n: N8nInstance): number {
	return Number(new URL(n8n.url).port);
}

/**
 * Every execution of the workflow, oldest first. Pages go by id with both `firstId` and `lastId`
 * set: with either missing, n8n orders finished executions by start time, which an id cursor cannot
 * page through once executions start out of id order (queue mode: 10 of 230 were skipped).
 */
export async function allExecutions(n8n: N8nInstance, workflowId: string): Promise<ExecutionSummary[]> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const all: ExecutionSummary[] = [];
	// PostgreSQL's integer maximum: execution ids are int4 there.
	let lastId = '2147483647';
	for (;;) {
		const page = await n8n.rest<{ results: ExecutionSummary[] }>('GET', `/executions?filter=${filter}&limit=100&firstId=0&lastId=${lastId}`);
		if (page.results.length === 0) break;
		all.push(...page.results);
		lastId = String(Math.min(...page.results.map((execution) => Number(execution.id))));
	}
	return [...new Map(all.map((execution) => [execution.id, execution])).values()].sort((a, b) => Number(a.id) - Number(b.id));
}

const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

/** Waits until the workflow has `count` finished executions, or returns what there is once nothing changed for `quietMs`. */
export async function settleExecutions(n8n: N8nInstance, workflowId: string, count: number, quietMs = 10_000): Promise<ExecutionSummary[]> {
	let seen = -1;
	let changedAt = Date.now();
	for (;;) {
		const executions = await allExecutions(n8n, workflowId);
		const finished = executions.filter((execution) => FINISHED.has(execution.status));
		if (finished.length >= count && finished.length === executions.length) return executions;
		if (executions.length !== seen) {
			seen = executions.length;
			changedAt = Date.now();
		} else if (Date.now() - changedAt > quietMs) return executions;
		await sleep(500);
	}
}

/** The event ids the trigger emitted in each execution (one per execution, as the trigger runs per delivery). */
export async function eventIdsOf(n8n: N8nInstance, executions: ExecutionSummary[]): Promise<string[]> {
	const ids: string[] = [];
	await runPool(executions.length, 8, async (index) => {
		const [items = []] = await nodeOutput(n8n, executions[index].id, TRIGGER);
		ids.push(...new Set(items.map((item) => String(item.eventId))));
	});
	return ids;
}

/** A trigger on the given activities followed by `next` nodes (a No Operation by default). */
export function triggerWorkflow(
	credential: CredentialReference,
	activities: string[],
	next: WorkflowDefinition['nodes'] = [noOperationNode()],
	triggerOptions: INodeParameters = {},
): { workflow: WorkflowDefinition; webhookId: string } {
	const webhookId = randomUUID();
	const trigger = triggerNode(credential, webhookId, { categories: [], activities, options: triggerOptions });
	return { webhookId, workflow: chain(`reliability ${activities.join(',')} ${webhookId.slice(0, 8)}`, [trigger, ...next]) };
}

/** Counts of each value, e.g. executions per event id. */
export function countBy(values: string[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	return counts;
}
