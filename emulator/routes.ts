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
import { expandList, expandObject, expandPaths, listPage, renderContext, type ListPage, type ListQuery } from './lists';
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

function list<T extends { id: string }, K extends string>(context: ApiContext, collection: Collection<T, K>, url: string, noun: string, query?: ListQuery<T, K>): unknown {
	return expandList(context.dataset, listPage(collection, context.params, url, noun, query), expandPaths(context.params));
}

function retrieve<T>(context: ApiContext, value: T | undefined, noun: string, id: string): T {
	if (value === undefined) throw resourceMissing(noun, id);
	return expandObject(context.dataset, value, expandPaths(context.params));
}

/** The Events API shows an event in the version it was created with, whatever Stripe-Version asks. */
function inCreatedVersion(context: ApiContext, event: Stripe.Event): Stripe.Event {
	return renderEvent(event, event.api_version ?? PINNED_API_VERSION, renderContext(context.dataset, event));
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

type Handler = ApiRoute['handle'];

const read = (template: string, resource: PermissionResource, handle: Handler): ApiRoute => ({ method: 'GET', template, resource, access: 'read', handle });
const write = (method: 'POST' | 'DELETE', template: string, resource: PermissionResource, handle: Handler): ApiRoute => ({ method, template, resource, access: 'write', handle });

/** Resources whose dataset collection, permission and path share one name. */
type Plain = 'customers' | 'products' | 'prices' | 'coupons' | 'subscriptions' | 'invoices' | 'charges' | 'refunds' | 'disputes';
type ItemOf<R extends Plain> = Dataset[R] extends Collection<infer T, infer _K> ? T : never;
type IndexOf<R extends Plain> = Dataset[R] extends Collection<infer _T, infer K> ? K : never;

/** `GET /v1/<resource>`: what `query` (made from the request's parameters) narrows the list to. */
function listRoute<R extends Plain>(resource: R, noun: string, query: (params: FormObject) => ListQuery<ItemOf<R>, IndexOf<R>> = () => ({})): ApiRoute {
	const template = `/v1/${resource}`;
	return read(template, resource, (c) => list(c, c.dataset[resource] as unknown as Collection<ItemOf<R>, IndexOf<R>>, template, noun, query(c.params)));
}

/** `GET /v1/<resource>/{<param>}`. */
function retrieveRoute<R extends Plain>(resource: R, noun: string, param: string): ApiRoute {
	return read(`/v1/${resource}/{${param}}`, resource, (c) => retrieve(c, (c.dataset[resource] as unknown as Collection<ItemOf<R>, IndexOf<R>>).get(c.pathParams[param]), noun, c.pathParams[param]));
}

/** The index that files objects by the request parameter of the same name, when it is given. */
function indexed<K extends string>(params: FormObject, name: K): { index?: { name: K; key: string } } {
	const key = str(params, name);
	return key === undefined ? {} : { index: { name, key } };
}

export const apiRoutes: ApiRoute[] = [
	read('/v1/account', 'account', (c) => expandObject(c.dataset, c.dataset.connected ? { ...c.account, id: c.dataset.account } : c.account, expandPaths(c.params))),

	// Customers
	listRoute('customers', 'customer', (params) => ({ ...indexed(params, 'email'), keep: (customer) => !customer.deleted })),
	write('POST', '/v1/customers', 'customers', (c) =>
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
		)),
	retrieveRoute('customers', 'customer', 'customer'),
	write('POST', '/v1/customers/{customer}', 'customers', (c) => {
		const changes: Partial<Stripe.Customer> = {};
		for (const field of ['email', 'name', 'phone', 'description'] as const) {
			if (c.params[field] !== undefined) changes[field] = str(c.params, field) || null;
		}
		if (c.params.preferred_locales !== undefined) changes.preferred_locales = arrayOf(c.params.preferred_locales) as string[];
		if (c.params.metadata !== undefined) changes.metadata = metadata(c.params);
		return c.billing.updateCustomer(c.dataset, c.pathParams.customer, changes, { request: c.request });
	}),
	write('DELETE', '/v1/customers/{customer}', 'customers', (c) => c.billing.deleteCustomer(c.dataset, c.pathParams.customer, { request: c.request })),

	// Products, prices, coupons
	listRoute('products', 'product', (params) => {
		const active = bool(params, 'active');
		return { keep: (product) => active === undefined || product.active === active };
	}),
	write('POST', '/v1/products', 'products', (c) =>
		c.billing.createProduct(
			c.dataset,
			{ name: required(c.params, 'name'), description: str(c.params, 'description'), metadata: metadata(c.params), active: bool(c.params, 'active') },
			{ request: c.request },
		)),
	retrieveRoute('products', 'product', 'id'),
	listRoute('prices', 'price', (params) => {
		const product = str(params, 'product');
		const active = bool(params, 'active');
		const type = str(params, 'type');
		const currency = str(params, 'currency');
		return {
			keep: (price) =>
				(product === undefined || price.product === product) &&
				(active === undefined || price.active === active) &&
				(type === undefined || price.type === type) &&
				(currency === undefined || price.currency === currency),
		};
	}),
	write('POST', '/v1/prices', 'prices', (c) => {
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
	}),
	retrieveRoute('prices', 'price', 'price'),
	listRoute('coupons', 'coupon'),
	write('POST', '/v1/coupons', 'coupons', (c) =>
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
		)),
	retrieveRoute('coupons', 'coupon', 'coupon'),

	// Subscriptions
	listRoute('subscriptions', 'subscription', (params) => {
		const price = str(params, 'price');
		const status = subscriptionStatusFilter(str(params, 'status'));
		return { ...indexed(params, 'customer'), keep: (sub) => status(sub) && (price === undefined || sub.items.data.some((item) => item.price.id === price)) };
	}),
	write('POST', '/v1/subscriptions', 'subscriptions', (c) => {
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
	}),
	retrieveRoute('subscriptions', 'subscription', 'subscription_exposed_id'),
	write('POST', '/v1/subscriptions/{subscription_exposed_id}', 'subscriptions', (c) => {
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
	}),
	write('DELETE', '/v1/subscriptions/{subscription_exposed_id}', 'subscriptions', (c) => c.billing.cancelSubscription(c.dataset, c.pathParams.subscription_exposed_id, { request: c.request })),
	write('POST', '/v1/subscriptions/{subscription}/resume', 'subscriptions', (c) => c.billing.resumeSubscription(c.dataset, c.pathParams.subscription, { request: c.request })),

	// Invoices, charges, refunds, disputes
	listRoute('invoices', 'invoice', (params) => {
		const subscription = str(params, 'subscription');
		const status = str(params, 'status');
		return {
			...indexed(params, 'customer'),
			keep: (invoice) => (subscription === undefined || invoice.parent?.subscription_details?.subscription === subscription) && (status === undefined || invoice.status === status),
		};
	}),
	retrieveRoute('invoices', 'invoice', 'invoice'),
	write('POST', '/v1/invoices/{invoice}/pay', 'invoices', (c) => c.billing.payInvoice(c.dataset, c.pathParams.invoice, { request: c.request })),
	listRoute('charges', 'charge', (params) => indexed(params, 'customer')),
	retrieveRoute('charges', 'charge', 'charge'),
	listRoute('refunds', 'refund', (params) => indexed(params, 'charge')),
	write('POST', '/v1/refunds', 'refunds', (c) =>
		c.billing.refundCharge(
			c.dataset,
			required(c.params, 'charge'),
			{ amount: int(c.params, 'amount'), reason: str(c.params, 'reason') as Stripe.Refund.Reason | undefined },
			{ request: c.request },
		)),
	retrieveRoute('refunds', 'refund', 'refund'),
	listRoute('disputes', 'dispute', (params) => indexed(params, 'charge')),
	retrieveRoute('disputes', 'dispute', 'dispute'),

	// Events
	read('/v1/events', 'events', (c) => {
		const page = list(c, c.dataset.events, '/v1/events', 'event', { createdFrom: c.now - EVENT_RETENTION_SECONDS, keep: eventTypeFilter(c.params) }) as ListPage<Stripe.Event>;
		return { ...page, data: page.data.map((event) => inCreatedVersion(c, event)) };
	}),
	read('/v1/events/{id}', 'events', (c) => {
		const event = c.dataset.events.get(c.pathParams.id);
		return inCreatedVersion(c, retrieve(c, event && event.created >= c.now - EVENT_RETENTION_SECONDS ? event : undefined, 'event', c.pathParams.id));
	}),

	// Webhook endpoints
	read('/v1/webhook_endpoints', 'webhook_endpoints', (c) => list(c, c.dataset.webhookEndpoints, '/v1/webhook_endpoints', 'webhook endpoint')),
	write('POST', '/v1/webhook_endpoints', 'webhook_endpoints', (c) => {
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
	}),
	read('/v1/webhook_endpoints/{webhook_endpoint}', 'webhook_endpoints', (c) => expandObject(c.dataset, webhookEndpoint(c), expandPaths(c.params))),
	write('POST', '/v1/webhook_endpoints/{webhook_endpoint}', 'webhook_endpoints', (c) => {
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
	}),
	write('DELETE', '/v1/webhook_endpoints/{webhook_endpoint}', 'webhook_endpoints', (c) => {
		const endpoint = webhookEndpoint(c);
		c.dataset.webhookEndpoints.remove(endpoint.id);
		c.dataset.webhookSecrets.delete(endpoint.id);
		return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
	}),
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
