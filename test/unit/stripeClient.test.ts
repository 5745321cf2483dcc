import Stripe from 'stripe';

import { StripeApiError } from '../../nodes/shared/transport/errors';
import { MAX_PAGES_PER_LIST, STRIPE_API_VERSION, StripeClient, timeWindows, type HttpSend } from '../../nodes/shared/transport/stripeClient';
import { fakeListEndpoint, ok, stripeError, type FakeObject } from './support/fakeStripe';
import { VirtualClock } from './support/virtualClock';

let accounts = 0;
function clientWith(send: HttpSend, clock: VirtualClock, requestsPerSecond = 25, budgetMs?: number) {
	// A fresh account per test, so tests do not share the process-wide rate limiter.
	return new StripeClient({ send, baseUrl: 'http://stripe.test', mode: 'test', accountKey: `acct_${++accounts}`, requestsPerSecond, clock, random: () => 1, budgetMs });
}

function objects(count: number, from = 1_000_000, step = 60): FakeObject[] {
	return Array.from({ length: count }, (_, index) => ({ id: `cus_${String(index).padStart(6, '0')}`, created: from + index * step }));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
	const out: T[] = [];
	for await (const value of iterable) out.push(value);
	return out;
}

it('pins the API version that the stripe package types describe', () => {
	expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
});

describe('list', () => {
	it.each([0, 1, 99, 100, 101, 250])('walks %i objects in pages of 100, newest first, each once', async (count) => {
		const clock = new VirtualClock();
		const { send, requests } = fakeListEndpoint(objects(count), clock);
		const listed = await clock.run(collect(clientWith(send, clock).list<FakeObject>('/v1/customers', { expand: ['data.subscriptions'] })));
		expect(listed.map((object) => object.id)).toEqual(objects(count).reverse().map((object) => object.id));
		// Stripe reports has_more false when the page holds exactly the rest, so 100 objects take one call.
		expect(requests).toHaveLength(Math.max(1, Math.ceil(count / 100)));
		expect(requests[0].url).toBe('/v1/customers?expand[]=data.subscriptions&limit=100');
		if (requests[1]) expect(requests[1].url).toContain(`starting_after=${listed[99].id}`);
	});

	it('stops on an empty page even when has_more claims more', async () => {
		const clock = new VirtualClock();
		const send: HttpSend = async () => ok({ object: 'list', data: [], has_more: true });
		await expect(clock.run(collect(clientWith(send, clock).list('/v1/customers')))).resolves.toEqual([]);
	});

	it.each([
		['has_more with the same last id again', ['cus_a', 'cus_a']],
		['a cycle a → b → a', ['cus_a', 'cus_b', 'cus_a']],
	])('stops with an error naming the list when the server repeats a cursor: %s', async (_name, lastIds) => {
		const clock = new VirtualClock();
		let calls = 0;
		// Pages whose last ids follow `lastIds` and then keep cycling, always with has_more.
		const send: HttpSend = async () => {
			if (calls > 10) throw new Error('the client is still paging');
			return ok({ object: 'list', data: [{ id: `cus_${calls}` }, { id: lastIds[calls++ % lastIds.length] }], has_more: true });
		};

		await expect(clock.run(collect(clientWith(send, clock).list('/v1/customers')))).rejects.toMatchObject({
			name: 'StripeApiError',
			message: `Stripe's list /v1/customers handed out the cursor ${lastIds[lastIds.length - 1]} a second time`,
		});
		expect(calls).toBe(lastIds.length);
	});

	it('stops a walk that never ends with new cursors after MAX_PAGES_PER_LIST pages', async () => {
		const clock = new VirtualClock();
		let calls = 0;
		const send: HttpSend = async () => {
			if (calls > MAX_PAGES_PER_LIST) throw new Error('the client is still paging');
			return ok({ object: 'list', data: [{ id: `ch_${++calls}` }], has_more: true });
		};

		await expect(clock.run(collect(clientWith(send, clock, 1e9).list('/v1/charges')))).rejects.toMatchObject({
			message: `Stripe's list /v1/charges went on for more than ${MAX_PAGES_PER_LIST.toLocaleString('en-US')} pages`,
		});
		expect(calls).toBe(MAX_PAGES_PER_LIST);
	});

	it('sends the Stripe-Version header on every request', async () => {
		const clock = new VirtualClock();
		const { send, requests } = fakeListEndpoint(objects(150), clock);
		await clock.run(collect(clientWith(send, clock).list('/v1/customers')));
		expect(requests.map((request) => request.headers['Stripe-Version'])).toEqual([STRIPE_API_VERSION, STRIPE_API_VERSION]);
	});
});

