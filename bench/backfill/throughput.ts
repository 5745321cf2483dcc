/**
 * Backfill throughput against the emulator with Stripe's rate limit on and 50 ms added to every
 * request: our two listing operations (Get Many Profiles and the 90-day activity backfill, run
 * through n8n-core's real engine) against the anchor, one sequential cursor over the same lists.
 * Each listing runs in a child process; calls and 429s are read from the emulator's request log.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INodeParameters } from 'n8n-workflow';

import { SUBSCRIPTION_LIST_PARAMS } from '../../nodes/shared/sources/catalog';
import { EVENTS_RETENTION_SECONDS } from '../../nodes/shared/sources/eventsWindow';
import { seedDemoAccount, startEmulator, type RunningEmulator } from '../../emulator';
import { spread, type Spread } from '../stats';
import type { ListSpec, WorkerJob, WorkerResult } from './worker';

const run = promisify(execFile);
const DAY = 86400;
const PAGE_SIZE = 100;
const BACKFILL_DAYS = 90;
/** As backfillSource: invoices are paid or retried after they are created. */
const INVOICE_LOOKBACK_DAYS = 35;

export type WorkloadName = 'profiles' | 'profiles-no-payments' | 'backfill-90d';

export interface ThroughputSettings {
	/** Account sizes and what runs on each: the largest accounts cost minutes per run at 25 req/s. */
	cases: Array<{ customers: number; workloads: WorkloadName[] }>;
	runs: number;
	mode: 'test' | 'live';
	concurrency: number;
	latencyMs: number;
	/** Which historical events the seed keeps (see seedDemoAccount). */
	events: 'none' | 'recent';
	anchorPagesPerList: number;
}

export interface ThroughputRow {
	workload: WorkloadName;
	contender: string;
	customers: number;
	/** Objects the contender's lists hold; the anchor reports what it listed (it may stop early). */
	objects: number;
	itemsOut: number;
	seconds: Spread;
	objectsPerSecond: Spread;
	/** objects/s ÷ (rate limit × 100). */
	percentOfCeiling: Spread;
	calls: Spread;
	callsPerSecond: Spread;
	rateLimited: Spread;
	failedCalls: Spread;
	maxRssMb: Spread;
	errors: string[];
}

interface Workload {
	name: WorkloadName;
	parameters: INodeParameters;
	/** The lists the operation reads, as the anchor walks them. */
	lists: (now: number) => ListSpec[];
}

const CATALOG: ListSpec[] = [
	{ path: '/v1/products', params: {} },
	{ path: '/v1/coupons', params: {} },
];

function workload(name: WorkloadName, concurrency: number): Workload {
	if (name === 'backfill-90d') {
		return {
			name,
			parameters: { resource: 'activity', operation: 'getMany', days: BACKFILL_DAYS, options: { concurrency, fetchCustomers: true } },
			lists: (now) => {
				const from = now - BACKFILL_DAYS * DAY;
				const since = (start: number) => ({ created: { gte: start, lt: now } });
				return [
					...CATALOG,
					{ path: '/v1/customers', params: {} },
					{ path: '/v1/subscriptions', params: SUBSCRIPTION_LIST_PARAMS },
					{ path: '/v1/invoices', params: since(from - INVOICE_LOOKBACK_DAYS * DAY) },
					{ path: '/v1/charges', params: since(from) },
					{ path: '/v1/refunds', params: since(from) },
					{ path: '/v1/disputes', params: since(from) },
					{ path: '/v1/events', params: since(Math.max(from, now - EVENTS_RETENTION_SECONDS)) },
				];
			},
		};
	}
	const includePayments = name === 'profiles';
	const payments: ListSpec[] = [
		{ path: '/v1/charges', params: {} },
		{ path: '/v1/invoices', params: { status: 'paid' } },
	];
	return {
		name,
		parameters: { resource: 'customer', operation: 'getMany', returnAll: true, options: { concurrency, includePayments } },
		lists: () => [
			{ path: '/v1/customers', params: {} },
			...CATALOG,
			{ path: '/v1/subscriptions', params: SUBSCRIPTION_LIST_PARAMS },
			...(includePayments ? payments : []),
		],
	};
}

/** How many objects the emulator holds for these lists, counted straight from its dataset. */
function countObjects(emulator: RunningEmulator, mode: 'test' | 'live', lists: ListSpec[]): number {
	const dataset = emulator.dataset({ mode });
	const collections: Record<string, { values(): object[] }> = {
		'/v1/products': dataset.products,
		'/v1/coupons': dataset.coupons,
		'/v1/customers': dataset.customers,
		'/v1/subscriptions': dataset.subscriptions,
		'/v1/charges': dataset.charges,
		'/v1/invoices': dataset.invoices,
		'/v1/refunds': dataset.refunds,
		'/v1/disputes': dataset.disputes,
		'/v1/events': dataset.events,
	};
	let total = 0;
	for (const { path, params } of lists) {
		const created = params.created as { gte: number; lt: number } | undefined;
		total += (collections[path].values() as Array<{ created: number; status?: unknown }>).filter((object) => {
			if (params.status === 'paid' && object.status !== 'paid') return false;
			return !created || (object.created >= created.gte && object.created < created.lt);
		}).length;
	}
	return total;
}

