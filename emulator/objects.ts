/**
 * Builders for Stripe objects. Each starts from Stripe's own example object (fixtures, MIT) with
 * the example's arbitrary values neutralised once, then overrides what the emulator decides.
 * Objects are treated as immutable values: an update builds a new object, so an event can keep
 * the object it describes without copying it.
 */
import type Stripe from 'stripe';
import fixtures from './fixtures/stripe-objects.json';

const examples = fixtures.resources as unknown as {
	account: Stripe.Account;
	customer: Stripe.Customer;
	product: Stripe.Product;
	price: Stripe.Price;
	coupon: Stripe.Coupon;
	discount: Stripe.Discount;
	subscription: Stripe.Subscription;
	subscription_item: Stripe.SubscriptionItem;
	invoice: Stripe.Invoice & { subscription?: unknown };
	charge: Stripe.Charge;
	refund: Stripe.Refund;
	dispute: Stripe.Dispute;
	webhook_endpoint: Stripe.WebhookEndpoint;
};

/** Decimals travel as strings on the wire; stripe@23 types them as its client-side Decimal class. */
function wireDecimal(amount: number | null): Stripe.Decimal | null {
	return amount === null ? null : (String(amount) as unknown as Stripe.Decimal);
}

export interface Ownership {
	livemode: boolean;
	created: number;
}

const accountTemplate: Stripe.Account = {
	...examples.account,
	charges_enabled: true,
	payouts_enabled: true,
	details_submitted: true,
	requirements: { ...examples.account.requirements!, currently_due: [], eventually_due: [], disabled_reason: null },
};

export function buildAccount(id: string, created: number, businessName: string): Stripe.Account {
	return {
		...accountTemplate,
		id,
		created,
		email: 'owner@example.com',
		business_profile: { ...accountTemplate.business_profile!, name: businessName },
		settings: accountTemplate.settings
			? { ...accountTemplate.settings, dashboard: { ...accountTemplate.settings.dashboard, display_name: businessName } }
			: null,
	};
}

const customerTemplate: Stripe.Customer = {
	...examples.customer,
	discount: null,
	currency: null,
	shipping: null,
	invoice_prefix: null,
};

export function buildCustomer(
	id: string,
	own: Ownership,
	fields: Partial<Pick<Stripe.Customer, 'email' | 'name' | 'phone' | 'description' | 'metadata' | 'preferred_locales' | 'address' | 'currency'>>,
): Stripe.Customer {
	return {
		...customerTemplate,
		id,
		...own,
		invoice_prefix: id.slice(4, 12).toUpperCase(),
		email: fields.email ?? null,
		name: fields.name ?? null,
		phone: fields.phone ?? null,
		description: fields.description ?? null,
		metadata: fields.metadata ?? {},
		preferred_locales: fields.preferred_locales ?? [],
		address: fields.address ?? customerTemplate.address,
		currency: fields.currency ?? null,
	};
}

const productTemplate: Stripe.Product = {
	...examples.product,
	default_price: null,
	description: null,
	package_dimensions: null,
	type: 'service',
};

export function buildProduct(
	id: string,
	own: Ownership,
	fields: { name: string; description?: string | null; metadata?: Stripe.Metadata; active?: boolean },
): Stripe.Product {
	return {
		...productTemplate,
		id,
		...own,
		updated: own.created,
		name: fields.name,
		description: fields.description ?? null,
		metadata: fields.metadata ?? {},
		active: fields.active ?? true,
	};
}

export interface PriceFields {
	product: string;
	currency: string;
	unit_amount?: number | null;
	recurring?: { interval: Stripe.Price.Recurring.Interval; interval_count?: number; usage_type?: Stripe.Price.Recurring.UsageType } | null;
	billing_scheme?: Stripe.Price.BillingScheme;
	tiers_mode?: Stripe.Price.TiersMode | null;
	tiers?: Array<{ up_to: number | null; unit_amount: number | null; flat_amount: number | null }>;
	nickname?: string | null;
	lookup_key?: string | null;
	metadata?: Stripe.Metadata;
}

const priceTemplate: Stripe.Price = { ...examples.price, transform_quantity: null, custom_unit_amount: null };

