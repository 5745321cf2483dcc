import type Stripe from 'stripe';

import { CustomerLedgers, type CurrencyTotal, type Ledger, type ObjectKind, type SubscriptionSummary } from './customerLedgers';
import { customerDetails, idOf, localeFor, primaryItem, subscriptionSnapshot } from './activities';
import { money } from './money';
import { itemMonthlyAmount, subscriptionMrr, type DiscountScope } from './mrr';
import { epochNow, isoFromEpoch } from './time';
import type { Profile, ProfileStatus } from './types';

/**
 * Customer profiles (docs/PROFILES.md) joined in memory from list calls: customers, subscriptions,
 * charges and invoices are streamed in, in any order and each object once, and kept per customer
 * id. Nothing of the joined lists is kept whole: a subscription is reduced on arrival to the dozen
 * fields a profile shows (its MRR valued with the builder's options), and charges and invoices are
 * folded into running totals (customerLedgers.ts), so memory grows with customers, never with their
 * objects, and an index of a whole account stays small enough to keep between batches
 * (sources/profilesSource.ts).
 */

export interface ProfileOptions {
	/** Locale for formatted money when the customer has no preferred locale (default en-US). */
	locale?: string;
	/** Which discounts reduce MRR, as in mrr.ts (default `forever`). */
	discounts?: DiscountScope;
	/** Epoch seconds at which discounts are evaluated (default now). */
	at?: number;
}

export interface ProfileStats {
	/** Profiles built. */
	customers: number;
	deletedCustomers: number;
	/** Objects whose customer was never added, was deleted, or is missing. */
	skipped: Record<ObjectKind, number>;
}

/** Stripe's `incomplete` subscriptions never started, so they say nothing about the customer. */
const NOT_STARTED: ReadonlySet<string> = new Set(['incomplete', 'incomplete_expired']);

/** Live subscriptions by relevance; anything else (canceled) ranks after them. */
const LIVE_RANK: Record<string, number> = { active: 0, past_due: 1, unpaid: 1, trialing: 2, paused: 3 };
const ENDED_RANK = 4;

const STATUS_OF: Record<string, ProfileStatus> = {
	active: 'active',
	past_due: 'past_due',
	unpaid: 'past_due',
	trialing: 'trialing',
	paused: 'paused',
	canceled: 'canceled',
};

export class ProfileBuilder {
	/** `options` value MRR and plans as subscriptions arrive, so they are fixed for the builder's life. */
	constructor(private readonly options: ProfileOptions = {}) {}

	private readonly customers = new Map<string, Stripe.Customer>();
	private readonly deleted = new Set<string>();
	private readonly ledgers = new CustomerLedgers();
	private readonly orphans = { subscriptions: 0, charges: 0, invoices: 0 };
	private lastStats: ProfileStats | null = null;

	addCustomer(customer: Stripe.Customer | Stripe.DeletedCustomer): void {
		if (customer.deleted) {
			this.deleted.add(customer.id);
			this.customers.delete(customer.id);
			return;
		}
		this.customers.set(customer.id, customer);
	}

	addSubscription(subscription: Stripe.Subscription): void {
		const ledger = this.ledgerFor(subscription.customer, 'subscriptions');
		if (ledger === undefined || NOT_STARTED.has(subscription.status)) return;
		this.ledgers.addSubscription(ledger, summarize(subscription, this.options));
	}

	addCharge(charge: Stripe.Charge): void {
		const ledger = this.ledgerFor(charge.customer, 'charges');
		// An authorization that was never captured is no revenue; a partial capture counts what was taken.
		if (ledger === undefined || charge.status !== 'succeeded' || !charge.captured) return;
		this.ledgers.addPayment(ledger, charge.currency.toLowerCase(), charge.amount_captured - charge.amount_refunded, charge.created);
	}

	/** Only invoices that collected money count: a $0 trial invoice is "paid" but nobody paid. */
	addInvoice(invoice: Stripe.Invoice): void {
		const ledger = this.ledgerFor(invoice.customer, 'invoices');
		const paidAt = invoice.status_transitions.paid_at;
		if (ledger === undefined || paidAt === null || invoice.amount_paid <= 0) return;
		this.ledgers.addPaidInvoice(ledger, paidAt);
	}

	/** One profile per added, non-deleted customer, in the order customers were added. */
	build(): Profile[] {
		const profiles: Profile[] = [];
		const skipped = { ...this.orphans };
		for (const id of this.ledgers.customerIds()) {
			if (this.customers.has(id)) continue;
			const { seen } = this.ledgers.ledger(id);
			for (const kind of Object.keys(skipped) as ObjectKind[]) skipped[kind] += seen[kind];
		}
		for (const customer of this.customers.values()) profiles.push(this.profile(customer));
		this.lastStats = { customers: profiles.length, deletedCustomers: this.deleted.size, skipped };
		return profiles;
	}

	/**
	 * The profile of a customer from what was added of its objects, without keeping the customer:
	 * batches of customers are joined with an index of the whole account this way.
	 */
	profile(customer: Stripe.Customer): Profile {
		return profileOf(customer, this.ledgers.ledger(customer.id), this.options);
	}

	/** Counts from the last `build`, for the node's summary. */
	stats(): ProfileStats | null {
		return this.lastStats;
	}

	/** The customer's ledger number, or undefined for an object without a customer. */
	private ledgerFor(customer: string | Stripe.Customer | Stripe.DeletedCustomer | null, kind: ObjectKind): number | undefined {
		if (customer === null) {
			this.orphans[kind] += 1;
			return undefined;
		}
		return this.ledgers.see(idOf(customer), kind);
	}
}

