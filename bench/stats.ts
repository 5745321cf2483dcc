/** What every benchmark figure is reported as: the median of several runs and their full range. */
export interface Spread {
	median: number;
	min: number;
	max: number;
	runs: number;
}

export function spread(values: number[]): Spread {
	if (values.length === 0) throw new Error('A figure needs at least one run');
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: values.length };
}

/** `median (min–max)` with the given number of decimals. */
export function formatSpread(figure: Spread, decimals = 0): string {
	const f = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
	return figure.min === figure.max ? f(figure.median) : `${f(figure.median)} (${f(figure.min)}–${f(figure.max)})`;
}

/** BENCH_QUICK=1: a one-minute smoke run with small sizes and the minimum of runs. */
export const QUICK = process.env.BENCH_QUICK === '1';
