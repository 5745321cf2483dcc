/**
 * Batched sync at 10k, 50k and 100k customers (issue 18): peak RSS should stay flat in account size
 * and objects/s near the rate limit's ceiling, measured twice:
 * - the node process alone: template 06's two batched operations run cursor after cursor through
 *   n8n-core's engine in a child process (nodeWorker.ts), rows counted and dropped;
 * - a real n8n with the packed package running template 06 into PostgreSQL, its process tree's RSS
 *   sampled from /proc.
 * The emulator always runs in a third process (emulatorProcess.ts), with Stripe's test-mode rate
 * limit (25 req/s) and added latency as in section 1.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INode, INodeParameters } from 'n8n-workflow';

import { emulatorKeyCredential } from '../../dev/credentials';
import { startN8n } from '../../dev/n8n';
import { POSTGRES_SYNC, START_NODE, databaseNow, syncState, waitForSyncDone } from '../../test/e2e/support/initialSync';
import { POSTGRES_CREDENTIAL, sql } from '../../test/e2e/support/postgres';
import type { EmulatorJob, EmulatorReady, EmulatorRequest, EmulatorStats } from './emulatorProcess';
import type { NodeSyncJob, PhaseResult, SyncPhase } from './nodeWorker';

const TEMPLATE = join(__dirname, '..', '..', '..', '..', 'templates', '06-initial-sync-postgres.json');
const RATE_LIMIT = 25;
const PAGE_SIZE = 100;
export const CEILING = RATE_LIMIT * PAGE_SIZE;
const SAMPLE_MS = 250;
/**
 * As the template e2e: the emulator's clock stands an hour behind the wall clock n8n reads, so the
 * facts the seed plays a minute after its now are not in a future the sync rightly leaves out.
 */
const EMULATOR_BEHIND_S = 3600;

export interface SyncSettings {
	sizes: number[];
	batchSize: number;
	days: number;
	latencyMs: number;
	/** Per n8n run: the sync must be done by then. */
	timeoutMinutes: number;
	/**
	 * docs/SYNC.md's settings for a large sync, set on n8n's process and on the node process alike, so
	 * both run as a user is told to run n8n. Absent from runs before it was recorded.
	 */
	environment?: Record<string, string>;
}

export interface SyncPhaseFigures {
	phase: SyncPhase;
	seconds: number;
	objects: number;
	calls: number;
	rateLimited: number;
	failed: number;
	batches: number;
	rows: number;
	/** Absent from runs before it was recorded. */
	byPath?: EmulatorStats['byPath'];
}

export interface SyncRow {
	contender: 'node process' | 'n8n template 06';
	customers: number;
	seconds: number;
	objects: number;
	objectsPerSecond: number;
	percentOfCeiling: number;
	calls: number;
	objectsPerCall: number;
	rateLimited: number;
	failed: number;
	/** Rows handed out (node process) or stored in the tables (n8n): profiles + activities. */
	rows: { profiles: number; activities: number };
	/** The emulator's customers (not deleted): what the profiles must number. */
	datasetCustomers: number;
	peakRssMb: number;
	/** n8n only: its process tree's RSS once started and the workflow published, before the sync. */
	idleRssMb?: number;
	phases: SyncPhaseFigures[];
	error: string | null;
}

/** The seeded emulator in its own process, with a typed request/answer over IPC. */
class EmulatorProcess {
	private constructor(
		private readonly child: ChildProcess,
		readonly ready: EmulatorReady,
	) {}

	static async start(job: EmulatorJob): Promise<EmulatorProcess> {
		// The 100k account needs more heap than Node's default.
		const child = fork(join(__dirname, 'emulatorProcess.js'), [JSON.stringify(job)], { execArgv: ['--max-old-space-size=8192'] });
		const [ready] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => Promise.reject(new Error('the emulator process exited before it was ready')))])) as [EmulatorReady];
		return new EmulatorProcess(child, ready);
	}

	async ask<T>(request: EmulatorRequest): Promise<T> {
		const answer = once(this.child, 'message');
		this.child.send(request);
		return (await answer)[0] as T;
	}

	async stop(): Promise<void> {
		const exited = once(this.child, 'exit');
		this.child.disconnect();
		await exited;
	}
}

