/**
 * `npm run bench`: every benchmark, printed as tables and written to bench/results.json and
 * bench/RESULTS.md. BENCH_QUICK=1 runs a smoke version (small sizes, fewer runs).
 * BENCH_ONLY=coldstart,n8n runs only those sections and keeps the others' last figures, each with
 * its own date and load, so a long section can be re-run on a quiet machine without the rest.
 *
 * Compiled with `tsc -p tsconfig.tools.json` into .tmp/tools (no ts-node in the project).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

import { runN8nWebhookBenchmark, type N8nWebhookRow, type N8nWebhookSettings } from './e2e/n8nWebhooks';
import { runColdStartBenchmark, type ColdStartRow, type ColdStartSettings } from './coldstart';
import { runThroughputBenchmark, type ThroughputRow, type ThroughputSettings } from './backfill/throughput';
import { runMetricsBenchmark, type MetricsRow, type MetricsSettings } from './metrics/scale';
import { CEILING, describePaths, runSyncBenchmark, type SyncPhaseFigures, type SyncRow, type SyncSettings } from './sync/batched';
import { formatSpread, QUICK, type Spread } from './stats';
import { runWebhookBenchmark, type WebhookRow, type WebhookSettings } from './webhook';

/** The n8n release this package is tested against (dev/n8n installs it). */
const N8N_VERSION = '2.40.7';
const BENCH_DIR = join(__dirname, '..', '..', '..', 'bench');
const REPO_DIR = join(BENCH_DIR, '..');

const TARGETS = {
	percentOfCeiling: 90,
	/** The issue sets the throughput target for 10k and 50k customers. */
	throughputFromCustomers: 10000,
	handlerOverFloor: 2,
	/** Ours ÷ n8n's Webhook node for p50, p99 and events/s. */
	e2eOverFloor: 1.1,
	/** Time per subscription at the largest size over the smallest's; above this it is not linear. */
	linearity: 1.5,
	/** Batched sync (issue 18): peak RSS at the largest account, and largest ÷ smallest for "flat". */
	syncPeakRssMb: 1024,
	syncFlatness: 1.2,
	syncPercentOfCeiling: 85,
};

const THROUGHPUT: ThroughputSettings = {
	cases: QUICK
		? [{ customers: 1000, workloads: ['profiles', 'backfill-90d'] }]
		: [
				{ customers: 1000, workloads: ['profiles', 'backfill-90d'] },
				{ customers: 10000, workloads: ['profiles', 'backfill-90d'] },
				// With payment history a 50k account is ~290k objects, two minutes a run at 25 req/s.
				{ customers: 50000, workloads: ['profiles-no-payments'] },
			],
	runs: QUICK ? 2 : 5,
	mode: 'test',
	concurrency: 4,
	latencyMs: 50,
	events: 'none',
	anchorPagesPerList: 20,
};
const WEBHOOK: WebhookSettings = { runs: QUICK ? 3 : 7, deliveriesPerKb: QUICK ? 2000 : 20000 };
const METRICS: MetricsSettings = { sizes: QUICK ? [10000, 50000] : [10000, 100000, 500000], runs: QUICK ? 2 : 5 };
/**
 * n8n's defaults, then its legacy expression engine: n8n lets only its own Webhook node skip the
 * expression isolate (see bench/e2e/n8nWebhooks.ts), so the second setup shows our own cost.
 */
const N8N_E2E: N8nWebhookSettings[] = ([{}, { N8N_EXPRESSION_ENGINE: 'legacy' }] as Array<Record<string, string>>).map((n8nEnv) => ({
	runs: QUICK ? 2 : 5,
	eventsPerRun: QUICK ? 100 : 300,
	concurrency: 8,
	n8nEnv,
}));
const SYNC: SyncSettings = {
	sizes: QUICK ? [2000] : [10000, 50000, 100000],
	// Template 06's own batch size, and docs/SYNC.md's settings for a large sync ("Large accounts: n8n's own memory").
	batchSize: 2000,
	days: 90,
	latencyMs: 50,
	timeoutMinutes: 90,
	environment: { NODE_OPTIONS: '--max-semi-space-size=16 --max-old-space-size=768', MALLOC_ARENA_MAX: '2' },
};
const COLD_START: ColdStartSettings = { repoDir: REPO_DIR, paths: QUICK ? ['npm run dev'] : ['npm test', 'npm run dev'] };

