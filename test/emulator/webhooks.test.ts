import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { runScenario, startEmulator, type RunningEmulator } from '../../emulator';

interface Received {
	body: string;
	signature: string;
	userAgent: string;
	contentType: string;
}

/** A webhook receiver that answers with the statuses given, then 200. */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
	const received: Received[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			received.push({
				body: Buffer.concat(chunks).toString('utf8'),
				signature: String(req.headers['stripe-signature']),
				userAgent: String(req.headers['user-agent']),
				contentType: String(req.headers['content-type']),
			});
			res.writeHead(statuses.shift() ?? 200).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
		received,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

let emulator: RunningEmulator;
let stripe: Stripe;

beforeAll(async () => {
	emulator = await startEmulator({ retrySchedule: [20, 40], now: 1_800_000_000 });
	stripe = new Stripe(emulator.keys.secretTest, { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

describe('webhook endpoints', () => {
	it('returns the secret only at creation and deletes like Stripe', async () => {
		const created = await stripe.webhookEndpoints.create({ url: 'https://example.com/hook', enabled_events: ['customer.created'], api_version: '2026-10-28.endive', metadata: { managed_by: 'test' } });
		expect(created.secret).toMatch(/^whsec_/);
		const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
		expect(retrieved.secret).toBeUndefined();
		expect((await stripe.webhookEndpoints.list()).data[0].secret).toBeUndefined();
		const updated = await stripe.webhookEndpoints.update(created.id, { enabled_events: ['*'], disabled: true });
		expect(updated).toMatchObject({ enabled_events: ['*'], status: 'disabled', metadata: { managed_by: 'test' } });
		await expect(stripe.webhookEndpoints.del(created.id)).resolves.toEqual({ id: created.id, object: 'webhook_endpoint', deleted: true });
		const missing = await stripe.webhookEndpoints.del(created.id).catch((e: Stripe.errors.StripeError) => e);
		expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
	});

	it('refuses the 17th endpoint of a mode and unsupported event types', async () => {
		for (let i = 0; i < 16; i++) await stripe.webhookEndpoints.create({ url: `https://example.com/${i}`, enabled_events: ['*'] });
		await expect(stripe.webhookEndpoints.create({ url: 'https://example.com/17', enabled_events: ['*'] })).rejects.toThrow(
			'You have reached the maximum of 16 test webhook endpoints.',
		);
		const live = new Stripe(emulator.keys.secretLive, { host: '127.0.0.1', port: emulator.port, protocol: 'http' });
		await expect(live.webhookEndpoints.create({ url: 'https://example.com/live', enabled_events: ['*'] })).resolves.toMatchObject({ livemode: true });
		emulator.reset();
		await expect(stripe.webhookEndpoints.create({ url: 'https://example.com/x', enabled_events: ['issuing_card.created'] })).rejects.toThrow(
			/Invalid enabled_events\[0\]: must be one of \*/,
		);
	});
});

describe('deliveries', () => {
	it('signs deliveries so stripe.webhooks.constructEvent verifies them', async () => {
		const hook = await receiver();
		try {
			const endpoint = await stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['customer.created'] });
			const customer = await stripe.customers.create({ email: 'signed@example.com' }, { idempotencyKey: 'signed-1' });
			await emulator.settleDeliveries();
			expect(hook.received).toHaveLength(1);
			const [delivery] = hook.received;
			expect(delivery.userAgent).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
			expect(delivery.contentType).toBe('application/json; charset=utf-8');
			const event = stripe.webhooks.constructEvent(delivery.body, delivery.signature, endpoint.secret!);
			expect(event).toMatchObject({ type: 'customer.created', livemode: false, api_version: '2026-10-28.endive', data: { object: { id: customer.id } }, request: { idempotency_key: 'signed-1' } });
			expect(() => stripe.webhooks.constructEvent(delivery.body, delivery.signature, 'whsec_wrong')).toThrow();
			expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(0);
		} finally {
			await hook.close();
		}
	});

	it('retries a failing receiver along the schedule and logs each attempt', async () => {
		const hook = await receiver([500, 503]);
		try {
			await stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['*'] });
			const customer = emulator.createCustomer({ email: 'retry@example.com' });
			await emulator.settleDeliveries();
			const ids = hook.received.map((delivery) => (JSON.parse(delivery.body) as Stripe.Event).id);
			expect(new Set(ids).size).toBe(1);
			expect(emulator.deliveryLog().map((record) => [record.attempt, record.status])).toEqual([
				[1, 500],
				[2, 503],
				[3, 200],
			]);
			expect((JSON.parse(hook.received[2].body) as Stripe.CustomerCreatedEvent).data.object.id).toBe(customer.id);
		} finally {
			await hook.close();
		}
	});

	it('delivers duplicates and out-of-order batches on request', async () => {
		const hook = await receiver();
		try {
			await stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['customer.created', 'customer.updated'] });
			emulator.holdDeliveries();
			const customer = emulator.createCustomer({ email: 'a@example.com' });
			emulator.updateCustomer(customer.id, { name: 'Renamed' });
			expect(emulator.releaseDeliveries('reverse')).toBe(2);
			await emulator.settleDeliveries();
			expect(hook.received.map((d) => (JSON.parse(d.body) as Stripe.Event).type)).toEqual(['customer.updated', 'customer.created']);
			const created = emulator.eventLog().find((event) => event.type === 'customer.created')!;
			expect(emulator.redeliverEvent(created.id, { times: 2 })).toBe(2);
			await emulator.settleDeliveries();
			expect(hook.received.filter((d) => (JSON.parse(d.body) as Stripe.Event).id === created.id)).toHaveLength(3);
		} finally {
			await hook.close();
		}
	});

	it('sends Connect events only to connect endpoints', async () => {
		const platform = await receiver();
		const connect = await receiver();
		try {
			await stripe.webhookEndpoints.create({ url: platform.url, enabled_events: ['*'] });
			await stripe.webhookEndpoints.create({ url: connect.url, enabled_events: ['*'], connect: true });
			emulator.createCustomer({ email: 'connected@example.com' }, { account: 'acct_connected1' });
			emulator.createCustomer({ email: 'own@example.com' });
			await emulator.settleDeliveries();
			expect(connect.received.map((d) => (JSON.parse(d.body) as Stripe.Event).account)).toEqual(['acct_connected1']);
			expect(platform.received.map((d) => (JSON.parse(d.body) as Stripe.Event).account)).toEqual([undefined]);
		} finally {
			await platform.close();
			await connect.close();
		}
	});
});