/** The profile of one customer from its own objects; null for a deleted customer. */
export function buildProfile(
	customer: Stripe.Customer | Stripe.DeletedCustomer,
	related: { subscriptions?: Iterable<Stripe.Subscription>; charges?: Iterable<Stripe.Charge>; invoices?: Iterable<Stripe.Invoice> } = {},
	options: ProfileOptions = {},
): Profile | null {
	const builder = new ProfileBuilder(options);
	builder.addCustomer(customer);
	for (const subscription of related.subscriptions ?? []) builder.addSubscription(subscription);
	for (const charge of related.charges ?? []) builder.addCharge(charge);
	for (const invoice of related.invoices ?? []) builder.addInvoice(invoice);
	return builder.build()[0] ?? null;
}

function profileOf(customer: Stripe.Customer, ledger: Ledger, options: ProfileOptions): Profile {
	const locale = localeFor(customer, options);
	const subscriptions = byRelevance(ledger.subscriptions);
	const totals = ledger.totals;
	const chosen = subscriptions[0];
	const currency = customer.currency?.toLowerCase() ?? mainChargeCurrency(totals) ?? chosen?.currency ?? null;
	const mrrCurrency = chosen?.currency ?? currency;
	const details = customerDetails(customer);
	return {
		id: customer.id,
		email: details.email,
		name: details.name,
		phone: customer.phone ?? null,
		createdAt: isoFromEpoch(customer.created) ?? '',
		currency,
		country: customer.address?.country ?? customer.shipping?.address?.country ?? null,
		livemode: customer.livemode,
		status: chosen ? (STATUS_OF[chosen.status] ?? 'canceled') : 'lead',
		plan: chosen ? { ...chosen.plan, amount: money(chosen.plan.amount, chosen.currency, locale) } : null,
		mrr: mrrCurrency === null ? null : money(totalMrr(subscriptions, mrrCurrency), mrrCurrency, locale),
		trialEnd: isoFromEpoch(chosen?.trialEnd),
		cancelAtPeriodEnd: chosen !== undefined && (chosen.cancelAtPeriodEnd || chosen.cancelAt !== null),
		cancelAt: isoFromEpoch(chosen?.cancelAt),
		canceledAt: isoFromEpoch(chosen?.canceledAt),
		endedAt: isoFromEpoch(chosen?.endedAt),
		firstPaidAt: isoFromEpoch(ledger.firstPaidAt),
		lifetimeValue: currency === null ? null : money(totals.find((total) => total.currency === currency)?.net ?? 0, currency, locale),
		lifetimeValueByCurrency: Object.fromEntries(totals.map((total) => [total.currency, money(total.net, total.currency, locale)] as const)),
		paidInvoices: ledger.paidInvoices,
		delinquent: customer.delinquent ?? false,
		metadata: customer.metadata,
		subscriptionIds: subscriptions.map((subscription) => subscription.id),
	};
}

/**
 * Live subscriptions first (active, then past_due/unpaid, trialing, paused), the newest first
 * within a rank; then ended ones, the most recently ended first.
 */
function byRelevance(subscriptions: readonly SubscriptionSummary[]): SubscriptionSummary[] {
	const rank = (subscription: SubscriptionSummary) => LIVE_RANK[subscription.status] ?? ENDED_RANK;
	const recency = (subscription: SubscriptionSummary) =>
		rank(subscription) === ENDED_RANK
			? (subscription.endedAt ?? subscription.canceledAt ?? subscription.created)
			: subscription.created;
	return [...subscriptions].sort((a, b) => rank(a) - rank(b) || recency(b) - recency(a));
}

/** The currency most of the customer's charges are in; ties go to the larger amount. */
function mainChargeCurrency(totals: readonly CurrencyTotal[]): string | null {
	let main: CurrencyTotal | null = null;
	for (const total of totals) {
		if (!main || total.charges > main.charges || (total.charges === main.charges && total.net > main.net)) main = total;
	}
	return main?.currency ?? null;
}

/** A customer's subscriptions share one currency in Stripe; any other would not be summable anyway. */
function totalMrr(subscriptions: SubscriptionSummary[], currency: string): number {
	let total = 0;
	for (const subscription of subscriptions) {
		if (subscription.currency === currency) total += subscription.mrr;
	}
	return total;
}

function summarize(subscription: Stripe.Subscription, options: ProfileOptions): SubscriptionSummary {
	const snapshot = subscriptionSnapshot(subscription, options.at ?? epochNow());
	return {
		id: subscription.id,
		status: subscription.status,
		created: subscription.created,
		currency: subscription.currency,
		mrr: subscriptionMrr(subscription, options),
		trialEnd: subscription.trial_end,
		cancelAtPeriodEnd: subscription.cancel_at_period_end,
		cancelAt: subscription.cancel_at,
		canceledAt: subscription.canceled_at,
		endedAt: subscription.ended_at,
		plan: {
			priceId: snapshot.priceId,
			productId: snapshot.productId,
			productName: snapshot.productName ?? null,
			interval: snapshot.interval,
			intervalCount: snapshot.intervalCount,
			amount: periodAmount(primaryItem(subscription.items.data)),
		},
	};
}

/**
 * One billing period of the item. Valued as if it were billed monthly, mrr.ts's item reader
 * returns exactly one period (tiers, packages and decimal prices included), so pricing is read
 * in one place only. Metered items are 0: their amount is unknown until usage is reported.
 */
function periodAmount(item: Stripe.SubscriptionItem | undefined): number {
	const recurring = item?.price.recurring;
	if (!item || !recurring) return 0;
	const monthly = { ...item, price: { ...item.price, recurring: { ...recurring, interval: 'month' as const, interval_count: 1 } } };
	return Math.round(itemMonthlyAmount(monthly));
}
