/**
 * What the node should answer, computed independently from the emulator's stored objects with
 * plain arithmetic, straight from docs/PROFILES.md and docs/METRICS.md. Nothing here imports the package's lifecycle
 * core (mrr.ts, profiles.ts, audiences.ts), so a bug there cannot hide in both sides of a test.
 */
import type Stripe from 'stripe';

import type { Dataset } from '../../../emulator/store';

export type ExpectedStatus = 'lead' | 'trialing' | 'active' | 'past_due' | 'paused' | 'canceled';

/** Money compared by what it is: the integer in minor units and its currency. */
export interface Amount {
	minor: number;
	currency: string;
}

const MONTHS_PER_PERIOD: Record<string, number> = { day: 12 / 365, week: 12 / 52, month: 1, year: 12 };
/** docs/METRICS.md: only active and past_due subscriptions have MRR. */
const MRR_STATUSES = new Set(['active', 'past_due']);

export function iso(seconds: number | null | undefined): string | null {
	return seconds === null || seconds === undefined ? null : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** One billing period of a licensed item: unit × quantity, or through its tiers. */
export function periodAmount(price: Stripe.Price, quantity: number): number {
	if (price.billing_scheme !== 'tiered') return (price.unit_amount ?? 0) * quantity;
	const tiers = price.tiers ?? [];
	if (price.tiers_mode === 'volume') {
		const tier = tiers.find((candidate) => candidate.up_to === null || quantity <= candidate.up_to)!;
		return quantity * (tier.unit_amount ?? 0) + (tier.flat_amount ?? 0);
	}
	let total = 0;
	let below = 0;
	for (const tier of tiers) {
		const top = tier.up_to ?? Number.POSITIVE_INFINITY;
		const units = Math.max(0, Math.min(quantity, top) - below);
		if (units > 0) total += units * (tier.unit_amount ?? 0) + (tier.flat_amount ?? 0);
		below = top;
	}
	return total;
}

function couponsOf(dataset: Dataset, discounts: Array<string | Stripe.Discount>): Stripe.Coupon[] {
	return discounts.map((entry) => {
		const discount = typeof entry === 'string' ? dataset.discounts.get(entry)! : entry;
		const coupon = discount.source.coupon!;
		return typeof coupon === 'string' ? dataset.coupons.get(coupon)! : coupon;
	});
}

/** Forever coupons only (Stripe's default): percent off the amount, amount off per period. */
function afterForeverCoupons(amount: number, coupons: Stripe.Coupon[], monthsPerPeriod: number): number {
	let result = amount;
	for (const coupon of coupons.filter((candidate) => candidate.duration === 'forever')) {
		if (coupon.percent_off !== null) result *= 1 - coupon.percent_off / 100;
		else result -= (coupon.amount_off ?? 0) / monthsPerPeriod;
	}
	return Math.max(0, result);
}

/** docs/METRICS.md MRR of one subscription in minor units, rounded once at the end. */
export function expectedSubscriptionMrr(dataset: Dataset, subscription: Stripe.Subscription): number {
	if (!MRR_STATUSES.has(subscription.status)) return 0;
	const licensed = subscription.items.data.filter((item) => item.price.recurring && item.price.recurring.usage_type !== 'metered');
	if (licensed.length === 0) return 0;
	const cadence = licensed[0].price.recurring!;
	let monthly = 0;
	for (const item of licensed) {
		const recurring = item.price.recurring!;
		const months = MONTHS_PER_PERIOD[recurring.interval] * recurring.interval_count;
		monthly += afterForeverCoupons(periodAmount(item.price, item.quantity ?? 1) / months, couponsOf(dataset, item.discounts), months);
	}
	const cadenceMonths = MONTHS_PER_PERIOD[cadence.interval] * cadence.interval_count;
	return Math.round(afterForeverCoupons(monthly, couponsOf(dataset, subscription.discounts), cadenceMonths));
}

const LIVE_RANK: Record<string, number> = { active: 0, past_due: 1, unpaid: 1, trialing: 2, paused: 3 };
const STATUS_OF: Record<string, ExpectedStatus> = { active: 'active', past_due: 'past_due', unpaid: 'past_due', trialing: 'trialing', paused: 'paused' };

/** The customer's subscriptions that ever started, the one that speaks for the customer first. */
export function subscriptionsByRelevance(dataset: Dataset, customerId: string): Stripe.Subscription[] {
	const rank = (subscription: Stripe.Subscription) => LIVE_RANK[subscription.status] ?? 4;
	const recency = (subscription: Stripe.Subscription) =>
		rank(subscription) === 4 ? (subscription.ended_at ?? subscription.canceled_at ?? subscription.created) : subscription.created;
	return dataset.subscriptions
		.values()
		.filter((subscription) => subscription.customer === customerId && subscription.status !== 'incomplete' && subscription.status !== 'incomplete_expired')
		.sort((a, b) => rank(a) - rank(b) || recency(b) - recency(a));
}

export function expectedStatus(dataset: Dataset, customerId: string): ExpectedStatus {
	const chosen = subscriptionsByRelevance(dataset, customerId)[0];
	return chosen ? (STATUS_OF[chosen.status] ?? 'canceled') : 'lead';
}

/** docs/PROFILES.md for one customer; money as {minor, currency} (see `comparableProfile`). */
export function expectedProfile(dataset: Dataset, customerId: string): Record<string, unknown> {
	const customer = dataset.customers.get(customerId) as Stripe.Customer;
	const subscriptions = subscriptionsByRelevance(dataset, customerId);
	const chosen = subscriptions[0];
	const paidCharges = dataset.charges.values().filter((charge) => charge.customer === customerId && charge.status === 'succeeded' && charge.captured);
	const netByCurrency = new Map<string, { net: number; count: number }>();
	for (const charge of paidCharges) {
		const total = netByCurrency.get(charge.currency) ?? { net: 0, count: 0 };
		total.net += charge.amount_captured - charge.amount_refunded;
		total.count += 1;
		netByCurrency.set(charge.currency, total);
	}
	const mostCharged = [...netByCurrency].sort((a, b) => b[1].count - a[1].count || b[1].net - a[1].net)[0]?.[0];
	const currency = customer.currency ?? mostCharged ?? chosen?.currency ?? null;
	const paidInvoices = dataset.invoices
		.values()
		.filter((invoice) => invoice.customer === customerId && invoice.status === 'paid' && invoice.amount_paid > 0 && invoice.status_transitions.paid_at !== null);
	const paymentTimes = [...paidCharges.map((charge) => charge.created), ...paidInvoices.map((invoice) => invoice.status_transitions.paid_at!)];
	const item = chosen?.items.data.find((candidate) => candidate.price.recurring?.usage_type !== 'metered') ?? chosen?.items.data[0];
	const mrrCurrency = chosen?.currency ?? currency;
	const productId = item && typeof item.price.product === 'string' ? item.price.product : null;
	return {
		id: customer.id,
		email: customer.email,
		name: customer.name ?? null,
		phone: customer.phone ?? null,
		createdAt: iso(customer.created),
		currency,
		country: customer.address?.country ?? customer.shipping?.address?.country ?? null,
		livemode: false,
		status: expectedStatus(dataset, customerId),
		plan:
			chosen && item
				? {
						priceId: item.price.id,
						productId,
						productName: productId ? (dataset.products.get(productId)?.name ?? null) : null,
						interval: item.price.recurring?.interval ?? null,
						intervalCount: item.price.recurring?.interval_count ?? null,
						amount: {
							minor: item.price.recurring?.usage_type === 'metered' ? 0 : periodAmount(item.price, item.quantity ?? 1),
							currency: chosen.currency,
						},
					}
				: null,
		mrr:
			mrrCurrency === null
				? null
				: {
						minor: subscriptions
							.filter((subscription) => subscription.currency === mrrCurrency)
							.reduce((sum, subscription) => sum + expectedSubscriptionMrr(dataset, subscription), 0),
						currency: mrrCurrency,
					},
		trialEnd: iso(chosen?.trial_end),
		cancelAtPeriodEnd: chosen !== undefined && (chosen.cancel_at_period_end || chosen.cancel_at !== null),
		cancelAt: iso(chosen?.cancel_at),
		canceledAt: iso(chosen?.canceled_at),
		endedAt: iso(chosen?.ended_at),
		firstPaidAt: paymentTimes.length ? iso(Math.min(...paymentTimes)) : null,
		lifetimeValue: currency === null ? null : { minor: netByCurrency.get(currency)?.net ?? 0, currency },
		lifetimeValueByCurrency: Object.fromEntries([...netByCurrency].map(([code, total]) => [code, { minor: total.net, currency: code }])),
		paidInvoices: paidInvoices.length,
		delinquent: customer.delinquent ?? false,
		metadata: customer.metadata,
		subscriptionIds: subscriptions.map((subscription) => subscription.id),
	};
}

function isMoney(value: unknown): value is Amount & { formatted: string } {
	return typeof value === 'object' && value !== null && 'minor' in value && 'currency' in value && 'formatted' in value;
}

/** The node's profile with every Money reduced to {minor, currency}, to compare with `expectedProfile`. */
export function comparableProfile(profile: Record<string, unknown>): Record<string, unknown> {
	const reduce = (value: unknown): unknown => {
		if (isMoney(value)) return { minor: value.minor, currency: value.currency };
		if (Array.isArray(value)) return value.map(reduce);
		if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, reduce(inner)]));
		return value;
	};
	return reduce(profile) as Record<string, unknown>;
}

/** Customers that exist (deleted ones are not profiles). */
export function liveCustomers(dataset: Dataset): Stripe.Customer[] {
	return dataset.customers.values().filter((customer): customer is Stripe.Customer => !customer.deleted);
}
