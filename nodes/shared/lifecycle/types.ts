import type { Money } from './money';

/** Values this package produces; Stripe's own objects are the `stripe` package's types. */

/** `event`: a Stripe event passed on whole because it could not be read (see `stripe.event`). */
export type ActivityCategory = 'trial' | 'subscription' | 'charge' | 'invoice' | 'customer' | 'event';

export const ACTIVITIES = {
	'trial.started': 'trial',
	'trial.ending': 'trial',
	'trial.converted': 'trial',
	'trial.expired': 'trial',
	'trial.cancelled': 'trial',
	'subscription.started': 'subscription',
	'subscription.changed': 'subscription',
	'subscription.cancel_scheduled': 'subscription',
	'subscription.reactivated': 'subscription',
	'subscription.past_due': 'subscription',
	'subscription.paused': 'subscription',
	'subscription.resumed': 'subscription',
	'subscription.cancelled': 'subscription',
	'charge.succeeded': 'charge',
	'charge.failed': 'charge',
	'charge.refunded': 'charge',
	'charge.disputed': 'charge',
	'invoice.paid': 'invoice',
	'invoice.payment_failed': 'invoice',
	'invoice.upcoming': 'invoice',
	'invoice.payment_action_required': 'invoice',
	'customer.created': 'customer',
	'customer.updated': 'customer',
	'customer.deleted': 'customer',
	// An event of a subscribed type whose payload could not be read: the event whole in `raw`, the reason in `warnings`.
	'stripe.event': 'event',
} as const satisfies Record<string, ActivityCategory>;

export type ActivityName = keyof typeof ACTIVITIES;

export interface CustomerRef {
	id: string | null;
	email: string | null;
	name: string | null;
}

export interface SubscriptionSnapshot {
	id: string;
	status: string;
	priceId: string | null;
	productId: string | null;
	productName?: string | null;
	interval: string | null;
	intervalCount: number | null;
	quantity: number | null;
	/** Monthly recurring revenue of this subscription in minor units (see metrics). */
	mrr: number;
	currency: string;
	trialStart: string | null;
	trialEnd: string | null;
	currentPeriodEnd: string | null;
	cancelAtPeriodEnd: boolean;
}

export interface InvoiceSnapshot {
	id: string | null;
	number: string | null;
	hostedInvoiceUrl: string | null;
	attemptCount: number;
	nextPaymentAttempt: string | null;
	/** The subscription the invoice bills, if any (`parent.subscription_details`). */
	subscriptionId: string | null;
}

export interface ChargeSnapshot {
	id: string;
	failureMessage: string | null;
	refunded: boolean;
	/** Set on `charge.disputed`. */
	disputeId?: string;
}

export interface ChangeDetails {
	previousPriceId?: string | null;
	previousQuantity?: number | null;
	previousStatus?: string | null;
	previousMrr?: number;
	mrrDelta: number;
	direction: 'upgrade' | 'downgrade' | 'none';
}

export interface Activity {
	activity: ActivityName;
	category: ActivityCategory;
	occurredAt: string;
	eventId: string;
	eventType: string;
	livemode: boolean;
	account: string | null;
	/** Stable key for exactly-once guards downstream: the same fact always yields the same key. */
	dedupeKey: string;
	customer: CustomerRef;
	subscription?: SubscriptionSnapshot;
	invoice?: InvoiceSnapshot;
	charge?: ChargeSnapshot;
	amount?: Money;
	change?: ChangeDetails;
	/** Days until the trial ends, for `trial.ending`. */
	daysLeft?: number;
	raw?: unknown;
	/** Why some fields are missing, e.g. a customer lookup that failed; the activity is still emitted. */
	warnings?: string[];
}

// ── Profiles and audiences (docs/PROFILES.md) ────────────────────────────────────────────────

/** `lead`: no subscription that ever started; `past_due` includes Stripe's `unpaid`. */
export type ProfileStatus = 'lead' | 'trialing' | 'active' | 'past_due' | 'paused' | 'canceled';

/** The plan of the customer's most relevant subscription (its first licensed item). */
export interface ProfilePlan {
	priceId: string | null;
	productId: string | null;
	productName: string | null;
	interval: string | null;
	intervalCount: number | null;
	/** One billing period of the item at its quantity, before discounts. */
	amount: Money;
}

/** One customer as a CDP record. Dates are ISO 8601 in UTC. */
export interface Profile {
	id: string;
	email: string | null;
	name: string | null;
	phone: string | null;
	createdAt: string;
	/** The customer's currency, else the one most of its charges are in, else its subscription's. */
	currency: string | null;
	country: string | null;
	livemode: boolean;
	status: ProfileStatus;
	plan: ProfilePlan | null;
	/** Sum of the subscriptions' MRR in the plan's currency; null only without any known currency. */
	mrr: Money | null;
	trialEnd: string | null;
	/** A cancellation is scheduled (`cancel_at_period_end` or a `cancel_at` date) on the chosen subscription. */
	cancelAtPeriodEnd: boolean;
	/** When the scheduled cancellation takes effect. */
	cancelAt: string | null;
	/** Stripe's `canceled_at`: when the cancellation was requested. */
	canceledAt: string | null;
	/** When the subscription actually ended (churn date). */
	endedAt: string | null;
	firstPaidAt: string | null;
	/** Captured succeeded charges minus refunds, in `currency`; null only without any known currency. */
	lifetimeValue: Money | null;
	/** The same per currency, every currency the customer paid in; never summed across currencies. */
	lifetimeValueByCurrency: Record<string, Money>;
	paidInvoices: number;
	delinquent: boolean;
	metadata: Record<string, string>;
	/** Every subscription of the customer that counts (not incomplete), most relevant first. */
	subscriptionIds: string[];
}

