import type Stripe from 'stripe';

import { stripeFixture } from '../../fixtures/stripeObjects';

/**
 * Stripe's example objects (MIT) with the fields lifecycle tests reason about set to plain
 * values; each test overrides only what it is about.
 */

export const day = 24 * 60 * 60;
export const t0 = 1_760_000_000; // 2025-10-09T08:53:20Z
export const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

export function price(id: string, unitAmount: number, currency = 'usd', recurring: Partial<Stripe.Price.Recurring> = {}): Stripe.Price {
	const base = stripeFixture<Stripe.Subscription>('subscription').items.data[0].price;
	return {
		...base,
		id,
		currency,
		unit_amount: unitAmount,
		unit_amount_decimal: null,
		transform_quantity: null,
		recurring: base.recurring && { ...base.recurring, ...recurring },
	};
}

export function item(itemPrice: Stripe.Price, quantity = 1, periodEnd = t0 + 30 * day): Stripe.SubscriptionItem {
	const base = stripeFixture<Stripe.Subscription>('subscription').items.data[0];
	return { ...base, id: `si_${itemPrice.id}`, price: itemPrice, quantity, current_period_start: periodEnd - 30 * day, current_period_end: periodEnd };
}

export function subscription(overrides: Partial<Stripe.Subscription> = {}, items = [item(price('price_basic', 2000))]): Stripe.Subscription {
	const base = stripeFixture<Stripe.Subscription>('subscription');
	return {
		...base,
		id: 'sub_1',
		customer: 'cus_1',
		status: 'active',
		currency: items[0]?.price.currency ?? 'usd',
		created: t0 - 60 * day,
		start_date: t0 - 60 * day,
		discounts: [],
		cancel_at: null,
		cancel_at_period_end: false,
		canceled_at: null,
		ended_at: null,
		trial_start: null,
		trial_end: null,
		default_payment_method: null,
		default_source: null,
		latest_invoice: 'in_latest',
		cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
		items: { ...base.items, data: items },
		...overrides,
	};
}

export function invoice(overrides: Partial<Stripe.Invoice> = {}): Stripe.Invoice {
	const base = stripeFixture<Stripe.Invoice>('invoice');
	return {
		...base,
		id: 'in_1',
		customer: 'cus_1',
		customer_email: 'ada@example.com',
		customer_name: 'Ada Lovelace',
		number: 'ABC-0001',
		hosted_invoice_url: 'https://invoice.stripe.com/i/acct_1/test_1',
		currency: 'usd',
		amount_due: 2000,
		amount_paid: 2000,
		attempt_count: 1,
		next_payment_attempt: null,
		created: t0 - day,
		period_end: t0 + 30 * day,
		status: 'paid',
		status_transitions: { finalized_at: t0 - day, marked_uncollectible_at: null, paid_at: t0 - day + 60, voided_at: null },
		parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: null, subscription: 'sub_1' } },
		...overrides,
	};
}

export function charge(overrides: Partial<Stripe.Charge> = {}): Stripe.Charge {
	const base = stripeFixture<Stripe.Charge>('charge');
	const amount = overrides.amount ?? 2000;
	return {
		...base,
		id: 'ch_1',
		customer: 'cus_1',
		amount,
		amount_captured: amount,
		captured: true,
		currency: 'usd',
		status: 'succeeded',
		created: t0 - day,
		refunds: null,
		billing_details: { ...base.billing_details, email: 'ada@example.com', name: 'Ada Lovelace' },
		...overrides,
	};
}

export function refund(overrides: Partial<Stripe.Refund> = {}): Stripe.Refund {
	return { ...stripeFixture<Stripe.Refund>('refund'), id: 're_1', charge: 'ch_1', amount: 500, status: 'succeeded', created: t0, ...overrides };
}

export function customer(overrides: Partial<Stripe.Customer> = {}): Stripe.Customer {
	return { ...stripeFixture<Stripe.Customer>('customer'), id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace', created: t0 - 100 * day, ...overrides };
}

export function deletedCustomer(id: string): Stripe.DeletedCustomer {
	return { ...stripeFixture<Stripe.DeletedCustomer>('deleted_customer'), id };
}

export function dispute(overrides: Partial<Stripe.Dispute> = {}): Stripe.Dispute {
	return { ...stripeFixture<Stripe.Dispute>('dispute'), id: 'dp_1', charge: 'ch_1', amount: 2000, currency: 'usd', created: t0, ...overrides };
}

let eventSequence = 0;

/** An event as Stripe would send it for `object`, optionally with `previous_attributes`. */
export function event(
	type: Stripe.Event['type'],
	object: unknown,
	previous?: unknown,
	overrides: { id?: string; created?: number; account?: string; livemode?: boolean } = {},
): Stripe.Event {
	return {
		...stripeFixture<Record<string, unknown>>('event'),
		id: overrides.id ?? `evt_${++eventSequence}`,
		type,
		created: overrides.created ?? t0,
		livemode: overrides.livemode ?? false,
		...(overrides.account ? { account: overrides.account } : {}),
		data: previous === undefined ? { object } : { object, previous_attributes: previous },
	} as unknown as Stripe.Event;
}
