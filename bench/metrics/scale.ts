/**
 * SaasMetricsBuilder over growing books: each run is a fresh child process (clean peak memory),
 * and the linearity check compares the time per subscription of each size with the smallest's.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { spread, type Spread } from '../stats';
import type { MetricsResult } from './worker';

const run = promisify(execFile);

export interface MetricsSettings {
	sizes: number[];
	runs: number;
}

export interface MetricsRow {
	subscriptions: number;
	addMs: Spread;
	snapshotMs: Spread;
	reportMs: Spread;
	/** add + snapshot + report. */
	totalMs: Spread;
	naiveMs: Spread;
	microsPerSubscription: Spread;
	/** Median µs per subscription ÷ that of the smallest size: 1.0 is perfectly linear. */
	linearity: number;
	maxRssMb: Spread;
	baselineRssMb: number;
}

async function runWorker(count: number): Promise<MetricsResult> {
	const { stdout } = await run(process.execPath, [join(__dirname, 'worker.js'), String(count)], { maxBuffer: 1 << 20 });
	return JSON.parse(stdout.trim()) as MetricsResult;
}

export async function runMetricsBenchmark(settings: MetricsSettings, log: (line: string) => void): Promise<MetricsRow[]> {
	const rows: MetricsRow[] = [];
	for (const size of settings.sizes) {
		const results: MetricsResult[] = [];
		for (let i = 0; i < settings.runs; i++) results.push(await runWorker(size));
		const total = results.map((result) => result.addMs + result.snapshotMs + result.reportMs);
		const perSubscription = spread(total.map((ms) => (ms * 1000) / size));
		rows.push({
			subscriptions: size,
			addMs: spread(results.map((result) => result.addMs)),
			snapshotMs: spread(results.map((result) => result.snapshotMs)),
			reportMs: spread(results.map((result) => result.reportMs)),
			totalMs: spread(total),
			naiveMs: spread(results.map((result) => result.naiveMs)),
			microsPerSubscription: perSubscription,
			linearity: rows.length ? perSubscription.median / rows[0].microsPerSubscription.median : 1,
			maxRssMb: spread(results.map((result) => result.maxRssMb)),
			baselineRssMb: spread(results.map((result) => result.baselineRssMb)).median,
		});
		log(`  ${size.toLocaleString('en-US')} subscriptions: ${spread(total).median.toFixed(0)} ms, ${perSubscription.median.toFixed(2)} µs each`);
	}
	return rows;
}
