/**
 * Join indexes kept between the batches of one sync (docs/SYNC.md). A profile joins its customer
 * with subscriptions, charges and invoices that Stripe can only list for the whole account, so
 * building them again for every batch would read the account once per batch. The first batch
 * builds a compact index (a summary per customer, never whole objects) and the next batches of the
 * same sync in the same process reuse it. A process that does not hold it (n8n restarted, another
 * queue-mode worker) builds it again once: correctness never depends on the cache, only speed.
 */

import { KeptPromises } from './keptPromises';

/** An index nobody asked for in this long is dropped: the sync was abandoned or has finished. */
export const INDEX_IDLE_MS = 10 * 60_000;
/** At most this many syncs keep an index at once; the one used least recently goes first. */
export const MAX_INDEXES = 4;

const indexes = new KeptPromises<unknown>(INDEX_IDLE_MS, MAX_INDEXES);

/**
 * The index cached under `key`, built by `build` when this process has none. Batches that ask at
 * the same time share one build; a build that fails is not kept, so the next batch tries again.
 * A build longer than INDEX_IDLE_MS (a large account) is not dropped by the batch right after it.
 */
export function syncIndex<T>(key: string, build: () => Promise<T>, clock: () => number = Date.now): Promise<T> {
	return indexes.keep(key, build, clock) as Promise<T>;
}

/** Frees the index of a sync that has finished. */
export function forgetIndex(key: string): void {
	indexes.forget(key);
}

/** How many indexes this process holds, for tests. */
export function heldIndexes(): number {
	return indexes.size;
}
