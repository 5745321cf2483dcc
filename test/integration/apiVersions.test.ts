/**
 * Stripe payloads of older API versions, end to end through the emulator: a trigger in manual mode
 * whose endpoint was created by hand (so it gets the account's default version), and the backfill
 * over events created while the account's default version changed. The emulator renders the old
 * versions itself (emulator/versions.ts), independently of the adapter that reads them.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { IDataObject } from 'n8n-workflow';

import { toActivities } from '../../nodes/shared/lifecycle/activities';
import * as time from '../../nodes/shared/lifecycle/time';
import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { StripeLifecycleTrigger } from '../../nodes/StripeLifecycleTrigger/StripeLifecycleTrigger.node';
import { runScenario, startEmulator, type RunningEmulator, type ScenarioName } from '../../emulator';
import { DOCUMENTED_PERMISSIONS } from './support/demoAccount';
import { runNode, TriggerHarness, type WebhookRun } from '../../dev/n8nCoreRunner';
import { emulatorKeyCredential } from '../../dev/credentials';

const NOW = Date.UTC(2026, 10, 15, 12) / 1000;
const ALL_CATEGORIES = ['trial', 'subscription', 'charge', 'invoice', 'customer'];
const SCENARIOS: ScenarioName[] = ['trial_started', 'trial_converted', 'upgrade', 'payment_failed', 'payment_recovered', 'refund', 'dispute', 'cancel_scheduled', 'reactivate', 'pause', 'resume', 'cancel'];

let emulator: RunningEmulator;
let dashboard: Stripe;

beforeAll(async () => {
	emulator = await startEmulator({ now: NOW });
	dashboard = new Stripe(emulator.keys.secretTest, { host: '127.0.0.1', port: emulator.port, protocol: 'http', maxNetworkRetries: 0 });
});

afterAll(async () => {
	await emulator.close();
});

beforeEach(() => emulator.reset());

interface Delivered {
	path: string;
	rawBody: Buffer;
	signature: string;
}

/** Where the emulator delivers: each request kept byte for byte, to be handed to the trigger. */
async function receiver(): Promise<{ url: string; delivered: Delivered[]; close(): Promise<void> }> {
	const delivered: Delivered[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			delivered.push({ path: req.url ?? '', rawBody: Buffer.concat(chunks), signature: String(req.headers['stripe-signature']) });
			res.writeHead(200).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, delivered, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function manualTrigger(signingSecret: string): TriggerHarness {
	return new TriggerHarness({
		node: new StripeLifecycleTrigger(),
		parameters: { categories: ALL_CATEGORIES, webhookRegistration: 'manual', signingSecret, fetchCustomer: false },
		credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.keys.secretTest) },
	});
}

function activitiesOf(run: WebhookRun): IDataObject[] {
	return (run.result.workflowData?.[0] ?? []).map((item) => item.json);
}

async function replay(harness: TriggerHarness, delivery: Delivered): Promise<WebhookRun> {
	return harness.runWebhook({ rawBody: delivery.rawBody, headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature } });
}