describe('listSliced', () => {
	it('returns exactly the objects of the range, none twice, none missing', async () => {
		const clock = new VirtualClock();
		const all = objects(2345, 1_000_000, 7);
		const { send } = fakeListEndpoint(all, clock);
		const from = 1_000_000 + 50 * 7;
		const to = 1_000_000 + 2000 * 7;
		const listed = await clock.run(collect(clientWith(send, clock).listSliced<FakeObject>('/v1/customers', {}, { from, to, slices: 7, concurrency: 3 })));
		const expected = all.filter((object) => object.created >= from && object.created < to).map((object) => object.id);
		expect(listed).toHaveLength(expected.length);
		expect(new Set(listed.map((object) => object.id))).toEqual(new Set(expected));
	});

	it('never sends more requests in any one-second window than the rate limit allows', async () => {
		const clock = new VirtualClock();
		const { send, requests } = fakeListEndpoint(objects(5000, 1_000_000, 3), clock, { latencyMs: 50 });
		await clock.run(collect(clientWith(send, clock, 25).listSliced('/v1/customers', {}, { from: 1_000_000, to: 1_020_000, slices: 16, concurrency: 8 })));
		const times = requests.map((request) => request.at).sort((a, b) => a - b);
		let busiest = 0;
		for (let start = 0, end = 0; end < times.length; end++) {
			while (times[end] - times[start] >= 1000) start++;
			busiest = Math.max(busiest, end - start + 1);
		}
		expect(busiest).toBeLessThanOrEqual(25);
		// Slices exist to reach the limit: sequential paging at 50 ms would manage 20 per second.
		expect(busiest).toBeGreaterThan(20);
	});

	it('surfaces a failure of one slice to the reader', async () => {
		const clock = new VirtualClock();
		const { send: listSend } = fakeListEndpoint(objects(500), clock);
		let calls = 0;
		const send: HttpSend = async (request) => (++calls === 3 ? stripeError(403, { message: "Having the 'rak_customer_read' permission would allow this request to continue." }) : listSend(request));
		await expect(clock.run(collect(clientWith(send, clock).listSliced('/v1/customers', {}, { from: 1_000_000, to: 1_030_000, slices: 4, concurrency: 2 })))).rejects.toMatchObject({ httpCode: 403 });
	});

	it('fails, rather than pages forever, when the server repeats a cursor in a slice', async () => {
		const clock = new VirtualClock();
		let calls = 0;
		const send: HttpSend = async () => {
			if (++calls > 10) throw new Error('the client is still paging');
			return ok({ object: 'list', data: [{ id: 'ch_same', created: 1_000_000 }], has_more: true });
		};

		await expect(clock.run(collect(clientWith(send, clock).listSliced('/v1/charges', {}, { from: 1_000_000, to: 1_000_100, slices: 2, concurrency: 2 })))).rejects.toMatchObject({
			message: "Stripe's list /v1/charges handed out the cursor ch_same a second time",
		});
	});

	it('splits a range into contiguous windows that cover it exactly', () => {
		expect(timeWindows(0, 10, 3)).toEqual([{ from: 0, to: 4 }, { from: 4, to: 8 }, { from: 8, to: 10 }]);
		expect(timeWindows(5, 5, 4)).toEqual([]);
	});
});