function machine() {
	const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
	const version = (path: string) => (JSON.parse(readFileSync(join(REPO_DIR, 'node_modules', path, 'package.json'), 'utf8')) as { version: string }).version;
	return {
		cpus: os.availableParallelism(),
		cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
		memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
		node: process.version,
		n8n: N8N_VERSION,
		n8nCore: version('n8n-core'),
		n8nWorkflow: version('n8n-workflow'),
	};
}
type Machine = ReturnType<typeof machine>;

const loadAverage = () => os.loadavg().map((load) => Math.round(load * 100) / 100);

const s = (figure: Spread, decimals = 0) => formatSpread(figure, decimals);

function throughputTable(rows: ThroughputRow[]): string {
	const header = '| workload | customers | contender | objects | time s | objects/s | % of ceiling | calls | calls/s | 429s | failed | peak RSS MB |';
	const lines = rows.map(
		(row) =>
			`| ${row.workload} | ${row.customers.toLocaleString('en-US')} | ${row.contender} | ${row.objects.toLocaleString('en-US')} | ${s(row.seconds, 1)} | ${s(row.objectsPerSecond)} | ${s(row.percentOfCeiling, 1)} | ${s(row.calls)} | ${s(row.callsPerSecond, 1)} | ${s(row.rateLimited)} | ${s(row.failedCalls)} | ${s(row.maxRssMb)} |`,
	);
	return [header, header.replace(/[^|]+/g, '---'), ...lines].join('\n');
}

function webhookTable(rows: WebhookRow[]): string {
	const header = '| event | bytes | deliveries per run | handleDelivery µs | the same, de-duplication store full µs | floor µs (HMAC + JSON.parse) | handler ÷ floor |';
	const lines = rows.map(
		(row) =>
			`| ${row.eventType} | ${row.bytes.toLocaleString('en-US')} | ${row.deliveries.toLocaleString('en-US')} | ${s(row.handlerMicros, 1)} | ${s(row.handlerAtCapacityMicros, 1)} | ${s(row.floorMicros, 1)} | ${s(row.ratio, 2)} |`,
	);
	return [header, header.replace(/[^|]+/g, '---'), ...lines].join('\n');
}

function coldStartTable(rows: ColdStartRow[]): string {
	const header = '| path | caches | npm ci s | command s | total s | result | load at start |';
	const lines = rows.map(
		(row) =>
			`| ${row.path} | ${row.cache} | ${row.npmCiSeconds.toFixed(0)} | ${row.commandSeconds.toFixed(0)} | ${row.totalSeconds.toFixed(0)} | ${row.exitCode === 0 ? '' : `exit ${row.exitCode}: `}${row.summary.replace(/\|/g, '/')} | ${row.loadAverageAtStart} |`,
	);
	return [header, header.replace(/[^|]+/g, '---'), ...lines].join('\n');
}

/** The two setups of N8N_E2E, as the table and the verdicts name them. */
const setupName = (row: N8nWebhookRow) => (row.n8nSetup.includes('N8N_EXPRESSION_ENGINE=legacy') ? 'legacy expression engine' : "n8n's defaults");

function n8nWebhookTable(rows: N8nWebhookRow[]): string {
	const header = '| n8n setup | contender | events/s | p50 ms | p99 ms | executions per run | ours ÷ floor: p50 / p99 / events/s |';
	const lines = rows.map((row) => {
		const setup = setupName(row);
		if (!row.figures) return `| ${setup} | ${row.contender} | not measured: ${row.notMeasured} | | | | |`;
		const ratio = row.overFloor ? `${s(row.overFloor.p50, 2)} / ${s(row.overFloor.p99, 2)} / ${s(row.overFloor.eventsPerSecond, 2)}` : '—';
		return `| ${setup} | ${row.contender} | ${s(row.figures.eventsPerSecond, 1)} | ${s(row.figures.p50Ms)} | ${s(row.figures.p99Ms)} | ${s(row.figures.executions)} | ${ratio} |`;
	});
	return [header, header.replace(/[^|]+/g, '---'), ...lines].join('\n');
}