describe('a manual-mode trigger on an endpoint of an older API version', () => {
	it('turns every 2020-03-02 delivery into the same activities as the pinned version gives', async () => {
		const hook = await receiver();
		try {
			await dashboard.webhookEndpoints.create({ url: `${hook.url}/pinned`, enabled_events: ['*'], api_version: emulator.apiVersion as Stripe.WebhookEndpointCreateParams.ApiVersion });
			// Created by hand without api_version: Stripe gives it the account's default.
			emulator.setDefaultApiVersion('2020-03-02');
			const old = await dashboard.webhookEndpoints.create({ url: `${hook.url}/old`, enabled_events: ['*'] });
			expect(old.api_version).toBeNull();
			for (const scenario of SCENARIOS) runScenario(emulator, scenario);
			await emulator.settleDeliveries();

			// What the pinned payload gives (the trigger's dedupe store would take the second copy of an event for a retry).
			const expected = new Map<string, IDataObject[]>();
			for (const delivery of hook.delivered.filter((entry) => entry.path === '/pinned')) {
				const event = JSON.parse(delivery.rawBody.toString('utf8')) as Stripe.Event;
				expect(event.api_version).toBe(emulator.apiVersion);
				expected.set(event.id, toActivities(event) as unknown as IDataObject[]);
			}
			const trigger = manualTrigger(old.secret!);
			const produced: IDataObject[] = [];
			for (const delivery of hook.delivered.filter((entry) => entry.path === '/old')) {
				const event = JSON.parse(delivery.rawBody.toString('utf8')) as Stripe.Event;
				expect(event.api_version).toBe('2020-03-02');
				const run = await replay(trigger, delivery);
				expect(run.response.statusCode ?? 200).toBe(200);
				expect({ eventId: event.id, activities: activitiesOf(run) }).toEqual({ eventId: event.id, activities: expected.get(event.id) });
				produced.push(...activitiesOf(run));
			}
			expect(expected.size).toBe(hook.delivered.length / 2);
			// Every scenario's activities came through.
			expect(new Set(produced.map((activity) => activity.activity))).toEqual(
				new Set(['trial.started', 'trial.converted', 'subscription.changed', 'invoice.payment_failed', 'charge.failed', 'invoice.paid', 'charge.succeeded', 'charge.refunded', 'charge.disputed', 'subscription.cancel_scheduled', 'subscription.reactivated', 'subscription.paused', 'subscription.resumed', 'subscription.cancelled', 'customer.created', 'subscription.past_due', 'subscription.started']),
			);
			expect(produced.some((activity) => activity.activity === 'stripe.event')).toBe(false);
		} finally {
			await hook.close();
		}
	});

	it('answers 200 to a payload it cannot read and runs it as one stripe.event activity, once', async () => {
		const trigger = manualTrigger('whsec_pasted');
		const event = { id: 'evt_unreadable', object: 'event', api_version: '2020-03-02', created: NOW, livemode: false, type: 'customer.subscription.created', data: { object: { object: 'subscription', id: 'sub_x', customer: 'cus_x', items: 7 } } };
		const payload = JSON.stringify(event);
		const delivery = { path: '/', rawBody: Buffer.from(payload), signature: Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_pasted' }) };

		const first = await replay(trigger, delivery);
		const retry = await replay(trigger, delivery);

		expect(activitiesOf(first)).toEqual([
			expect.objectContaining({ activity: 'stripe.event', category: 'event', eventId: 'evt_unreadable', raw: event, warnings: [expect.stringContaining('(API version 2020-03-02) could not be read')] }),
		]);
		expect(retry.response).toMatchObject({ statusCode: 200, body: { executed: false, reason: 'duplicate' } });
	});
});

describe('the backfill over events created under several API versions', () => {
	const VERSIONS = ['2019-12-03', '2020-08-27', '2024-06-20', '2025-03-31.basil'];

	it('reads each event in the version the Events API gives it, and passes an unreadable one on raw', async () => {
		// The backfill's window and the Events API's 30 days are measured from the emulator's frozen clock.
		jest.spyOn(time, 'epochNow').mockImplementation(() => emulator.now());
		for (const version of [...VERSIONS, emulator.apiVersion]) {
			emulator.setDefaultApiVersion(version);
			for (const scenario of ['trial_started', 'upgrade', 'payment_failed', 'refund', 'cancel'] as ScenarioName[]) runScenario(emulator, scenario);
			emulator.advanceClock({ days: 1 });
		}
		const unreadable = { id: 'evt_unreadable', object: 'event', api_version: '2020-03-02', created: emulator.now() - 3600, livemode: false, pending_webhooks: 0, request: { id: null, idempotency_key: null }, type: 'invoice.paid', data: { object: { object: 'invoice', id: 'in_x' } } };
		emulator.dataset().events.put(unreadable as unknown as Stripe.Event);
		const served = await dashboard.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
		expect(new Set(served.map((event) => event.api_version))).toEqual(new Set([...VERSIONS, emulator.apiVersion, '2020-03-02']));

		const [items] = await runNode({
			node: new StripeLifecycle(),
			parameters: { resource: 'activity', operation: 'getMany', days: 30, options: { requestsPerSecond: 100 } },
			credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.createRestrictedKey(DOCUMENTED_PERMISSIONS)) },
		});

		const activities = items.map((item) => item.json);
		// The window ends with the second it starts in (docs/SYNC.md): the retries the last clock advance ran right now are in it.
		const logged = emulator.eventLog().filter((event) => event.created <= emulator.now()).flatMap((event) => toActivities(event));
		const read = activities.filter((activity) => activity.activity !== 'stripe.event');
		expect(read.map((activity) => activity.dedupeKey).sort()).toEqual(logged.map((activity) => activity.dedupeKey).sort());
		const byKey = new Map(logged.map((activity) => [activity.dedupeKey, activity]));
		for (const activity of read) expect(activity.amount).toEqual(byKey.get(String(activity.dedupeKey))!.amount);
		expect(activities.filter((activity) => activity.activity === 'stripe.event')).toEqual([
			expect.objectContaining({ eventId: 'evt_unreadable', eventType: 'invoice.paid', warnings: [expect.stringContaining('could not be read')] }),
		]);
		jest.restoreAllMocks();
	});
});
