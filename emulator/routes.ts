/**
 * The Stripe API routes the package (and its tests) use. Each names its spec path template, the
 * restricted-key permission it needs, and a handler over the request's dataset. Validation against
 * the spec has already happened when a handler runs; handlers enforce Stripe's semantic rules.
 */
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import type { Billing, SubscriptionItemInput } from './billing';
import { invalidRequest, resourceMissing, StripeApiError } from './errors';
import type { FormObject, FormValue } from './form';
import type { PermissionResource } from './keys';
import { createdMatcher, expandList, expandObject, expandPaths, paginate, type ListPage } from './lists';
import { buildWebhookEndpoint } from './objects';
import { PINNED_API_VERSION } from './spec-additions';
import type { Collection, Dataset, IdFactory } from './store';
import { renderEvent } from './versions';
import { EVENT_RETENTION_SECONDS, previousAttributes, SUPPORTED_EVENT_TYPES, type RequestContext, type Webhooks } from './webhooks';

/** Stripe's limit of webhook endpoints per account and mode. */
export const MAX_WEBHOOK_ENDPOINTS = 16;

export interface ApiContext {
	dataset: Dataset;
	params: FormObject;
	pathParams: Record<string, string>;
	request: RequestContext;
	billing: Billing;
	webhooks: Webhooks;
	ids: IdFactory;
	now: number;
	account: Stripe.Account;
}

export interface ApiRoute {
	method: 'GET' | 'POST' | 'DELETE';
	/** The spec's path template, e.g. `/v1/customers/{customer}`. */
	template: string;
	resource: PermissionResource;
	access: 'read' | 'write';
	handle(context: ApiContext): unknown;
}

// ----- param readers ------------------------------------------------------------------------

const str = (params: FormObject, name: string): string | undefined => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
const int = (params: FormObject, name: string): number | undefined => (typeof params[name] === 'string' && params[name] !== '' ? Number(params[name]) : undefined);
const bool = (params: FormObject, name: string): boolean | undefined => (params[name] === undefined ? undefined : params[name] === 'true');

function required(params: FormObject, name: string): string {
	const value = str(params, name);
	if (!value) throw invalidRequest(`Missing required param: ${name}.`, name, 'parameter_missing');
	return value;
}

function metadata(params: FormObject): Stripe.Metadata | undefined {
	const raw = params.metadata;
	if (raw === undefined) return undefined;
	if (typeof raw === 'string') return {};
	return raw as Stripe.Metadata;
}

function arrayOf(value: FormValue | undefined): FormValue[] {
	if (value === undefined) return [];
	return Array.isArray(value) ? value : [value];
}

function itemsParam(params: FormObject): SubscriptionItemInput[] | undefined {
	if (params.items === undefined) return undefined;
	return arrayOf(params.items).map((raw, i) => {
		const item = raw as FormObject;
		const price = str(item, 'price');
		if (!price) throw invalidRequest(`Missing required param: items[${i}][price].`, `items[${i}][price]`, 'parameter_missing');
		return { price, quantity: int(item, 'quantity') };
	});
}

// ----- generic list/retrieve ----------------------------------------------------------------

function createdOf(item: { id: string }, collection: Collection<{ id: string }>): number {
	return (item as { created?: number }).created ?? collection.createdOf(item.id) ?? 0;
}

function list<T extends { id: string }>(
	context: ApiContext,
	collection: Collection<T>,
	url: string,
	noun: string,
	keep: (item: T) => boolean = () => true,
): unknown {
	const created = createdMatcher(context.params.created);
	const items = collection.values().filter((item) => keep(item) && created(createdOf(item, collection as Collection<{ id: string }>)));
	const page = paginate(items, collection, context.params, url, noun, (item) => createdOf(item, collection as Collection<{ id: string }>));
	return expandList(context.dataset, page, expandPaths(context.params));
}

function retrieve<T>(context: ApiContext, value: T | undefined, noun: string, id: string): T {
	if (value === undefined) throw resourceMissing(noun, id);
	return expandObject(context.dataset, value, expandPaths(context.params));
}

