/**
 * `npm run bench`: every benchmark, printed as tables and written to bench/results.json and
 * bench/RESULTS.md. BENCH_QUICK=1 runs a one-minute smoke version (small sizes, fewer runs).
 *
 * Compiled with `tsc -p bench/tsconfig.json` into .tmp/bench (no ts-node in the project).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

import { runThroughputBenchmark, type ThroughputRow, type ThroughputSettings } from './backfill/throughput';
import { runMetricsBenchmark, type MetricsRow, type MetricsSettings } from './metrics/scale';
import { formatSpread, QUICK, type Spread } from './stats';
import { runWebhookBenchmark, type WebhookRow, type WebhookSettings } from './webhook';

/** The n8n release this package is tested against (test/n8n installs it). */
const N8N_VERSION = '2.40.7';
const BENCH_DIR = join(__dirname, '..', '..', '..', 'bench');
const REPO_DIR = join(BENCH_DIR, '..');

const TARGETS = {
	percentOfCeiling: 90,
	handlerOverFloor: 2,
	/** Time per subscription at the largest size over the smallest's; above this it is not linear. */
	linearity: 1.5,
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
		loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
	};
}

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
	const header = '| event | bytes | deliveries per run | handleDelivery µs | floor µs (HMAC + JSON.parse) | handler ÷ floor |';
	const lines = rows.map(
		(row) => `| ${row.eventType} | ${row.bytes.toLocaleString('en-US')} | ${row.deliveries.toLocaleString('en-US')} | ${s(row.handlerMicros, 1)} | ${s(row.floorMicros, 1)} | ${s(row.ratio, 2)} |`,
	);
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

function verdicts(throughput: ThroughputRow[], webhook: WebhookRow[], metrics: MetricsRow[]): string[] {
	const mark = (met: boolean) => (met ? 'met' : 'MISSED');
	const ours = throughput.filter((row) => !row.contender.startsWith('anchor'));
	const largest = metrics[metrics.length - 1];
	return [
		...ours.map((row) => {
			const met = row.percentOfCeiling.median >= TARGETS.percentOfCeiling && row.failedCalls.max === 0;
			return `- Throughput ${row.workload}, ${row.customers.toLocaleString('en-US')} customers: ${row.percentOfCeiling.median.toFixed(1)}% of the ceiling, ${row.failedCalls.max} failed calls, ${row.rateLimited.max} 429s at most (target ≥ ${TARGETS.percentOfCeiling}% and 0 failed): ${mark(met)}.`;
		}),
		...webhook.map(
			(row) =>
				`- Webhook ${row.bytes.toLocaleString('en-US')} B: handler ${row.ratio.median.toFixed(2)}× the floor (target ≤ ${TARGETS.handlerOverFloor}×): ${mark(row.ratio.median <= TARGETS.handlerOverFloor)}.`,
		),
		`- Metrics linearity: ${largest.subscriptions.toLocaleString('en-US')} subscriptions cost ${largest.linearity.toFixed(2)}× the time per subscription of ${metrics[0].subscriptions.toLocaleString('en-US')} (roughly linear if ≤ ${TARGETS.linearity}×): ${mark(largest.linearity <= TARGETS.linearity)}.`,
	];
}

