import { DAY_SECONDS, epochNow } from '../lifecycle/time';

/**
 * Remembers which Stripe event ids one webhook has already turned into an execution, so a
 * retried delivery (same event id) starts none. Stripe retries for up to 3 days; the default
 * retention adds a day for clock skew and slow queues.
 *
 * It lives in process memory on purpose: n8n does not persist static data written inside
 * `webhook()`, while module-level memory survives between requests of one process. The check and
 * the record happen in one synchronous call, so concurrent deliveries of one event (which run on
 * the same event loop) cannot both pass. Restarts and other processes are covered downstream by
 * the activities' `dedupeKey`.
 */

export const DEFAULT_RETENTION_SECONDS = 4 * DAY_SECONDS;
/**
 * 100,000 ids a trigger, about 10 MB. An account whose selected events exceed ~17 a minute
 * (100,000 in Stripe's 4-day retry and retention window) has its oldest ids forgotten while
 * Stripe may still retry them (README, "Stripe Lifecycle Trigger").
 */
export const DEFAULT_CAPACITY = 100_000;

export interface DeduplicatorOptions {
	retentionSeconds?: number;
	/** Most ids kept; beyond it the oldest are forgotten first. */
	capacity?: number;
}

/**
 * A first-in first-out queue of records in a ring of `capacity` slots, plus an index from id to
 * its latest record. Eviction takes the record at the head: O(1), where deleting a Map's first key
 * costs more the more keys were deleted before it (V8 skips their empty slots until it rehashes).
 */
export class DeliveryDeduplicator {
	private readonly retentionSeconds: number;
	private readonly capacity: number;
	/** Slot `sequence % capacity` holds the id and the epoch seconds of record number `sequence`. */
	private readonly ids: string[] = [];
	private readonly seenAt: number[] = [];
	/** Sequence numbers of the records in the ring: [head, tail). */
	private head = 0;
	private tail = 0;
	/** Event id → sequence number of its live record; a forgotten id has none, its slot waits to be overwritten. */
	private readonly index = new Map<string, number>();

	constructor(options: DeduplicatorOptions = {}) {
		this.retentionSeconds = options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS;
		this.capacity = Math.max(1, options.capacity ?? DEFAULT_CAPACITY);
	}

	/** True (and remembered) the first time `id` is seen within the retention window; false for repeats. */
	firstDelivery(id: string, now: number = epochNow()): boolean {
		this.forgetExpired(now);
		if (this.index.has(id)) return false;
		if (this.tail - this.head === this.capacity) this.dropHead();
		const slot = this.tail % this.capacity;
		this.ids[slot] = id;
		this.seenAt[slot] = now;
		this.index.set(id, this.tail++);
		return true;
	}

	/** Lets a later delivery of `id` through again, when the one that was let through could not run. */
	forget(id: string): void {
		this.index.delete(id);
	}

	get size(): number {
		return this.index.size;
	}

	/** Amortized O(1): records are removed only from the old end, each at most once. */
	private forgetExpired(now: number): void {
		while (this.head < this.tail && now - this.seenAt[this.head % this.capacity] >= this.retentionSeconds) this.dropHead();
	}

	private dropHead(): void {
		const id = this.ids[this.head % this.capacity];
		// A forgotten id may have been recorded again since: only its latest record keeps it.
		if (this.index.get(id) === this.head) this.index.delete(id);
		this.head++;
	}
}

const storesByWebhook = new Map<string, DeliveryDeduplicator>();

/**
 * The store of one webhook, created on first use. Key it by workflow id and node id so two
 * triggers (or two workflows) never suppress each other's events.
 */
export function dedupeStoreFor(key: string, options?: DeduplicatorOptions): DeliveryDeduplicator {
	let store = storesByWebhook.get(key);
	if (!store) {
		store = new DeliveryDeduplicator(options);
		storesByWebhook.set(key, store);
	}
	return store;
}

/** Frees the store of a webhook that was deactivated; a later activation starts with an empty one. */
export function releaseDedupeStore(key: string): void {
	storesByWebhook.delete(key);
}