export function buildPrice(id: string, own: Ownership, fields: PriceFields): Stripe.Price {
	const tiered = fields.billing_scheme === 'tiered';
	return {
		...priceTemplate,
		id,
		...own,
		product: fields.product,
		currency: fields.currency,
		billing_scheme: tiered ? 'tiered' : 'per_unit',
		tiers_mode: tiered ? (fields.tiers_mode ?? 'graduated') : null,
		...(tiered
			? {
					tiers: (fields.tiers ?? []).map((tier) => ({
						up_to: tier.up_to,
						unit_amount: tier.unit_amount,
						unit_amount_decimal: wireDecimal(tier.unit_amount),
						flat_amount: tier.flat_amount,
						flat_amount_decimal: wireDecimal(tier.flat_amount),
					})),
				}
			: {}),
		unit_amount: tiered ? null : (fields.unit_amount ?? 0),
		unit_amount_decimal: tiered ? null : wireDecimal(fields.unit_amount ?? 0),
		type: fields.recurring ? 'recurring' : 'one_time',
		recurring: fields.recurring
			? {
					interval: fields.recurring.interval,
					interval_count: fields.recurring.interval_count ?? 1,
					usage_type: fields.recurring.usage_type ?? 'licensed',
					meter: null,
					trial_period_days: null,
				}
			: null,
		nickname: fields.nickname ?? null,
		lookup_key: fields.lookup_key ?? null,
		metadata: fields.metadata ?? {},
	};
}

export interface CouponFields {
	id?: string;
	name?: string | null;
	duration: Stripe.Coupon.Duration;
	duration_in_months?: number | null;
	percent_off?: number | null;
	amount_off?: number | null;
	currency?: string | null;
	metadata?: Stripe.Metadata;
}

export function buildCoupon(id: string, own: Ownership, fields: CouponFields): Stripe.Coupon {
	return {
		...examples.coupon,
		id,
		...own,
		name: fields.name ?? null,
		duration: fields.duration,
		duration_in_months: fields.duration === 'repeating' ? (fields.duration_in_months ?? 3) : null,
		percent_off: fields.percent_off ?? null,
		amount_off: fields.amount_off ?? null,
		currency: fields.amount_off ? (fields.currency ?? 'usd') : null,
		redeem_by: null,
		times_redeemed: 0,
		metadata: fields.metadata ?? {},
	};
}

export function buildDiscount(
	id: string,
	coupon: Stripe.Coupon,
	fields: { customer: string; subscription: string | null; start: number },
): Stripe.Discount {
	// Only repeating coupons end; `once` is spent by the first invoice, `forever` never ends.
	const end = coupon.duration === 'repeating' && coupon.duration_in_months ? fields.start + coupon.duration_in_months * 30 * 86400 : null;
	return {
		...examples.discount,
		id,
		customer: fields.customer,
		subscription: fields.subscription,
		start: fields.start,
		end,
		source: { type: 'coupon', coupon: coupon.id },
	};
}

const subscriptionTemplate: Stripe.Subscription = {
	...examples.subscription,
	billing_cycle_anchor_config: null,
	cancel_at: null,
	canceled_at: null,
	ended_at: null,
	cancel_at_period_end: false,
	next_pending_invoice_item_invoice: null,
	pause_collection: null,
	pending_invoice_item_interval: null,
	pending_update: null,
	transfer_data: null,
	trial_start: null,
	trial_end: null,
	billing_schedules: [],
	managed_payments: null,
	billing_mode: { type: 'classic' } as Stripe.Subscription.BillingMode,
	cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
};

const itemTemplate: Stripe.SubscriptionItem = {
	...examples.subscription_item,
	billing_thresholds: null,
};

/** Stripe still renders the legacy `plan` next to `price` on subscription items. */
function planOf(price: Stripe.Price): Stripe.Plan {
	return {
		...(itemTemplate.plan as Stripe.Plan),
		id: price.id,
		active: price.active,
		amount: price.unit_amount,
		amount_decimal: price.unit_amount_decimal,
		billing_scheme: price.billing_scheme,
		created: price.created,
		currency: price.currency,
		interval: price.recurring?.interval ?? 'month',
		interval_count: price.recurring?.interval_count ?? 1,
		livemode: price.livemode,
		metadata: price.metadata,
		nickname: price.nickname,
		product: price.product,
		tiers_mode: price.tiers_mode,
		transform_usage: null,
		trial_period_days: null,
		usage_type: price.recurring?.usage_type ?? 'licensed',
	};
}

