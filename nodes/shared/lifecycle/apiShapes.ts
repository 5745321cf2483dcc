import type Stripe from 'stripe';

import { RESOURCE_PATHS } from '../transport/resources';

/**
 * The one place that knows Stripe's API versions. Objects arrive in the shape of whatever version
 * rendered them: webhooks in the endpoint's version (the account default for one created by hand),
 * Events API results in the version each event was created with. Every entry point lifts them here
 * to the shape of the pinned version (transport/stripeClient.ts), so the domain code reads one shape
 * and never branches on versions. docs/API_VERSIONS.md lists each difference handled, with the
 * version that introduced it.
 *
 * Shapes are recognised by their fields, not by `api_version`: a list result carries no version,
 * and a field's presence says exactly what a version string would only imply. Lifting an object
 * that already has the current shape changes nothing, so lifting twice is harmless. What cannot
 * be read (no id, no currency anywhere) throws, and the caller passes the event on raw.
 */

type Loose = Record<string, unknown>;

function isRecord(value: unknown): value is Loose {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Loose {
	if (!isRecord(value)) throw new TypeError(`${what} is not an object`);
	return value;
}

/** Stripe sends an empty field as null; a field missing altogether is one its version did not have yet, read as null too. */
function orNull<T>(value: T | undefined): T | null {
	return value === undefined ? null : value;
}

function listOf(value: unknown): Loose[] {
	return isRecord(value) && Array.isArray(value.data) ? value.data.filter(isRecord) : [];
}

function list<T>(data: T[], template: unknown): Stripe.ApiList<T> {
	return { ...(isRecord(template) ? template : { object: 'list', has_more: false, url: '' }), data } as Stripe.ApiList<T>;
}

// ── Prices and plans ─────────────────────────────────────────────────────────────────────────

/**
 * A price, from a price of any version or from a plan (items carried only `plan` before prices
 * existed, 2020-03-02 and earlier). A plan is a recurring price with other field names.
 */
export function currentPrice(raw: unknown): Stripe.Price {
	const price = record(raw, 'The price');
	if (price.object !== 'plan') {
		return {
			...price,
			recurring: orNull(price.recurring),
			unit_amount: orNull(price.unit_amount),
			unit_amount_decimal: orNull(price.unit_amount_decimal),
			transform_quantity: orNull(price.transform_quantity),
			billing_scheme: price.billing_scheme ?? 'per_unit',
		} as Stripe.Price;
	}
	return {
		id: price.id,
		object: 'price',
		active: price.active ?? true,
		billing_scheme: price.billing_scheme ?? 'per_unit',
		created: price.created,
		currency: price.currency,
		livemode: price.livemode,
		lookup_key: null,
		metadata: price.metadata ?? {},
		nickname: orNull(price.nickname),
		product: price.product,
		recurring: {
			interval: price.interval,
			interval_count: price.interval_count ?? 1,
			meter: orNull(price.meter),
			trial_period_days: orNull(price.trial_period_days),
			usage_type: price.usage_type ?? 'licensed',
		},
		tax_behavior: null,
		tiers: price.tiers,
		tiers_mode: orNull(price.tiers_mode),
		transform_quantity: orNull(price.transform_usage),
		type: 'recurring',
		unit_amount: orNull(price.amount),
		unit_amount_decimal: orNull(price.amount_decimal),
	} as unknown as Stripe.Price;
}

// ── Discounts ────────────────────────────────────────────────────────────────────────────────

/** A discount names its coupon in `source.coupon` since 2025-09-30.clover, in `coupon` before. */
export function currentDiscount(raw: unknown): string | Stripe.Discount {
	if (typeof raw === 'string') return raw;
	const discount = record(raw, 'A discount');
	if (isRecord(discount.source)) return discount as unknown as Stripe.Discount;
	return { ...discount, source: { type: 'coupon', coupon: orNull(discount.coupon) } } as unknown as Stripe.Discount;
}

/**
 * `discounts` (2024-06-20 on subscriptions, 2020-08-27 on invoices) or the single `discount`
 * before it. When both are there, `discounts` names ids and `discount` may hold the same one
 * expanded, which is then used in its place.
 */
function currentDiscounts(owner: Loose): Array<string | Stripe.Discount> {
	const single = isRecord(owner.discount) ? currentDiscount(owner.discount) : null;
	if (!Array.isArray(owner.discounts)) return single === null ? [] : [single];
	return owner.discounts.map((entry: unknown) => {
		const discount = currentDiscount(entry);
		return typeof discount === 'string' && single !== null && typeof single !== 'string' && single.id === discount ? single : discount;
	});
}

// ── Subscriptions ────────────────────────────────────────────────────────────────────────────

interface ItemDefaults {
	plan: unknown;
	quantity: unknown;
	periodStart: unknown;
	periodEnd: unknown;
}

function itemDefaults(subscription: Loose): ItemDefaults {
	return {
		plan: subscription.plan,
		quantity: subscription.quantity,
		periodStart: subscription.current_period_start,
		periodEnd: subscription.current_period_end,
	};
}

/**
 * An item with `price`, `discounts` and its own billing period. Before 2025-03-31.basil the period
 * was the subscription's; before 2020-08-27 the quantity could be the subscription's alone.
 */
function currentItem(raw: unknown, defaults: ItemDefaults): Stripe.SubscriptionItem {
	const item = record(raw, 'A subscription item');
	const source = item.price ?? item.plan ?? defaults.plan;
	if (source === undefined || source === null) throw new TypeError('A subscription item has neither price nor plan');
	return {
		...item,
		price: currentPrice(source),
		quantity: item.quantity ?? defaults.quantity ?? 1,
		discounts: Array.isArray(item.discounts) ? item.discounts.map(currentDiscount) : [],
		current_period_start: item.current_period_start ?? defaults.periodStart,
		current_period_end: item.current_period_end ?? defaults.periodEnd,
	} as unknown as Stripe.SubscriptionItem;
}

function currentItems(subscription: Loose, items: unknown): Stripe.ApiList<Stripe.SubscriptionItem> {
	const defaults = itemDefaults(subscription);
	let data = listOf(items);
	// Before subscription items a subscription was one plan at a quantity.
	if (!isRecord(items) && isRecord(subscription.plan)) data = [{ object: 'subscription_item', id: subscription.id, subscription: subscription.id }];
	return list(
		data.map((item) => currentItem(item, defaults)),
		items,
	);
}

export function currentSubscription(raw: unknown): Stripe.Subscription {
	const subscription = record(raw, 'The subscription');
	if (typeof subscription.id !== 'string') throw new TypeError('The subscription has no id');
	const items = currentItems(subscription, subscription.items);
	// `currency` on the subscription since 2022-11-15; before, only its prices (or plan) had one.
	const currency = subscription.currency ?? items.data[0]?.price.currency ?? (isRecord(subscription.plan) ? subscription.plan.currency : undefined);
	if (typeof currency !== 'string') throw new TypeError('The subscription has no currency, neither its own nor on a price or plan');
	return {
		...subscription,
		currency,
		items,
		discounts: currentDiscounts(subscription),
		customer: currentCustomerField(subscription.customer),
		latest_invoice: isRecord(subscription.latest_invoice) ? currentInvoice(subscription.latest_invoice) : orNull(subscription.latest_invoice),
		collection_method: subscription.collection_method ?? subscription.billing ?? 'charge_automatically',
		start_date: subscription.start_date ?? subscription.start ?? subscription.created,
		cancel_at: orNull(subscription.cancel_at),
		cancel_at_period_end: subscription.cancel_at_period_end ?? false,
		canceled_at: orNull(subscription.canceled_at),
		cancellation_details: orNull(subscription.cancellation_details),
		ended_at: orNull(subscription.ended_at),
		trial_start: orNull(subscription.trial_start),
		trial_end: orNull(subscription.trial_end),
		default_payment_method: orNull(subscription.default_payment_method),
		default_source: orNull(subscription.default_source),
	} as unknown as Stripe.Subscription;
}

/**
 * `data.previous_attributes` of a subscription update: its `items` lifted like the object's. A
 * change that named only `plan` or `quantity` (single-plan subscriptions of old versions) becomes
 * the items it implies: the current ones with the first item's plan or quantity as it was.
 */
function currentSubscriptionPrevious(previous: Loose, subscription: Stripe.Subscription): Loose {
	const now = subscription as unknown as Loose;
	const defaults = { ...itemDefaults(now), plan: previous.plan ?? now.plan, quantity: previous.quantity ?? now.quantity };
	if (isRecord(previous.items)) {
		return { ...previous, items: list(listOf(previous.items).map((item) => currentItem(item, defaults)), previous.items) };
	}
	const [first, ...rest] = subscription.items.data;
	if ((previous.plan === undefined && previous.quantity === undefined) || first === undefined) return previous;
	const changed = {
		...first,
		...(isRecord(previous.plan) ? { price: currentPrice(previous.plan) } : {}),
		...(typeof previous.quantity === 'number' ? { quantity: previous.quantity } : {}),
	};
	return { ...previous, items: list([changed, ...rest], subscription.items) };
}

// ── Invoices ─────────────────────────────────────────────────────────────────────────────────

/**
 * 2025-03-31.basil moved `subscription` into `parent.subscription_details`, replaced
 * `charge`/`payment_intent` with the `payments` list and `tax`/`total_tax_amounts` with
 * `total_taxes`, and dropped `paid` for `status`.
 */
export function currentInvoice(raw: unknown): Stripe.Invoice {
	const invoice = record(raw, 'The invoice');
	if (typeof invoice.currency !== 'string') throw new TypeError('The invoice has no currency');
	const paid = invoice.paid === true || invoice.status === 'paid';
	const amountDue = Number(invoice.amount_due ?? invoice.total ?? 0);
	const amountPaid = invoice.amount_paid ?? (paid ? amountDue : 0);
	return {
		...invoice,
		customer: currentCustomerField(invoice.customer),
		customer_email: orNull(invoice.customer_email),
		customer_name: orNull(invoice.customer_name),
		number: orNull(invoice.number),
		hosted_invoice_url: orNull(invoice.hosted_invoice_url),
		next_payment_attempt: orNull(invoice.next_payment_attempt),
		attempt_count: invoice.attempt_count ?? 0,
		amount_due: amountDue,
		amount_paid: amountPaid,
		amount_remaining: invoice.amount_remaining ?? Math.max(0, amountDue - Number(amountPaid)),
		status: invoice.status ?? (paid ? 'paid' : invoice.forgiven === true ? 'uncollectible' : invoice.closed === true ? 'void' : 'open'),
		status_transitions: invoice.status_transitions ?? {
			finalized_at: null,
			marked_uncollectible_at: null,
			// Only whether it was paid is known, not when; the invoice's own date stands in.
			paid_at: paid ? orNull(invoice.webhooks_delivered_at ?? invoice.created) : null,
			voided_at: null,
		},
		collection_method: invoice.collection_method ?? invoice.billing ?? 'charge_automatically',
		discounts: currentDiscounts(invoice),
		parent: invoice.parent !== undefined ? invoice.parent : invoiceParent(invoice),
		...(invoice.payments === undefined ? invoicePayments(invoice, paid) : {}),
		...(invoice.total_taxes === undefined ? { total_taxes: invoiceTaxes(invoice) } : {}),
	} as unknown as Stripe.Invoice;
}

function invoiceParent(invoice: Loose): Stripe.Invoice.Parent | null {
	const subscription = invoice.subscription;
	if (subscription === undefined || subscription === null) return null;
	return {
		type: 'subscription_details',
		quote_details: null,
		subscription_details: {
			metadata: isRecord(invoice.subscription_details) ? orNull(invoice.subscription_details.metadata as Stripe.Metadata | undefined) : null,
			subscription: isRecord(subscription) ? currentSubscription(subscription) : (subscription as string),
		},
	} as Stripe.Invoice.Parent;
}

/** The invoice's one payment before `payments` existed: its payment intent, else its charge. */
function invoicePayments(invoice: Loose, paid: boolean): { payments?: Stripe.ApiList<Stripe.InvoicePayment> } {
	const charge = invoice.charge ?? null;
	const intent = invoice.payment_intent ?? null;
	if (charge === null && intent === null) return {};
	const payment = {
		id: `inpay_${String(isRecord(intent) ? intent.id : (intent ?? (isRecord(charge) ? charge.id : charge)))}`,
		object: 'invoice_payment',
		amount_paid: paid ? invoice.amount_paid : null,
		amount_requested: invoice.amount_due,
		created: invoice.created,
		currency: invoice.currency,
		invoice: invoice.id,
		is_default: true,
		livemode: invoice.livemode,
		payment: {
			type: intent !== null ? 'payment_intent' : 'charge',
			charge: isRecord(charge) ? currentCharge(charge) : charge,
			payment_intent: isRecord(intent) ? currentPaymentIntent(intent) : intent,
		},
		status: paid ? 'paid' : 'open',
		status_transitions: { canceled_at: null, paid_at: null },
	};
	return { payments: list([payment as unknown as Stripe.InvoicePayment], { object: 'list', has_more: false, url: `${RESOURCE_PATHS.invoicePayments}?invoice=${String(invoice.id)}` }) };
}

/** `total_taxes` from `total_tax_amounts` (per tax rate) or, older still, the single `tax` amount. */
function invoiceTaxes(invoice: Loose): Stripe.Invoice.TotalTax[] {
	if (Array.isArray(invoice.total_tax_amounts)) {
		return invoice.total_tax_amounts.filter(isRecord).map(
			(tax) =>
				({
					amount: tax.amount,
					tax_behavior: tax.inclusive === true ? 'inclusive' : 'exclusive',
					tax_rate_details: { tax_rate: tax.tax_rate },
					taxability_reason: orNull(tax.taxability_reason),
					taxable_amount: orNull(tax.taxable_amount),
					type: 'tax_rate_details',
				}) as unknown as Stripe.Invoice.TotalTax,
		);
	}
	if (typeof invoice.tax === 'number' && invoice.tax !== 0) {
		return [{ amount: invoice.tax, tax_behavior: 'exclusive', tax_rate_details: null, taxability_reason: null, taxable_amount: null, type: 'tax_rate_details' } as unknown as Stripe.Invoice.TotalTax];
	}
	return [];
}

// ── Payments ─────────────────────────────────────────────────────────────────────────────────

/**
 * `billing_details` exists since 2019 (before, only the card's owner had a name), and
 * `amount_captured` since 2020-08-27, where a captured charge took its whole amount.
 */
export function currentCharge(raw: unknown): Stripe.Charge {
	const charge = record(raw, 'The charge');
	if (typeof charge.currency !== 'string') throw new TypeError('The charge has no currency');
	const captured = charge.captured ?? true;
	const source = isRecord(charge.source) ? charge.source : {};
	const billing = isRecord(charge.billing_details) ? charge.billing_details : {};
	return {
		...charge,
		customer: currentCustomerField(charge.customer),
		billing_details: {
			...billing,
			address: orNull(billing.address),
			email: orNull(billing.email),
			name: billing.name ?? source.name ?? (isRecord(source.owner) ? source.owner.name : undefined) ?? null,
			phone: orNull(billing.phone),
		},
		captured,
		amount_captured: charge.amount_captured ?? (captured ? charge.amount : 0),
		amount_refunded: charge.amount_refunded ?? 0,
		refunded: charge.refunded ?? false,
		disputed: charge.disputed ?? false,
		failure_message: orNull(charge.failure_message),
		receipt_email: orNull(charge.receipt_email),
		status: charge.status ?? (charge.paid === false ? 'failed' : 'succeeded'),
		...(isRecord(charge.refunds) ? { refunds: list(listOf(charge.refunds).map(currentRefund), charge.refunds) } : {}),
	} as unknown as Stripe.Charge;
}

/** `charges` (a list) until 2022-11-15, `latest_charge` since. */
function currentPaymentIntent(intent: Loose): Stripe.PaymentIntent {
	const charges = listOf(intent.charges);
	const latest = intent.latest_charge ?? (charges.length > 0 ? charges[0] : null);
	return { ...intent, latest_charge: isRecord(latest) ? currentCharge(latest) : latest } as unknown as Stripe.PaymentIntent;
}

export function currentRefund(raw: unknown): Stripe.Refund {
	const refund = record(raw, 'The refund');
	return { ...refund, charge: orNull(refund.charge), status: refund.status ?? 'succeeded' } as unknown as Stripe.Refund;
}

export function currentDispute(raw: unknown): Stripe.Dispute {
	const dispute = record(raw, 'The dispute');
	if (typeof dispute.currency !== 'string') throw new TypeError('The dispute has no currency');
	return { ...dispute, charge: isRecord(dispute.charge) ? currentCharge(dispute.charge) : dispute.charge } as unknown as Stripe.Dispute;
}

// ── Customers ────────────────────────────────────────────────────────────────────────────────

/**
 * `balance` was `account_balance` until 2019-10-17; `sources` and `subscriptions` were listed
 * in full until 2020-08-27 and are left as they are (nothing reads them).
 */
export function currentCustomer(raw: unknown): Stripe.Customer | Stripe.DeletedCustomer {
	const customer = record(raw, 'The customer');
	if (typeof customer.id !== 'string') throw new TypeError('The customer has no id');
	if (customer.deleted === true) return customer as unknown as Stripe.DeletedCustomer;
	return {
		...customer,
		email: orNull(customer.email),
		name: orNull(customer.name),
		phone: orNull(customer.phone),
		address: orNull(customer.address),
		currency: orNull(customer.currency),
		delinquent: orNull(customer.delinquent),
		balance: customer.balance ?? customer.account_balance ?? 0,
		metadata: customer.metadata ?? {},
		preferred_locales: customer.preferred_locales ?? [],
		discount: isRecord(customer.discount) ? currentDiscount(customer.discount) : orNull(customer.discount),
	} as unknown as Stripe.Customer;
}

function currentCustomerField(value: unknown): string | Stripe.Customer | Stripe.DeletedCustomer | null {
	return isRecord(value) ? currentCustomer(value) : (orNull(value) as string | null);
}

// ── Any object, events ───────────────────────────────────────────────────────────────────────

const LIFTS: Record<string, (raw: unknown) => unknown> = {
	subscription: currentSubscription,
	invoice: currentInvoice,
	charge: currentCharge,
	refund: currentRefund,
	dispute: currentDispute,
	customer: currentCustomer,
	discount: currentDiscount,
	price: currentPrice,
	plan: currentPrice,
};

/** Any object by its `object` field, lists element by element; kinds nothing reads stay as they are. */
export function currentObject<T>(raw: T): T {
	if (!isRecord(raw)) return raw;
	if (raw.object === 'list' && Array.isArray(raw.data)) return { ...raw, data: raw.data.map((entry: unknown) => currentObject(entry)) } as T;
	const lift = typeof raw.object === 'string' ? LIFTS[raw.object] : undefined;
	return (lift ? lift(raw) : raw) as T;
}

/** Event types by prefix, longest first, and the object their `data.object` is. */
const EVENT_OBJECTS: Array<[string, (raw: unknown) => unknown]> = [
	['customer.subscription.', currentSubscription],
	['charge.dispute.', currentDispute],
	['charge.refund.', currentRefund],
	['charge.', currentCharge],
	['invoice.', currentInvoice],
	['customer.discount.', currentDiscount],
	['customer.', currentCustomer],
];

/**
 * The event with `data.object` (and a subscription's `data.previous_attributes`) in the current
 * shape. The event type says what the object must be, so a payload that is not one throws here.
 */
export function currentEvent<T extends Stripe.Event>(event: T): T {
	const data = record(event.data, 'The event data') as unknown as Stripe.Event.Data;
	const lift = EVENT_OBJECTS.find(([prefix]) => event.type.startsWith(prefix))?.[1] ?? currentObject;
	const object = lift(data.object);
	const previous = data.previous_attributes;
	const lifted =
		isRecord(previous) && event.type.startsWith('customer.subscription.')
			? currentSubscriptionPrevious(previous, object as Stripe.Subscription)
			: previous;
	return { ...event, data: { ...data, object, ...(lifted !== undefined ? { previous_attributes: lifted } : {}) } } as T;
}
