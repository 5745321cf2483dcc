import type Stripe from 'stripe';

import { epochNow } from './time';

/**
 * Monthly recurring revenue, the one definition every part of the package uses
 * (activities, profiles, audiences, metrics). It follows Stripe Billing's analytics glossary:
 *
 * - Only `active` and `past_due` subscriptions count; trials, paused, unpaid, incomplete and
 *   canceled ones are 0. A subscription with `cancel_at_period_end` still counts until it ends.
 * - Each licensed item is worth `unit_amount × quantity` per billing period. Tiered prices go
 *   through their tiers: `volume` prices the whole quantity at the tier it falls in, `graduated`
 *   sums every tier the quantity passes through; a tier's `flat_amount` is added once.
 *   `transform_quantity` (package pricing) is applied as Stripe bills it.
 * - Metered items (`recurring.usage_type === 'metered'`) are excluded: their amount is unknown
 *   until usage is reported.
 * - Per month: a year is ÷ 12, a week × 52/12, a day × 365/12, each ÷ `interval_count`.
 * - Tax is excluded (prices are taken as they are, tax rates are ignored).
 * - Discounts: by default only `forever` coupons reduce MRR, because once/repeating ones end and
 *   would make MRR dip and jump back. With `discounts: 'all'` every discount active at `at`
 *   applies. Item discounts apply to their item, subscription discounts to the whole amount;
 *   `amount_off` is per invoice, so it is normalized to a month like a price. Discounts that are
 *   only ids (not expanded) cannot be evaluated and are reported in `unresolvedDiscounts`.
 * - Amounts stay fractional until the end and are rounded once to the currency's minor unit.
 */

export type DiscountScope = 'forever' | 'all';

export interface MrrOptions {
	/** Which discounts reduce MRR (default `forever`). */
	discounts?: DiscountScope;
	/** Epoch seconds at which a discount must be active for `discounts: 'all'` (default now). */
	at?: number;
}

export interface MrrBreakdown {
	/** Minor units of `currency`, rounded once. */
	mrr: number;
	currency: string;
	/** Whether the status counts towards MRR at all (`active`, `past_due`). */
	counted: boolean;
	/** Ids of discounts that were not expanded and so could not be applied. */
	unresolvedDiscounts: string[];
}

const COUNTED_STATUSES: ReadonlySet<string> = new Set(['active', 'past_due']);

const MONTHS_PER_INTERVAL: Record<string, number> = {
	day: 12 / 365,
	week: 12 / 52,
	month: 1,
	year: 12,
};

export function subscriptionMrr(subscription: Stripe.Subscription, options: MrrOptions = {}): number {
	return mrrBreakdown(subscription, options).mrr;
}

export function mrrBreakdown(subscription: Stripe.Subscription, options: MrrOptions = {}): MrrBreakdown {
	const counted = COUNTED_STATUSES.has(subscription.status);
	const context: DiscountContext = {
		scope: options.discounts ?? 'forever',
		at: options.at ?? epochNow(),
		currency: subscription.currency,
		unresolved: [],
	};
	let monthly = 0;
	const cadence = subscription.items.data.find((item) => isLicensed(item.price))?.price.recurring;
	if (counted && cadence) {
		for (const item of subscription.items.data) {
			const recurring = item.price.recurring;
			if (recurring) monthly += applyDiscounts(itemMonthlyAmount(item), item.discounts, recurring, context);
		}
		// Subscription-level amount_off is per invoice, and the invoice follows the licensed items.
		monthly = applyDiscounts(monthly, subscription.discounts, cadence, context);
	}
	return {
		mrr: Math.round(monthly),
		currency: subscription.currency,
		counted,
		unresolvedDiscounts: context.unresolved,
	};
}

/**
 * One item's undiscounted monthly value in fractional minor units, whatever the subscription's
 * status; 0 for metered and one-time prices.
 */
export function itemMonthlyAmount(item: Stripe.SubscriptionItem): number {
	const recurring = item.price.recurring;
	if (!recurring || !isLicensed(item.price)) return 0;
	return pricePerPeriod(item.price, item.quantity ?? 1) * monthsFactor(recurring);
}

