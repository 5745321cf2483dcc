import Stripe from 'stripe';
import { startEmulator, type RunningEmulator } from '../../emulator';

interface Body {
	id: string;
	error: { message: string; type: string; code?: string; param?: string };
}
const body = async (response: Response): Promise<Body> => (await response.json()) as Body;

let emulator: RunningEmulator;
const client = (key: string, options: Partial<Stripe.StripeConfig> = {}) =>
	new Stripe(key, { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0, ...options });
const get = (path: string, key = emulator.keys.secretTest, headers: Record<string, string> = {}) =>
	fetch(`${emulator.url}${path}`, { headers: { Authorization: `Bearer ${key}`, ...headers } });

beforeAll(async () => {
	emulator = await startEmulator({ now: 1_800_000_000 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe('authentication and permissions', () => {
	it('answers 401 with the key redacted like Stripe', async () => {
		const response = await get('/v1/customers', 'sk_test_unknownKey1234');
		expect(response.status).toBe(401);
		expect((await body(response)).error.message).toBe('Invalid API Key provided: sk_test_**********1234');
		const basic = await fetch(`${emulator.url}/v1/customers`, { headers: { Authorization: `Basic ${Buffer.from(emulator.keys.secretTest + ':').toString('base64')}` } });
		expect(basic.status).toBe(200);
	});

	it('answers 403 naming the rak_ permission a restricted key lacks', async () => {
		const key = emulator.createRestrictedKey({ customers: 'read', webhook_endpoints: 'write' });
		const stripe = client(key);
		await expect(stripe.customers.list()).resolves.toMatchObject({ object: 'list' });
		await expect(stripe.webhookEndpoints.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
		const error = (await stripe.subscriptions.list().catch((e: Stripe.errors.StripeError) => e)) as Stripe.errors.StripeError;
		expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
		expect(error.message).toMatch(
			new RegExp(`^The provided key 'rk_test_\\*+${key.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_\\w+'\\. Having the 'rak_subscription_read' permission would allow this request to continue\\.$`),
		);
		await expect(stripe.customers.create({ email: 'x@example.com' })).rejects.toThrow("Having the 'rak_customer_write' permission");
	});

	it('keeps test and live data apart', async () => {
		const test = emulator.createCustomer({ email: 'test@example.com' });
		const live = emulator.createCustomer({ email: 'live@example.com' }, { mode: 'live' });
		expect(test.livemode).toBe(false);
		expect(live.livemode).toBe(true);
		const liveList = await client(emulator.keys.secretLive).customers.list();
		expect(liveList.data.map((c) => c.id)).toEqual([live.id]);
		await expect(client(emulator.keys.secretTest).customers.retrieve(live.id)).rejects.toThrow(`No such customer: '${live.id}'`);
	});

	it('rejects malformed API versions and records Stripe-Account', async () => {
		const bad = await get('/v1/customers', undefined, { 'Stripe-Version': '2026-13-45' });
		expect(bad.status).toBe(400);
		expect((await body(bad)).error.message).toBe('Invalid Stripe API version: 2026-13-45');
		const connected = await get('/v1/customers', undefined, { 'Stripe-Account': 'acct_connected1' });
		expect(connected.status).toBe(200);
		expect(emulator.requestLog().at(-1)).toMatchObject({ account: 'acct_connected1', mode: 'test', status: 200 });
	});
});

describe('spec strictness over HTTP', () => {
	it('404s an unknown URL and 400s an unknown parameter in query and body', async () => {
		const unknownUrl = await get('/v1/foo');
		expect(unknownUrl.status).toBe(404);
		expect((await body(unknownUrl)).error.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/foo\)/);
		const unknownQuery = await get('/v1/customers?foo=1');
		expect(unknownQuery.status).toBe(400);
		expect((await body(unknownQuery)).error).toMatchObject({ type: 'invalid_request_error', message: 'Received unknown parameter: foo', param: 'foo' });
		const error = await client(emulator.keys.secretTest)
			.customers.create({ email: 'a@b.c', nickname: 'x' } as Stripe.CustomerCreateParams)
			.catch((e: Stripe.errors.StripeError) => e);
		expect(error).toMatchObject({ type: 'StripeInvalidRequestError', param: 'nickname', message: 'Received unknown parameter: nickname' });
	});

	it('bounds limit to 1..100', async () => {
		expect((await body(await get('/v1/customers?limit=0'))).error.message).toBe('This value must be greater than or equal to 1.');
		expect((await body(await get('/v1/customers?limit=101'))).error.message).toBe('This value must be less than or equal to 100.');
	});
});

describe('lists', () => {
	it('pages newest first with starting_after, ending_before and has_more', async () => {
		const ids = Array.from({ length: 5 }, (_, i) => emulator.billing.createCustomer(emulator.dataset(), { email: `c${i}@example.com` }, { at: 1_700_000_000 + i }).id).reverse();
		const stripe = client(emulator.keys.secretTest);
		const first = await stripe.customers.list({ limit: 2 });
		expect(first.data.map((c) => c.id)).toEqual(ids.slice(0, 2));
		expect(first.has_more).toBe(true);
		expect(first.url).toBe('/v1/customers');
		const second = await stripe.customers.list({ limit: 2, starting_after: ids[1] });
		expect(second.data.map((c) => c.id)).toEqual(ids.slice(2, 4));
		const last = await stripe.customers.list({ limit: 2, starting_after: ids[3] });
		expect(last).toMatchObject({ has_more: false });
		expect(last.data.map((c) => c.id)).toEqual([ids[4]]);
		const back = await stripe.customers.list({ limit: 2, ending_before: ids[4] });
		expect(back.data.map((c) => c.id)).toEqual(ids.slice(2, 4));
		expect(back.has_more).toBe(true);
		const empty = await stripe.customers.list({ starting_after: ids[4] });
		expect(empty).toMatchObject({ data: [], has_more: false });
		const all: string[] = [];
		for await (const customer of stripe.customers.list({ limit: 2 })) all.push(customer.id);
		expect(all).toEqual(ids);
	});

	it('filters by created range, exact created and email', async () => {
		const at = (t: number, email: string) => emulator.billing.createCustomer(emulator.dataset(), { email }, { at: t });
		at(100, 'a@example.com');
		const b = at(200, 'b@example.com');
		const c = at(300, 'c@example.com');
		const stripe = client(emulator.keys.secretTest);
		expect((await stripe.customers.list({ created: { gte: 200 } })).data.map((x) => x.id)).toEqual([c.id, b.id]);
		expect((await stripe.customers.list({ created: { gt: 100, lt: 300 } })).data.map((x) => x.id)).toEqual([b.id]);
		expect((await stripe.customers.list({ created: 300 })).data.map((x) => x.id)).toEqual([c.id]);
		expect((await stripe.customers.list({ email: 'b@example.com' })).data.map((x) => x.id)).toEqual([b.id]);
	});

	it('expands customers, products and subscriptions, in lists and on retrieve', async () => {
		const customer = emulator.createCustomer({ email: 'e@example.com', name: 'E' });
		const product = emulator.createProduct({ name: 'Pro' });
		const price = emulator.createPrice({ product: product.id, currency: 'usd', unit_amount: 2900, recurring: { interval: 'month' } });
		const sub = emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }] });
		const stripe = client(emulator.keys.secretTest);
		const subs = await stripe.subscriptions.list({ expand: ['data.customer', 'data.items.data.price.product'] });
		expect((subs.data[0].customer as Stripe.Customer).email).toBe('e@example.com');
		expect((subs.data[0].items.data[0].price.product as Stripe.Product).name).toBe('Pro');
		expect(subs.data[0].items.data[0].current_period_end).toBeGreaterThan(sub.created);
		const customers = await stripe.customers.list({ expand: ['data.subscriptions'] });
		expect(customers.data[0].subscriptions?.data.map((s) => s.id)).toEqual([sub.id]);
		const invoices = await stripe.invoices.list({ customer: customer.id, expand: ['data.customer'] });
		expect(invoices.data[0]).toMatchObject({ status: 'paid', billing_reason: 'subscription_create', parent: { subscription_details: { subscription: sub.id } } });
		expect((invoices.data[0].customer as Stripe.Customer).id).toBe(customer.id);
		const charges = await stripe.charges.list({ customer: customer.id, expand: ['data.customer'] });
		expect((charges.data[0].customer as Stripe.Customer).name).toBe('E');
		const retrieved = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice', 'customer'] });
		expect((retrieved.latest_invoice as Stripe.Invoice).id).toBe(sub.latest_invoice);
		await expect(stripe.subscriptions.list({ expand: ['data.status'] })).rejects.toThrow('This property cannot be expanded (status).');
	});

	it('includes a charge\'s refunds only with expand[]=refunds, as Stripe has since 2022-11-15', async () => {
		const customer = emulator.createCustomer({ email: 'r@example.com' });
		const charge = emulator.createCharge({ customer: customer.id, amount: 5000, currency: 'usd' });
		const other = emulator.createCharge({ customer: customer.id, amount: 700, currency: 'usd' });
		emulator.clock.advanceTo(emulator.now() + 60);
		const first = emulator.refundCharge(charge.id, { amount: 1000 });
		emulator.clock.advanceTo(emulator.now() + 60);
		const second = emulator.refundCharge(charge.id, { amount: 500 });
		const plain = (await (await get('/v1/charges')).json()) as { data: Array<Record<string, unknown>> };
		expect(plain.data.map((item) => 'refunds' in item)).toEqual([false, false]);
		const response = await get('/v1/charges?expand[]=data.refunds');
		expect(response.status).toBe(200);
		const expanded = (await response.json()) as Stripe.ApiList<Stripe.Charge>;
		const byId = new Map(expanded.data.map((item) => [item.id, item]));
		expect(byId.get(charge.id)!.refunds).toEqual({ object: 'list', data: [second, first], has_more: false, url: `/v1/charges/${charge.id}/refunds` });
		expect(byId.get(charge.id)!.amount_refunded).toBe(1500);
		expect(byId.get(other.id)!.refunds).toEqual({ object: 'list', data: [], has_more: false, url: `/v1/charges/${other.id}/refunds` });
		const retrieved = await client(emulator.keys.secretTest).charges.retrieve(charge.id, { expand: ['refunds'] });
		expect(retrieved.refunds?.data.map((refund) => refund.id)).toEqual([second.id, first.id]);
	});

	it('expands what the batched backfill asks for: subscriptions\' latest invoice and discounts, disputes\' charge', async () => {
		const customer = emulator.createCustomer({ email: 'x@example.com' });
		const product = emulator.createProduct({ name: 'Pro' });
		const price = emulator.createPrice({ product: product.id, currency: 'usd', unit_amount: 2900, recurring: { interval: 'month' } });
		const coupon = emulator.createCoupon({ id: 'TENOFF', duration: 'forever', percent_off: 10 });
		const sub = emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }], coupon: coupon.id });
		const response = await get('/v1/subscriptions?expand[]=data.latest_invoice&expand[]=data.discounts&expand[]=data.items.data.discounts');
		expect(response.status).toBe(200);
		const [listed] = ((await response.json()) as Stripe.ApiList<Stripe.Subscription>).data;
		expect(listed.id).toBe(sub.id);
		expect(listed.latest_invoice).toEqual(emulator.dataset().invoices.get(sub.latest_invoice as string));
		expect(listed.discounts).toEqual([emulator.dataset().discounts.get(sub.discounts[0] as string)]);
		expect(listed.discounts[0]).toMatchObject({ object: 'discount', source: { coupon: coupon.id } });
		expect(listed.items.data.map((item) => item.discounts)).toEqual([[]]);

		const charge = emulator.createCharge({ customer: customer.id, amount: 5000, currency: 'usd' });
		const dispute = emulator.disputeCharge(charge.id);
		const disputes = await get('/v1/disputes?expand[]=data.charge');
		expect(disputes.status).toBe(200);
		const [expanded] = ((await disputes.json()) as Stripe.ApiList<Stripe.Dispute>).data;
		expect(expanded.id).toBe(dispute.id);
		expect(expanded.charge).toEqual(emulator.dataset().charges.get(charge.id));
	});

	it('returns deleted customers as stubs and hides them from lists', async () => {
		const customer = emulator.createCustomer({ email: 'gone@example.com' });
		const stripe = client(emulator.keys.secretTest);
		await expect(stripe.customers.del(customer.id)).resolves.toEqual({ id: customer.id, object: 'customer', deleted: true });
		await expect(stripe.customers.retrieve(customer.id)).resolves.toEqual({ id: customer.id, object: 'customer', deleted: true });
		expect((await stripe.customers.list()).data).toEqual([]);
	});

	it('filters subscriptions by status with canceled hidden by default', async () => {
		const customer = emulator.createCustomer({});
		const product = emulator.createProduct({ name: 'P' });
		const price = emulator.createPrice({ product: product.id, currency: 'usd', unit_amount: 100, recurring: { interval: 'month' } });
		const active = emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }] });
		const canceled = emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }], status: 'canceled' });
		const stripe = client(emulator.keys.secretTest);
		expect((await stripe.subscriptions.list()).data.map((s) => s.id)).toEqual([active.id]);
		expect((await stripe.subscriptions.list({ status: 'all' })).data.map((s) => s.id).sort()).toEqual([active.id, canceled.id].sort());
		expect((await stripe.subscriptions.list({ status: 'canceled', customer: customer.id })).data.map((s) => s.id)).toEqual([canceled.id]);
	});
});

