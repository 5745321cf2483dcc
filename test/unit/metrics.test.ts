import type Stripe from 'stripe';

import { stripeFixture } from '../fixtures/stripeObjects';
import { day, event, iso, item, price as planPrice, subscription as activeSubscription } from './support/stripeBuilders';

import { toActivities } from '../../nodes/shared/lifecycle/activities';
import { SaasMetricsBuilder, convertTotals, type SaasMetricsOptions } from '../../nodes/shared/lifecycle/metrics';
import { money } from '../../nodes/shared/lifecycle/money';
import type { Activity, SaasReport, SaasSnapshot } from '../../nodes/shared/lifecycle/types';

const utc = (isoDate: string) => Date.parse(isoDate) / 1000;

/** October 2025, 30 days: [Oct 1, Oct 31) UTC. */
const from = utc('2025-10-01T00:00:00Z');
const to = utc('2025-10-31T00:00:00Z');
const now = to;

/** A plan price; the fixture's package pricing is off (it would divide every quantity by ~1.6e9). */
function price({ recurring, ...overrides }: Omit<Partial<Stripe.Price>, 'recurring'> & { recurring?: Partial<Stripe.Price.Recurring> } = {}): Stripe.Price {
	return { ...planPrice('price_plan', 2000, 'usd', recurring), product: 'prod_plan', ...overrides };
}

const monthly = (amount: number, currency = 'usd') => [item(price({ unit_amount: amount, currency }))];

let sequence = 0;

/** An active subscription of its own customer that started 60 days before the period, worth `items`. */
function subscription(items: Stripe.SubscriptionItem[], overrides: Partial<Stripe.Subscription> = {}): Stripe.Subscription {
	sequence += 1;
	return activeSubscription({ id: `sub_${sequence}`, customer: `cus_${sequence}`, start_date: from - 60 * day, ...overrides }, items);
}

function ended(at: number, overrides: Partial<Stripe.Subscription> = {}): Partial<Stripe.Subscription> {
	return { status: 'canceled', canceled_at: at, ended_at: at, ...overrides };
}

function discount(coupon: Partial<Stripe.Coupon>, end: number | null): Stripe.Discount {
	return {
		...stripeFixture<Stripe.Discount>('discount'),
		start: from - 30 * day,
		end,
		source: { type: 'coupon', coupon: { ...stripeFixture<Stripe.Coupon>('coupon'), amount_off: null, percent_off: null, ...coupon } },
	};
}

/** A `subscription.changed` activity as `toActivities` emits it, reduced to what metrics read. */
function changed(subscriptionId: string, at: number, mrrDelta: number, eventId = `evt_${subscriptionId}_${at}`): Activity {
	return {
		activity: 'subscription.changed',
		category: 'subscription',
		occurredAt: iso(at),
		eventId,
		eventType: 'customer.subscription.updated',
		livemode: false,
		account: null,
		dedupeKey: `subscription.changed:${subscriptionId}:${eventId}`,
		customer: { id: null, email: null, name: null },
		subscription: { id: subscriptionId } as Activity['subscription'],
		change: { mrrDelta, direction: mrrDelta > 0 ? 'upgrade' : 'downgrade' },
	};
}

function build(subscriptions: Stripe.Subscription[], activities: Activity[] = [], options: SaasMetricsOptions = {}): SaasMetricsBuilder {
	const builder = new SaasMetricsBuilder({ valuedAt: now, ...options });
	for (const sub of subscriptions) builder.addSubscription(sub);
	for (const activity of activities) builder.addActivity(activity);
	return builder;
}

const snapshotOf = (subscriptions: Stripe.Subscription[], options: SaasMetricsOptions = {}, at = now): SaasSnapshot =>
	build(subscriptions, [], options).snapshot(at);

const mrrOf = (subscriptions: Stripe.Subscription[], options: SaasMetricsOptions = {}, at = now): number =>
	snapshotOf(subscriptions, options, at).currencies.reduce((total, entry) => total + entry.mrr.minor, 0);

const usd = (report: SaasReport) => {
	const entry = report.currencies.find((candidate) => candidate.currency === 'usd');
	if (!entry) throw new Error('no usd in report');
	return entry;
};