function metricsTable(rows: MetricsRow[]): string {
	const header = '| subscriptions | add ms | snapshot ms | 30-day report ms | total ms | µs per subscription | vs smallest | naive MRR pass ms | peak RSS MB (baseline) |';
	const lines = rows.map(
		(row) =>
			`| ${row.subscriptions.toLocaleString('en-US')} | ${s(row.addMs)} | ${s(row.snapshotMs)} | ${s(row.reportMs)} | ${s(row.totalMs)} | ${s(row.microsPerSubscription, 2)} | ${row.linearity.toFixed(2)}× | ${s(row.naiveMs, 1)} | ${s(row.maxRssMb)} (${row.baselineRssMb.toFixed(0)}) |`,
	);
	return [header, header.replace(/[^|]+/g, '---'), ...lines].join('\n');
}

/** A figure for a table: thousands separated, a fixed number of decimals. */
function n(value: number, decimals = 0): string {
	return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function syncTable(rows: SyncRow[]): string {
	const header =
		'| contender | customers | objects | time s (profiles + activities) | objects/s | % of ceiling | calls | objects per call | 429s | failed | rows: profiles / activities | emulator customers | peak RSS MB (idle before the sync) |';
	const lines = rows.map((row) => {
		const [profiles, activities] = row.phases;
		return `| ${row.contender} | ${n(row.customers)} | ${n(row.objects)} | ${n(row.seconds)} (${n(profiles.seconds)} + ${n(activities.seconds)}) | ${n(row.objectsPerSecond)} | ${n(row.percentOfCeiling, 1)} | ${n(row.calls)} | ${n(row.objectsPerCall, 1)} (${n(profiles.objects / Math.max(1, profiles.calls), 1)} / ${n(activities.objects / Math.max(1, activities.calls), 1)}) | ${n(row.rateLimited)} | ${n(row.failed)}${row.error ? ` + error: ${row.error.replace(/\|/g, '/').slice(0, 200)}` : ''} | ${n(row.rows.profiles)} / ${n(row.rows.activities)} | ${n(row.datasetCustomers)} | ${n(row.peakRssMb)}${row.idleRssMb === undefined ? '' : ` (${n(row.idleRssMb)})`} |`;
	});
	return [header, header.replace(/[^|]+/g, '---'), ...lines].join('\n');
}

/** The lists whose pages were not full, e.g. ones read again every batch: where calls go without objects. */
function thinLists(byPath: SyncPhaseFigures['byPath']): string {
	if (!byPath) return 'not recorded';
	const thin = Object.entries(byPath).filter(([, { calls, objects }]) => objects / calls < 90);
	return thin.length === 0 ? 'none' : describePaths(Object.fromEntries(thin));
}

/** Each phase on its own, to show which one holds the objects/s back and why (pages not full, or calls below the limit). */
function syncPhaseTable(rows: SyncRow[]): string {
	const header = '| contender | customers | phase | time s | objects | objects/s | % of ceiling | calls/s | objects per call | batches | lists under 90 objects per call: calls, objects per call |';
	const lines = rows.flatMap((row) =>
		row.phases.map((phase) => {
			const perSecond = phase.objects / phase.seconds;
			return `| ${row.contender} | ${n(row.customers)} | ${phase.phase} | ${n(phase.seconds, 1)} | ${n(phase.objects)} | ${n(perSecond)} | ${n((100 * perSecond) / CEILING, 1)} | ${n(phase.calls / phase.seconds, 1)} | ${n(phase.objects / Math.max(1, phase.calls), 1)} | ${phase.batches || '—'} | ${thinLists(phase.byPath)} |`;
		}),
	);
	return [header, header.replace(/[^|]+/g, '---'), ...lines].join('\n');
}

/** One section's latest run: its own date and load, because sections may be re-run alone. */
interface SectionRun<Row, Settings> {
	date: string;
	minutes: number;
	quick: boolean;
	loadAverage: { start: number[]; end: number[] };
	settings: Settings;
	rows: Row[];
}

interface Sections {
	throughput?: SectionRun<ThroughputRow, ThroughputSettings>;
	webhook?: SectionRun<WebhookRow, WebhookSettings>;
	metrics?: SectionRun<MetricsRow, MetricsSettings>;
	n8n?: SectionRun<N8nWebhookRow, N8nWebhookSettings[]>;
	coldstart?: SectionRun<ColdStartRow, ColdStartSettings>;
	sync?: SectionRun<SyncRow, SyncSettings>;
}
type SectionName = keyof Sections;
const SECTION_NAMES: SectionName[] = ['throughput', 'webhook', 'metrics', 'n8n', 'coldstart', 'sync'];

interface Results {
	machine: Machine;
	targets: typeof TARGETS;
	sections: Sections;
}

const mark = (met: boolean) => (met ? 'met' : 'MISSED');

function verdicts(sections: Sections): string[] {
	const lines: string[] = [];
	for (const row of sections.throughput?.rows.filter((candidate) => !candidate.contender.startsWith('anchor')) ?? []) {
		if (row.customers < TARGETS.throughputFromCustomers) {
			lines.push(`- Throughput ${row.workload}, ${row.customers.toLocaleString('en-US')} customers: ${row.percentOfCeiling.median.toFixed(1)}% of the ceiling, ${row.failedCalls.max} failed calls (below the target's account sizes; shown for the partial-page cost of small lists).`);
			continue;
		}
		const met = row.percentOfCeiling.median >= TARGETS.percentOfCeiling && row.failedCalls.max === 0;
		lines.push(
			`- Throughput ${row.workload}, ${row.customers.toLocaleString('en-US')} customers: ${row.percentOfCeiling.median.toFixed(1)}% of the ceiling, ${row.failedCalls.max} failed calls, ${row.rateLimited.max} 429s at most (target ≥ ${TARGETS.percentOfCeiling}% and 0 failed): ${mark(met)}.`,
		);
	}
	for (const row of sections.webhook?.rows ?? []) {
		lines.push(`- Webhook ${row.bytes.toLocaleString('en-US')} B: handler ${row.ratio.median.toFixed(2)}× the floor (target ≤ ${TARGETS.handlerOverFloor}×): ${mark(row.ratio.median <= TARGETS.handlerOverFloor)}.`);
	}
	const metrics = sections.metrics?.rows ?? [];
	if (metrics.length > 1) {
		const largest = metrics[metrics.length - 1];
		lines.push(
			`- Metrics linearity: ${largest.subscriptions.toLocaleString('en-US')} subscriptions cost ${largest.linearity.toFixed(2)}× the time per subscription of ${metrics[0].subscriptions.toLocaleString('en-US')} (roughly linear if ≤ ${TARGETS.linearity}×): ${mark(largest.linearity <= TARGETS.linearity)}.`,
		);
	}
	for (const row of sections.n8n?.rows ?? []) {
		if (!row.overFloor) continue;
		const ratios = [row.overFloor.p50.median, row.overFloor.p99.median, row.overFloor.eventsPerSecond.median];
		const setup = setupName(row);
		lines.push(
			`- End to end in n8n (${setup}): ours ÷ Webhook node ${ratios.map((ratio) => ratio.toFixed(2)).join(' / ')} for p50 / p99 / events/s (target ≤ ${TARGETS.e2eOverFloor}): ${mark(ratios.every((ratio) => ratio <= TARGETS.e2eOverFloor))}.`,
		);
	}
	for (const row of sections.coldstart?.rows ?? []) {
		lines.push(`- Cold start, ${row.path} (${row.cache}): ${(row.totalSeconds / 60).toFixed(1)} min from \`npm ci\` to ${row.path === 'npm test' ? 'its end' : 'ready'}, ${row.exitCode === 0 ? 'passing' : `FAILED (exit ${row.exitCode})`} (no target; figures only).`);
	}
	lines.push(...syncVerdicts(sections.sync?.rows ?? []));
	return lines;
}

function syncVerdicts(rows: SyncRow[]): string[] {
	const lines: string[] = [];
	for (const contender of ['node process', 'n8n template 06'] as const) {
		const sized = rows.filter((row) => row.contender === contender).sort((a, b) => a.customers - b.customers);
		if (sized.length === 0) continue;
		const [smallest, largest] = [sized[0], sized[sized.length - 1]];
		const size = (row: SyncRow) => `${row.customers.toLocaleString('en-US')} customers`;
		lines.push(
			`- Batched sync, ${contender}: peak RSS ${largest.peakRssMb.toFixed(0)} MB at ${size(largest)} (target < ${TARGETS.syncPeakRssMb} MB at 100,000): ${mark(largest.peakRssMb < TARGETS.syncPeakRssMb)}.`,
		);
		if (sized.length > 1) {
			const ratio = largest.peakRssMb / smallest.peakRssMb;
			lines.push(
				`- Batched sync, ${contender}: peak RSS ${ratio.toFixed(2)}× from ${size(smallest)} (${smallest.peakRssMb.toFixed(0)} MB) to ${size(largest)} (flat if ≤ ${TARGETS.syncFlatness}×): ${mark(ratio <= TARGETS.syncFlatness)}.`,
			);
		}
		for (const row of sized) {
			const met = row.percentOfCeiling >= TARGETS.syncPercentOfCeiling && row.failed === 0 && row.error === null;
			lines.push(
				`- Batched sync, ${contender}, ${size(row)}: ${row.percentOfCeiling.toFixed(1)}% of the ceiling, ${row.objectsPerCall.toFixed(1)} objects per call, ${row.failed} failed calls${row.error ? ', the run ended in an error' : ''} (target ≥ ${TARGETS.syncPercentOfCeiling}%): ${mark(met)}.`,
			);
		}
	}
	return lines;
}

function runLine(run: SectionRun<unknown, unknown>): string {
	const busy = run.loadAverage.start[0] > 2.5 || run.loadAverage.end[0] > 2.5;
	return `Run ${run.date}${run.quick ? ' with BENCH_QUICK=1 (smoke run, not for comparison)' : ''}, ${run.minutes.toFixed(1)} min; load average (1 min) ${run.loadAverage.start[0]} at start, ${run.loadAverage.end[0]} at the end${busy ? ' — the machine was shared with other work, so times are pessimistic' : ''}.`;
}

function throughputSection(run: SectionRun<ThroughputRow, ThroughputSettings>): string {
	const settings = run.settings;
	const limit = settings.mode === 'live' ? 100 : 25;
	return `## 1. Backfill throughput

${runLine(run)}

Against the in-process emulator with Stripe's rate limit on (${settings.mode} key: ${limit} requests/s) and ${settings.latencyMs} ms added to every request.
The ceiling is ${limit} req/s × 100 objects per page = ${(limit * 100).toLocaleString('en-US')} objects/s. ${settings.runs} runs per row; each run measures ours and then the anchor.

- Ours: the Stripe Lifecycle node run through n8n-core's real engine (\`runNode\`), in its own process (peak RSS = that process's maxRSS, including n8n-core).
  \`profiles\` = Customer → Get Many (return all, payment history on: customers, subscriptions, charges, paid invoices, products, coupons);
  \`profiles-no-payments\` = the same with "Include Payment History" off (the option for large accounts);
  \`backfill-90d\` = Activity → Get Many, 90 days, customer email and name on (customers, subscriptions, invoices, charges, refunds, disputes, events).
- Anchor: one cursor, limit 100, one request after another over the same lists, as n8n's built-in Stripe node pages. A single cursor's rate does not depend on the list's length, so it reads at most the first ${settings.anchorPagesPerList} pages of each list; its objects/s is over what it read.
- Objects: what the lists hold, counted in the emulator's dataset. Calls and 429s come from the emulator's request log; "failed" counts responses that are neither a success nor a 429 (which the client retries), plus a run that ended in an error.
- The seeded accounts keep no historical events (\`events: 'none'\`), so the backfill rebuilds from objects; the 50,000-customer account runs profiles without payment history to keep the run under 15 minutes.

${throughputTable(run.rows)}
`;
}

function webhookSection(run: SectionRun<WebhookRow, WebhookSettings>): string {
	return `## 2. Webhook handler cost

${runLine(run)}

\`handleDelivery\` (signature check, parse, mode guard, normalization into activities, de-duplication) on a Buffer body as n8n passes it,
against the floor \`createHmac('sha256', secret).update(\`\${t}.\${body}\`).digest('hex')\` + \`JSON.parse(body)\` on the same bytes.
Events come from the emulator's seeded account, padded through \`data.object.metadata\`; every delivery has its own event id. ${run.settings.runs} runs after a warm-up.
"De-duplication store full": the same deliveries into a store already holding its 100,000 ids, so each one also evicts the oldest (the state of a trigger that has received 100,000 events within 4 days).

${webhookTable(run.rows)}
`;
}

function metricsSection(run: SectionRun<MetricsRow, MetricsSettings>): string {
	return `## 3. SaaS metrics at scale

${runLine(run)}

\`SaasMetricsBuilder\`: subscriptions streamed in pages of 100 (add), then \`snapshot(now)\` and a 30-day \`report\`. Synthetic Stripe.Subscription objects:
USD/EUR/GBP/JPY, monthly/quarterly/yearly/weekly, active/canceled/trialing/past_due/paused/incomplete_expired, 10% with a forever coupon, ~1.1 subscriptions per customer.
Each run is its own process (peak RSS; baseline = RSS after loading the code). Anchor: a naive one-pass MRR sum over the same pages. ${run.settings.runs} runs per size.

${metricsTable(run.rows)}
`;
}

function n8nSection(run: SectionRun<N8nWebhookRow, N8nWebhookSettings[]>): string {
	const first = run.rows[0];
	return `## 4. End to end in a real n8n

${runLine(run)}

One real n8n ${N8N_VERSION} from the test harness (regular mode, SQLite, every successful execution saved), with two published workflows:
ours, Stripe Lifecycle Trigger (activity \`${first.eventType}\`, endpoint registered in the emulator) → No Operation, and the floor, n8n's Webhook node
(POST, respond immediately) → No Operation. Both get identical requests: a real \`${first.eventType}\` from the emulator (${first.bodyBytes.toLocaleString('en-US')} B),
signed with the endpoint's secret, each with its own event id. The invoice carries the customer's email, so the trigger makes no Stripe call per event.
Each run sends ${first.eventsPerRun} events at ${first.concurrency} in flight to each contender, alternating which goes first, after a warm-up run not counted;
latency per event = the execution's \`stoppedAt\` − the moment its request was sent; events/s = events ÷ (last \`stoppedAt\` − first request).
A run with a refused request or a missing or failed execution throws instead of giving a figure.

n8n ${N8N_VERSION} lets only its own Webhook node skip the expression isolate while a webhook is handled (\`webhookPhaseNeedsIsolate\` in live-webhooks.js);
every other trigger, ours and n8n's built-in Stripe Trigger alike, takes one from a pool of one. The second setup (\`N8N_EXPRESSION_ENGINE=legacy\`) has no
isolate, so it shows what the trigger itself adds.

${n8nWebhookTable(run.rows)}
`;
}

function coldStartSection(run: SectionRun<ColdStartRow, ColdStartSettings>): string {
	return `## 5. Cold start

${runLine(run)}

A fresh \`git clone\` of the committed HEAD, \`npm ci\`, then \`npm test\` to its end or \`npm run dev\` until it prints "Dev stack ready".
"first run" gives npm's cache and the n8n install cache (\`N8N_CACHE_DIR\`: n8n ${N8N_VERSION} and Node 24) empty directories, as on a new machine;
"warm" is a second fresh clone reusing both. One run per row (each takes minutes). Debian's Chromium, which the browser test needs, is installed
beforehand by \`.ci/run\` (about 25 s with apt here) and not counted.

${coldStartTable(run.rows)}
`;
}

/** The environment a run gave both contenders, as the section's text says it. */
function environmentNote(environment: Record<string, string> | undefined): string {
	const entries = Object.entries(environment ?? {});
	if (entries.length === 0) return '- Both run with Node\'s and V8\'s defaults.';
	return `- Both run with the settings of docs/SYNC.md, "Large accounts: n8n's own memory" (${entries.map(([name, value]) => `\`${name}=${value}\``).join(', ')}), set in the environment of n8n's process and of the node process alike; that section has the figures with Node's defaults.`;
}

function syncSection(run: SectionRun<SyncRow, SyncSettings>): string {
	const { settings } = run;
	return `## 6. Batched sync

