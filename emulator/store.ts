/**
 * In-memory state: one Dataset per (mode, account). Test keys see only the test dataset and live
 * keys only the live one, as on Stripe; a `Stripe-Account` header selects a connected account's
 * datasets. Collections keep objects by id and serve them newest first.
 */
import type Stripe from 'stripe';

export type Mode = 'test' | 'live';

/** Deterministic PRNG (mulberry32) so seeded data, ids and fault rates repeat run to run. */
export class Random {
	private state: number;
	constructor(seed: number) {
		this.state = seed >>> 0;
	}
	next(): number {
		this.state = (this.state + 0x6d2b79f5) >>> 0;
		let t = this.state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}
	int(min: number, maxInclusive: number): number {
		return min + Math.floor(this.next() * (maxInclusive - min + 1));
	}
	pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.next() * items.length)];
	}
	chance(probability: number): boolean {
		return this.next() < probability;
	}
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Stripe-looking ids (`cus_` + 14 chars, most others + 24) from one seeded stream per emulator.
 * With 62^14 or more values a collision is negligible, so issued ids are not remembered (that would
 * cost hundreds of MB for a 50,000-customer account).
 */
export class IdFactory {
	private readonly random: Random;
	constructor(seed: number) {
		this.random = new Random(seed);
	}
	next(prefix: string, length = prefix === 'cus' || prefix === 'prod' ? 14 : 24): string {
		let id = `${prefix}_`;
		for (let i = 0; i < length; i++) id += ALPHABET[Math.floor(this.random.next() * 62)];
		return id;
	}
}

/**
 * The emulator's notion of "now" in epoch seconds. Like a Stripe test clock it only moves forward;
 * by default it follows the wall clock plus the time advanced so far, or stays frozen at `frozenAt`.
 */
export class Clock {
	private offsetSeconds = 0;
	constructor(private frozenAt: number | null = null) {}
	now(): number {
		return this.frozenAt ?? Math.floor(Date.now() / 1000) + this.offsetSeconds;
	}
	advanceTo(target: number): void {
		if (target < this.now()) return;
		if (this.frozenAt !== null) this.frozenAt = target;
		else this.offsetSeconds += target - this.now();
	}
}

interface Identified {
	id: string;
}

/** Objects by id, listed newest first (created desc, ties by id desc so pagination is stable). */
export class Collection<T extends Identified> {
	private readonly byId = new Map<string, T>();
	private readonly createdById = new Map<string, number>();
	private order: string[] | null = [];

	get size(): number {
		return this.byId.size;
	}

	get(id: string): T | undefined {
		return this.byId.get(id);
	}

	createdOf(id: string): number | undefined {
		return this.createdById.get(id);
	}

	/** Inserts or replaces; `created` is fixed at first insert (deleted stubs have none). */
	put(value: T, created?: number): T {
		if (!this.byId.has(value.id)) {
			this.createdById.set(value.id, created ?? (value as { created?: number }).created ?? 0);
			this.order = null;
		}
		this.byId.set(value.id, value);
		return value;
	}

	remove(id: string): void {
		if (this.byId.delete(id)) {
			this.createdById.delete(id);
			this.order = null;
		}
	}

	/** All values, newest first. */
	values(): T[] {
		if (!this.order) {
			const created = this.createdById;
			this.order = [...this.byId.keys()].sort((a, b) => created.get(b)! - created.get(a)! || (a < b ? 1 : a > b ? -1 : 0));
		}
		return this.order.map((id) => this.byId.get(id)!);
	}
}

export type CardBehavior = 'succeeds' | 'declines' | 'requires_action';

/** What the billing engine remembers about a subscription beyond the Stripe object itself. */
export interface SubscriptionSchedule {
	trialWillEndSent: boolean;
	upcomingSentForPeriodEnd: number | null;
	/** The unpaid invoice Smart Retries is working on. */
	openInvoice: string | null;
}

export class Dataset {
	readonly customers = new Collection<Stripe.Customer | Stripe.DeletedCustomer>();
	readonly products = new Collection<Stripe.Product>();
	readonly prices = new Collection<Stripe.Price>();
	readonly coupons = new Collection<Stripe.Coupon>();
	readonly discounts = new Collection<Stripe.Discount>();
	readonly subscriptions = new Collection<Stripe.Subscription>();
	readonly invoices = new Collection<Stripe.Invoice>();
	readonly charges = new Collection<Stripe.Charge>();
	readonly refunds = new Collection<Stripe.Refund>();
	readonly disputes = new Collection<Stripe.Dispute>();
	readonly events = new Collection<Stripe.Event>();
	readonly webhookEndpoints = new Collection<Stripe.WebhookEndpoint>();
	/** Signing secrets; Stripe returns them only in the create response. */
	readonly webhookSecrets = new Map<string, string>();
	/** How each customer's default card behaves when charged (Stripe's test cards, per customer). */
	readonly cards = new Map<string, CardBehavior>();
	readonly schedules = new Map<string, SubscriptionSchedule>();
	/** Charge ids per customer, oldest first, so per-customer lookups stay O(1) in large accounts. */
	readonly chargesByCustomer = new Map<string, string[]>();

	/** Stores a new charge and indexes it by customer. */
	addCharge(charge: Stripe.Charge): Stripe.Charge {
		this.charges.put(charge);
		const customer = charge.customer as string;
		const ids = this.chargesByCustomer.get(customer);
		if (ids) ids.push(charge.id);
		else this.chargesByCustomer.set(customer, [charge.id]);
		return charge;
	}

	/** The customer's charges, newest first. */
	customerCharges(customer: string): Stripe.Charge[] {
		return (this.chargesByCustomer.get(customer) ?? []).map((id) => this.charges.get(id)!).reverse();
	}

	constructor(
		readonly mode: Mode,
		/** The account the data belongs to (the platform or a connected account). */
		readonly account: string,
		/** True for a connected account reached with `Stripe-Account`. */
		readonly connected: boolean,
	) {}

	get livemode(): boolean {
		return this.mode === 'live';
	}

	/** Resolves any id the emulator issues, for expansion. */
	lookup(id: string): unknown {
		const prefix = id.slice(0, id.indexOf('_'));
		switch (prefix) {
			case 'cus':
				return this.customers.get(id);
			case 'prod':
				return this.products.get(id);
			case 'price':
				return this.prices.get(id);
			case 'sub':
				return this.subscriptions.get(id);
			case 'in':
				return this.invoices.get(id);
			case 'ch':
				return this.charges.get(id);
			case 're':
				return this.refunds.get(id);
			case 'dp':
				return this.disputes.get(id);
			case 'di':
				return this.discounts.get(id);
			default:
				return this.coupons.get(id);
		}
	}

	liveCustomer(id: string): Stripe.Customer | undefined {
		const customer = this.customers.get(id);
		return customer && !customer.deleted ? customer : undefined;
	}
}

export class Store {
	private readonly datasets = new Map<string, Dataset>();
	constructor(readonly platformAccount: string) {}

	dataset(mode: Mode, account: string = this.platformAccount): Dataset {
		const key = `${mode}:${account}`;
		let dataset = this.datasets.get(key);
		if (!dataset) {
			dataset = new Dataset(mode, account, account !== this.platformAccount);
			this.datasets.set(key, dataset);
		}
		return dataset;
	}

	all(): Dataset[] {
		return [...this.datasets.values()];
	}

	reset(): void {
		this.datasets.clear();
	}
}
