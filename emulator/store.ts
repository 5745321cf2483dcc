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
		// Joined once: appending one character at a time leaves V8 a chain of cons strings, about
		// 550 bytes an id where the flat string is 50, gigabytes on a 100k-customer account.
		const parts = new Array<string>(length + 1);
		parts[0] = `${prefix}_`;
		for (let i = 1; i <= length; i++) parts[i] = ALPHABET[Math.floor(this.random.next() * 62)];
		return parts.join('');
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

/**
 * What the orders of one collection share, by sequence number (each object gets the next one at
 * its first insert): its id and its `created`. Orders hold these small integers rather than the id
 * strings, so moving them (a splice, a merge) needs no garbage-collector bookkeeping.
 */
interface Entries {
	ids: string[];
	created: number[];
}

/**
 * How far from the end an out-of-order insert is spliced in at once. New objects land at or near
 * the end (same-second objects differ only by their random ids); an insert further back, as when
 * the seed plays one customer's history after another's, waits to be merged in on the next read,
 * so seeding n objects costs O(n log n) rather than O(n²) element moves.
 */
const SPLICE_LIMIT = 1024;

/**
 * Objects sorted by (created, id), oldest first. Stripe lists newest first, so its head is this
 * order's end: the usual insert is a push, and a page is a walk down from a binary-searched position.
 */
export class CreatedOrder {
	private seqs: number[] = [];
	/** Inserts not yet merged into `seqs` (see SPLICE_LIMIT); null when none, as most per-key orders stay. */
	private pending: number[] | null = null;

	constructor(private readonly entries: Entries) {}

	get size(): number {
		return this.seqs.length + (this.pending?.length ?? 0);
	}

	add(seq: number): void {
		const last = this.seqs.length - 1;
		if (last < 0 || this.precedes(this.seqs[last], seq)) {
			this.seqs.push(seq);
			return;
		}
		const at = this.rank(seq);
		if (this.seqs.length - at <= SPLICE_LIMIT) this.seqs.splice(at, 0, seq);
		else (this.pending ??= []).push(seq);
	}

	remove(seq: number): void {
		this.merge();
		const at = this.rank(seq);
		if (this.seqs[at] === seq) this.seqs.splice(at, 1);
	}