${runLine(run)}

Template 06's two batched operations — Customer → Get Many Profiles, then Activity → Get Many (${settings.days} days, the template's activity selection) — with
batch size ${settings.batchSize.toLocaleString('en-US')}, cursor after cursor until done, on seeded accounts (\`events: 'recent'\`). The emulator runs in a process of its own
with the test-mode rate limit on (${CEILING / 100} req/s) and ${settings.latencyMs} ms added to every request; the ceiling is ${CEILING / 100} req/s × 100 objects per page = ${CEILING.toLocaleString('en-US')} objects/s.
Objects are what the emulator's list pages carried (a page read twice counts twice); calls and 429s come from its request log. One run per size.

- node process: the Stripe Lifecycle node through n8n-core's real engine (\`runNode\`) in a child process that only counts and drops the rows, as a store would write
  them; peak RSS = that process's maxRSS (n8n-core included, emulator excluded). Rows = rows handed out.
- n8n template 06: a real n8n ${N8N_VERSION} started as the e2e tests start it (SQLite, packed package), template 06 imported with its Stripe credential on the emulator and its
  PostgreSQL credential on the local database (a fresh schema per run), published and started once; done when \`stripe_sync_state\` says both lists are.
  Peak RSS = the largest sum of VmRSS over n8n's process tree (main process and task runner), sampled every 250 ms from /proc. Rows = rows in \`stripe_customers\` /
  \`stripe_activities\` (activities are distinct by dedupe key), to compare with the emulator's customers. Its phase split is the moment \`stripe_sync_state\` showed the profiles done.
- Objects per call is given overall and as profiles / activities.
- Both run with the Stripe Lifecycle node's own parameter defaults, *Read Ahead* included (docs/SYNC.md): in n8n the next batch is read while template 06 stores this one; the node process has no
  such gap between batches.
${environmentNote(settings.environment)}

${syncTable(run.rows)}

By phase (for n8n, batches are not counted: each is an execution of its own):

${syncPhaseTable(run.rows)}
`;
}

