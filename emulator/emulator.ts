/**
 * The emulator as one object: state, keys, faults, logs and the control methods tests call
 * in-process (the HTTP control routes in control.ts call the same methods).
 */
import type Stripe from 'stripe';
import { Billing, DEFAULT_BILLING, type BillingOptions, type NewSubscription } from './billing';
import { invalidRequest } from './errors';
import { Faults, RateLimiter, STRIPE_RATE_LIMITS, type FaultRule, type RateLimits } from './faults';
import { KeyRing, type Permissions } from './keys';
import { ConnectOAuth } from './oauth';
import { buildAccount, type CouponFields, type PriceFields } from './objects';
import { specIndex, type SpecIndex } from './openapi';
import { PINNED_API_VERSION } from './spec-additions';
import { Clock, IdFactory, Store, type CardBehavior, type Dataset, type Mode } from './store';
import { Webhooks, type DeliveryRecord } from './webhooks';

export interface EmulatorOptions {
	/** Port to listen on; 0 (default) picks a free one. */
	port?: number;
	host?: string;
	/** Fixed secret keys (e.g. for `npm run dev`); random by default. */
	keys?: { secretTest?: string; secretLive?: string };
	/** Seed for ids and fault probabilities. */
	seed?: number;
	/** Freeze the clock at this epoch second (it then moves only when advanced). */
	now?: number;
	/** Delays (ms) between webhook delivery attempts. Stripe's real schedule spans 3 days. */
	retrySchedule?: number[];
	deliveryTimeoutMs?: number;
	/** Stripe's per-second rate limiter: `true` for 25 test / 100 live, or own limits. Off by default. */
	rateLimit?: boolean | RateLimits;
	billing?: Partial<BillingOptions>;
	accountName?: string;
	/** The account's default API version (default the pinned one): see `setDefaultApiVersion`. */
	defaultApiVersion?: string;
}

export interface RequestLogEntry {
	at: number;
	method: string;
	path: string;
	/** Param keys in bracket notation (`created[gte]`, `expand[0]`). */
	queryKeys: string[];
	bodyKeys: string[];
	mode: Mode | null;
	keyKind: 'secret' | 'restricted' | null;
	account: string | null;
	stripeVersion: string | null;
	idempotencyKey: string | null;
	replayed: boolean;
	fault: string | null;
	status: number | null;
	/** The objects a list or search page carried: what a rate-limited reader gets per call. */
	listed: number | null;
	requestId: string;
}

export interface IdempotentResponse {
	endpoint: string;
	params: string;
	status: number;
	body: string;
	requestId: string;
	at: number;
}

/** Where a control call acts: test (default) or live data, optionally of a connected account. */
export interface Scope {
	mode?: Mode;
	account?: string;
}

export class StripeEmulator {
	readonly store: Store;
	readonly ids: IdFactory;
	readonly clock: Clock;
	readonly webhooks: Webhooks;
	readonly billing: Billing;
	readonly keyRing = new KeyRing();
	readonly faults: Faults;
	readonly rateLimiter: RateLimiter | null;
	readonly spec: SpecIndex;
	readonly apiVersion = PINNED_API_VERSION;
	/**
	 * The account's default API version: events are created in it (and served in it by the Events
	 * API), and webhook endpoints created without `api_version` receive it.
	 */
	defaultApiVersion: string;
	readonly account: Stripe.Account;
	readonly keys: { secretTest: string; secretLive: string };
	readonly requests: RequestLogEntry[] = [];
	readonly idempotency = new Map<string, IdempotentResponse>();
	readonly oauth: ConnectOAuth = new ConnectOAuth(this);
	/** Set once listening. */
	url = '';