describe('snapshot: MRR of one subscription', () => {
	const tiers = (mode: 'volume' | 'graduated', list: Array<Partial<Stripe.Price.Tier>>) =>
		price({
			billing_scheme: 'tiered',
			tiers_mode: mode,
			unit_amount: null,
			tiers: list.map((tier) => ({ flat_amount: null, flat_amount_decimal: null, unit_amount: null, unit_amount_decimal: null, up_to: null, ...tier })),
		});

	it.each([
		['monthly', [item(price({ unit_amount: 2000 }))], 2000],
		['yearly ÷ 12', [item(price({ unit_amount: 24000, recurring: { interval: 'year' } }))], 2000],
		['quarterly (interval_count 3) ÷ 3', [item(price({ unit_amount: 9000, recurring: { interval: 'month', interval_count: 3 } }))], 3000],
		['weekly × 52/12 (4333.33)', [item(price({ unit_amount: 1000, recurring: { interval: 'week' } }))], 4333],
		['daily × 365/12 (3041.67)', [item(price({ unit_amount: 100, recurring: { interval: 'day' } }))], 3042],
		['quantity 5 × 1500', [item(price({ unit_amount: 1500 }), 5)], 7500],
		['volume tiers: 7 units all at the second tier + its flat fee', [item(tiers('volume', [{ up_to: 5, unit_amount: 1000 }, { unit_amount: 800, flat_amount: 500 }]), 7)], 7 * 800 + 500],
		[
			'graduated tiers: 5 × 1000 + 200 flat, then 3 × 800',
			[item(tiers('graduated', [{ up_to: 5, unit_amount: 1000, flat_amount: 200 }, { unit_amount: 800 }]), 8)],
			5 * 1000 + 200 + 3 * 800,
		],
		['metered item excluded', [item(price({ unit_amount: 2000 })), item(price({ id: 'price_usage', unit_amount: 50, recurring: { usage_type: 'metered' } }), 1)], 2000],
	] as const)('%s', (_label, items, expected) => {
		const snapshot = snapshotOf([subscription([...items])]);
		expect(snapshot.currencies[0].mrr.minor).toBe(expected);
		expect(snapshot.currencies[0].arr.minor).toBe(expected * 12);
	});

	it('adds subscriptions, each rounded once, and ARPU = MRR ÷ paying customers', () => {
		const subs = [
			subscription([item(price({ unit_amount: 24000, recurring: { interval: 'year' } }))]),
			subscription([item(price({ unit_amount: 9000, recurring: { interval: 'month', interval_count: 3 } }))]),
			subscription([item(price({ unit_amount: 1000, recurring: { interval: 'week' } }))]),
			subscription([item(price({ unit_amount: 100, recurring: { interval: 'day' } }))]),
		];
		const [usdSnapshot] = snapshotOf(subs).currencies;
		expect(usdSnapshot.mrr).toEqual(money(2000 + 3000 + 4333 + 3042, 'usd'));
		expect(usdSnapshot.arr.minor).toBe(12 * 12375);
		expect(usdSnapshot.payingCustomers).toBe(4);
		expect(usdSnapshot.arpu?.minor).toBe(3094); // 12375 ÷ 4 = 3093.75
	});

	it('counts one customer with two subscriptions once for ARPU', () => {
		const subs = [subscription(monthly(1000), { customer: 'cus_same' }), subscription(monthly(3000), { customer: 'cus_same' })];
		const [entry] = snapshotOf(subs).currencies;
		expect(entry.payingCustomers).toBe(1);
		expect(entry.activeSubscriptions).toBe(2);
		expect(entry.arpu?.minor).toBe(4000);
	});
});

