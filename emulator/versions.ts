/**
 * Events in older API versions. The emulator keeps every object in the pinned version's shape and
 * renders an event the way Stripe would for an older version: a webhook in its endpoint's
 * `api_version` (the account's default for an endpoint created without one), an event from the
 * Events API in the version it was created with.
 *
 * One downgrade per version boundary, newest first, each undoing what that version changed. They
 * are written from the differences between Stripe's example objects of each version
 * (test/fixtures/api-versions/), not from the package's adapter, so a test that renders here and
 * reads with the adapter checks one against the other instead of against itself.
 */
import type Stripe from 'stripe';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects of older Stripe API versions, which the stripe package has no types for
type Json = Record<string, any>;

/** What a downgrade may need besides the object, rendered in the target version. */
export interface RenderContext {
	/** A stored object by id. */
	lookup(id: string): Json | undefined;
	/** The list of a charge's refunds older versions included in it. */
	refunds(charge: string): Json;
}

interface Boundary {
	/** The first version with the newer shape; rendering for any older version undoes it. */
	version: string;
	/** By `object` kind: the object as the version before this one showed it. */
	objects: Partial<Record<string, (object: Json, context: RenderContext) => Json>>;
	/** A subscription update's `previous_attributes` as the version before named them. */
	previous?: (previous: Json) => Json;
}

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const without = (object: Json, ...keys: string[]) => Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
const idOf = (value: unknown) => (isRecord(value) ? (value.id as string) : (value as string | null));

/** The one item of a single-item subscription, which old versions also showed at the top. */
const single = (subscription: Json): Json | undefined => (subscription.items?.data?.length === 1 ? subscription.items.data[0] : undefined);

/** A price as the plan Stripe kept beside it on items. */
function planOf(price: Json): Json {
	return {
		id: price.id,
		object: 'plan',
		active: price.active,
		aggregate_usage: price.recurring?.aggregate_usage ?? null,
		amount: price.unit_amount,
		amount_decimal: price.unit_amount_decimal,
		billing_scheme: price.billing_scheme,
		created: price.created,
		currency: price.currency,
		interval: price.recurring?.interval,
		interval_count: price.recurring?.interval_count,
		livemode: price.livemode,
		metadata: price.metadata,
		nickname: price.nickname,
		product: price.product,
		tiers_mode: price.tiers_mode,
		transform_usage: price.transform_quantity,
		trial_period_days: null,
		usage_type: price.recurring?.usage_type,
	};
}

/** A discount expanded, from the object itself or its id. */
function expandedDiscount(discount: unknown, context: RenderContext): Json | null {
	if (isRecord(discount)) return discount;
	return typeof discount === 'string' ? (context.lookup(discount) ?? null) : null;
}