	constructor(readonly options: EmulatorOptions = {}) {
		const seed = options.seed ?? 1;
		this.spec = specIndex();
		this.defaultApiVersion = this.checkedApiVersion(options.defaultApiVersion ?? PINNED_API_VERSION);
		this.ids = new IdFactory(seed);
		this.clock = new Clock(options.now ?? null);
		const accountId = this.ids.next('acct', 16);
		this.store = new Store(accountId);
		this.account = buildAccount(accountId, this.clock.now() - 400 * 86400, options.accountName ?? 'Emulated SaaS Inc.');
		this.webhooks = new Webhooks(this.store, this.ids, this.clock, {
			defaultApiVersion: () => this.defaultApiVersion,
			retrySchedule: options.retrySchedule ?? [500, 2000, 8000, 30000],
			deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10000,
		});
		this.billing = new Billing(this.store, this.ids, this.clock, this.webhooks, { ...DEFAULT_BILLING, ...options.billing });
		this.faults = new Faults(seed);
		this.rateLimiter = options.rateLimit ? new RateLimiter(options.rateLimit === true ? STRIPE_RATE_LIMITS : options.rateLimit) : null;
		this.keys = {
			secretTest: this.keyRing.create('secret', 'test', undefined, options.keys?.secretTest).secret,
			secretLive: this.keyRing.create('secret', 'live', undefined, options.keys?.secretLive).secret,
		};
	}

	dataset(scope: Scope = {}): Dataset {
		return this.store.dataset(scope.mode ?? 'test', scope.account);
	}

	now(): number {
		return this.clock.now();
	}

	// ----- keys ----------------------------------------------------------------------------------

	/** A restricted key (`rk_test_…`/`rk_live_…`) with Read/Write per resource; rows not given are None. */
	createRestrictedKey(permissions: Permissions, mode: Mode = 'test'): string {
		return this.keyRing.create('restricted', mode, permissions).secret;
	}

	// ----- objects -------------------------------------------------------------------------------

	createCustomer(fields: Parameters<Billing['createCustomer']>[1] = {}, scope: Scope = {}): Stripe.Customer {
		return this.billing.createCustomer(this.dataset(scope), fields);
	}

	updateCustomer(id: string, changes: Partial<Stripe.Customer>, scope: Scope = {}): Stripe.Customer {
		return this.billing.updateCustomer(this.dataset(scope), id, changes);
	}

	deleteCustomer(id: string, scope: Scope = {}): Stripe.DeletedCustomer {
		return this.billing.deleteCustomer(this.dataset(scope), id);
	}

	/** How the customer's card behaves from now on: Stripe's succeeding, declining or 3DS test cards. */
	setCard(customerId: string, card: CardBehavior, scope: Scope = {}): void {
		this.billing.setCard(this.dataset(scope), customerId, card);
	}

	createProduct(fields: { name: string; description?: string; metadata?: Stripe.Metadata }, scope: Scope = {}): Stripe.Product {
		return this.billing.createProduct(this.dataset(scope), fields);
	}

	createPrice(fields: PriceFields, scope: Scope = {}): Stripe.Price {
		return this.billing.createPrice(this.dataset(scope), fields);
	}

	createCoupon(fields: CouponFields, scope: Scope = {}): Stripe.Coupon {
		return this.billing.createCoupon(this.dataset(scope), fields);
	}

	/**
	 * A subscription as Stripe would create it (trial, first invoice, payment). `status` then walks
	 * it to a state the normal flow does not start in: past_due (a failed renewal), unpaid, paused,
	 * canceled, incomplete (declined first payment) or incomplete_expired.
	 */
	createSubscription(
		input: NewSubscription & { status?: Stripe.Subscription.Status },
		scope: Scope = {},
	): Stripe.Subscription {
		const dataset = this.dataset(scope);
		const { status, ...fields } = input;
		const card = dataset.cards.get(fields.customer);
		if (status === 'incomplete' || status === 'incomplete_expired') this.billing.setCard(dataset, fields.customer, 'declines');
		let sub = this.billing.createSubscription(dataset, fields);
		switch (status) {
			case 'incomplete_expired':
				this.billing.runSubscriptionUntil(dataset, sub.id, sub.created + 23 * 3600);
				break;
			case 'past_due':
			case 'unpaid':
				if (sub.status === 'trialing') sub = this.billing.actNow(dataset, sub.id, 'trial_end');
				this.billing.setCard(dataset, fields.customer, 'declines');
				sub = this.billing.actNow(dataset, sub.id, 'renew');
				if (status === 'unpaid') {
					dataset.subscriptions.put({ ...sub, status: 'unpaid' });
					this.webhooks.emit(dataset, 'customer.subscription.updated', dataset.subscriptions.get(sub.id)!, { previous: { status: sub.status } });
				}
				break;
			case 'paused':
				this.billing.pauseSubscription(dataset, sub.id);
				break;
			case 'canceled':
				this.billing.cancelSubscription(dataset, sub.id);
				break;
		}
		if (status && card) dataset.cards.set(fields.customer, card);
		else if (status) dataset.cards.delete(fields.customer);
		return dataset.subscriptions.get(sub.id)!;
	}