describe('request retries', () => {
	function scripted(responses: Array<'network' | ReturnType<typeof ok>>) {
		const seen: Array<{ idempotencyKey?: string; body?: string }> = [];
		const send: HttpSend = async (request) => {
			seen.push({ idempotencyKey: request.headers['Idempotency-Key'], body: request.body });
			const next = responses.shift();
			if (next === undefined) throw new Error('script exhausted');
			if (next === 'network') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
			return next;
		};
		return { send, seen };
	}

	it('retries 429, 500 and dropped connections, reusing one Idempotency-Key for a POST', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scripted([
			stripeError(429, { type: 'invalid_request_error', code: 'rate_limit' }, { 'retry-after': '2' }),
			'network',
			stripeError(500, { type: 'api_error' }),
			ok({ id: 'we_1', object: 'webhook_endpoint' }),
		]);
		const client = clientWith(send, clock);
		await expect(clock.run(client.request('POST', '/v1/webhook_endpoints', { url: 'https://x.test/hook' }))).resolves.toEqual({ id: 'we_1', object: 'webhook_endpoint' });
		expect(seen).toHaveLength(4);
		expect(new Set(seen.map((attempt) => attempt.idempotencyKey)).size).toBe(1);
		expect(seen[0].idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
		expect(seen.every((attempt) => attempt.body === 'url=https%3A%2F%2Fx.test%2Fhook')).toBe(true);
		expect(client.stats).toMatchObject({ requests: 4, retries: 3, rateLimited: 1 });
		// Retry-After of 2 s outweighs the first back-off step.
		expect(clock.sleeps).toContain(2000);
	});

	it('gives each new POST its own Idempotency-Key and sends none on GET', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scripted([ok({}), ok({}), ok({})]);
		const client = clientWith(send, clock);
		await clock.run(client.request('POST', '/v1/webhook_endpoints', {}));
		await clock.run(client.request('POST', '/v1/webhook_endpoints', {}));
		await clock.run(client.request('GET', '/v1/customers', { limit: 1 }));
		expect(seen[0].idempotencyKey).not.toBe(seen[1].idempotencyKey);
		expect(seen[2].idempotencyKey).toBeUndefined();
	});

	it('does not retry when Stripe-Should-Retry is false', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scripted([stripeError(500, { type: 'api_error', message: 'already applied' }, { 'stripe-should-retry': 'false' })]);
		await expect(clock.run(clientWith(send, clock).request('GET', '/v1/customers'))).rejects.toBeInstanceOf(StripeApiError);
		expect(seen).toHaveLength(1);
	});

	it('gives up after the last attempt with a clear 429 error', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scripted(Array.from({ length: 10 }, () => stripeError(429, { code: 'rate_limit' })));
		await expect(clock.run(clientWith(send, clock).request('GET', '/v1/customers'))).rejects.toMatchObject({
			message: "Stripe's rate limit was still exceeded after 10 tries",
			httpCode: 429,
		});
		expect(seen).toHaveLength(10);
	});

	it('does not retry 4xx errors other than 409 and 429', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scripted([stripeError(404, { code: 'resource_missing', message: "No such customer: 'cus_x'" })]);
		await expect(clock.run(clientWith(send, clock).request('GET', '/v1/customers/cus_x'))).rejects.toMatchObject({ httpCode: 404 });
		expect(seen).toHaveLength(1);
	});

	it('reports a network failure that outlasts the retries without leaking the request', async () => {
		const clock = new VirtualClock();
		const { send } = scripted(Array.from({ length: 6 }, () => 'network' as const));
		await expect(clock.run(clientWith(send, clock).request('GET', '/v1/customers'))).rejects.toMatchObject({
			message: 'Could not reach Stripe at http://stripe.test after 6 tries (ECONNRESET)',
		});
	});
});

