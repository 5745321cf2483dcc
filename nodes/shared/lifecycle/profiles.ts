import type Stripe from 'stripe';

import { customerDetails, idOf, localeFor, primaryItem, subscriptionSnapshot } from './activities';
import { money } from './money';
import { itemMonthlyAmount, subscriptionMrr, type DiscountScope } from './mrr';
import { epochNow, isoFromEpoch } from './time';
import type { Profile, ProfilePlan, ProfileStatus } from './types';

/**
 * Customer profiles (docs/PROFILES.md) joined in memory from list calls: customers, subscriptions,
 * charges and invoices are streamed in, in any order and each object once, and kept per customer
 * id. Nothing of the joined lists is kept whole: a subscription is reduced on arrival to the dozen
 * fields a profile shows (its MRR valued with the builder's options), and charges and invoices are
 * folded into running totals, so memory grows with customers, never with their objects, and an
 * index of a whole account stays small enough to keep between batches (sources/profilesSource.ts).
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
	skipped: { subscriptions: number; charges: number; invoices: number };
}

interface CurrencyTotal {
	currency: string;
	/** Captured minus refunded, minor units. */
	net: number;
	charges: number;
}

/** What a profile needs of one subscription, with amounts in minor units. */
interface SubscriptionSummary {
	id: string;
	status: Stripe.Subscription.Status;
	created: number;
	currency: string;
	mrr: number;
	trialEnd: number | null;
	cancelAtPeriodEnd: boolean;
	cancelAt: number | null;
	canceledAt: number | null;
	endedAt: number | null;
	plan: Omit<ProfilePlan, 'amount'> & { amount: number };
}

/**
 * What is kept of one customer's objects. A sync index keeps one per customer of the account
 * (docs/SYNC.md, "Memory"), so it is sized for the usual customer: one subscription and one
 * currency are kept as themselves and only more than one as an array (see Few), arrays are copied
 * to their exact length instead of pushed to (a push reserves room for 16 more), totals are a list
 * rather than a Map, and plans and codes are shared (ProfileBuilder.shared).
 */
interface Ledger {
	subscriptions: Few<SubscriptionSummary>;
	/** In the order the currencies were first charged in. */
	totals: Few<CurrencyTotal>;
	firstPaidAt: number | null;
	paidInvoices: number;
	/** Every object seen for the customer, so unjoined ones can be counted as skipped. */
	seenSubscriptions: number;
	seenCharges: number;
	seenInvoices: number;
}

type ObjectKind = keyof ProfileStats['skipped'];

/** Counts on the ledger itself: an object of three counts per customer weighed a tenth of the index. */
const SEEN = { subscriptions: 'seenSubscriptions', charges: 'seenCharges', invoices: 'seenInvoices' } as const satisfies Record<ObjectKind, keyof Ledger>;

/**
 * None, one or several objects: null, the object, or an array. An array holding one object weighs
 * 56 bytes more than the object alone, and an empty one 32, for each customer of an index.
 */
type Few<T extends object> = T | readonly T[] | null;

function all<T extends object>(few: Few<T>): readonly T[] {
	if (few === null) return [];
	return Array.isArray(few) ? few : [few as T];
}

function withOneMore<T extends object>(few: Few<T>, added: T): Few<T> {
	return few === null ? added : all(few).concat(added);
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
	private readonly ledgers = new Map<string, Ledger>();
	private readonly orphans = { subscriptions: 0, charges: 0, invoices: 0 };
	private lastStats: ProfileStats | null = null;
	/** One copy of each plan, status and currency code: parsed JSON gives every subscription its own. */
	private readonly shared = new Map<string, unknown>();

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
		if (!ledger || NOT_STARTED.has(subscription.status)) return;
		const summary = summarize(subscription, this.options);
		ledger.subscriptions = withOneMore(ledger.subscriptions, {
			...summary,
			status: this.share(`status|${summary.status}`, summary.status),
			currency: this.share(`currency|${summary.currency}`, summary.currency),
			plan: this.share(`plan|${JSON.stringify(summary.plan)}`, summary.plan),
		});
	}

	addCharge(charge: Stripe.Charge): void {
		const ledger = this.ledgerFor(charge.customer, 'charges');
		// An authorization that was never captured is no revenue; a partial capture counts what was taken.
		if (!ledger || charge.status !== 'succeeded' || !charge.captured) return;
		const code = charge.currency.toLowerCase();
		const currency = this.share(`currency|${code}`, code);
		let total = all(ledger.totals).find((candidate) => candidate.currency === currency);
		if (!total) {
			total = { currency, net: 0, charges: 0 };
			ledger.totals = withOneMore(ledger.totals, total);
		}
		total.net += charge.amount_captured - charge.amount_refunded;
		total.charges += 1;
		ledger.firstPaidAt = earliest(ledger.firstPaidAt, charge.created);
	}

	/** Only invoices that collected money count: a $0 trial invoice is "paid" but nobody paid. */
	addInvoice(invoice: Stripe.Invoice): void {
		const ledger = this.ledgerFor(invoice.customer, 'invoices');
		const paidAt = invoice.status_transitions.paid_at;
		if (!ledger || paidAt === null || invoice.amount_paid <= 0) return;
		ledger.paidInvoices += 1;
		ledger.firstPaidAt = earliest(ledger.firstPaidAt, paidAt);
	}

	/** One profile per added, non-deleted customer, in the order customers were added. */
	build(): Profile[] {
		const profiles: Profile[] = [];
		const skipped = { ...this.orphans };
		for (const [id, ledger] of this.ledgers) {
			if (this.customers.has(id)) continue;
			for (const kind of Object.keys(SEEN) as ObjectKind[]) skipped[kind] += ledger[SEEN[kind]];
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
		return profileOf(customer, this.ledgers.get(customer.id) ?? newLedger(), this.options);
	}

	/** Counts from the last `build`, for the node's summary. */
	stats(): ProfileStats | null {
		return this.lastStats;
	}

	private share<T>(key: string, value: T): T {
		if (this.shared.has(key)) return this.shared.get(key) as T;
		this.shared.set(key, value);
		return value;
	}

	private ledgerFor(customer: string | Stripe.Customer | Stripe.DeletedCustomer | null, kind: ObjectKind): Ledger | undefined {
		if (customer === null) {
			this.orphans[kind] += 1;
			return undefined;
		}
		const id = idOf(customer);
		let ledger = this.ledgers.get(id);
		if (!ledger) {
			ledger = newLedger();
			this.ledgers.set(id, ledger);
		}
		ledger[SEEN[kind]] += 1;
		return ledger;
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

function newLedger(): Ledger {
	return { subscriptions: null, totals: null, firstPaidAt: null, paidInvoices: 0, seenSubscriptions: 0, seenCharges: 0, seenInvoices: 0 };
}

function earliest(current: number | null, candidate: number): number {
	return current === null ? candidate : Math.min(current, candidate);
}

function profileOf(customer: Stripe.Customer, ledger: Ledger, options: ProfileOptions): Profile {
	const locale = localeFor(customer, options);
	const subscriptions = byRelevance(all(ledger.subscriptions));
	const totals = all(ledger.totals);
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