function markdown(results: Results): string {
	const { machine: info, sections } = results;
	const parts = [
		`# Benchmarks

Written by \`npm run bench\`; each section says when it last ran. Figures are the median with the range (min–max) over the runs in brackets.

Machine: ${info.cpus} CPUs (${info.cpuModel}), ${info.memoryGb} GB memory, Node ${info.node}; n8n ${info.n8n} (engine: n8n-core ${info.n8nCore}, n8n-workflow ${info.n8nWorkflow}).

## Targets

${verdicts(sections).join('\n')}
`,
		sections.throughput && throughputSection(sections.throughput),
		sections.webhook && webhookSection(sections.webhook),
		sections.metrics && metricsSection(sections.metrics),
		sections.n8n && n8nSection(sections.n8n),
		sections.coldstart && coldStartSection(sections.coldstart),
		sections.sync && syncSection(sections.sync),
	];
	return parts.filter(Boolean).join('\n');
}

function previousSections(): Sections {
	try {
		const previous = JSON.parse(readFileSync(join(BENCH_DIR, 'results.json'), 'utf8')) as Partial<Results>;
		return previous.sections ?? {};
	} catch {
		return {};
	}
}

function selectedSections(): SectionName[] {
	const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
	if (!only) return SECTION_NAMES;
	const unknown = only.filter((name) => !SECTION_NAMES.includes(name as SectionName));
	if (unknown.length > 0) throw new Error(`BENCH_ONLY names unknown sections (${unknown.join(', ')}); known: ${SECTION_NAMES.join(', ')}`);
	return only as SectionName[];
}