async function runWorker(job: WorkerJob): Promise<WorkerResult> {
	const { stdout } = await run(process.execPath, [join(__dirname, 'worker.js'), JSON.stringify(job)], { maxBuffer: 1 << 20 });
	return JSON.parse(stdout.trim().split('\n').pop()!) as WorkerResult;
}

interface Sample {
	result: WorkerResult;
	calls: number;
	rateLimited: number;
	failedCalls: number;
}

/** Lets the emulator's token bucket refill so every run starts from the same state. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1100));

async function measure(emulator: RunningEmulator, job: WorkerJob): Promise<Sample> {
	emulator.clearRequestLog();
	const result = await runWorker(job);
	const log = emulator.requestLog();
	await settle();
	return {
		result,
		calls: log.length,
		rateLimited: log.filter((entry) => entry.status === 429).length,
		// A 429 is retried by design; anything else that is not a success is a failure.
		failedCalls: log.filter((entry) => entry.status === null || (entry.status >= 400 && entry.status !== 429)).length,
	};
}

function toRow(workload: WorkloadName, contender: string, customers: number, objects: (sample: Sample) => number, limit: number, samples: Sample[]): ThroughputRow {
	const seconds = samples.map((sample) => sample.result.ms / 1000);
	const perSecond = samples.map((sample, i) => objects(sample) / seconds[i]);
	return {
		workload,
		contender,
		customers,
		objects: objects(samples[0]),
		itemsOut: samples[0].result.items,
		seconds: spread(seconds),
		objectsPerSecond: spread(perSecond),
		percentOfCeiling: spread(perSecond.map((value) => (100 * value) / (limit * PAGE_SIZE))),
		calls: spread(samples.map((sample) => sample.calls)),
		callsPerSecond: spread(samples.map((sample, i) => sample.calls / seconds[i])),
		rateLimited: spread(samples.map((sample) => sample.rateLimited)),
		failedCalls: spread(samples.map((sample) => sample.failedCalls + (sample.result.error ? 1 : 0))),
		maxRssMb: spread(samples.map((sample) => sample.result.maxRssMb)),
		errors: [...new Set(samples.map((sample) => sample.result.error).filter((error): error is string => error !== null))],
	};
}

export async function runThroughputBenchmark(settings: ThroughputSettings, log: (line: string) => void): Promise<ThroughputRow[]> {
	const limit = settings.mode === 'live' ? 100 : 25;
	const rows: ThroughputRow[] = [];
	for (const { customers, workloads } of settings.cases) {
		const emulator = await startEmulator({ rateLimit: true });
		try {
			const seeding = performance.now();
			seedDemoAccount(emulator, { customers, events: settings.events, mode: settings.mode });
			log(`  seeded ${customers.toLocaleString('en-US')} customers in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
			emulator.addFault({ kind: 'latency', latencyMs: settings.latencyMs, rate: 1 });
			const apiKey = settings.mode === 'live' ? emulator.keys.secretLive : emulator.keys.secretTest;
			for (const name of workloads) {
				const work = workload(name, settings.concurrency);
				const contender: Sample[] = [];
				const anchor: Sample[] = [];
				let objects = 0;
				for (let i = 0; i < settings.runs; i++) {
					const lists = work.lists(Math.floor(Date.now() / 1000));
					objects = countObjects(emulator, settings.mode, lists);
					contender.push(await measure(emulator, { kind: 'node', url: emulator.url, apiKey, parameters: work.parameters }));
					anchor.push(await measure(emulator, { kind: 'anchor', url: emulator.url, apiKey, lists, pagesPerList: settings.anchorPagesPerList }));
					log(`  ${name} ${customers}: run ${i + 1}/${settings.runs}: ours ${(contender[i].result.ms / 1000).toFixed(1)} s, anchor ${(anchor[i].result.ms / 1000).toFixed(1)} s`);
				}
				const ours = `Stripe Lifecycle node in n8n-core, concurrency ${settings.concurrency}`;
				rows.push(toRow(name, ours, customers, () => objects, limit, contender));
				rows.push(toRow(name, `anchor: one cursor, first ${settings.anchorPagesPerList} pages per list`, customers, (sample) => sample.result.items, limit, anchor));
			}
		} finally {
			await emulator.close();
		}
	}
	return rows;
}