export type AudienceName =
	| 'trialing'
	| 'trial_ending_soon'
	| 'active_paying'
	| 'past_due'
	| 'cancelling'
	| 'churned_recently'
	| 'new_customers'
	| 'high_value'
	| 'leads'
	| 'paused';

// ── Metrics (docs/METRICS.md) ────────────────────────────────────────────────────────────────

/** A ratio (0..1) and how people read it, e.g. 0.125 and "12.5%". */
export interface Rate {
	value: number;
	formatted: string;
}

/**
 * An optional user-supplied table that converts amounts into one reporting currency for a
 * separate "converted total"; per-currency figures are never summed without it.
 * `rates[code]` is how many major units of `currency` one major unit of `code` is worth.
 */
export interface RateTable {
	currency: string;
	rates: Record<string, number>;
}

/** Sums of several currencies in the rate table's currency; currencies without a rate are left out and named. */
export type ConvertedTotal<K extends string> = { currency: string; missingRates: string[] } & Record<K, Money>;

export type MovementKind = 'new' | 'expansion' | 'contraction' | 'churned' | 'reactivation';

export interface MovementTotal {
	/** MRR moved, always ≥ 0; `net` in `MrrMovements` carries the sign. */
	mrr: Money;
	/** How many customer movements of this kind happened. */
	customers: number;
}

export type MrrMovements = Record<MovementKind, MovementTotal> & {
	/** new + expansion + reactivation − contraction − churned, equal to MRR at end − MRR at start. */
	net: Money;
};

export interface MrrPoint {
	/** The day in the report's zone, yyyy-mm-dd. */
	date: string;
	/** MRR at the end of that day (or at the end of the period, for its last day). */
	mrr: Money;
}

export interface ProductMrr {
	productId: string | null;
	productName: string | null;
	mrr: Money;
	subscriptions: number;
}

export interface SaasCurrencySnapshot {
	currency: string;
	mrr: Money;
	arr: Money;
	payingCustomers: number;
	activeSubscriptions: number;
	trialing: number;
	/** MRR ÷ paying customers; null without paying customers. */
	arpu: Money | null;
	/** MRR by the product of each subscription's plan (its first licensed item), largest first. */
	products: ProductMrr[];
}

export interface SaasSnapshot {
	metric: 'saas_snapshot';
	at: string;
	currencies: SaasCurrencySnapshot[];
	/** Distinct customers paying in any currency. */
	payingCustomers: number;
	trialing: number;
	converted: ConvertedTotal<'mrr' | 'arr'> | null;
	/** Discount ids that were not expanded, so MRR may be overstated by them. */
	unresolvedDiscounts: string[];
}

export interface SaasCurrencyReport {
	currency: string;
	mrrStart: Money;
	mrrEnd: Money;
	movements: MrrMovements;
	/** Customers paying in this currency just before the period. */
	activeAtStart: number;
	payingAtEnd: number;
	subscriberChurnRate: Rate | null;
	/** The subscriber churn rate scaled to an average month, the one LTV divides by. */
	monthlySubscriberChurnRate: Rate | null;
	revenueChurnRate: Rate | null;
	arpu: Money | null;
	/** ARPU ÷ monthly subscriber churn rate; null when nobody churned. */
	ltv: Money | null;
	series: MrrPoint[];
}

export interface TrialConversion {
	trialsEnded: number;
	converted: number;
	rate: Rate | null;
}

export interface SaasReport {
	metric: 'saas_report';
	from: string;
	to: string;
	zone: string;
	currencies: SaasCurrencyReport[];
	trialConversion: TrialConversion;
	/** From when plan changes came from subscription events (exact); before it, object timestamps only. */
	exactMovementsSince: string | null;
	converted: ConvertedTotal<'mrrStart' | 'mrrEnd' | 'netMovement'> | null;
}

export interface PaymentCurrencyReport {
	currency: string;
	grossVolume: Money;
	refunds: Money;
	netVolume: Money;
	successfulPayments: number;
	failedPayments: number;
	failureRate: Rate | null;
	refundCount: number;
	disputes: number;
	disputedAmount: Money;
	averagePayment: Money | null;
}

export interface PaymentReport {
	metric: 'payment_report';
	from: string;
	to: string;
	currencies: PaymentCurrencyReport[];
	successfulPayments: number;
	failedPayments: number;
	failureRate: Rate | null;
	disputes: number;
	newCustomers: number;
	converted: ConvertedTotal<'grossVolume' | 'refunds' | 'netVolume'> | null;
}
