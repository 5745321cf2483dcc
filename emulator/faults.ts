/**
 * Failures on demand, and Stripe's per-mode request rate limiter. A rule fires either for the next
 * N matching requests or with a probability drawn from a seeded PRNG, so a test run repeats.
 */
import { lockTimeout, rateLimited, serverError, StripeApiError } from './errors';
import { Random, type Mode } from './store';

export type FaultKind =
	/** Delay the response by `latencyMs`. */
	| 'latency'
	/** 429 rate_limit, `Stripe-Should-Retry: true`. */
	| 'rate_limit'
	/** 429 lock_timeout, `Stripe-Should-Retry: true`. */
	| 'lock_timeout'
	/** 500 api_error, `Stripe-Should-Retry: true`. */
	| 'server_error'
	/** Destroy the socket without a response. */
	| 'drop'
	/** Never answer (the socket stays open until the client gives up or the emulator closes). */
	| 'timeout';

export interface FaultRule {
	kind: FaultKind;
	/** Probability 0..1 per matching request. */
	rate?: number;
	/** Fire for the next N matching requests, then retire. */
	count?: number;
	latencyMs?: number;
	/** A `Retry-After` header (seconds) on the failure's answer, as Stripe may send with a 429. */
	retryAfterSeconds?: number;
	/** Only requests with this method. */
	method?: string;
	/** Only requests whose path starts with this. */
	pathPrefix?: string;
}

export interface FaultDecision {
	latencyMs: number;
	/** The failure to answer with, if any. */
	failure: Exclude<FaultKind, 'latency'> | null;
	retryAfterSeconds?: number;
}

export class Faults {
	private rules: Array<FaultRule & { id: number }> = [];
	private nextId = 1;
	private readonly random: Random;

	constructor(seed: number) {
		this.random = new Random(seed);
	}

	add(rule: FaultRule): number {
		if (rule.rate === undefined && rule.count === undefined) throw new Error('A fault needs `rate` or `count`.');
		const id = this.nextId++;
		this.rules.push({ ...rule, id });
		return id;
	}

	remove(id: number): void {
		this.rules = this.rules.filter((rule) => rule.id !== id);
	}

	clear(): void {
		this.rules = [];
	}

	list(): FaultRule[] {
		return this.rules.map(({ id: _id, ...rule }) => rule);
	}

	decide(method: string, path: string): FaultDecision {
		const decision: FaultDecision = { latencyMs: 0, failure: null };
		for (const rule of [...this.rules]) {
			if (rule.method && rule.method !== method) continue;
			if (rule.pathPrefix && !path.startsWith(rule.pathPrefix)) continue;
			if (rule.kind !== 'latency' && decision.failure) continue;
			let fires: boolean;
			if (rule.count !== undefined) {
				fires = rule.count > 0;
				rule.count--;
				if (rule.count <= 0) this.remove(rule.id);
			} else fires = this.random.chance(rule.rate ?? 0);
			if (!fires) continue;
			if (rule.kind === 'latency') decision.latencyMs += rule.latencyMs ?? 0;
			else {
				decision.failure = rule.kind;
				decision.retryAfterSeconds = rule.retryAfterSeconds;
			}
		}
		return decision;
	}
}

/** The error a fault answers with; `drop` and `timeout` have none (no response at all). */
export function faultError(kind: 'rate_limit' | 'lock_timeout' | 'server_error', retryAfterSeconds?: number): StripeApiError {
	const error = kind === 'server_error' ? serverError() : kind === 'rate_limit' ? rateLimited() : lockTimeout();
	const retryAfter: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
	return new StripeApiError(error.status, error.body, { 'Stripe-Should-Retry': 'true', ...retryAfter });
}

export interface RateLimits {
	test: number;
	live: number;
}

/** Stripe's default limits: 25 requests per second in test mode, 100 in live mode. */
export const STRIPE_RATE_LIMITS: RateLimits = { test: 25, live: 100 };

/** A token bucket per mode that refills its per-second budget continuously. */
export class RateLimiter {
	private readonly buckets = new Map<Mode, { tokens: number; at: number }>();
	constructor(private readonly limits: RateLimits) {}

	/** False when the request is over the limit. */
	take(mode: Mode, nowMs = Date.now()): boolean {
		const limit = this.limits[mode];
		const bucket = this.buckets.get(mode) ?? { tokens: limit, at: nowMs };
		bucket.tokens = Math.min(limit, bucket.tokens + ((nowMs - bucket.at) / 1000) * limit);
		bucket.at = nowMs;
		this.buckets.set(mode, bucket);
		if (bucket.tokens < 1) return false;
		bucket.tokens -= 1;
		return true;
	}
}