const BOUNDARIES: Boundary[] = [
	{
		version: '2025-09-30.clover',
		objects: {
			discount: (discount) => ({ ...without(discount, 'source'), coupon: discount.source?.coupon ?? null }),
		},
	},
	{
		version: '2025-03-31.basil',
		objects: {
			subscription: (subscription, context) => {
				const first = subscription.items.data[0];
				return {
					...subscription,
					current_period_start: first?.current_period_start ?? subscription.created,
					current_period_end: first?.current_period_end ?? subscription.created,
					discount: expandedDiscount(subscription.discounts?.[0], context),
					discounts: (subscription.discounts ?? []).map(idOf),
					items: { ...subscription.items, data: subscription.items.data.map((item: Json) => without(item, 'current_period_start', 'current_period_end')) },
				};
			},
			invoice: (invoice, context) => {
				const payment = (invoice.payments?.data ?? []).find((entry: Json) => entry.is_default)?.payment ?? invoice.payments?.data?.[0]?.payment;
				const taxes: Json[] = invoice.total_taxes ?? [];
				return {
					...without(invoice, 'parent', 'payments', 'total_taxes', 'amount_overpaid'),
					subscription: invoice.parent?.subscription_details?.subscription ?? null,
					subscription_details: { metadata: invoice.parent?.subscription_details?.metadata ?? null },
					charge: payment?.charge ?? null,
					payment_intent: payment?.payment_intent ?? null,
					paid: invoice.status === 'paid',
					paid_out_of_band: false,
					discount: expandedDiscount(invoice.discounts?.[0], context),
					tax: taxes.length > 0 ? taxes.reduce((sum, tax) => sum + tax.amount, 0) : null,
					total_tax_amounts: taxes.map((tax) => ({ amount: tax.amount, inclusive: tax.tax_behavior === 'inclusive', tax_rate: tax.tax_rate_details?.tax_rate ?? null })),
				};
			},
			charge: (charge) => ({ ...charge, invoice: charge.invoice ?? null }),
			price: (price) => (price.recurring ? { ...price, recurring: { ...price.recurring, aggregate_usage: null } } : price),
		},
	},
	{
		version: '2024-06-20',
		objects: {
			subscription: (subscription) => ({ ...without(subscription, 'discounts'), items: { ...subscription.items, data: subscription.items.data.map((item: Json) => without(item, 'discounts')) } }),
		},
	},
	{
		version: '2022-11-15',
		objects: {
			subscription: (subscription) => without(subscription, 'currency'),
			charge: (charge, context) => ({ ...charge, refunds: context.refunds(charge.id) }),
			payment_intent: (intent, context) => {
				const latest = isRecord(intent.latest_charge) ? intent.latest_charge : typeof intent.latest_charge === 'string' ? context.lookup(intent.latest_charge) : undefined;
				return { ...without(intent, 'latest_charge'), charges: { object: 'list', data: latest ? [latest] : [], has_more: false, url: `/v1/charges?payment_intent=${intent.id}` } };
			},
		},
	},
	{
		version: '2020-08-27',
		objects: {
			subscription: (subscription) => ({ ...subscription, plan: single(subscription)?.plan ?? null, quantity: single(subscription)?.quantity ?? null, tax_percent: null }),
			subscription_item: (item) => ({ ...item, plan: item.plan ?? planOf(item.price) }),
			customer: (customer) => ({ ...customer, sources: { object: 'list', data: [], has_more: false, url: `/v1/customers/${customer.id}/sources` } }),
		},
		previous: (previous) => {
			const first = previous.items?.data?.[0];
			return first ? { ...previous, plan: first.plan, quantity: first.quantity } : previous;
		},
	},
	{
		version: '2020-03-02',
		objects: {
			// Prices came in 2020; items of older versions name their plan only.
			subscription_item: (item) => without(item, 'price'),
			invoice: (invoice) => without(invoice, 'discounts'),
		},
	},
	{
		version: '2019-10-17',
		objects: {
			subscription: (subscription) => ({ ...without(subscription, 'collection_method', 'start_date'), billing: subscription.collection_method, start: subscription.start_date }),
			invoice: (invoice) => ({ ...without(invoice, 'collection_method'), billing: invoice.collection_method }),
			customer: (customer) => ({ ...without(customer, 'balance'), account_balance: customer.balance }),
		},
	},
];

/** Whether `version` is older than a boundary: versions compare by their date. */
const olderThan = (version: string, boundary: Boundary) => version.slice(0, 10) < boundary.version.slice(0, 10);

function boundariesFor(version: string): Boundary[] {
	return BOUNDARIES.filter((boundary) => olderThan(version, boundary));
}

function renderWith(value: unknown, boundaries: Boundary[], context: RenderContext): unknown {
	if (Array.isArray(value)) return value.map((entry) => renderWith(entry, boundaries, context));
	if (!isRecord(value)) return value;
	let rendered: Json = Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, renderWith(entry, boundaries, context)]));
	const kind = rendered.object as string | undefined;
	// Objects a downgrade looks up are stored in the pinned shape, so they are rendered in full.
	const rendering: RenderContext = {
		lookup: (id) => renderWith(context.lookup(id), boundaries, context) as Json | undefined,
		refunds: (charge) => renderWith(context.refunds(charge), boundaries, context) as Json,
	};
	for (const boundary of boundaries) {
		const downgrade = kind === undefined ? undefined : boundary.objects[kind];
		if (downgrade) rendered = downgrade(rendered, rendering);
	}
	return rendered;
}

/** The event as Stripe sends it in `version`: its object, a subscription's previous attributes, and `api_version`. */
export function renderEvent(event: Stripe.Event, version: string, context: RenderContext): Stripe.Event {
	const boundaries = boundariesFor(version);
	if (boundaries.length === 0) return { ...event, api_version: version };
	const data = event.data as unknown as Json;
	let previous = data.previous_attributes === undefined ? undefined : renderWith(data.previous_attributes, boundaries, context);
	if (isRecord(previous) && event.type.startsWith('customer.subscription.')) {
		for (const boundary of boundaries) previous = boundary.previous ? boundary.previous(previous as Json) : previous;
	}
	return {
		...event,
		api_version: version,
		data: { ...data, object: renderWith(data.object, boundaries, context), ...(previous === undefined ? {} : { previous_attributes: previous }) },
	} as unknown as Stripe.Event;
}