describe('snapshot: which subscriptions count', () => {
	it('excludes trials but counts them as trialing', () => {
		const trial = subscription(monthly(2000), { status: 'trialing', trial_start: now - 5 * day, trial_end: now + 9 * day });
		const snapshot = snapshotOf([trial, subscription(monthly(1000))]);
		expect(snapshot.currencies[0].mrr.minor).toBe(1000);
		expect(snapshot.currencies[0].trialing).toBe(1);
		expect(snapshot.trialing).toBe(1);
		expect(snapshot.payingCustomers).toBe(1);
	});

	it('includes past_due', () => {
		expect(mrrOf([subscription(monthly(2000), { status: 'past_due' })])).toBe(2000);
	});

	it.each(['incomplete', 'incomplete_expired', 'unpaid'] as const)('excludes %s', (status) => {
		expect(mrrOf([subscription(monthly(2000), { status })])).toBe(0);
	});

	it('still counts a subscription set to cancel at period end until it ends', () => {
		const cancelling = subscription(monthly(2000), { cancel_at_period_end: true, cancel_at: now + 10 * day, canceled_at: now - day });
		expect(mrrOf([cancelling])).toBe(2000);
	});

	it('counts a since-cancelled subscription at an instant before it ended, not after', () => {
		const sub = subscription(monthly(2000), ended(from + 10 * day));
		expect(mrrOf([sub], {}, from + 10 * day - 1)).toBe(2000);
		expect(mrrOf([sub], {}, from + 10 * day)).toBe(0);
	});

	it('counts a converted trial only from its trial end', () => {
		const sub = subscription(monthly(2000), { start_date: from, trial_start: from, trial_end: from + 14 * day });
		expect(mrrOf([sub], {}, from + 14 * day - 1)).toBe(0);
		expect(mrrOf([sub], {}, from + 14 * day)).toBe(2000);
		expect(snapshotOf([sub], {}, from + 2 * day).trialing).toBe(1);
	});

	it('counts a paused subscription until it was paused', () => {
		const paused = subscription(monthly(2000), {
			status: 'paused',
			status_details: { paused: { transitioned_at: from + 5 * day } } as Stripe.Subscription['status_details'],
		});
		expect(mrrOf([paused], {}, from + 4 * day)).toBe(2000);
		expect(mrrOf([paused], {}, from + 6 * day)).toBe(0);
	});
});

describe('snapshot: discounts', () => {
	const forever = () => subscription(monthly(2000), { discounts: [discount({ duration: 'forever', percent_off: 20 }, null)] });
	const once = () => subscription(monthly(2000), { discounts: [discount({ duration: 'once', percent_off: 50 }, now + 20 * day)] });
	const repeating = () =>
		subscription(monthly(2000), { discounts: [discount({ duration: 'repeating', duration_in_months: 3, percent_off: 25 }, now + 60 * day)] });

	it('by default only forever coupons reduce MRR, as Stripe does', () => {
		expect(mrrOf([forever()])).toBe(1600);
		expect(mrrOf([once()])).toBe(2000);
		expect(mrrOf([repeating()])).toBe(2000);
	});

	it('with discounts "all", every discount active at the valuation instant applies', () => {
		expect(mrrOf([forever()], { discounts: 'all' })).toBe(1600);
		expect(mrrOf([once()], { discounts: 'all' })).toBe(1000);
		expect(mrrOf([repeating()], { discounts: 'all' })).toBe(1500);
		expect(mrrOf([repeating()], { discounts: 'all', valuedAt: now + 90 * day })).toBe(2000);
	});

	it('names discounts it could not evaluate', () => {
		expect(snapshotOf([subscription(monthly(2000), { discounts: ['di_unexpanded'] })]).unresolvedDiscounts).toEqual(['di_unexpanded']);
	});
});

describe('snapshot: currencies', () => {
	const subs = () => [subscription(monthly(2000, 'usd')), subscription(monthly(1000, 'eur')), subscription(monthly(500, 'gbp'))];

	it('never adds amounts of different currencies', () => {
		const snapshot = snapshotOf(subs());
		expect(snapshot.currencies.map((entry) => [entry.currency, entry.mrr.minor])).toEqual([
			['eur', 1000],
			['gbp', 500],
			['usd', 2000],
		]);
		expect(snapshot.payingCustomers).toBe(3);
		expect(snapshot.converted).toBeNull();
	});

	it('converts into a separate total with the rate table and names currencies without a rate', () => {
		const snapshot = snapshotOf(subs(), { rates: { currency: 'USD', rates: { EUR: 1.1 } } });
		// $20.00 + €10.00 × 1.1; £5.00 has no rate.
		expect(snapshot.converted?.mrr).toEqual(money(3100, 'usd'));
		expect(snapshot.converted?.arr.minor).toBe(37200);
		expect(snapshot.converted?.missingRates).toEqual(['gbp']);
		expect(snapshot.currencies.find((entry) => entry.currency === 'eur')?.mrr.minor).toBe(1000);
	});

	it('convertTotals works in major units across exponents and rounds once, at the end', () => {
		const yen = money(1, 'jpy');
		const total = convertTotals({ amount: [yen, yen, yen, money(100, 'usd')] }, { currency: 'eur', rates: { jpy: 0.004, usd: 0.5 } });
		// 3 × ¥1 × 0.004 = €0.012, $1.00 × 0.5 = €0.50 → €0.512 → 51 cents (rounding each yen first would give 50).
		expect(total.amount).toEqual(money(51, 'eur'));
		expect(total.missingRates).toEqual([]);
	});
});

