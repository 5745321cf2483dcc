/**
 * Spaces requests evenly so that no one-second window holds more than the account's limit.
 * Stripe counts per account and mode (25 req/s in test mode, 100 in live mode by default), so
 * every node in one n8n process that talks to the same account shares one limiter.
 */
export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

export class RateLimiter {
	private nextSlot = 0;
	private readonly intervalMs: number;

	constructor(
		readonly requestsPerSecond: number,
		private readonly clock: Clock,
	) {
		this.intervalMs = 1000 / requestsPerSecond;
	}

	/**
	 * Resolves true when the caller may send; slots are handed out in call order. Resolves false at
	 * once, taking no slot, when the next free one is at or after `deadline` (clock time).
	 */
	async acquire(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
		const now = this.clock.now();
		const slot = Math.max(now, this.nextSlot);
		if (slot >= deadline) return false;
		this.nextSlot = slot + this.intervalMs;
		if (slot > now) await this.clock.sleep(slot - now);
		return true;
	}
}

const limiters = new Map<string, RateLimiter>();

export function sharedRateLimiter(
	accountKey: string,
	requestsPerSecond: number,
	clock: Clock,
): RateLimiter {
	const key = `${accountKey}|${requestsPerSecond}`;
	let limiter = limiters.get(key);
	if (!limiter) {
		limiter = new RateLimiter(requestsPerSecond, clock);
		limiters.set(key, limiter);
	}
	return limiter;
}
