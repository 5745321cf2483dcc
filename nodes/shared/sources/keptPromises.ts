/**
 * Promises kept in this process between n8n executions, by key: the join indexes of a sync
 * (syncIndex.ts) and batches read ahead (batches.ts). Whatever is kept only saves work: an execution
 * that finds nothing (n8n restarted, another queue-mode worker) does the work itself.
 *
 * What nobody used for `idleMs` is dropped, counted from the last use or from when the promise
 * settled, whichever is later, so a long build is never dropped by the request right after it; one
 * still pending is never idle. Past `max` entries the least recently used goes first. Entries are
 * dropped when the cache is used, not by a timer: community nodes keep no timers running.
 */
export class KeptPromises<T> {
	/** In order of last use, oldest first (a Map keeps insertion order). */
	private readonly entries = new Map<string, { promise: Promise<T>; usedAt: number; pending: boolean }>();

	constructor(
		private readonly idleMs: number,
		private readonly max: number,
	) {}

	/**
	 * The promise kept under `key`, or the one `make` starts, kept. Callers at the same time share
	 * one; one that rejects is not kept, so the next caller starts again.
	 */
	keep(key: string, make: () => Promise<T>, clock: () => number = Date.now): Promise<T> {
		const now = clock();
		this.sweep(now);
		let entry = this.entries.get(key);
		if (entry) {
			this.entries.delete(key);
			entry.usedAt = now;
		} else {
			const made = { promise: make(), usedAt: now, pending: true };
			made.promise.then(
				() => {
					made.pending = false;
					made.usedAt = Math.max(made.usedAt, clock());
					// Settling is a use: it moves to the most recently used end.
					if (this.entries.get(key) === made) {
						this.entries.delete(key);
						this.entries.set(key, made);
					}
				},
				() => this.entries.get(key) === made && this.entries.delete(key),
			);
			entry = made;
		}
		this.entries.set(key, entry);
		for (const oldest of this.entries.keys()) {
			if (this.entries.size <= this.max) break;
			this.entries.delete(oldest);
		}
		return entry.promise;
	}

	/** The promise kept under `key`, no longer kept; undefined when there is none. */
	take(key: string, clock: () => number = Date.now): Promise<T> | undefined {
		this.sweep(clock());
		const entry = this.entries.get(key);
		this.entries.delete(key);
		return entry?.promise;
	}

	forget(key: string): void {
		this.entries.delete(key);
	}

	get size(): number {
		return this.entries.size;
	}

	private sweep(now: number): void {
		for (const [key, entry] of this.entries) {
			if (!entry.pending && now - entry.usedAt > this.idleMs) this.entries.delete(key);
		}
	}
}