describe('snapshot: MRR by product', () => {
	it('attributes each subscription to its plan product, named from products added', () => {
		const builder = build([
			subscription([item(price({ id: 'price_a', product: 'prod_a', unit_amount: 1000 }))]),
			subscription([item(price({ id: 'price_a', product: 'prod_a', unit_amount: 1000 }))]),
			subscription([item(price({ id: 'price_b', product: 'prod_b', unit_amount: 5000 }))]),
		]);
		builder.addProduct({ ...stripeFixture<Stripe.Product>('product'), id: 'prod_a', name: 'Starter' });
		const [entry] = builder.snapshot(now).currencies;
		expect(entry.products.map((product) => [product.productId, product.productName, product.mrr.minor, product.subscriptions])).toEqual([
			['prod_b', null, 5000, 1],
			['prod_a', 'Starter', 2000, 2],
		]);
	});
});

describe('report: movements', () => {
	/** One customer per kind of movement, hand-computed in the comments. */
	function scenario(withEvents = true) {
		const subs = {
			fresh: subscription(monthly(1000), { start_date: from + 5 * day }), // new 1000
			expanding: subscription(monthly(1500)), // 1000 → 1500 on day 10
			contracting: subscription(monthly(600)), // 1000 → 600 on day 12
			churning: subscription(monthly(2000), ended(from + 15 * day)), // churned 2000
			returningOld: subscription(monthly(900), { customer: 'cus_back', start_date: from - 90 * day, ...ended(from - 20 * day) }),
			returningNew: subscription(monthly(700), { customer: 'cus_back', start_date: from + 20 * day }), // reactivation 700
			steady: subscription(monthly(3000)),
		};
		const activities = withEvents
			? [changed(subs.expanding.id, from + 10 * day, 500), changed(subs.contracting.id, from + 12 * day, -400)]
			: [];
		return { subs, builder: build(Object.values(subs), activities, { exactSince: from }) };
	}

	it('classifies each kind per customer and the net equals MRR end − start', () => {
		const report = scenario().builder.report({ from, to });
		const entry = usd(report);
		const moved = Object.fromEntries(
			(['new', 'expansion', 'contraction', 'churned', 'reactivation'] as const).map((kind) => [kind, [entry.movements[kind].mrr.minor, entry.movements[kind].customers]]),
		);
		expect(moved).toEqual({ new: [1000, 1], expansion: [500, 1], contraction: [400, 1], churned: [2000, 1], reactivation: [700, 1] });
		expect(entry.mrrStart.minor).toBe(1000 + 1000 + 2000 + 3000);
		expect(entry.mrrEnd.minor).toBe(1000 + 1500 + 600 + 700 + 3000);
		expect(entry.movements.net.minor).toBe(-200);
		expect(entry.movements.net.minor).toBe(entry.mrrEnd.minor - entry.mrrStart.minor);
		expect(report.exactMovementsSince).toBe('2025-10-01T00:00:00Z');
	});

	it('subscriber churn = churned ÷ (active at start + new + reactivated); revenue churn = (churned + contraction) ÷ MRR at start', () => {
		const entry = usd(scenario().builder.report({ from, to }));
		expect(entry.activeAtStart).toBe(4);
		expect(entry.subscriberChurnRate?.value).toBeCloseTo(1 / 6, 10);
		expect(entry.subscriberChurnRate?.formatted).toBe('16.7%');
		expect(entry.revenueChurnRate?.value).toBeCloseTo(2400 / 7000, 10);
		expect(entry.revenueChurnRate?.formatted).toBe('34.3%');
	});

	it('LTV = ARPU at end ÷ the churn rate scaled to an average month', () => {
		const entry = usd(scenario().builder.report({ from, to }));
		const monthlyChurn = 1 - (5 / 6) ** (365.25 / 12 / 30);
		expect(entry.payingAtEnd).toBe(5);
		expect(entry.arpu?.minor).toBe(1360); // 6800 ÷ 5
		expect(entry.monthlySubscriberChurnRate?.value).toBeCloseTo(monthlyChurn, 10);
		expect(entry.ltv?.minor).toBe(Math.round(1360 / monthlyChurn));
	});

	it('without subscription events, a plan change is invisible: the current items count throughout', () => {
		const entry = usd(scenario(false).builder.report({ from, to }));
		expect(entry.movements.expansion.mrr.minor).toBe(0);
		expect(entry.movements.contraction.mrr.minor).toBe(0);
		expect(entry.mrrStart.minor).toBe(1500 + 600 + 2000 + 3000);
	});

	it('reads plan changes from real subscription events through toActivities', () => {
		const oldItems = [item(price({ id: 'price_old', unit_amount: 1000 }))];
		const sub = subscription(monthly(2500));
		const upgrade = event('customer.subscription.updated', sub, { items: { ...sub.items, data: oldItems } }, { id: 'evt_upgrade', created: from + 3 * day });
		const entry = usd(build([sub], toActivities(upgrade)).report({ from, to }));
		expect(entry.movements.expansion.mrr.minor).toBe(1500);
		expect(entry.mrrStart.minor).toBe(1000);
	});

	it('counts an event listed twice once', () => {
		const sub = subscription(monthly(1500));
		const twice = [changed(sub.id, from + 3 * day, 500), changed(sub.id, from + 3 * day, 500)];
		expect(usd(build([sub], twice).report({ from, to })).movements.expansion.mrr.minor).toBe(500);
	});

	it('a plan swapped by cancel and create in the same second is an expansion, not churn and new', () => {
		const swap = from + 8 * day;
		const entry = usd(
			build([
				subscription(monthly(1000), { customer: 'cus_swap', ...ended(swap) }),
				subscription(monthly(1500), { customer: 'cus_swap', start_date: swap }),
			]).report({ from, to }),
		);
		expect(entry.movements.expansion).toEqual({ mrr: money(500, 'usd'), customers: 1 });
		expect(entry.movements.churned.customers).toBe(0);
		expect(entry.movements.new.customers).toBe(0);
	});

	it('a trial converting in the period is new MRR at its trial end', () => {
		const entry = usd(build([subscription(monthly(2000), { start_date: from - 10 * day, trial_start: from - 10 * day, trial_end: from + 4 * day })]).report({ from, to }));
		expect(entry.mrrStart.minor).toBe(0);
		expect(entry.movements.new).toEqual({ mrr: money(2000, 'usd'), customers: 1 });
	});

	it('keeps movements per currency', () => {
		const report = build([subscription(monthly(1000, 'eur'), { start_date: from + day }), subscription(monthly(2000, 'usd'), ended(from + day))]).report({ from, to });
		expect(report.currencies.map((entry) => [entry.currency, entry.movements.new.mrr.minor, entry.movements.churned.mrr.minor])).toEqual([
			['eur', 1000, 0],
			['usd', 0, 2000],
		]);
	});

	it('with zero churn, LTV is null (never Infinity) and the churn rate is 0%', () => {
		const entry = usd(build([subscription(monthly(2000)), subscription(monthly(1000), { start_date: from + day })]).report({ from, to }));
		expect(entry.subscriberChurnRate).toEqual({ value: 0, formatted: '0.0%' });
		expect(entry.revenueChurnRate?.value).toBe(0);
		expect(entry.ltv).toBeNull();
		expect(entry.arpu?.minor).toBe(1500);
	});

	it('leaves rates null when there is nothing to divide by', () => {
		const entry = usd(build([subscription(monthly(2000), { start_date: to + day, status: 'active' })]).report({ from, to }));
		expect(entry.subscriberChurnRate).toBeNull();
		expect(entry.revenueChurnRate).toBeNull();
		expect(entry.arpu).toBeNull();
	});

	it('refuses a period that does not end after it starts', () => {
		expect(() => build([]).report({ from: to, to: from })).toThrow(RangeError);
	});

	it('adds converted totals when a rate table is given', () => {
		const report = build(
			[subscription(monthly(1000, 'eur'), { start_date: from + day }), subscription(monthly(2000, 'usd'))],
			[],
			{ rates: { currency: 'usd', rates: { eur: 2 } } },
		).report({ from, to });
		expect(report.converted?.mrrStart.minor).toBe(2000);
		expect(report.converted?.mrrEnd.minor).toBe(4000);
		expect(report.converted?.netMovement.minor).toBe(2000);
	});
});