describe('a time budget', () => {
	function scriptedAt(clock: VirtualClock, answer: (attempt: number) => 'network' | ReturnType<typeof ok>) {
		const seen: Array<{ at: number; timeoutMs: number }> = [];
		const send: HttpSend = async (request) => {
			seen.push({ at: clock.now(), timeoutMs: request.timeoutMs });
			const next = answer(seen.length);
			if (next === 'network') throw Object.assign(new Error('timeout of 2500ms exceeded'), { code: 'ECONNABORTED' });
			return next;
		};
		return { send, seen };
	}

	it('gives up at once on a 429 whose Retry-After outlasts the budget, instead of waiting for it', async () => {
		const clock = new VirtualClock();
		const started = clock.now();
		const { send, seen } = scriptedAt(clock, () => stripeError(429, { code: 'rate_limit' }, { 'retry-after': '3600' }));

		await expect(clock.run(clientWith(send, clock, 25, 3000).request('GET', '/v1/customers/cus_1'))).rejects.toMatchObject({ httpCode: 429 });

		expect(seen).toHaveLength(1);
		expect(clock.now() - started).toBeLessThanOrEqual(3000);
	});

	it('retries while a retry fits, then ends within the budget with the last error', async () => {
		const clock = new VirtualClock();
		const started = clock.now();
		const { send, seen } = scriptedAt(clock, () => stripeError(500, { type: 'api_error' }));

		await expect(clock.run(clientWith(send, clock, 25, 3000).request('GET', '/v1/customers/cus_1'))).rejects.toMatchObject({ httpCode: 500 });

		// Back-off of 500 ms, then 1,000 ms fit in 3 s; the next 2,000 ms would not.
		expect(seen.map((attempt) => attempt.at - started)).toEqual([0, 500, 1500]);
		expect(clock.now() - started).toBeLessThanOrEqual(3000);
	});

	it('waits for a response no longer than what is left of the budget', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scriptedAt(clock, (attempt) => (attempt === 1 ? 'network' : ok({ id: 'cus_1' })));

		await expect(clock.run(clientWith(send, clock, 25, 3000).request('GET', '/v1/customers/cus_1'))).resolves.toEqual({ id: 'cus_1' });
		// Without a budget every try may wait the full 30 s.
		await clock.run(clientWith(async (request) => (seen.push({ at: clock.now(), timeoutMs: request.timeoutMs }), ok({})), clock).request('GET', '/v1/customers'));

		expect(seen.map((attempt) => attempt.timeoutMs)).toEqual([3000, 2500, 30000]);
	});

	it('waits for the answer to a write it sent even when the budget is nearly spent, so a claim is never left unknown', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scriptedAt(clock, (attempt) => (attempt === 1 ? stripeError(500, { type: 'api_error' }) : ok({ id: 'we_1' })));

		// The 500 costs a 500 ms back-off; the retry is sent with 2.5 s of the budget left, and may take its full 30 s.
		await expect(clock.run(clientWith(send, clock, 25, 3000).request('POST', '/v1/webhook_endpoints/we_1', { metadata: { claim: 'a' } }))).resolves.toEqual({ id: 'we_1' });

		expect(seen.map((attempt) => attempt.timeoutMs)).toEqual([30000, 30000]);
	});

	it('sends nothing once the budget is spent, saying so', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scriptedAt(clock, () => ok({}));
		const client = clientWith(send, clock, 25, 3000);
		await clock.run(clock.sleep(3000));

		await expect(clock.run(client.request('GET', '/v1/customers/cus_1'))).rejects.toMatchObject({
			message: 'Stripe was not called: the 3000 ms this step may spend on Stripe ran out, or would have waiting for the rate limit',
		});
		expect(seen).toEqual([]);
	});

	it('does not queue for the rate limit past the budget, and leaves the slot to others', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scriptedAt(clock, () => ok({}));
		const shared = { send, baseUrl: 'http://stripe.test', mode: 'test' as const, accountKey: `acct_${++accounts}`, requestsPerSecond: 1, clock };
		// A backfill of the same account in this process has taken the next five seconds of slots.
		const backfill = new StripeClient(shared);
		const queued = Array.from({ length: 6 }, async () => await backfill.request('GET', '/v1/charges'));
		const started = clock.now();

		await expect(clock.run(new StripeClient({ ...shared, budgetMs: 3000 }).request('GET', '/v1/customers/cus_1'))).rejects.toMatchObject({ message: expect.stringMatching(/^Stripe was not called/) });
		expect(clock.now() - started).toBeLessThan(3000);

		await clock.run(Promise.all(queued));
		// The six queued calls kept their one-second spacing: the refused call took no slot.
		expect(seen.map((attempt) => attempt.at - started)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
	});

	it('holds clients of one account that ask for different rates to the lowest together, and lets it go when that caller stops', async () => {
		const clock = new VirtualClock();
		const { send, seen } = scriptedAt(clock, () => ok({}));
		const shared = { send, baseUrl: 'http://stripe.test', mode: 'test' as const, accountKey: `acct_${++accounts}`, clock };
		// One node capped at 5 requests/s, another on the test-mode default of 25, the same account.
		const capped = new StripeClient({ ...shared, requestsPerSecond: 5 });
		const unset = new StripeClient(shared);
		const started = clock.now();

		await clock.run(Promise.all([...Array.from({ length: 10 }, async () => await capped.request('GET', '/v1/charges')), ...Array.from({ length: 10 }, async () => await unset.request('GET', '/v1/customers'))]));
		const together = seen.map((attempt) => attempt.at - started);
		const busiestSecond = Math.max(...together.map((at) => together.filter((other) => other >= at && other < at + 1000).length));
		expect(busiestSecond).toBeLessThanOrEqual(5);

		await clock.run(clock.sleep(5000));
		const alone = clock.now();
		seen.length = 0;
		await clock.run(Promise.all(Array.from({ length: 25 }, async () => await unset.request('GET', '/v1/customers'))));
		expect(Math.max(...seen.map((attempt) => attempt.at - alone))).toBeLessThan(1000);
	});
});