/** The Events API shows an event in the version it was created with, whatever Stripe-Version asks. */
function inCreatedVersion(context: ApiContext, event: Stripe.Event): Stripe.Event {
	return renderEvent(event, event.api_version ?? PINNED_API_VERSION, { lookup: (id) => context.dataset.lookup(id) as Record<string, unknown> | undefined });
}

function subscriptionStatusFilter(status: string | undefined): (sub: Stripe.Subscription) => boolean {
	if (status === 'all') return () => true;
	if (status === 'ended') return (sub) => sub.status === 'canceled' || sub.status === 'incomplete_expired';
	if (status) return (sub) => sub.status === status;
	return (sub) => sub.status !== 'canceled';
}

/** `type` may use `*` as a wildcard (`customer.subscription.*`). */
function eventTypeFilter(params: FormObject): (event: Stripe.Event) => boolean {
	const type = str(params, 'type');
	const types = arrayOf(params.types).filter((value): value is string => typeof value === 'string');
	if (type && types.length > 0) throw invalidRequest('You may only specify one of these parameters: type, types.', 'types');
	if (types.length > 20) throw invalidRequest('You may pass at most 20 values for types.', 'types');
	if (types.length > 0) return (event) => types.includes(event.type);
	if (!type) return () => true;
	const pattern = new RegExp(`^${type.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
	return (event) => pattern.test(event.type);
}

function validEnabledEvents(params: FormObject, name = 'enabled_events'): string[] {
	const events = arrayOf(params[name]).filter((value): value is string => typeof value === 'string');
	const allowed = ['*', ...SUPPORTED_EVENT_TYPES];
	events.forEach((event, i) => {
		if (!allowed.includes(event)) {
			throw invalidRequest(`Invalid ${name}[${i}]: must be one of ${allowed.join(', ')}`, `${name}[${i}]`);
		}
	});
	return events;
}

function validUrl(url: string): string {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw invalidRequest('Invalid URL: An explicit scheme (such as https) must be provided.', 'url', 'url_invalid');
	}
	if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
		throw invalidRequest('Invalid URL: URL must use the http or https scheme.', 'url', 'url_invalid');
	}
	return url;
}

function webhookEndpoint(context: ApiContext): Stripe.WebhookEndpoint {
	const id = context.pathParams.webhook_endpoint;
	const endpoint = context.dataset.webhookEndpoints.get(id);
	if (!endpoint) throw resourceMissing('webhook endpoint', id);
	return endpoint;
}

// ----- the routes ---------------------------------------------------------------------------

export const apiRoutes: ApiRoute[] = [
	{
		method: 'GET',
		template: '/v1/account',
		resource: 'account',
		access: 'read',
		handle: (c) => expandObject(c.dataset, c.dataset.connected ? { ...c.account, id: c.dataset.account } : c.account, expandPaths(c.params)),
	},

	// Customers
	{
		method: 'GET',
		template: '/v1/customers',
		resource: 'customers',
		access: 'read',
		handle: (c) => {
			const email = str(c.params, 'email');
			return list(c, c.dataset.customers, '/v1/customers', 'customer', (customer) => !customer.deleted && (email === undefined || customer.email === email));
		},
	},
	{
		method: 'POST',
		template: '/v1/customers',
		resource: 'customers',
		access: 'write',
		handle: (c) =>
			c.billing.createCustomer(
				c.dataset,
				{
					email: str(c.params, 'email'),
					name: str(c.params, 'name'),
					phone: str(c.params, 'phone'),
					description: str(c.params, 'description'),
					metadata: metadata(c.params),
					preferred_locales: arrayOf(c.params.preferred_locales) as string[],
				},
				{ request: c.request },
			),
	},
	{
		method: 'GET',
		template: '/v1/customers/{customer}',
		resource: 'customers',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.customers.get(c.pathParams.customer), 'customer', c.pathParams.customer),
	},
	{
		method: 'POST',
		template: '/v1/customers/{customer}',
		resource: 'customers',
		access: 'write',
		handle: (c) => {
			const changes: Partial<Stripe.Customer> = {};
			for (const field of ['email', 'name', 'phone', 'description'] as const) {
				if (c.params[field] !== undefined) changes[field] = str(c.params, field) || null;
			}
			if (c.params.preferred_locales !== undefined) changes.preferred_locales = arrayOf(c.params.preferred_locales) as string[];
			if (c.params.metadata !== undefined) changes.metadata = metadata(c.params);
			return c.billing.updateCustomer(c.dataset, c.pathParams.customer, changes, { request: c.request });
		},
	},
	{
		method: 'DELETE',
		template: '/v1/customers/{customer}',
		resource: 'customers',
		access: 'write',
		handle: (c) => c.billing.deleteCustomer(c.dataset, c.pathParams.customer, { request: c.request }),
	},

	// Products, prices, coupons
	{
		method: 'GET',
		template: '/v1/products',
		resource: 'products',
		access: 'read',
		handle: (c) => {
			const active = bool(c.params, 'active');
			return list(c, c.dataset.products, '/v1/products', 'product', (product) => active === undefined || product.active === active);
		},
	},
	{
		method: 'POST',
		template: '/v1/products',
		resource: 'products',
		access: 'write',
		handle: (c) =>
			c.billing.createProduct(
				c.dataset,
				{ name: required(c.params, 'name'), description: str(c.params, 'description'), metadata: metadata(c.params), active: bool(c.params, 'active') },
				{ request: c.request },
			),
	},
	{
		method: 'GET',
		template: '/v1/products/{id}',
		resource: 'products',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.products.get(c.pathParams.id), 'product', c.pathParams.id),
	},
	{
		method: 'GET',
		template: '/v1/prices',
		resource: 'prices',
		access: 'read',
		handle: (c) => {
			const product = str(c.params, 'product');
			const active = bool(c.params, 'active');
			const type = str(c.params, 'type');
			const currency = str(c.params, 'currency');
			return list(
				c,
				c.dataset.prices,
				'/v1/prices',
				'price',
				(price) =>
					(product === undefined || price.product === product) &&
					(active === undefined || price.active === active) &&
					(type === undefined || price.type === type) &&
					(currency === undefined || price.currency === currency),
			);
		},
	},
	{
		method: 'POST',
		template: '/v1/prices',
		resource: 'prices',
		access: 'write',
		handle: (c) => {
			const recurring = c.params.recurring as FormObject | undefined;
			const tiers = arrayOf(c.params.tiers).map((raw) => {
				const tier = raw as FormObject;
				return {
					up_to: tier.up_to === 'inf' ? null : (int(tier, 'up_to') ?? null),
					unit_amount: int(tier, 'unit_amount') ?? null,
					flat_amount: int(tier, 'flat_amount') ?? null,
				};
			});
			return c.billing.createPrice(
				c.dataset,
				{
					product: required(c.params, 'product'),
					currency: required(c.params, 'currency').toLowerCase(),
					unit_amount: int(c.params, 'unit_amount'),
					recurring: recurring
						? {
								interval: required(recurring, 'interval') as Stripe.Price.Recurring.Interval,
								interval_count: int(recurring, 'interval_count'),
								usage_type: str(recurring, 'usage_type') as Stripe.Price.Recurring.UsageType | undefined,
							}
						: null,
					billing_scheme: str(c.params, 'billing_scheme') as Stripe.Price.BillingScheme | undefined,
					tiers_mode: str(c.params, 'tiers_mode') as Stripe.Price.TiersMode | undefined,
					tiers,
					nickname: str(c.params, 'nickname'),
					lookup_key: str(c.params, 'lookup_key'),
					metadata: metadata(c.params),
				},
				{ request: c.request },
			);
		},
	},
	{
		method: 'GET',
		template: '/v1/prices/{price}',
		resource: 'prices',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.prices.get(c.pathParams.price), 'price', c.pathParams.price),
	},
	{
		method: 'GET',
		template: '/v1/coupons',
		resource: 'coupons',
		access: 'read',
		handle: (c) => list(c, c.dataset.coupons, '/v1/coupons', 'coupon'),
	},
	{
		method: 'POST',
		template: '/v1/coupons',
		resource: 'coupons',
		access: 'write',
		handle: (c) =>
			c.billing.createCoupon(
				c.dataset,
				{
					id: str(c.params, 'id'),
					name: str(c.params, 'name'),
					duration: (str(c.params, 'duration') ?? 'once') as Stripe.Coupon.Duration,
					duration_in_months: int(c.params, 'duration_in_months'),
					percent_off: c.params.percent_off === undefined ? undefined : Number(c.params.percent_off),
					amount_off: int(c.params, 'amount_off'),
					currency: str(c.params, 'currency'),
					metadata: metadata(c.params),
				},
				{ request: c.request },
			),
	},
	{
		method: 'GET',
		template: '/v1/coupons/{coupon}',
		resource: 'coupons',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.coupons.get(c.pathParams.coupon), 'coupon', c.pathParams.coupon),
	},

	// Subscriptions
	{
		method: 'GET',
		template: '/v1/subscriptions',
		resource: 'subscriptions',
		access: 'read',
		handle: (c) => {
			const customer = str(c.params, 'customer');
			const price = str(c.params, 'price');
			const status = subscriptionStatusFilter(str(c.params, 'status'));
			return list(
				c,
				c.dataset.subscriptions,
				'/v1/subscriptions',
				'subscription',
				(sub) =>
					status(sub) &&
					(customer === undefined || sub.customer === customer) &&
					(price === undefined || sub.items.data.some((item) => item.price.id === price)),
			);
		},
	},
	{
		method: 'POST',
		template: '/v1/subscriptions',
		resource: 'subscriptions',
		access: 'write',
		handle: (c) => {
			const discounts = arrayOf(c.params.discounts) as FormObject[];
			const trialEnd = str(c.params, 'trial_end');
			return c.billing.createSubscription(
				c.dataset,
				{
					customer: required(c.params, 'customer'),
					items: itemsParam(c.params) ?? [],
					trialDays: int(c.params, 'trial_period_days'),
					trialEnd: trialEnd === undefined || trialEnd === 'now' ? undefined : Number(trialEnd),
					coupon: str(c.params, 'coupon') ?? (discounts[0] ? str(discounts[0], 'coupon') : undefined),
					cancelAtPeriodEnd: bool(c.params, 'cancel_at_period_end'),
					metadata: metadata(c.params),
				},
				{ request: c.request },
			);
		},
	},
	{
		method: 'GET',
		template: '/v1/subscriptions/{subscription_exposed_id}',
		resource: 'subscriptions',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.subscriptions.get(c.pathParams.subscription_exposed_id), 'subscription', c.pathParams.subscription_exposed_id),
	},
	{
		method: 'POST',
		template: '/v1/subscriptions/{subscription_exposed_id}',
		resource: 'subscriptions',
		access: 'write',
		handle: (c) => {
			const cancelAt = c.params.cancel_at;
			return c.billing.updateSubscription(
				c.dataset,
				c.pathParams.subscription_exposed_id,
				{
					items: itemsParam(c.params),
					cancelAtPeriodEnd: bool(c.params, 'cancel_at_period_end'),
					cancelAt: cancelAt === undefined ? undefined : cancelAt === '' ? null : Number(cancelAt),
					metadata: metadata(c.params),
				},
				{ request: c.request },
			);
		},
	},
	{
		method: 'DELETE',
		template: '/v1/subscriptions/{subscription_exposed_id}',
		resource: 'subscriptions',
		access: 'write',
		handle: (c) => c.billing.cancelSubscription(c.dataset, c.pathParams.subscription_exposed_id, { request: c.request }),
	},
	{
		method: 'POST',
		template: '/v1/subscriptions/{subscription}/resume',
		resource: 'subscriptions',
		access: 'write',
		handle: (c) => c.billing.resumeSubscription(c.dataset, c.pathParams.subscription, { request: c.request }),
	},

	// Invoices, charges, refunds, disputes
	{
		method: 'GET',
		template: '/v1/invoices',
		resource: 'invoices',
		access: 'read',
		handle: (c) => {
			const customer = str(c.params, 'customer');
			const subscription = str(c.params, 'subscription');
			const status = str(c.params, 'status');
			return list(
				c,
				c.dataset.invoices,
				'/v1/invoices',
				'invoice',
				(invoice) =>
					(customer === undefined || invoice.customer === customer) &&
					(subscription === undefined || invoice.parent?.subscription_details?.subscription === subscription) &&
					(status === undefined || invoice.status === status),
			);
		},
	},
	{
		method: 'GET',
		template: '/v1/invoices/{invoice}',
		resource: 'invoices',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.invoices.get(c.pathParams.invoice), 'invoice', c.pathParams.invoice),
	},
	{
		method: 'POST',
		template: '/v1/invoices/{invoice}/pay',
		resource: 'invoices',
		access: 'write',
		handle: (c) => c.billing.payInvoice(c.dataset, c.pathParams.invoice, { request: c.request }),
	},
	{
		method: 'GET',
		template: '/v1/charges',
		resource: 'charges',
		access: 'read',
		handle: (c) => {
			const customer = str(c.params, 'customer');
			return list(c, c.dataset.charges, '/v1/charges', 'charge', (charge) => customer === undefined || charge.customer === customer);
		},
	},
	{
		method: 'GET',
		template: '/v1/charges/{charge}',
		resource: 'charges',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.charges.get(c.pathParams.charge), 'charge', c.pathParams.charge),
	},
	{
		method: 'GET',
		template: '/v1/refunds',
		resource: 'refunds',
		access: 'read',
		handle: (c) => {
			const charge = str(c.params, 'charge');
			return list(c, c.dataset.refunds, '/v1/refunds', 'refund', (refund) => charge === undefined || refund.charge === charge);
		},
	},
	{
		method: 'POST',
		template: '/v1/refunds',
		resource: 'refunds',
		access: 'write',
		handle: (c) =>
			c.billing.refundCharge(
				c.dataset,
				required(c.params, 'charge'),
				{ amount: int(c.params, 'amount'), reason: str(c.params, 'reason') as Stripe.Refund.Reason | undefined },
				{ request: c.request },
			),
	},
	{
		method: 'GET',
		template: '/v1/refunds/{refund}',
		resource: 'refunds',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.refunds.get(c.pathParams.refund), 'refund', c.pathParams.refund),
	},
	{
		method: 'GET',
		template: '/v1/disputes',
		resource: 'disputes',
		access: 'read',
		handle: (c) => {
			const charge = str(c.params, 'charge');
			return list(c, c.dataset.disputes, '/v1/disputes', 'dispute', (dispute) => charge === undefined || dispute.charge === charge);
		},
	},
	{
		method: 'GET',
		template: '/v1/disputes/{dispute}',
		resource: 'disputes',
		access: 'read',
		handle: (c) => retrieve(c, c.dataset.disputes.get(c.pathParams.dispute), 'dispute', c.pathParams.dispute),
	},

	// Events
	{
		method: 'GET',
		template: '/v1/events',
		resource: 'events',
		access: 'read',
		handle: (c) => {
			const type = eventTypeFilter(c.params);
			const oldest = c.now - EVENT_RETENTION_SECONDS;
			const page = list(c, c.dataset.events, '/v1/events', 'event', (event) => event.created >= oldest && type(event)) as ListPage<Stripe.Event>;
			return { ...page, data: page.data.map((event) => inCreatedVersion(c, event)) };
		},
	},
	{
		method: 'GET',
		template: '/v1/events/{id}',
		resource: 'events',
		access: 'read',
		handle: (c) => {
			const event = c.dataset.events.get(c.pathParams.id);
			return inCreatedVersion(c, retrieve(c, event && event.created >= c.now - EVENT_RETENTION_SECONDS ? event : undefined, 'event', c.pathParams.id));
		},
	},

	// Webhook endpoints
	{
		method: 'GET',
		template: '/v1/webhook_endpoints',
		resource: 'webhook_endpoints',
		access: 'read',
		handle: (c) => list(c, c.dataset.webhookEndpoints, '/v1/webhook_endpoints', 'webhook endpoint'),
	},
	{
		method: 'POST',
		template: '/v1/webhook_endpoints',
		resource: 'webhook_endpoints',
		access: 'write',
		handle: (c) => {
			const url = validUrl(required(c.params, 'url'));
			if (c.params.enabled_events === undefined) throw invalidRequest('Missing required param: enabled_events.', 'enabled_events', 'parameter_missing');
			const enabledEvents = validEnabledEvents(c.params);
			if (c.dataset.webhookEndpoints.size >= MAX_WEBHOOK_ENDPOINTS) {
				throw invalidRequest(`You have reached the maximum of ${MAX_WEBHOOK_ENDPOINTS} ${c.dataset.mode} webhook endpoints.`, undefined, 'webhook_endpoint_limit_reached');
			}
			const endpoint = buildWebhookEndpoint(c.ids.next('we'), { livemode: c.dataset.livemode, created: c.now }, {
				url,
				enabled_events: enabledEvents,
				api_version: str(c.params, 'api_version') ?? null,
				description: str(c.params, 'description') ?? null,
				metadata: metadata(c.params) ?? {},
				application: bool(c.params, 'connect') ? 'ca_emulator' : null,
			});
			const secret = `whsec_${randomBytes(24).toString('hex')}`;
			c.dataset.webhookEndpoints.put(endpoint);
			c.dataset.webhookSecrets.set(endpoint.id, secret);
			return { ...endpoint, secret };
		},
	},
	{
		method: 'GET',
		template: '/v1/webhook_endpoints/{webhook_endpoint}',
		resource: 'webhook_endpoints',
		access: 'read',
		handle: (c) => expandObject(c.dataset, webhookEndpoint(c), expandPaths(c.params)),
	},
	{
		method: 'POST',
		template: '/v1/webhook_endpoints/{webhook_endpoint}',
		resource: 'webhook_endpoints',
		access: 'write',
		handle: (c) => {
			const before = webhookEndpoint(c);
			const after: Stripe.WebhookEndpoint = {
				...before,
				...(c.params.url !== undefined ? { url: validUrl(required(c.params, 'url')) } : {}),
				...(c.params.enabled_events !== undefined ? { enabled_events: validEnabledEvents(c.params) } : {}),
				...(c.params.description !== undefined ? { description: str(c.params, 'description') || null } : {}),
				...(c.params.metadata !== undefined ? { metadata: { ...before.metadata, ...metadata(c.params) } } : {}),
				...(c.params.disabled !== undefined ? { status: bool(c.params, 'disabled') ? 'disabled' : 'enabled' } : {}),
			};
			if (previousAttributes(before, after)) c.dataset.webhookEndpoints.put(after);
			return after;
		},
	},
	{
		method: 'DELETE',
		template: '/v1/webhook_endpoints/{webhook_endpoint}',
		resource: 'webhook_endpoints',
		access: 'write',
		handle: (c) => {
			const endpoint = webhookEndpoint(c);
			c.dataset.webhookEndpoints.remove(endpoint.id);
			c.dataset.webhookSecrets.delete(endpoint.id);
			return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
		},
	},
];

const routeIndex = new Map(apiRoutes.map((route) => [`${route.method} ${route.template}`, route]));

/** The emulator's handler for a spec operation; the spec knowing a path the emulator lacks is a 501. */
export function routeFor(method: string, template: string): ApiRoute {
	const route = routeIndex.get(`${method} ${template}`);
	if (!route) {
		throw new StripeApiError(501, {
			type: 'api_error',
			message: `The Stripe emulator does not implement ${method} ${template} (Stripe does). Add it to emulator/routes.ts.`,
		});
	}
	return route;
}