describe('report: trial conversion', () => {
	it('converted ÷ trials that ended in the period', () => {
		const trial = (trialEnd: number, overrides: Partial<Stripe.Subscription> = {}) =>
			subscription(monthly(2000), { start_date: trialEnd - 14 * day, trial_start: trialEnd - 14 * day, trial_end: trialEnd, ...overrides });
		const report = build([
			trial(from + 3 * day), // converted, now active
			trial(from + 10 * day, ended(from + 2 * day)), // cancelled during the trial: ended, not converted
			trial(from + 5 * day, ended(from + 5 * day + 120)), // expired by Stripe two minutes after trial end, never paid
			trial(from + 7 * day, { status: 'paused', status_details: { paused: { transitioned_at: from + 7 * day + 60 } } as Stripe.Subscription['status_details'] }),
			trial(to + 5 * day, { status: 'trialing' }), // still running: not in the denominator
			trial(from - 5 * day), // ended before the period
		]).report({ from, to });
		expect(report.trialConversion).toEqual({ trialsEnded: 4, converted: 1, rate: { value: 0.25, formatted: '25.0%' } });
	});

	it('is null when no trial ended', () => {
		expect(build([subscription(monthly(1000))]).report({ from, to }).trialConversion.rate).toBeNull();
	});
});

