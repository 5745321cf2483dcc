import type Stripe from 'stripe';

import type { StripeParams } from './formEncoding';
import type { Listing, StripeClient, StripeList } from './stripeClient';

/**
 * Every Stripe resource the package calls, bound once to its path, its methods and the type of
 * its answers, the way stripe-node binds them (`stripe.customers.list()`): nothing else in the
 * package writes a `/v1` path or names the type a path answers with. The types come from the
 * `stripe` package, which describes the API version the transport pins; it is imported for its
 * types only and never loaded at run time. How a call is made (retries, Idempotency-Key, the time
 * budget, the cursor guard, time slices, the shared rate limit) is stripeClient.ts's business.
 */
export const RESOURCE_PATHS = {
	customers: '/v1/customers',
	subscriptions: '/v1/subscriptions',
	invoices: '/v1/invoices',
	invoicePayments: '/v1/invoice_payments',
	charges: '/v1/charges',
	refunds: '/v1/refunds',
	disputes: '/v1/disputes',
	events: '/v1/events',
	products: '/v1/products',
	prices: '/v1/prices',
	coupons: '/v1/coupons',
	webhookEndpoints: '/v1/webhook_endpoints',
} as const;

type ResourceName = keyof typeof RESOURCE_PATHS;

declare const answer: unique symbol;
/** A path of this table that remembers what a GET of it answers; only `resourcePath` makes one. */
export type ResourcePath<T> = string & { readonly [answer]?: T };

/** What a GET of one object answers: a deleted customer is still found, as a stub. */
interface Retrieved {
	customers: Stripe.Customer | Stripe.DeletedCustomer;
	subscriptions: Stripe.Subscription;
	invoices: Stripe.Invoice;
}

/** What a list holds. */
interface Listed {
	invoices: Stripe.Invoice;
}

/**
 * The path of a list, or of one object, typed by its answer; for requests planned as data
 * (playbook/context.ts plans the one GET a step needs) rather than called at once.
 */
export function resourcePath<R extends keyof Listed>(resource: R): ResourcePath<Stripe.ApiList<Listed[R]>>;
export function resourcePath<R extends keyof Retrieved>(resource: R, id: string): ResourcePath<Retrieved[R]>;
export function resourcePath(resource: ResourceName, id?: string): string {
	return id === undefined ? RESOURCE_PATHS[resource] : `${RESOURCE_PATHS[resource]}/${encodeURIComponent(id)}`;
}

/** Stripe's parameter types are interfaces; the form encoder takes any such record. */
function form(params: object | undefined): StripeParams {
	return (params ?? {}) as StripeParams;
}

class ListedResource<T extends { id: string; created: number }, ListParams extends object> {
	constructor(
		protected readonly client: StripeClient,
		protected readonly path: string,
	) {}

	/** Every object, paging as the caller reads. */
	list(params?: ListParams, listing?: Listing): AsyncGenerator<T> {
		return this.client.listAll<T>(this.path, form(params), listing);
	}

	/** One page: `limit` objects at most, after `starting_after`. */
	page(params?: ListParams): Promise<StripeList<T>> {
		return this.client.request<StripeList<T>>('GET', this.path, form(params));
	}
}

class ReadResource<T extends { id: string; created: number }, ListParams extends object, One = T> extends ListedResource<T, ListParams> {
	retrieve(id: string): Promise<One> {
		return this.client.request<One>('GET', `${this.path}/${encodeURIComponent(id)}`);
	}
}

class WebhookEndpoints extends ReadResource<Stripe.WebhookEndpoint, Stripe.WebhookEndpointListParams> {
	create(params: Stripe.WebhookEndpointCreateParams): Promise<Stripe.WebhookEndpoint> {
		return this.client.request('POST', this.path, form(params));
	}

	/** `options.idempotencyKey` replaces the per-call key when several processes must send the same one (see webhook/claims.ts). */
	update(id: string, params: Stripe.WebhookEndpointUpdateParams, options?: { idempotencyKey?: string }): Promise<Stripe.WebhookEndpoint> {
		return this.client.request('POST', `${this.path}/${encodeURIComponent(id)}`, form(params), options);
	}

	del(id: string): Promise<Stripe.DeletedWebhookEndpoint> {
		return this.client.request('DELETE', `${this.path}/${encodeURIComponent(id)}`);
	}
}

/**
 * What nodes hold of a client: the resources, each bound to its path and types, the key's mode,
 * and the GET of a planned path. A path cannot be called with a type of the caller's choosing.
 */
export function stripeApi(client: StripeClient, credential: { cursorKey: Buffer }) {
	return {
		customers: new ReadResource<Stripe.Customer, Stripe.CustomerListParams, Retrieved['customers']>(client, RESOURCE_PATHS.customers),
		subscriptions: new ListedResource<Stripe.Subscription, Stripe.SubscriptionListParams>(client, RESOURCE_PATHS.subscriptions),
		invoices: new ListedResource<Stripe.Invoice, Stripe.InvoiceListParams>(client, RESOURCE_PATHS.invoices),
		charges: new ListedResource<Stripe.Charge, Stripe.ChargeListParams>(client, RESOURCE_PATHS.charges),
		refunds: new ListedResource<Stripe.Refund, Stripe.RefundListParams>(client, RESOURCE_PATHS.refunds),
		disputes: new ListedResource<Stripe.Dispute, Stripe.DisputeListParams>(client, RESOURCE_PATHS.disputes),
		events: new ListedResource<Stripe.Event, Stripe.EventListParams>(client, RESOURCE_PATHS.events),
		products: new ListedResource<Stripe.Product, Stripe.ProductListParams>(client, RESOURCE_PATHS.products),
		prices: new ListedResource<Stripe.Price, Stripe.PriceListParams>(client, RESOURCE_PATHS.prices),
		coupons: new ListedResource<Stripe.Coupon, Stripe.CouponListParams>(client, RESOURCE_PATHS.coupons),
		webhookEndpoints: new WebhookEndpoints(client, RESOURCE_PATHS.webhookEndpoints),
		mode: client.mode,
		/** Signs the cursors of batched listings; a secret like the key it comes from. */
		cursorKey: credential.cursorKey,
		/** Planned paths (`resourcePath`) answer with the type they carry. */
		get: <T>(path: ResourcePath<T>, params?: object): Promise<T> => client.request<T>('GET', path, form(params)),
	};
}

export type StripeApi = ReturnType<typeof stripeApi>;

/** The resources a client offers, by the name it offers them under. */
export type ListedResourceName = Exclude<keyof StripeApi, 'mode' | 'get' | 'cursorKey'>;
