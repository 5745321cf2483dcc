import type { Money } from './money';

/** Values this package produces; Stripe's own objects are the `stripe` package's types. */

export type ActivityCategory = 'trial' | 'subscription' | 'charge' | 'invoice' | 'customer';

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
