import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

import { corpusOf } from '../fixtures/apiVersions';
import { runScenario, startEmulator, type RunningEmulator } from '../../emulator';

/** A webhook receiver that keeps each payload, parsed. */
async function receiver(): Promise<{ url: string; events: Stripe.Event[]; close(): Promise<void> }> {
	const events: Stripe.Event[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Stripe.Event);
			res.writeHead(200).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let emulator: RunningEmulator;
let stripe: Stripe;

beforeAll(async () => {
	emulator = await startEmulator({ now: 1_800_000_000 });
	stripe = new Stripe(emulator.keys.secretTest, { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const keys = (object: unknown) => Object.keys(object as object);
/**
 * The keys the lifecycle code cares about. `plan` (kept on items in every version and on
 * single-plan subscriptions until 2020-08-27) and items' `quantity` are left out: Stripe's
 * examples omit them in some versions that had them.
 */
const WATCHED: Record<string, string[]> = {
	subscription: ['quantity', 'discount', 'discounts', 'currency', 'current_period_end'],
	subscription_item: ['price', 'discounts', 'current_period_end'],
	invoice: ['subscription', 'parent', 'charge', 'payment_intent', 'paid', 'discount', 'discounts', 'total_tax_amounts'],
};
/** Stripe's own example of that version; its invoices of 2025 on still carry a stale null `subscription` beside `parent`. */
function exampleKeys(version: string, resource: string): string[] {
	const example = keys(corpusOf(version).resources[resource]);
	return example.filter((key) => WATCHED[resource].includes(key) && !(key === 'subscription' && example.includes('parent'))).sort();
}
const renderedKeys = (resource: string, object: unknown) => keys(object).filter((key) => WATCHED[resource].includes(key)).sort();

async function endpoint(url: string, apiVersion?: string): Promise<Stripe.WebhookEndpoint> {
	return stripe.webhookEndpoints.create({ url, enabled_events: ['*'], ...(apiVersion ? { api_version: apiVersion as Stripe.WebhookEndpointCreateParams.ApiVersion } : {}) });
}

describe('events in older API versions', () => {
	it.each(['2019-12-03', '2020-03-02', '2020-08-27', '2022-11-15', '2023-10-16', '2024-06-20', '2025-03-31.basil'])(
		'sends an endpoint created with api_version %s its events in that version, shaped like Stripe\'s example objects of it',
		async (version) => {
			const hook = await receiver();
			try {
				await endpoint(hook.url, version);
				runScenario(emulator, 'payment_failed');
				await emulator.settleDeliveries();
				const subscription = hook.events.find((event) => event.type === 'customer.subscription.created')!;
				const invoice = hook.events.find((event) => event.type === 'invoice.payment_failed')!;
				expect(hook.events.every((event) => event.api_version === version)).toBe(true);
				expect(renderedKeys('subscription', subscription.data.object)).toEqual(exampleKeys(version, 'subscription'));
				expect(renderedKeys('subscription_item', (subscription.data.object as Stripe.Subscription).items.data[0])).toEqual(exampleKeys(version, 'subscription_item'));
				expect(renderedKeys('invoice', invoice.data.object)).toEqual(exampleKeys(version, 'invoice'));
			} finally {
				await hook.close();
			}
		},
	);

	it('names a changed plan in previous_attributes as 2020-03-02 did: items, plan and quantity', async () => {
		const hook = await receiver();
		try {
			await endpoint(hook.url, '2020-03-02');
			runScenario(emulator, 'upgrade');
			await emulator.settleDeliveries();
			const update = hook.events.find((event) => event.type === 'customer.subscription.updated' && 'items' in (event.data.previous_attributes ?? {}))!;
			// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects of older Stripe API versions, which the stripe package has no types for
			const previous = update.data.previous_attributes as Record<string, any>;
			expect(previous.plan).toMatchObject({ object: 'plan', id: previous.items.data[0].price.id });
			expect(previous.quantity).toBe(previous.items.data[0].quantity);
		} finally {
			await hook.close();
		}
	});

	it('creates events in the account default version, sends them in it to endpoints without their own, and serves them in it from /v1/events', async () => {
		const hook = await receiver();
		try {
			await endpoint(hook.url);
			await endpoint(`${hook.url}/pinned`, emulator.apiVersion);
			await fetch(`${emulator.url}/_emulator/api_version`, { method: 'POST', body: JSON.stringify({ version: '2020-03-02' }) });
			const { events } = runScenario(emulator, 'trial_started');
			await emulator.settleDeliveries();

			const created = events.find((event) => event.type === 'customer.subscription.created')!;
			expect(created.api_version).toBe('2020-03-02');
			const received = hook.events.filter((event) => event.id === created.id).map((event) => event.api_version);
			expect(received.sort()).toEqual(['2020-03-02', emulator.apiVersion].sort());

			await fetch(`${emulator.url}/_emulator/api_version`, { method: 'POST', body: JSON.stringify({ version: emulator.apiVersion }) });
			const served = await stripe.events.retrieve(created.id);
			expect(served.api_version).toBe('2020-03-02');
			expect(served.data.object).not.toHaveProperty('currency');
			expect(served.data.object).toHaveProperty('plan');
			const listed = (await stripe.events.list({ limit: 100 })).data.find((event) => event.id === created.id)!;
			expect(listed).toEqual(served);
		} finally {
			await hook.close();
		}
	});

	it('includes a charge\'s refunds before 2022-11-15 only, each event with the refunds made until then', async () => {
		const hook = await receiver();
		try {
			await endpoint(hook.url, '2022-08-01');
			await endpoint(`${hook.url}/current`);
			const customer = emulator.createCustomer({});
			const charge = emulator.createCharge({ customer: customer.id, amount: 5000, currency: 'usd' });
			const first = emulator.refundCharge(charge.id, { amount: 1000 });
			emulator.advanceClock({ seconds: 60 });
			const second = emulator.refundCharge(charge.id, { amount: 500 });
			await emulator.settleDeliveries();
			const refunded = (version: string) =>
				hook.events.filter((event) => event.type === 'charge.refunded' && event.api_version === version).map((event) => event.data.object as Stripe.Charge);
			expect(refunded('2022-08-01').map((object) => object.refunds?.data.map((refund) => refund.id))).toEqual([[first.id], [second.id, first.id]]);
			expect(refunded('2022-08-01')[0].refunds).toMatchObject({ object: 'list', has_more: false, url: `/v1/charges/${charge.id}/refunds` });
			expect(refunded(emulator.apiVersion).map((object) => 'refunds' in object)).toEqual([false, false]);
		} finally {
			await hook.close();
		}
	});

	it('refuses a default version Stripe never had', async () => {
		const answer = await fetch(`${emulator.url}/_emulator/api_version`, { method: 'POST', body: JSON.stringify({ version: '2020-13-45' }) });
		expect(answer.status).toBe(400);
		expect(await answer.json()).toMatchObject({ error: { message: 'Invalid API version: 2020-13-45' } });
		expect(emulator.defaultApiVersion).toBe(emulator.apiVersion);
	});
});