export function buildSubscriptionItem(
	id: string,
	fields: { subscription: string; price: Stripe.Price; quantity: number; created: number; periodStart: number; periodEnd: number },
): Stripe.SubscriptionItem {
	return {
		...itemTemplate,
		id,
		created: fields.created,
		subscription: fields.subscription,
		price: fields.price,
		plan: planOf(fields.price),
		quantity: fields.price.recurring?.usage_type === 'metered' ? undefined : fields.quantity,
		current_period_start: fields.periodStart,
		current_period_end: fields.periodEnd,
		metadata: {},
		discounts: [],
		tax_rates: [],
	};
}

export function buildSubscription(
	id: string,
	own: Ownership,
	fields: Pick<Stripe.Subscription, 'customer' | 'currency' | 'status' | 'trial_start' | 'trial_end' | 'metadata' | 'discounts'> & {
		items: Stripe.SubscriptionItem[];
	},
): Stripe.Subscription {
	return {
		...subscriptionTemplate,
		id,
		...own,
		customer: fields.customer,
		currency: fields.currency,
		status: fields.status,
		trial_start: fields.trial_start,
		trial_end: fields.trial_end,
		metadata: fields.metadata,
		discounts: fields.discounts,
		start_date: own.created,
		billing_cycle_anchor: fields.items[0]?.current_period_end ?? own.created,
		latest_invoice: null,
		items: { object: 'list', data: fields.items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
	};
}

/** The example still carries the pre-2025 `subscription` field; the pinned version has `parent` instead. */
const invoiceTemplate: Stripe.Invoice = (() => {
	const { subscription: _removedInPinnedVersion, ...rest } = examples.invoice;
	return {
		...rest,
		auto_advance: true,
		due_date: null,
		from_invoice: null,
		last_finalization_error: null,
		shipping_cost: null,
		shipping_details: null,
		amount_overpaid: 0,
		webhooks_delivered_at: null,
		customer_shipping: null,
	};
})();

export interface InvoiceLine {
	id: string;
	price: Stripe.Price;
	quantity: number;
	amount: number;
	subscriptionItem: string | null;
	periodStart: number;
	periodEnd: number;
	description: string;
}

export function buildInvoice(
	id: string,
	own: Ownership,
	fields: {
		customer: Stripe.Customer;
		subscription: string | null;
		currency: string;
		billingReason: Stripe.Invoice.BillingReason;
		lines: InvoiceLine[];
		discountAmount: number;
		discounts: string[];
		periodStart: number;
		periodEnd: number;
		hostedBaseUrl: string;
	},
): Stripe.Invoice {
	const subtotal = fields.lines.reduce((sum, line) => sum + line.amount, 0);
	const total = Math.max(subtotal - fields.discountAmount, 0);
	const lineTemplate = invoiceTemplate.lines.data[0];
	return {
		...invoiceTemplate,
		id,
		...own,
		customer: fields.customer.id,
		customer_email: fields.customer.email,
		customer_name: fields.customer.name ?? null,
		customer_phone: fields.customer.phone ?? null,
		currency: fields.currency,
		billing_reason: fields.billingReason,
		status: 'draft',
		number: null,
		hosted_invoice_url: null,
		invoice_pdf: null,
		attempt_count: 0,
		attempted: false,
		next_payment_attempt: null,
		amount_due: total,
		amount_paid: 0,
		amount_remaining: total,
		subtotal,
		subtotal_excluding_tax: subtotal,
		total,
		total_excluding_tax: total,
		total_discount_amounts: fields.discounts.map((discount) => ({ amount: fields.discountAmount, discount })),
		discounts: fields.discounts,
		period_start: fields.periodStart,
		period_end: fields.periodEnd,
		effective_at: null,
		status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
		parent: fields.subscription
			? {
					type: 'subscription_details',
					quote_details: null,
					subscription_details: { metadata: {}, subscription: fields.subscription },
				}
			: null,
		lines: {
			object: 'list',
			has_more: false,
			url: `/v1/invoices/${id}/lines`,
			data: fields.lines.map((line) => ({
				...lineTemplate,
				id: line.id,
				invoice: id,
				livemode: own.livemode,
				amount: line.amount,
				subtotal: line.amount,
				currency: fields.currency,
				description: line.description,
				quantity: line.quantity,
				period: { start: line.periodStart, end: line.periodEnd },
				subscription: fields.subscription,
				discount_amounts: [],
				discounts: [],
				metadata: {},
				parent: line.subscriptionItem
					? {
							type: 'subscription_item_details',
							invoice_item_details: null,
							subscription_item_details: {
								invoice_item: null,
								proration: false,
								proration_details: { credited_items: null },
								subscription: fields.subscription,
								subscription_item: line.subscriptionItem,
							},
						}
					: lineTemplate.parent,
				pricing: { type: 'price_details', price_details: { price: line.price.id, product: line.price.product as string }, unit_amount_decimal: line.price.unit_amount_decimal },
			})),
		},
	};
}

// Since 2022-11-15 a charge has its refunds only on request (expand[]=refunds, see lists.ts).
const { refunds: _includedOnRequest, ...chargeExample } = examples.charge;
const chargeTemplate: Stripe.Charge = {
	...chargeExample,
	transfer_data: null,
	source: null,
	balance_transaction: null,
	captured: true,
	shipping: null,
};

export function buildCharge(
	id: string,
	own: Ownership,
	fields: {
		amount: number;
		currency: string;
		customer: Stripe.Customer;
		description: string | null;
		succeeded: boolean;
		failure?: { code: string; message: string; declineCode: string };
	},
): Stripe.Charge {
	const failure = fields.succeeded ? null : (fields.failure ?? { code: 'card_declined', message: 'Your card was declined.', declineCode: 'generic_decline' });
	return {
		...chargeTemplate,
		id,
		...own,
		amount: fields.amount,
		amount_captured: fields.succeeded ? fields.amount : 0,
		amount_refunded: 0,
		currency: fields.currency,
		customer: fields.customer.id,
		description: fields.description,
		billing_details: { ...chargeTemplate.billing_details, email: fields.customer.email, name: fields.customer.name ?? null },
		receipt_email: fields.customer.email,
		paid: fields.succeeded,
		captured: fields.succeeded,
		status: fields.succeeded ? 'succeeded' : 'failed',
		failure_code: failure?.code ?? null,
		failure_message: failure?.message ?? null,
		outcome: {
			...chargeTemplate.outcome!,
			network_status: fields.succeeded ? 'approved_by_network' : 'declined_by_network',
			reason: failure?.declineCode ?? null,
			seller_message: fields.succeeded ? 'Payment complete.' : 'The bank did not return any further details with this decline.',
			type: fields.succeeded ? 'authorized' : 'issuer_declined',
			risk_level: 'normal',
		},
		refunded: false,
		disputed: false,
		receipt_url: `https://pay.stripe.com/receipts/${id}`,
	};
}

export function buildRefund(
	id: string,
	created: number,
	fields: { charge: Stripe.Charge; amount: number; reason: Stripe.Refund.Reason | null },
): Stripe.Refund {
	return {
		...examples.refund,
		id,
		created,
		amount: fields.amount,
		charge: fields.charge.id,
		currency: fields.charge.currency,
		customer: typeof fields.charge.customer === 'string' ? fields.charge.customer : (fields.charge.customer?.id ?? null),
		reason: fields.reason,
		status: 'succeeded',
		metadata: {},
	};
}

export function buildDispute(
	id: string,
	own: Ownership,
	fields: { charge: Stripe.Charge; reason: string },
): Stripe.Dispute {
	return {
		...examples.dispute,
		id,
		...own,
		amount: fields.charge.amount,
		currency: fields.charge.currency,
		charge: fields.charge.id,
		reason: fields.reason,
		status: 'needs_response',
		evidence_details: { ...examples.dispute.evidence_details, due_by: own.created + 7 * 86400 },
		metadata: {},
	};
}

export function buildWebhookEndpoint(
	id: string,
	own: Ownership,
	fields: Pick<Stripe.WebhookEndpoint, 'url' | 'enabled_events' | 'api_version' | 'description' | 'metadata'> & { application: string | null },
): Stripe.WebhookEndpoint {
	return { ...examples.webhook_endpoint, id, ...own, ...fields, status: 'enabled' };
}