/** Fraction of one billing period that falls in a month: a yearly price is worth 1/12 a month. */
function monthsFactor(recurring: Stripe.Price.Recurring): number {
	const months = MONTHS_PER_INTERVAL[recurring.interval];
	if (months === undefined) return 0;
	return 1 / (months * (recurring.interval_count || 1));
}

function isLicensed(price: Stripe.Price): boolean {
	return price.recurring !== null && price.recurring.usage_type !== 'metered';
}

function pricePerPeriod(price: Stripe.Price, quantity: number): number {
	if (price.billing_scheme === 'tiered') return tieredAmount(price, quantity);
	return decimalAmount(price.unit_amount_decimal, price.unit_amount) * billedQuantity(price, quantity);
}

function billedQuantity(price: Stripe.Price, quantity: number): number {
	const transform = price.transform_quantity;
	if (!transform || transform.divide_by <= 0) return quantity;
	const divided = quantity / transform.divide_by;
	return transform.round === 'up' ? Math.ceil(divided) : Math.floor(divided);
}

function tieredAmount(price: Stripe.Price, quantity: number): number {
	const tiers = price.tiers ?? [];
	if (price.tiers_mode === 'volume') {
		const tier = tiers.find((candidate) => candidate.up_to === null || quantity <= candidate.up_to);
		return tier ? tierUnit(tier) * quantity + tierFlat(tier) : 0;
	}
	let amount = 0;
	let lowerBound = 0;
	for (const tier of tiers) {
		if (quantity <= lowerBound) break;
		const upperBound = tier.up_to ?? Infinity;
		amount += tierUnit(tier) * (Math.min(quantity, upperBound) - lowerBound) + tierFlat(tier);
		lowerBound = upperBound;
	}
	return amount;
}

function tierUnit(tier: Stripe.Price.Tier): number {
	return decimalAmount(tier.unit_amount_decimal, tier.unit_amount);
}

function tierFlat(tier: Stripe.Price.Tier): number {
	return decimalAmount(tier.flat_amount_decimal, tier.flat_amount);
}

/** The decimal form carries sub-minor-unit prices (e.g. 0.5 cents); the integer form is rounded. */
function decimalAmount(decimal: unknown, integer: number | null): number {
	if (decimal !== null && decimal !== undefined) {
		const parsed = Number(String(decimal));
		if (Number.isFinite(parsed)) return parsed;
	}
	return integer ?? 0;
}

interface DiscountContext {
	scope: DiscountScope;
	at: number;
	currency: string;
	unresolved: string[];
}

/**
 * Applies discounts to a monthly amount in the order Stripe lists them. `amount_off` is taken off
 * each invoice, so `cadence` (the billing period) converts it to a month.
 */
function applyDiscounts(
	monthly: number,
	discounts: Array<string | Stripe.Discount>,
	cadence: Stripe.Price.Recurring,
	context: DiscountContext,
): number {
	let remaining = monthly;
	for (const discount of discounts) {
		if (typeof discount === 'string') {
			context.unresolved.push(discount);
			continue;
		}
		const coupon = discount.source.coupon;
		if (coupon === null) continue;
		if (typeof coupon === 'string') {
			context.unresolved.push(discount.id);
			continue;
		}
		if (!discountApplies(discount, coupon, context)) continue;
		if (coupon.percent_off !== null) {
			remaining -= (remaining * coupon.percent_off) / 100;
		} else {
			remaining -= couponAmountOff(coupon, context.currency) * monthsFactor(cadence);
		}
		remaining = Math.max(0, remaining);
	}
	return remaining;
}

function discountApplies(discount: Stripe.Discount, coupon: Stripe.Coupon, context: DiscountContext): boolean {
	if (context.scope === 'forever') return coupon.duration === 'forever';
	return discount.start <= context.at && (discount.end === null || discount.end > context.at);
}

function couponAmountOff(coupon: Stripe.Coupon, currency: string): number {
	if (coupon.amount_off === null) return 0;
	if (coupon.currency === null || coupon.currency.toLowerCase() === currency.toLowerCase()) {
		return coupon.amount_off;
	}
	return coupon.currency_options?.[currency.toLowerCase()]?.amount_off ?? 0;
}
