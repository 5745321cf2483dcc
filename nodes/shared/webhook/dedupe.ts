import { epochNow } from '../lifecycle/time';

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

export const DEFAULT_RETENTION_SECONDS = 4 * 24 * 60 * 60;
export const DEFAULT_CAPACITY = 100_000;

export interface DeduplicatorOptions {
	retentionSeconds?: number;
	/** Most ids kept; beyond it the oldest are forgotten first. */
	capacity?: number;
}

export class DeliveryDeduplicator {
	private readonly retentionSeconds: number;
	private readonly capacity: number;
	/** Event id → epoch seconds it was first seen. A Map iterates in insertion order, oldest first. */
	private readonly seenAt = new Map<string, number>();

	constructor(options: DeduplicatorOptions = {}) {
		this.retentionSeconds = options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS;
		this.capacity = Math.max(1, options.capacity ?? DEFAULT_CAPACITY);
	}

	/** True (and remembered) the first time `id` is seen within the retention window; false for repeats. */
	firstDelivery(id: string, now: number = epochNow()): boolean {
		this.forgetExpired(now);
		const seen = this.seenAt.get(id);
		if (seen !== undefined && now - seen < this.retentionSeconds) return false;
		// Re-inserting moves an expired id to the young end, keeping the map ordered by time.
		this.seenAt.delete(id);
		this.seenAt.set(id, now);
		if (this.seenAt.size > this.capacity) this.forgetOldest();
		return true;
	}

	/** Lets a later delivery of `id` through again, when the one that was let through could not run. */
	forget(id: string): void {
		this.seenAt.delete(id);
	}

	get size(): number {
		return this.seenAt.size;
	}

	/** Amortized O(1): each id is removed at most once, and only from the old end. */
	private forgetExpired(now: number): void {
		for (const [id, seen] of this.seenAt) {
			if (now - seen < this.retentionSeconds) return;
			this.seenAt.delete(id);
		}
	}

	private forgetOldest(): void {
		const oldest = this.seenAt.keys().next();
		if (!oldest.done) this.seenAt.delete(oldest.value);
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