function templateWorkflow(): { nodes: INode[] } {
	return JSON.parse(readFileSync(TEMPLATE, 'utf8')) as { nodes: INode[] };
}

/** Template 06's two Stripe Lifecycle nodes' parameters with its Settings' expressions filled in. */
function templateParameters(settings: SyncSettings): Record<SyncPhase, INodeParameters> {
	const nodes = templateWorkflow().nodes;
	const parameters = (name: string) => ({ ...nodes.find((node) => node.name === name)!.parameters, batchSize: settings.batchSize });
	return { profiles: parameters('Get a batch of customer profiles'), activities: { ...parameters('Get a batch of activities'), days: settings.days } };
}

/** The template as a user has it after filling in its Settings node. */
function configuredTemplate(values: Record<string, string | number>): object {
	const workflow = templateWorkflow();
	const assignments = (workflow.nodes.find((node) => node.name === 'Settings')!.parameters.assignments as { assignments: Array<{ name: string; value: unknown }> }).assignments;
	for (const [name, value] of Object.entries(values)) assignments.find((entry) => entry.name === name)!.value = value;
	return workflow;
}

/** `later` minus `earlier`, path by path: the emulator's figures for the second phase of one run. */
function pathsSince(later: EmulatorStats['byPath'], earlier: EmulatorStats['byPath']): EmulatorStats['byPath'] {
	const since: EmulatorStats['byPath'] = {};
	for (const [path, { calls, objects }] of Object.entries(later)) {
		const before = earlier[path] ?? { calls: 0, objects: 0 };
		if (calls > before.calls) since[path] = { calls: calls - before.calls, objects: objects - before.objects };
	}
	return since;
}

/** `/v1/charges 120 calls 98.5/call, …`, the busiest list first. */
export const describePaths = (byPath: EmulatorStats['byPath']) =>
	Object.entries(byPath)
		.sort(([, a], [, b]) => b.calls - a.calls)
		.map(([path, { calls, objects }]) => `${path} ${calls} calls ${(objects / calls).toFixed(1)}/call`)
		.join(', ');

function row(contender: SyncRow['contender'], customers: number, datasetCustomers: number, phases: SyncPhaseFigures[], peakRssMb: number, error: string | null): SyncRow {
	const sum = (key: 'seconds' | 'objects' | 'calls' | 'rateLimited' | 'failed') => phases.reduce((total, phase) => total + phase[key], 0);
	const seconds = sum('seconds');
	const objectsPerSecond = sum('objects') / seconds;
	const rows = (phase: SyncPhase) => phases.find((candidate) => candidate.phase === phase)?.rows ?? 0;
	return {
		contender,
		customers,
		seconds,
		objects: sum('objects'),
		objectsPerSecond,
		percentOfCeiling: (100 * objectsPerSecond) / CEILING,
		calls: sum('calls'),
		objectsPerCall: sum('objects') / Math.max(1, sum('calls')),
		rateLimited: sum('rateLimited'),
		failed: sum('failed'),
		rows: { profiles: rows('profiles'), activities: rows('activities') },
		datasetCustomers,
		peakRssMb,
		phases,
		error,
	};
}

