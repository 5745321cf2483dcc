import type Stripe from 'stripe';

import { stripeResources } from '../fixtures/stripeObjects';

import { itemMonthlyAmount, mrrBreakdown, subscriptionMrr } from '../../nodes/shared/lifecycle/mrr';

/** Stripe's example objects (MIT); override only what each case is about. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Stripe's example objects, read loosely to build test inputs
const resources = stripeResources as Record<string, any>;
const clone = <T>(value: unknown): T => structuredClone(value) as T;

const now = 1_760_000_000;
const month = 30 * 24 * 60 * 60;

function price(
	overrides: Omit<Partial<Stripe.Price>, 'recurring'> & { recurring?: Partial<Stripe.Price.Recurring> | null } = {},
): Stripe.Price {
	const base = clone<Stripe.Price>(resources.subscription.items.data[0].price);
	const { recurring, ...rest } = overrides;
	return {
		...base,
		// The fixture's package pricing would divide every quantity by ~1.6e9.
		transform_quantity: null,
		...rest,
		recurring: recurring === null ? null : { ...(base.recurring as Stripe.Price.Recurring), ...recurring },
	};
}

function item(itemPrice: Stripe.Price, quantity = 1, discounts: Stripe.Discount[] = []): Stripe.SubscriptionItem {
	return { ...clone<Stripe.SubscriptionItem>(resources.subscription.items.data[0]), price: itemPrice, quantity, discounts };
}

function subscription(items: Stripe.SubscriptionItem[], overrides: Partial<Stripe.Subscription> = {}): Stripe.Subscription {
	const base = clone<Stripe.Subscription>(resources.subscription);
	return {
		...base,
		status: 'active',
		discounts: [],
		cancel_at_period_end: false,
		items: { ...base.items, data: items },
		...overrides,
	};
}

function discount(coupon: Partial<Stripe.Coupon>, window: { start?: number; end?: number | null } = {}): Stripe.Discount {
	return {
		...clone<Stripe.Discount>(resources.discount),
		start: window.start ?? now - month,
		end: window.end === undefined ? null : window.end,
		source: { type: 'coupon', coupon: { ...clone<Stripe.Coupon>(resources.coupon), amount_off: null, percent_off: null, ...coupon } },
	};
}

const monthly2000 = () => item(price({ unit_amount: 2000, unit_amount_decimal: '2000' as never }));

describe('subscriptionMrr: normalization to a month', () => {
	it.each([
		['monthly', { interval: 'month', interval_count: 1 }, 2000, 2000],
		['yearly ÷ 12', { interval: 'year', interval_count: 1 }, 24000, 2000],
		['quarterly (3 months) ÷ 3', { interval: 'month', interval_count: 3 }, 9000, 3000],
		['every 2 years ÷ 24', { interval: 'year', interval_count: 2 }, 48000, 2000],
		['weekly × 52/12', { interval: 'week', interval_count: 1 }, 1000, 4333], // 4333.33
		['daily × 365/12', { interval: 'day', interval_count: 1 }, 100, 3042], // 3041.67
	] as const)('%s', (_label, recurring, unitAmount, expected) => {
		const sub = subscription([item(price({ unit_amount: unitAmount, unit_amount_decimal: null, recurring }))]);
		expect(subscriptionMrr(sub)).toBe(expected);
	});

	it('multiplies by quantity', () => {
		const sub = subscription([item(price({ unit_amount: 1500, unit_amount_decimal: null }), 5)]);
		expect(subscriptionMrr(sub)).toBe(7500);
	});

	it('rounds once at the end, not per item', () => {
		// 3 × (100 × 52/12 = 433.33…) = 1300; rounding each item first would give 1299.
		const weekly = () => item(price({ unit_amount: 100, unit_amount_decimal: null, recurring: { interval: 'week' } }));
		const sub = subscription([weekly(), weekly(), weekly()]);
		expect(subscriptionMrr(sub)).toBe(1300);
		expect(itemMonthlyAmount(sub.items.data[0])).toBeCloseTo(433.333, 3);
	});

	it('uses the decimal unit amount for sub-cent prices', () => {
		const sub = subscription([item(price({ unit_amount: 1, unit_amount_decimal: '0.5' as never }), 1000)]);
		expect(subscriptionMrr(sub)).toBe(500);
	});

	it('applies package pricing (transform_quantity) as Stripe bills it', () => {
		const packs = price({ unit_amount: 1000, unit_amount_decimal: null, transform_quantity: { divide_by: 10, round: 'up' } });
		expect(subscriptionMrr(subscription([item(packs, 21)]))).toBe(3000);
	});
});

describe('subscriptionMrr: tiers and metered items', () => {
	const tiers = (mode: 'volume' | 'graduated', list: Array<Partial<Stripe.Price.Tier>>): Stripe.Price =>
		price({
			billing_scheme: 'tiered',
			tiers_mode: mode,
			unit_amount: null,
			unit_amount_decimal: null,
			tiers: list.map((tier) => ({
				flat_amount: null,
				flat_amount_decimal: null,
				unit_amount: null,
				unit_amount_decimal: null,
				up_to: null,
				...tier,
			})),
		});

	it('volume: the whole quantity at the tier it falls in, plus that tier’s flat amount', () => {
		const volume = tiers('volume', [
			{ up_to: 5, unit_amount: 1000 },
			{ up_to: null, unit_amount: 800, flat_amount: 500 },
		]);
		expect(subscriptionMrr(subscription([item(volume, 3)]))).toBe(3000);
		expect(subscriptionMrr(subscription([item(volume, 7)]))).toBe(7 * 800 + 500);
	});

	it('graduated: each unit at the tier it passes through, flat amounts once per tier reached', () => {
		const graduated = tiers('graduated', [
			{ up_to: 5, unit_amount: 1000, flat_amount: 200 },
			{ up_to: 10, unit_amount: 800 },
			{ up_to: null, unit_amount: 500, flat_amount: 300 },
		]);
		expect(subscriptionMrr(subscription([item(graduated, 12)]))).toBe(5 * 1000 + 200 + 5 * 800 + 2 * 500 + 300);
		expect(subscriptionMrr(subscription([item(graduated, 4)]))).toBe(4 * 1000 + 200);
	});

	it('excludes metered items', () => {
		const metered = item(price({ id: 'price_metered', unit_amount: 50, unit_amount_decimal: null, recurring: { usage_type: 'metered' } }), 1);
		expect(subscriptionMrr(subscription([monthly2000(), metered]))).toBe(2000);
		expect(itemMonthlyAmount(metered)).toBe(0);
	});
});

describe('subscriptionMrr: status', () => {
	it.each([
		['active', 2000],
		['past_due', 2000],
		['trialing', 0],
		['paused', 0],
		['unpaid', 0],
		['incomplete', 0],
		['canceled', 0],
	] as const)('%s → %i', (status, expected) => {
		expect(subscriptionMrr(subscription([monthly2000()], { status }))).toBe(expected);
	});

	it('still counts a subscription that cancels at period end', () => {
		const sub = subscription([monthly2000()], { cancel_at_period_end: true, cancel_at: now + month });
		expect(subscriptionMrr(sub)).toBe(2000);
	});
});

describe('subscriptionMrr: discounts', () => {
	it('a forever percent_off coupon reduces MRR', () => {
		const sub = subscription([monthly2000()], { discounts: [discount({ duration: 'forever', percent_off: 20 })] });
		expect(subscriptionMrr(sub)).toBe(1600);
	});

	it('a forever amount_off coupon is taken off per invoice, normalized to a month', () => {
		const monthly = subscription([monthly2000()], { discounts: [discount({ duration: 'forever', amount_off: 500, currency: 'usd' })] });
		expect(subscriptionMrr(monthly)).toBe(1500);
		const yearly = subscription([item(price({ unit_amount: 12000, unit_amount_decimal: null, recurring: { interval: 'year' } }))], {
			discounts: [discount({ duration: 'forever', amount_off: 1200, currency: 'usd' })],
		});
		expect(subscriptionMrr(yearly)).toBe(900); // (12000 − 1200) ÷ 12
	});

	it('ignores once and repeating coupons by default', () => {
		const once = subscription([monthly2000()], { discounts: [discount({ duration: 'once', percent_off: 50 }, { end: now + month })] });
		const repeating = subscription([monthly2000()], {
			discounts: [discount({ duration: 'repeating', duration_in_months: 3, percent_off: 25 }, { end: now + 3 * month })],
		});
		expect(subscriptionMrr(once)).toBe(2000);
		expect(subscriptionMrr(repeating)).toBe(2000);
	});

	it('with discounts: "all", applies every discount still active at `at`', () => {
		const repeating = subscription([monthly2000()], {
			discounts: [discount({ duration: 'repeating', duration_in_months: 3, percent_off: 25 }, { end: now + 3 * month })],
		});
		expect(subscriptionMrr(repeating, { discounts: 'all', at: now })).toBe(1500);
		expect(subscriptionMrr(repeating, { discounts: 'all', at: now + 4 * month })).toBe(2000);
		const once = subscription([monthly2000()], { discounts: [discount({ duration: 'once', percent_off: 50 }, { end: now + month })] });
		expect(subscriptionMrr(once, { discounts: 'all', at: now })).toBe(1000);
	});

	it('an item discount applies to its item only', () => {
		const discounted = item(price({ id: 'price_b', unit_amount: 1000, unit_amount_decimal: null }), 1, [
			discount({ duration: 'forever', percent_off: 50 }),
		]);
		expect(subscriptionMrr(subscription([monthly2000(), discounted]))).toBe(2500);
	});

	it('never goes below zero', () => {
		const sub = subscription([monthly2000()], { discounts: [discount({ duration: 'forever', amount_off: 5000, currency: 'usd' })] });
		expect(subscriptionMrr(sub)).toBe(0);
	});

	it('reports discounts it could not evaluate because they were not expanded', () => {
		const withId = subscription([monthly2000()], { discounts: ['di_unexpanded'] });
		expect(mrrBreakdown(withId)).toEqual({ mrr: 2000, currency: 'usd', counted: true, unresolvedDiscounts: ['di_unexpanded'] });
	});
});