	/**
	 * How many objects come before the first one for which `isBefore` is false; `isBefore` must be
	 * true for a prefix of the order and false after it.
	 */
	partition(isBefore: (created: number, id: string) => boolean): number {
		this.merge();
		const { ids, created } = this.entries;
		let low = 0;
		let high = this.seqs.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			const seq = this.seqs[middle];
			if (isBefore(created[seq], ids[seq])) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	/** The id at `position` (0 is the oldest); positions are those of `partition`. */
	idAt(position: number): string {
		this.merge();
		return this.entries.ids[this.seqs[position]];
	}

	/** Every sequence number, newest first. */
	newestFirst(): number[] {
		this.merge();
		return this.seqs.slice().reverse();
	}

	private precedes(a: number, b: number): boolean {
		const { ids, created } = this.entries;
		return created[a] < created[b] || (created[a] === created[b] && ids[a] < ids[b]);
	}

	/** Objects before `seq`, in the merged part only. */
	private rank(seq: number): number {
		let low = 0;
		let high = this.seqs.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (this.precedes(this.seqs[middle], seq)) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	/** Sorts the pending inserts and merges them in: O(n + k log k). */
	private merge(): void {
		if (!this.pending) return;
		const pending = sortedByCreated(this.pending, this.entries);
		const seqs = new Array<number>(this.seqs.length + pending.length);
		let i = 0;
		let j = 0;
		for (let out = 0; out < seqs.length; out++) {
			if (j < pending.length && (i === this.seqs.length || this.precedes(pending[j], this.seqs[i]))) seqs[out] = pending[j++];
			else seqs[out] = this.seqs[i++];
		}
		this.seqs = seqs;
		this.pending = null;
	}
}

/**
 * `seqs` in (created, id) order. A seed leaves millions pending, and sorting numbers without a
 * comparator is several times faster than with one: each position is packed after its created
 * second into one exact float, then runs of equal seconds are put in id order.
 */
function sortedByCreated(seqs: number[], { ids, created }: Entries): ArrayLike<number> {
	const count = seqs.length;
	let min = Infinity;
	let max = -Infinity;
	for (const seq of seqs) {
		if (!Number.isInteger(created[seq])) min = NaN;
		min = Math.min(min, created[seq]);
		max = Math.max(max, created[seq]);
	}
	const precedes = (a: number, b: number) => created[a] < created[b] || (created[a] === created[b] && ids[a] < ids[b]);
	if (!((max - min + 1) * count <= Number.MAX_SAFE_INTEGER)) return seqs.slice().sort((a, b) => (precedes(a, b) ? -1 : 1));
	const keys = new Float64Array(count);
	for (let i = 0; i < count; i++) keys[i] = (created[seqs[i]] - min) * count + i;
	keys.sort();
	const sorted = new Uint32Array(count);
	for (let i = 0; i < count; i++) sorted[i] = seqs[keys[i] % count];
	for (let start = 0; start < count; ) {
		let end = start + 1;
		while (end < count && created[sorted[end]] === created[sorted[start]]) end++;
		if (end - start > 1) sortRunById(sorted, start, end, ids);
		start = end;
	}
	return sorted;
}

/**
 * Puts `sorted[start..end)` in id order. A second's run is usually the few objects of one change,
 * which an insertion sort orders in place; longer runs (a frozen clock) are sorted as an array.
 */
function sortRunById(sorted: Uint32Array, start: number, end: number, ids: string[]): void {
	if (end - start > 32) {
		sorted.set(Array.from(sorted.subarray(start, end)).sort((a, b) => (ids[a] < ids[b] ? -1 : 1)), start);
		return;
	}
	for (let i = start + 1; i < end; i++) {
		const seq = sorted[i];
		let j = i - 1;
		for (; j >= start && ids[sorted[j]] > ids[seq]; j--) sorted[j + 1] = sorted[j];
		sorted[j + 1] = seq;
	}
}

/** For each index, the key an object is filed under (null: not in that index). */
export type IndexKeys<T, K extends string> = Record<K, (value: T) => string | null | undefined>;

interface Index<T> {
	keyOf: (value: T) => string | null | undefined;
	orders: Map<string, CreatedOrder>;
}

/**
 * Objects by id, listed newest first (created desc, ties by id desc so pagination is stable), and
 * per index (e.g. by customer) the same order of the objects filed under each key, so a list
 * filtered by an indexed field reads only the objects it returns.
 */
export class Collection<T extends Identified, K extends string = never> {
	private readonly seqOf = new Map<string, number>();
	/** Id and `created` (fixed at first insert) by sequence number; a removed object's stay, unused. */
	private readonly entries: Entries = { ids: [], created: [] };
	/** Values by sequence number; undefined once removed. */
	private readonly stored: Array<T | undefined> = [];
	private readonly order = new CreatedOrder(this.entries);
	private readonly emptyOrder = new CreatedOrder(this.entries);
	private readonly indexes = new Map<K, Index<T>>();

	constructor(indexKeys?: IndexKeys<T, K>) {
		for (const [name, keyOf] of Object.entries(indexKeys ?? {}) as Array<[K, Index<T>['keyOf']]>) this.indexes.set(name, { keyOf, orders: new Map() });
	}

	get size(): number {
		return this.seqOf.size;
	}

	get(id: string): T | undefined {
		const seq = this.seqOf.get(id);
		return seq === undefined ? undefined : this.stored[seq];
	}

	createdOf(id: string): number | undefined {
		const seq = this.seqOf.get(id);
		return seq === undefined ? undefined : this.entries.created[seq];
	}

	/** Inserts or replaces; `created` is fixed at first insert (deleted stubs have none). */
	put(value: T, created?: number): T {
		let seq = this.seqOf.get(value.id);
		const before = seq === undefined ? undefined : this.stored[seq];
		if (seq === undefined) {
			seq = this.stored.length;
			this.seqOf.set(value.id, seq);
			this.entries.ids.push(value.id);
			this.entries.created.push(created ?? (value as { created?: number }).created ?? 0);
			this.stored.push(value);
			this.order.add(seq);
		} else this.stored[seq] = value;
		for (const index of this.indexes.values()) {
			const from = before === undefined ? undefined : index.keyOf(before);
			const to = index.keyOf(value);
			if (from === to && before !== undefined) continue;
			if (from) this.unfile(index, from, seq);
			if (to) {
				let order = index.orders.get(to);
				if (!order) index.orders.set(to, (order = new CreatedOrder(this.entries)));
				order.add(seq);
			}
		}
		return value;
	}

	remove(id: string): void {
		const seq = this.seqOf.get(id);
		if (seq === undefined) return;
		const value = this.stored[seq]!;
		this.seqOf.delete(id);
		this.stored[seq] = undefined;
		this.order.remove(seq);
		for (const index of this.indexes.values()) {
			const key = index.keyOf(value);
			if (key) this.unfile(index, key, seq);
		}
	}

	/** The order of every object, or of those `index` files under `key`. */
	ordered(index?: { name: K; key: string }): CreatedOrder {
		if (!index) return this.order;
		return this.indexes.get(index.name)!.orders.get(index.key) ?? this.emptyOrder;
	}

	/** All values, newest first. */
	values(): T[] {
		return this.order.newestFirst().map((seq) => this.stored[seq]!);
	}

	/** The values `index` files under `key`, newest first. */
	valuesOf(index: K, key: string): T[] {
		return this.ordered({ name: index, key }).newestFirst().map((seq) => this.stored[seq]!);
	}

	private unfile(index: Index<T>, key: string, seq: number): void {
		const order = index.orders.get(key)!;
		order.remove(seq);
		if (order.size === 0) index.orders.delete(key);
	}
}

/** The customer an object belongs to, for the indexes of lists that take `customer=`. */
const byCustomer = { customer: (value: { customer: string | { id: string } | null }) => idOf(value.customer) };
const byCharge = { charge: (value: { charge: string | { id: string } | null }) => idOf(value.charge) };
function idOf(value: string | { id: string } | null): string | null {
	return typeof value === 'string' ? value : (value?.id ?? null);
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
	/** Indexed by email for `GET /v1/customers?email=`; deleted stubs are in no index. */
	readonly customers = new Collection<Stripe.Customer | Stripe.DeletedCustomer, 'email'>({ email: (customer) => (customer.deleted ? null : customer.email) });
	readonly products = new Collection<Stripe.Product>();
	readonly prices = new Collection<Stripe.Price>();
	readonly coupons = new Collection<Stripe.Coupon>();
	readonly discounts = new Collection<Stripe.Discount>();
	readonly subscriptions = new Collection<Stripe.Subscription, 'customer'>(byCustomer);
	readonly invoices = new Collection<Stripe.Invoice, 'customer'>(byCustomer);
	readonly charges = new Collection<Stripe.Charge, 'customer'>(byCustomer);
	readonly refunds = new Collection<Stripe.Refund, 'charge'>(byCharge);
	readonly disputes = new Collection<Stripe.Dispute, 'charge'>(byCharge);
	readonly events = new Collection<Stripe.Event>();
	readonly webhookEndpoints = new Collection<Stripe.WebhookEndpoint>();
	/** Signing secrets; Stripe returns them only in the create response. */
	readonly webhookSecrets = new Map<string, string>();
	/** How each customer's default card behaves when charged (Stripe's test cards, per customer). */
	readonly cards = new Map<string, CardBehavior>();
	readonly schedules = new Map<string, SubscriptionSchedule>();

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