describe('events', () => {
	it('carries previous_attributes with only the changed keys on *.updated', async () => {
		const customer = await stripe.customers.create({ email: 'old@example.com', metadata: { plan: 'a' } });
		await stripe.customers.update(customer.id, { email: 'new@example.com', metadata: { plan: 'b' } });
		const [updated] = (await stripe.events.list({ type: 'customer.updated' })).data;
		expect(updated.data.previous_attributes).toEqual({ email: 'old@example.com', metadata: { plan: 'a' } });
		const sub = runScenario(emulator, 'cancel_scheduled').subscription!;
		const [scheduled] = (await stripe.events.list({ types: ['customer.subscription.updated'] })).data;
		expect((scheduled.data.object as Stripe.Subscription).id).toBe(sub.id);
		expect(scheduled.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
	});

	it('lists only the last 30 days and filters by type wildcards', async () => {
		const dataset = emulator.dataset();
		emulator.billing.createCustomer(dataset, { email: 'old@example.com' }, { at: emulator.now() - 31 * 86400 });
		const recent = emulator.createCustomer({ email: 'recent@example.com' });
		const events = await stripe.events.list({ type: 'customer.*' });
		expect(events.data.map((event) => (event.data.object as Stripe.Customer).id)).toEqual([recent.id]);
		expect(emulator.eventLog()).toHaveLength(2);
	});
});
