/**
 * What the reliability suite shares besides dev/n8n/load.ts: the figures file docs/RELIABILITY.md is
 * built from, n8n's resident memory, and the event ids each execution carried.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { nodeOutput, TRIGGER, type ExecutionSummary, type N8nInstance } from '../../dev/n8n';
import { runPool } from '../../dev/n8n/load';
import { REPO_ROOT } from '../../dev/n8n/package';

/** Heavier variants (10,000 hostile requests instead of 2,000, 100 real activation cycles) run with RELIABILITY_FULL=1. */
export const FULL = process.env.RELIABILITY_FULL === '1';

export const FIGURES_FILE = join(REPO_ROOT, '.tmp', 'reliability.json');

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

/** The event ids the trigger emitted in each execution (one per execution, as the trigger runs per delivery). */
export async function eventIdsOf(n8n: N8nInstance, executions: ExecutionSummary[]): Promise<string[]> {
	const ids: string[] = [];
	await runPool(executions.length, 8, async (index) => {
		const [items = []] = await nodeOutput(n8n, executions[index].id, TRIGGER);
		ids.push(...new Set(items.map((item) => String(item.eventId))));
	});
	return ids;
}

/** Counts of each value, e.g. executions per event id. */
export function countBy(values: string[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	return counts;
}