describe('listAll', () => {
	it.each([1, 4])('returns every object exactly once with concurrency %i, ties on the page boundary included', async (concurrency) => {
		const clock = new VirtualClock();
		// Three objects per second, so the first page ends in the middle of a second.
		const all = objects(1000, 1_000_000, 0).map((object, index) => ({ ...object, created: 1_000_000 + Math.floor(index / 3) * 3600 }));
		const { send } = fakeListEndpoint(all, clock);
		const listed = await clock.run(collect(clientWith(send, clock).listAll<FakeObject>('/v1/customers', {}, { concurrency })));
		expect(listed).toHaveLength(1000);
		expect(new Set(listed.map((object) => object.id)).size).toBe(1000);
	});

	it('limits to the created range', async () => {
		const clock = new VirtualClock();
		const all = objects(600, 1_000_000, 100);
		const { send, requests } = fakeListEndpoint(all, clock);
		const listed = await clock.run(collect(clientWith(send, clock).listAll<FakeObject>('/v1/charges', {}, { concurrency: 3, from: 1_010_000, to: 1_050_000 })));
		expect(listed.map((object) => object.id).sort()).toEqual(all.filter((o) => o.created >= 1_010_000 && o.created < 1_050_000).map((o) => o.id).sort());
		expect(requests[0].url).toContain('created[gte]=1010000&created[lt]=1050000');
	});

	it('stops after one call when the first page holds everything', async () => {
		const clock = new VirtualClock();
		const { send, requests } = fakeListEndpoint(objects(40), clock);
		expect(await clock.run(collect(clientWith(send, clock).listAll('/v1/customers', {}, { concurrency: 4 })))).toHaveLength(40);
		expect(requests).toHaveLength(1);
	});
});