describe('idempotency', () => {
	it('replays the first response and refuses different params under the same key', async () => {
		const post = (body: string) =>
			fetch(`${emulator.url}/v1/customers`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${emulator.keys.secretTest}`, 'Idempotency-Key': 'key-1', 'Content-Type': 'application/x-www-form-urlencoded' },
				body,
			});
		const first = await post('email=a%40example.com');
		const replay = await post('email=a%40example.com');
		expect(replay.headers.get('idempotent-replayed')).toBe('true');
		expect((await body(replay)).id).toBe((await body(first)).id);
		expect(emulator.dataset().customers.size).toBe(1);
		const conflict = await post('email=b%40example.com');
		expect(conflict.status).toBe(400);
		expect((await body(conflict)).error).toMatchObject({ type: 'idempotency_error', message: expect.stringMatching(/^Keys for idempotent requests can only be used with the same parameters/) });
	});
});

describe('faults and the request log', () => {
	it('answers 429 with Stripe-Should-Retry for the next request only', async () => {
		emulator.addFault({ kind: 'rate_limit', count: 1 });
		const limited = await get('/v1/customers');
		expect(limited.status).toBe(429);
		expect(limited.headers.get('stripe-should-retry')).toBe('true');
		expect((await body(limited)).error).toMatchObject({ type: 'invalid_request_error', code: 'rate_limit' });
		expect((await get('/v1/customers')).status).toBe(200);
	});

	it('adds Retry-After to a fault when the rule asks for it', async () => {
		emulator.addFault({ kind: 'rate_limit', count: 1, retryAfterSeconds: 3600 });
		expect((await get('/v1/customers')).headers.get('retry-after')).toBe('3600');
		expect((await get('/v1/customers')).headers.get('retry-after')).toBeNull();
	});

	it('answers 500 api_error and lets the SDK retry it', async () => {
		emulator.addFault({ kind: 'server_error', count: 1 });
		const stripe = client(emulator.keys.secretTest, { maxNetworkRetries: 1 });
		await expect(stripe.customers.list()).resolves.toMatchObject({ object: 'list' });
		expect(emulator.requestLog().map((entry) => entry.status)).toEqual([500, 200]);
	});

	it('drops the connection without a response', async () => {
		emulator.addFault({ kind: 'drop', count: 1, pathPrefix: '/v1/charges' });
		await expect(get('/v1/charges')).rejects.toThrow();
		expect((await get('/v1/charges')).status).toBe(200);
	});

	it('applies Stripe rate limits when asked', async () => {
		const limited = await startEmulator({ rateLimit: { test: 2, live: 100 } });
		try {
			const statuses = [];
			for (let i = 0; i < 4; i++) {
				statuses.push((await fetch(`${limited.url}/v1/customers`, { headers: { Authorization: `Bearer ${limited.keys.secretTest}` } })).status);
			}
			expect(statuses.slice(0, 2)).toEqual([200, 200]);
			expect(statuses).toContain(429);
		} finally {
			await limited.close();
		}
	});

	it('logs method, path, param keys and key mode of every request', async () => {
		await get('/v1/customers?limit=3&created[gte]=5');
		expect(emulator.requestLog()).toEqual([
			expect.objectContaining({ method: 'GET', path: '/v1/customers', queryKeys: ['limit', 'created[gte]'], mode: 'test', keyKind: 'secret', status: 200 }),
		]);
	});

	it('answers GET /v1/account', async () => {
		const account = await client(emulator.keys.secretTest).accounts.retrieveCurrent();
		expect(account).toMatchObject({ id: emulator.account.id, object: 'account', country: 'US' });
	});
});

describe('control API over HTTP', () => {
	it('drives scenarios, keys and the clock without Stripe auth', async () => {
		const call = async (method: string, path: string, payload?: unknown) => {
			const response = await fetch(`${emulator.url}/_emulator/${path}`, { method, body: payload === undefined ? undefined : JSON.stringify(payload) });
			return { status: response.status, json: (await response.json()) as Record<string, unknown> };
		};
		expect((await call('GET', 'info')).json).toMatchObject({ apiVersion: '2026-10-28.endive', keys: emulator.keys });
		const scenario = await call('POST', 'scenarios/trial_started', {});
		expect(scenario.json).toMatchObject({ subscription: { status: 'trialing' } });
		const key = (await call('POST', 'keys', { permissions: { subscriptions: 'read' } })).json.key as string;
		expect((await client(key).subscriptions.list()).data).toHaveLength(1);
		const before = emulator.now();
		expect((await call('POST', 'clock/advance', { days: 15 })).json.now).toBe(before + 15 * 86400);
		expect((await client(key).subscriptions.list()).data[0].status).toBe('active');
		expect((await call('POST', 'scenarios/nope', {})).status).toBe(400);
	});
});