async function runNodeProcess(emulator: EmulatorProcess, customers: number, settings: SyncSettings, log: (line: string) => void): Promise<SyncRow> {
	const job: NodeSyncJob = { url: emulator.ready.url, apiKey: emulator.ready.apiKey, parameters: templateParameters(settings) };
	await emulator.ask('reset');
	const worker = fork(join(__dirname, 'nodeWorker.js'), [JSON.stringify(job)], { env: { ...process.env, ...settings.environment } });
	const exited = once(worker, 'exit');
	const phases: SyncPhaseFigures[] = [];
	let peakRssMb = 0;
	let error: string | null = null;
	for (const phase of ['profiles', 'activities'] as const) {
		const [result] = (await once(worker, 'message')) as [PhaseResult];
		const stats = await emulator.ask<EmulatorStats>('stats');
		await emulator.ask('reset');
		phases.push({ phase, seconds: result.ms / 1000, objects: stats.objects, calls: stats.calls, rateLimited: stats.rateLimited, failed: stats.failed, batches: result.batches, rows: result.rows, byPath: stats.byPath });
		peakRssMb = result.maxRssMb;
		error ??= result.error;
		log(`  node process ${customers}: ${phase} ${result.rows} rows in ${result.batches} batches, ${(result.ms / 1000).toFixed(1)} s, ${stats.objects} objects in ${stats.calls} calls (${describePaths(stats.byPath)})${result.error ? `, error: ${result.error}` : ''}`);
		if (phase === 'profiles') worker.send('next');
	}
	await exited;
	return row('node process', customers, emulator.ready.customers, phases, peakRssMb, error);
}

/** Parent pid of every process, from /proc. */
function processParents(): Map<number, number> {
	const parents = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// The command may hold spaces and parentheses: the fields after its closing one are fixed.
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
		} catch {
			// The process ended while the list was read.
		}
	}
	return parents;
}

function rssKb(pid: number): number {
	try {
		return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
	} catch {
		return 0;
	}
}

/**
 * RSS of n8n's process tree: the processes under the harness's watchdog (n8n and the task runner it
 * spawns), not the watchdog itself, which only forwards signals.
 */
function n8nTree(): Array<{ pid: number; name: string; rssMb: number }> {
	const parents = processParents();
	const watchdogs = [...parents.keys()].filter((pid) => {
		try {
			return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('n8n-watchdog.cjs') && isDescendant(parents, pid, process.pid);
		} catch {
			return false;
		}
	});
	return [...parents.keys()]
		.filter((pid) => watchdogs.some((watchdog) => pid !== watchdog && isDescendant(parents, pid, watchdog)))
		.map((pid) => ({ pid, name: commandName(pid), rssMb: rssKb(pid) / 1024 }));
}

function commandName(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).map((part) => part.split('/').pop()).join(' ');
	} catch {
		return '?';
	}
}

const treeMb = (tree: Array<{ rssMb: number }>) => tree.reduce((total, process) => total + process.rssMb, 0);
const describeTree = (tree: Array<{ name: string; rssMb: number }>) => tree.map((process) => `${process.name} ${process.rssMb.toFixed(0)} MB`).join(', ');

function isDescendant(parents: Map<number, number>, pid: number, ancestor: number): boolean {
	for (let current = parents.get(pid); current !== undefined && current > 1; current = parents.get(current)) if (current === ancestor) return true;
	return false;
}

