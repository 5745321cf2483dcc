import { DEFAULT_RETRY_POLICY, retryDecision, shouldRetry } from '../../nodes/shared/transport/retryPolicy';

const noJitter = () => 1;

describe('shouldRetry', () => {
	it.each([
		[429, true],
		[500, true],
		[502, true],
		[503, true],
		[409, true],
		[400, false],
		[401, false],
		[402, false],
		[403, false],
		[404, false],
	])('status %i without Stripe-Should-Retry → %s', (status, expected) => {
		expect(shouldRetry({ status })).toBe(expected);
	});

	it('retries network failures (no status)', () => {
		expect(shouldRetry({})).toBe(true);
	});

	it('lets Stripe-Should-Retry overrule the status in both directions', () => {
		expect(shouldRetry({ status: 500, headers: { 'stripe-should-retry': 'false' } })).toBe(false);
		expect(shouldRetry({ status: 429, headers: { 'Stripe-Should-Retry': 'false' } })).toBe(false);
		expect(shouldRetry({ status: 400, headers: { 'stripe-should-retry': 'true' } })).toBe(true);
	});
});

describe('retryDecision', () => {
	it('backs off exponentially up to the cap', () => {
		const delays = [1, 2, 3, 4, 5].map((attempt) => {
			const decision = retryDecision(attempt, { status: 500 }, { ...DEFAULT_RETRY_POLICY, maxAttempts: 10 }, noJitter);
			return decision.retry ? decision.delayMs : -1;
		});
		expect(delays).toEqual([500, 1000, 2000, 4000, 8000]);
	});

	it('applies jitter between half and the full delay', () => {
		const low = retryDecision(2, { status: 429 }, DEFAULT_RETRY_POLICY, () => 0);
		expect(low).toEqual({ retry: true, delayMs: 500 });
	});

	it('waits at least Retry-After, but not longer than the configured maximum', () => {
		expect(retryDecision(1, { status: 429, headers: { 'retry-after': '3' } }, DEFAULT_RETRY_POLICY, noJitter)).toEqual({ retry: true, delayMs: 3000 });
		expect(retryDecision(1, { status: 429, headers: { 'retry-after': '3600' } }, DEFAULT_RETRY_POLICY, noJitter)).toEqual({ retry: true, delayMs: 60000 });
	});

	it('stops after the last attempt', () => {
		expect(retryDecision(DEFAULT_RETRY_POLICY.maxAttempts, { status: 500 })).toEqual({ retry: false });
		expect(retryDecision(DEFAULT_RETRY_POLICY.maxAttempts, {})).toEqual({ retry: false });
	});

	it('keeps waiting out 429s longer than server errors, and still stops', () => {
		expect(retryDecision(DEFAULT_RETRY_POLICY.maxAttempts, { status: 429 }).retry).toBe(true);
		expect(retryDecision(DEFAULT_RETRY_POLICY.maxRateLimitedAttempts, { status: 429 })).toEqual({ retry: false });
	});

	it('never retries what Stripe says will not succeed', () => {
		expect(retryDecision(1, { status: 503, headers: { 'stripe-should-retry': 'false' } })).toEqual({ retry: false });
	});
});