	updateSubscription(id: string, changes: Parameters<Billing['updateSubscription']>[2], scope: Scope = {}): Stripe.Subscription {
		return this.billing.updateSubscription(this.dataset(scope), id, changes);
	}

	cancelSubscription(id: string, scope: Scope = {}): Stripe.Subscription {
		return this.billing.cancelSubscription(this.dataset(scope), id);
	}

	createCharge(fields: Parameters<Billing['createCharge']>[1], scope: Scope = {}): Stripe.Charge {
		return this.billing.createCharge(this.dataset(scope), fields);
	}

	refundCharge(chargeId: string, fields: { amount?: number } = {}, scope: Scope = {}): Stripe.Refund {
		return this.billing.refundCharge(this.dataset(scope), chargeId, fields);
	}

	disputeCharge(chargeId: string, reason = 'fraudulent', scope: Scope = {}): Stripe.Dispute {
		return this.billing.disputeCharge(this.dataset(scope), chargeId, reason);
	}

	// ----- time ----------------------------------------------------------------------------------

	/** Like advancing a Stripe test clock: runs everything due until the new time; returns the new now. */
	advanceClock(by: { seconds?: number; days?: number; to?: number }): number {
		const target = by.to ?? this.clock.now() + (by.seconds ?? 0) + (by.days ?? 0) * 86400;
		this.billing.advanceClock(target);
		return this.clock.now();
	}

	// ----- API versions --------------------------------------------------------------------------

	/** Like upgrading (or, in a test, downgrading) the account's default API version in the Dashboard. */
	setDefaultApiVersion(version: string): string {
		this.defaultApiVersion = this.checkedApiVersion(version);
		return this.defaultApiVersion;
	}

	/** Only versions Stripe has: the ones a webhook endpoint may be created with. */
	private checkedApiVersion(version: string): string {
		if (!this.spec.knownApiVersions.has(version)) throw invalidRequest(`Invalid API version: ${version}`, 'api_version');
		return version;
	}

	// ----- webhooks ------------------------------------------------------------------------------

	/** Sends a stored event again (`times` > 1 sends duplicates), as the Dashboard's "Resend". */
	redeliverEvent(eventId: string, options: { endpointId?: string; times?: number } & Scope = {}): number {
		return this.webhooks.redeliver(this.dataset(options), eventId, options);
	}

	/** Holds deliveries until `releaseDeliveries`, to deliver them out of order. */
	holdDeliveries(): void {
		this.webhooks.hold();
	}

	releaseDeliveries(order: 'emitted' | 'reverse' | 'shuffle' = 'emitted'): number {
		return this.webhooks.release(order);
	}

	/** Resolves once every queued delivery and retry has finished. */
	settleDeliveries(): Promise<void> {
		return this.webhooks.settle();
	}

	deliveryLog(): DeliveryRecord[] {
		return [...this.webhooks.deliveries];
	}

	/** Every event the emulator emitted, oldest first (including ones past the Events API's 30 days). */
	eventLog(scope: Scope = {}): Stripe.Event[] {
		const mode = scope.mode ?? 'test';
		return this.webhooks.emitted
			.filter((entry) => entry.mode === mode && (scope.account === undefined || entry.account === scope.account))
			.map((entry) => this.store.dataset(entry.mode, entry.account).events.get(entry.event.id) ?? entry.event);
	}

	// ----- faults and logs -------------------------------------------------------------------

	addFault(rule: FaultRule): number {
		return this.faults.add(rule);
	}

	clearFaults(): void {
		this.faults.clear();
	}

	requestLog(): RequestLogEntry[] {
		return [...this.requests];
	}

	clearRequestLog(): void {
		this.requests.length = 0;
	}

	/** Forgets all data, logs, faults and idempotency keys, and restores the default API version; keys and the listening server stay. */
	reset(): void {
		this.defaultApiVersion = this.options.defaultApiVersion ?? PINNED_API_VERSION;
		this.webhooks.stop();
		this.webhooks.clearLog();
		this.store.reset();
		this.faults.clear();
		this.requests.length = 0;
		this.idempotency.clear();
	}
}