async function runN8nTemplate(emulator: EmulatorProcess, customers: number, settings: SyncSettings, log: (line: string) => void): Promise<SyncRow> {
	const schema = `bench_sync_${customers}_${Date.now().toString(36)}`;
	const importDir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
	await sql(`CREATE SCHEMA ${schema}`);
	const n8n = await startN8n({ env: settings.environment ?? {} });
	let peakRssMb = 0;
	let peakTree: ReturnType<typeof n8nTree> = [];
	const sampler = setInterval(() => {
		const tree = n8nTree();
		if (treeMb(tree) > peakRssMb) [peakRssMb, peakTree] = [treeMb(tree), tree];
	}, SAMPLE_MS);
	try {
		await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe Restricted Key', emulatorKeyCredential(emulator.ready, emulator.ready.apiKey));
		await n8n.createCredential('postgres', 'Postgres account', POSTGRES_CREDENTIAL);
		const file = join(importDir, 'template.json');
		writeFileSync(file, JSON.stringify(configuredTemplate({ schema, batchSize: settings.batchSize, days: settings.days })));
		await n8n.runCli(['import:workflow', `--input=${file}`]);
		await n8n.activateWorkflow(POSTGRES_SYNC);
		const idle = n8nTree();
		log(`  n8n ${customers}: idle before the sync: ${describeTree(idle)}`);
		await emulator.ask('reset');
		const since = await databaseNow();
		const started = performance.now();
		let error: string | null = null;
		const progress = setInterval(() => log(`  n8n ${customers}: ${((performance.now() - started) / 1000).toFixed(0)} s, peak RSS ${peakRssMb.toFixed(0)} MB`), 60_000);
		// The profiles end when the state says so: the emulator's figures then split the two phases.
		let profilesDone: { seconds: number; stats: EmulatorStats } | undefined;
		let finished = false;
		const watching = (async () => {
			while (!profilesDone && error === null && !finished) {
				if ((await syncState(schema)).get('profiles')?.done) profilesDone = { seconds: (performance.now() - started) / 1000, stats: await emulator.ask<EmulatorStats>('stats') };
				else await new Promise((done) => setTimeout(done, SAMPLE_MS));
			}
		})();
		try {
			await waitForSyncDone(n8n, schema, since, await n8n.runManually(POSTGRES_SYNC, START_NODE), settings.timeoutMinutes * 60_000);
		} catch (caught) {
			error = caught instanceof Error ? caught.message : String(caught);
		} finally {
			finished = true;
			clearInterval(progress);
			await watching;
		}
		const seconds = (performance.now() - started) / 1000;
		const stats = await emulator.ask<EmulatorStats>('stats');
		const count = async (table: string) => Number((await sql(`SELECT count(*) FROM ${schema}.${table}`).catch(() => ['0']))[0]);
		const stored = { profiles: await count('stripe_customers'), activities: await count('stripe_activities') };
		log(`  n8n ${customers}: ${stored.profiles} customers and ${stored.activities} activities stored in ${seconds.toFixed(0)} s, ${stats.objects} objects in ${stats.calls} calls, peak RSS ${peakRssMb.toFixed(0)} MB (${describeTree(peakTree)}; ${treeMb(idle).toFixed(0)} MB idle)${error ? `, error: ${error}` : ''}`);
		// Both lists run in one chain of executions; the moment the profiles were done splits it.
		const first = profilesDone ?? { seconds, stats };
		const minus = (key: 'objects' | 'calls' | 'rateLimited' | 'failed') => stats[key] - first.stats[key];
		log(`  n8n ${customers}: profiles ${describePaths(first.stats.byPath)}; activities ${describePaths(pathsSince(stats.byPath, first.stats.byPath))}`);
		const phases: SyncPhaseFigures[] = [
			{ phase: 'profiles', seconds: first.seconds, ...first.stats, batches: 0, rows: stored.profiles },
			{
				phase: 'activities',
				seconds: seconds - first.seconds,
				objects: minus('objects'),
				calls: minus('calls'),
				rateLimited: minus('rateLimited'),
				failed: minus('failed'),
				batches: 0,
				rows: stored.activities,
				byPath: pathsSince(stats.byPath, first.stats.byPath),
			},
		];
		return { ...row('n8n template 06', customers, emulator.ready.customers, phases, peakRssMb, error), idleRssMb: treeMb(idle) };
	} finally {
		clearInterval(sampler);
		await n8n.stop();
		await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
		rmSync(importDir, { recursive: true, force: true });
	}
}

export async function runSyncBenchmark(settings: SyncSettings, log: (line: string) => void): Promise<SyncRow[]> {
	const rows: SyncRow[] = [];
	for (const customers of settings.sizes) {
		const emulator = await EmulatorProcess.start({ customers, latencyMs: settings.latencyMs, now: Math.floor(Date.now() / 1000) - EMULATOR_BEHIND_S });
		try {
			log(`  seeded ${customers.toLocaleString('en-US')} customers in ${emulator.ready.seedSeconds.toFixed(1)} s (emulator in its own process)`);
			rows.push(await runNodeProcess(emulator, customers, settings, log));
			rows.push(await runN8nTemplate(emulator, customers, settings, log));
		} finally {
			await emulator.stop();
		}
	}
	return rows;
}
