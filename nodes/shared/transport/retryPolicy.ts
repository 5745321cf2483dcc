/**
 * When to try a Stripe request again, after stripe-node's `_shouldRetry` and Stripe's guidance
 * on rate limits (https://docs.stripe.com/rate-limits) and idempotent retries
 * (https://docs.stripe.com/error-low-level#idempotency).
 */
export interface AttemptOutcome {
	/** HTTP status, or undefined when the request failed before a response (network, timeout). */
	status?: number;
	headers?: Record<string, string | string[] | undefined>;
}

export interface RetryPolicy {
	/** Total tries including the first one. */
	maxAttempts: number;
	/**
	 * Total tries while Stripe answers 429: rate limiting clears by waiting, and a long backfill
	 * sharing an account with other integrations meets it far more often than a server error.
	 */
	maxRateLimitedAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** Longest `Retry-After` honoured; a longer one is not worth blocking a workflow for. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 6,
	maxRateLimitedAttempts: 10,
	baseDelayMs: 500,
	maxDelayMs: 8000,
	maxRetryAfterMs: 60000,
};

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

export function header(
	headers: AttemptOutcome['headers'],
	name: string,
): string | undefined {
	if (!headers) return undefined;
	const wanted = name.toLowerCase();
	const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === wanted);
	const value = key === undefined ? undefined : headers[key];
	return Array.isArray(value) ? value[0] : value;
}

export function shouldRetry(outcome: AttemptOutcome): boolean {
	// Stripe sets this header when it knows better than the status code, e.g. a 500 whose
	// effect is already committed, or a 429 that will not clear by waiting.
	const stripeSays = header(outcome.headers, 'stripe-should-retry');
	if (stripeSays === 'true') return true;
	if (stripeSays === 'false') return false;
	const status = outcome.status;
	if (status === undefined) return true;
	return status === 409 || status === 429 || status >= 500;
}

/**
 * `attempt` is the number of the try that just failed (1 for the first). Jitter spreads the
 * retries of concurrent slices so they do not hit the rate limit again in lockstep.
 */
export function retryDecision(
	attempt: number,
	outcome: AttemptOutcome,
	policy: RetryPolicy = DEFAULT_RETRY_POLICY,
	random: () => number = Math.random,
): RetryDecision {
	const budget = outcome.status === 429 ? policy.maxRateLimitedAttempts : policy.maxAttempts;
	if (attempt >= budget || !shouldRetry(outcome)) return { retry: false };
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	let delayMs = Math.round(exponential * (0.5 + random() * 0.5));
	const retryAfterSeconds = Number(header(outcome.headers, 'retry-after'));
	if (Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) {
		delayMs = Math.max(delayMs, Math.min(retryAfterSeconds * 1000, policy.maxRetryAfterMs));
	}
	return { retry: true, delayMs };
}