describe('report: daily MRR series', () => {
	it('has one point per day in the zone, each the MRR at the end of that day', () => {
		const nyFrom = utc('2025-10-01T04:00:00Z'); // midnight in New York (EDT, UTC−4)
		const nyTo = utc('2025-10-04T04:00:00Z');
		const subs = [
			subscription(monthly(1000), { start_date: utc('2025-10-02T02:00:00Z') }), // Oct 1, 22:00 in New York
			subscription(monthly(500), ended(utc('2025-10-03T03:00:00Z'))), // Oct 2, 23:00 in New York
			subscription(monthly(200), { start_date: utc('2025-10-03T04:00:00Z') }), // Oct 3, 00:00 in New York: that day, not the one before
		];
		const series = (zone: string, start: number, end: number) =>
			usd(build(subs).report({ from: start, to: end, zone })).series.map((point) => [point.date, point.mrr.minor]);
		expect(series('America/New_York', nyFrom, nyTo)).toEqual([
			['2025-10-01', 1500],
			['2025-10-02', 1000],
			['2025-10-03', 1200],
		]);
		expect(series('UTC', utc('2025-10-01T00:00:00Z'), utc('2025-10-04T00:00:00Z'))).toEqual([
			['2025-10-01', 500],
			['2025-10-02', 1500],
			['2025-10-03', 1200],
		]);
	});

	it('follows the zone’s midnights across a DST change, and starts at the day the period starts in', () => {
		const berlinFrom = utc('2025-10-25T10:00:00Z'); // mid-day Oct 25 in Berlin
		const berlinTo = utc('2025-10-27T23:00:00Z'); // Oct 28 00:00 in Berlin (CET, after the change)
		const report = build([subscription(monthly(1000))]).report({ from: berlinFrom, to: berlinTo, zone: 'Europe/Berlin' });
		expect(report.zone).toBe('Europe/Berlin');
		expect(usd(report).series.map((point) => point.date)).toEqual(['2025-10-25', '2025-10-26', '2025-10-27']);
	});

	it('falls back to UTC for a zone luxon does not know', () => {
		expect(build([subscription(monthly(1000))]).report({ from, to, zone: 'Mars/Olympus' }).zone).toBe('UTC');
	});
});
