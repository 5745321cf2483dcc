/**
 * One SaaS metrics run in its own process (its maxRSS is its own): `count` synthetic subscriptions
 * streamed page by page into SaasMetricsBuilder, then a snapshot and a 30-day report. The anchor is
 * the naive MRR any script computes, one pass of unit_amount × quantity per interval, over the
 * same pages. Generation is not timed; a small book runs first to warm up the JIT.
 *
 *   node worker.js <count>   → prints one MetricsResult as JSON on stdout
 */
import type Stripe from 'stripe';

import { SaasMetricsBuilder } from '../../nodes/shared/lifecycle/metrics';

export interface MetricsResult {
	subscriptions: number;
	addMs: number;
	snapshotMs: number;
	reportMs: number;
	naiveMs: number;
	/** RSS after loading the code, before any subscription. */
	baselineRssMb: number;
	maxRssMb: number;
	/** Sanity figures of the snapshot. */
	currencies: number;
	payingCustomers: number;
}

const DAY = 86400;
const PAGE = 100;
const CURRENCIES = ['usd', 'usd', 'usd', 'eur', 'eur', 'gbp', 'jpy'];
const INTERVALS: Array<[Stripe.Price.Recurring.Interval, number]> = [['month', 1], ['month', 1], ['month', 1], ['year', 1], ['month', 3], ['week', 1]];
/** Weighted like a SaaS book: mostly active, some churned, trials, dunning and pauses. */
const STATUSES: Stripe.Subscription.Status[] = ['active', 'active', 'active', 'active', 'active', 'active', 'canceled', 'canceled', 'trialing', 'past_due', 'paused', 'incomplete_expired'];

/** A deterministic PRNG, so every run and size sees the same mix. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

/** Plain objects with the fields of Stripe.Subscription the metrics read, in Stripe's shape. */
function subscriptionPage(start: number, size: number, now: number, next: () => number): Stripe.Subscription[] {
	return Array.from({ length: size }, (_, offset) => {
		const index = start + offset;
		const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
		const status = pick(STATUSES);
		const currency = pick(CURRENCIES);
		const [interval, intervalCount] = pick(INTERVALS);
		const created = now - Math.floor(next() * 730 * DAY);
		const trial = status === 'trialing' || next() < 0.3;
		const trialEnd = trial ? (status === 'trialing' ? now + Math.floor(next() * 14 * DAY) : created + 14 * DAY) : null;
		const endedAt = status === 'canceled' ? Math.min(now - DAY, created + Math.floor(next() * (now - created))) : null;
		const unitAmount = currency === 'jpy' ? pick([1000, 3000, 9800]) : pick([900, 2900, 9900, 29000]);
		const forever = next() < 0.1;
		return {
			id: `sub_${index.toString(36).padStart(14, '0')}`,
			object: 'subscription',
			// About 1.1 subscriptions per customer: some customers hold two.
			customer: `cus_${Math.floor(index / 1.1).toString(36).padStart(14, '0')}`,
			currency,
			status,
			created,
			start_date: created,
			trial_start: trial ? created : null,
			trial_end: trialEnd,
			ended_at: endedAt,
			canceled_at: endedAt,
			cancel_at_period_end: status === 'active' && next() < 0.05,
			status_details: status === 'paused' ? { paused: { transitioned_at: now - 5 * DAY } } : null,
			discounts: forever
				? [{ id: `di_${index}`, object: 'discount', start: created, end: null, source: { type: 'coupon', coupon: { id: 'FOREVER20', object: 'coupon', duration: 'forever', percent_off: 20, amount_off: null, currency: null } } }]
				: [],
			items: {
				object: 'list',
				has_more: false,
				data: [
					{
						id: `si_${index}`,
						object: 'subscription_item',
						quantity: next() < 0.1 ? 3 : 1,
						discounts: [],
						price: {
							id: `price_${currency}_${interval}_${intervalCount}_${unitAmount}`,
							object: 'price',
							currency,
							product: `prod_${unitAmount}`,
							unit_amount: unitAmount,
							unit_amount_decimal: String(unitAmount),
							billing_scheme: 'per_unit',
							tiers_mode: null,
							transform_quantity: null,
							recurring: { interval, interval_count: intervalCount, usage_type: 'licensed', meter: null, trial_period_days: null },
						},
					},
				],
			},
		} as unknown as Stripe.Subscription;
	});
}

/** MRR as a quick script would sum it: no spans, statuses or discounts, just today's active prices. */
function naiveMrr(page: Stripe.Subscription[], totals: Map<string, number>): void {
	const months: Record<string, number> = { day: 12 / 365, week: 12 / 52, month: 1, year: 12 };
	for (const subscription of page) {
		if (subscription.status !== 'active' && subscription.status !== 'past_due') continue;
		for (const item of subscription.items.data) {
			const recurring = item.price.recurring!;
			const monthly = ((item.price.unit_amount ?? 0) * (item.quantity ?? 1)) / (months[recurring.interval] * recurring.interval_count);
			totals.set(subscription.currency, (totals.get(subscription.currency) ?? 0) + monthly);
		}
	}
}

/** The timed pipeline over a book of `count` subscriptions. */
function measure(count: number, now: number): Omit<MetricsResult, 'baselineRssMb' | 'maxRssMb'> {
	const next = random(7);
	const builder = new SaasMetricsBuilder({ valuedAt: now });
	const naive = new Map<string, number>();
	let addMs = 0;
	let naiveMs = 0;
	for (let start = 0; start < count; start += PAGE) {
		const page = subscriptionPage(start, Math.min(PAGE, count - start), now, next);
		let started = performance.now();
		for (const subscription of page) builder.addSubscription(subscription);
		addMs += performance.now() - started;
		started = performance.now();
		naiveMrr(page, naive);
		naiveMs += performance.now() - started;
	}
	let started = performance.now();
	const snapshot = builder.snapshot(now);
	const snapshotMs = performance.now() - started;
	started = performance.now();
	builder.report({ from: now - 30 * DAY, to: now });
	const reportMs = performance.now() - started;
	if (snapshot.payingCustomers === 0 || naive.size === 0) throw new Error('The synthetic book has no paying customers');
	return { subscriptions: count, addMs, snapshotMs, reportMs, naiveMs, currencies: snapshot.currencies.length, payingCustomers: snapshot.payingCustomers };
}

/** Small books would otherwise pay the JIT's warm-up and look slower per subscription than large ones. */
const WARM_UP_SUBSCRIPTIONS = 5000;

function main(): void {
	const count = Number(process.argv[2]);
	const now = Math.floor(Date.now() / 1000);
	measure(WARM_UP_SUBSCRIPTIONS, now);
	const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
	const result: MetricsResult = { ...measure(count, now), baselineRssMb, maxRssMb: process.resourceUsage().maxRSS / 1024 };
	process.stdout.write(`${JSON.stringify(result)}\n`);
}

main();