function markdown(info: ReturnType<typeof machine>, finishedLoad: number[], minutes: number, throughput: ThroughputRow[], webhook: WebhookRow[], metrics: MetricsRow[]): string {
	const limit = THROUGHPUT.mode === 'live' ? 100 : 25;
	return `# Benchmarks

Written by \`npm run bench\`${QUICK ? ' with BENCH_QUICK=1 (smoke run, not for comparison)' : ''} on ${new Date().toISOString()} in ${minutes.toFixed(1)} min.
Figures are the median with the range (min–max) over the runs in brackets.

Machine: ${info.cpus} CPUs (${info.cpuModel}), ${info.memoryGb} GB memory, Node ${info.node}; n8n ${info.n8n} (engine: n8n-core ${info.n8nCore}, n8n-workflow ${info.n8nWorkflow}).
Load average (1, 5, 15 min) at start ${info.loadAverageAtStart.join(', ')}, at the end ${finishedLoad.join(', ')}${info.loadAverageAtStart[0] > 2.5 ? ' — the machine was shared with other work, so times are pessimistic' : ''}.

## Targets

${verdicts(throughput, webhook, metrics).join('\n')}

## 1. Backfill throughput

Against the in-process emulator with Stripe's rate limit on (${THROUGHPUT.mode} key: ${limit} requests/s) and ${THROUGHPUT.latencyMs} ms added to every request.
The ceiling is ${limit} req/s × 100 objects per page = ${(limit * 100).toLocaleString('en-US')} objects/s. ${THROUGHPUT.runs} runs per row; each run measures ours and then the anchor.

- Ours: the Stripe Lifecycle node run through n8n-core's real engine (\`runNode\`), in its own process (peak RSS = that process's maxRSS, including n8n-core).
  \`profiles\` = Customer → Get Many (return all, payment history on: customers, subscriptions, charges, paid invoices, products, coupons);
  \`profiles-no-payments\` = the same with "Include Payment History" off (the option for large accounts);
  \`backfill-90d\` = Activity → Get Many, 90 days, customer email and name on (customers, subscriptions, invoices, charges, refunds, disputes, events).
- Anchor: one cursor, limit 100, one request after another over the same lists, as n8n's built-in Stripe node pages. A single cursor's rate does not depend on the list's length, so it reads at most the first ${THROUGHPUT.anchorPagesPerList} pages of each list; its objects/s is over what it read.
- Objects: what the lists hold, counted in the emulator's dataset. Calls and 429s come from the emulator's request log; "failed" counts responses that are neither a success nor a 429 (which the client retries), plus a run that ended in an error.
- The seeded accounts keep no historical events (\`events: 'none'\`), so the backfill rebuilds from objects; the 50,000-customer account runs profiles without payment history to keep the run under 15 minutes.

${throughputTable(throughput)}

## 2. Webhook handler cost

\`handleDelivery\` (signature check, parse, mode guard, normalization into activities, de-duplication) on a Buffer body as n8n passes it,
against the floor \`createHmac('sha256', secret).update(\`\${t}.\${body}\`).digest('hex')\` + \`JSON.parse(body)\` on the same bytes.
Events come from the emulator's seeded account, padded through \`data.object.metadata\`; every delivery has its own event id. ${WEBHOOK.runs} runs after a warm-up.

${webhookTable(webhook)}

## 3. SaaS metrics at scale

\`SaasMetricsBuilder\`: subscriptions streamed in pages of 100 (add), then \`snapshot(now)\` and a 30-day \`report\`. Synthetic Stripe.Subscription objects:
USD/EUR/GBP/JPY, monthly/quarterly/yearly/weekly, active/canceled/trialing/past_due/paused/incomplete_expired, 10% with a forever coupon, ~1.1 subscriptions per customer.
Each run is its own process (peak RSS; baseline = RSS after loading the code). Anchor: a naive one-pass MRR sum over the same pages. ${METRICS.runs} runs per size.

${metricsTable(metrics)}
`;
}

async function main(): Promise<void> {
	const started = performance.now();
	const info = machine();
	const log = (line: string) => console.log(line);
	console.log(`Benchmarks${QUICK ? ' (quick)' : ''}: ${info.cpus} × ${info.cpuModel}, Node ${info.node}, load ${info.loadAverageAtStart.join(' ')}`);
	console.log('1. Backfill throughput');
	const throughput = await runThroughputBenchmark(THROUGHPUT, log);
	console.log('2. Webhook handler cost');
	const webhook = runWebhookBenchmark(WEBHOOK, log);
	console.log('3. SaaS metrics at scale');
	const metrics = await runMetricsBenchmark(METRICS, log);
	const minutes = (performance.now() - started) / 60000;
	const finishedLoad = os.loadavg().map((load) => Math.round(load * 100) / 100);

	const text = markdown(info, finishedLoad, minutes, throughput, webhook, metrics);
	writeFileSync(join(BENCH_DIR, 'RESULTS.md'), text);
	writeFileSync(
		join(BENCH_DIR, 'results.json'),
		`${JSON.stringify({ date: new Date().toISOString(), quick: QUICK, minutes, machine: { ...info, loadAverageAtEnd: finishedLoad }, settings: { throughput: THROUGHPUT, webhook: WEBHOOK, metrics: METRICS }, targets: TARGETS, throughput, webhook, metrics }, null, 2)}\n`,
	);
	console.log(`\n${throughputTable(throughput)}\n\n${webhookTable(webhook)}\n\n${metricsTable(metrics)}\n\n${verdicts(throughput, webhook, metrics).join('\n')}`);
	console.log(`\nWrote bench/RESULTS.md and bench/results.json (${minutes.toFixed(1)} min).`);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