async function timedSection<Row, Settings>(settings: Settings, run: () => Promise<Row[]> | Row[]): Promise<SectionRun<Row, Settings>> {
	const started = performance.now();
	const start = loadAverage();
	const rows = await run();
	return { date: new Date().toISOString(), minutes: (performance.now() - started) / 60000, quick: QUICK, loadAverage: { start, end: loadAverage() }, settings, rows };
}

async function main(): Promise<void> {
	const selected = selectedSections();
	const info = machine();
	const log = (line: string) => console.log(line);
	console.log(`Benchmarks${QUICK ? ' (quick)' : ''}: ${info.cpus} × ${info.cpuModel}, Node ${info.node}, load ${loadAverage().join(' ')}; sections: ${selected.join(', ')}`);
	const sections = previousSections();
	const tables: string[] = [];
	if (selected.includes('throughput')) {
		console.log('1. Backfill throughput');
		sections.throughput = await timedSection(THROUGHPUT, () => runThroughputBenchmark(THROUGHPUT, log));
		tables.push(throughputTable(sections.throughput.rows));
	}
	if (selected.includes('webhook')) {
		console.log('2. Webhook handler cost');
		sections.webhook = await timedSection(WEBHOOK, () => runWebhookBenchmark(WEBHOOK, log));
		tables.push(webhookTable(sections.webhook.rows));
	}
	if (selected.includes('metrics')) {
		console.log('3. SaaS metrics at scale');
		sections.metrics = await timedSection(METRICS, () => runMetricsBenchmark(METRICS, log));
		tables.push(metricsTable(sections.metrics.rows));
	}
	if (selected.includes('n8n')) {
		console.log('4. End to end in a real n8n');
		sections.n8n = await timedSection(N8N_E2E, async () => {
			const rows: N8nWebhookRow[] = [];
			for (const settings of N8N_E2E) {
				const measured = await runN8nWebhookBenchmark(settings, log);
				// The built-in trigger's reason does not depend on the setup: say it once.
				rows.push(...(rows.length === 0 ? measured : measured.filter((row) => row.figures)));
			}
			return rows;
		});
		tables.push(n8nWebhookTable(sections.n8n.rows));
	}
	if (selected.includes('coldstart')) {
		console.log('5. Cold start (fresh clones; minutes)');
		sections.coldstart = await timedSection(COLD_START, () => runColdStartBenchmark(COLD_START, log));
		tables.push(coldStartTable(sections.coldstart.rows));
	}

	if (selected.includes('sync')) {
		console.log(`6. Batched sync (${SYNC.sizes.map((size) => size.toLocaleString('en-US')).join(', ')} customers)`);
		sections.sync = await timedSection(SYNC, () => runSyncBenchmark(SYNC, log));
		tables.push(syncTable(sections.sync.rows));
	}

	const results: Results = { machine: info, targets: TARGETS, sections };
	writeFileSync(join(BENCH_DIR, 'RESULTS.md'), markdown(results));
	writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
	console.log(`\n${tables.join('\n\n')}\n\n${verdicts(sections).join('\n')}`);
	console.log('\nWrote bench/RESULTS.md and bench/results.json.');
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
