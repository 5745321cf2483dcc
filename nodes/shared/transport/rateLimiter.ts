/**
 * Spaces requests evenly so that no one-second window holds more than the account's limit.
 * Stripe counts per account and mode (25 req/s in test mode, 100 in live mode by default), so
 * every node in one n8n process that talks to the same account shares one limiter, whatever
 * rate each of them asks for.
 */
export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

/** How long after a caller's due time its rate still holds: the time between one answer and its next request. */
const RATE_HOLD_MS = 1000;

export class RateLimiter {
	private nextSlot = 0;
	/** Each rate asked for, with the clock time until which it still holds. */
	private readonly rates = new Map<number, number>();

	constructor(private readonly clock: Clock) {}

	/**
	 * Resolves true when the caller may send; slots are handed out in call order. Resolves false at
	 * once, taking no slot, when the next free one is at or after `deadline` (clock time).
	 *
	 * Callers may ask for different rates (a node's Requests per Second option against another
	 * node's default): the lowest rate asked for by a caller still at work applies to all of them,
	 * so two settings never add up to more than the one Stripe limit, and a cap set on one node
	 * also holds back the others while it runs. A rate holds until a second after its caller's
	 * next request would be due; then the next lowest applies again.
	 */
	async acquire(requestsPerSecond: number, deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
		const now = this.clock.now();
		const slot = Math.max(now, this.nextSlot);
		if (slot >= deadline) return false;
		const ownInterval = 1000 / requestsPerSecond;
		this.rates.set(requestsPerSecond, Math.max(this.rates.get(requestsPerSecond) ?? 0, slot + ownInterval + RATE_HOLD_MS));
		let lowest = requestsPerSecond;
		for (const [rate, holdsUntil] of this.rates) {
			if (holdsUntil < now) this.rates.delete(rate);
			else lowest = Math.min(lowest, rate);
		}
		this.nextSlot = slot + 1000 / lowest;
		if (slot > now) await this.clock.sleep(slot - now);
		return true;
	}
}

const limiters = new Map<string, RateLimiter>();

/** The process's one limiter for an account; the rate is the caller's to give with each acquire. */
export function sharedRateLimiter(accountKey: string, clock: Clock): RateLimiter {
	let limiter = limiters.get(accountKey);
	if (!limiter) {
		limiter = new RateLimiter(clock);
		limiters.set(accountKey, limiter);
	}
	return limiter;
}
