/**
 * The Stripe Lifecycle Trigger in n8n-core's real hook and webhook contexts, with the Stripe
 * emulator as Stripe: the endpoint lifecycle a user goes through (activate, re-publish, edit,
 * deactivate) and every way a POST to the webhook can end.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import Stripe from 'stripe';
import type { IDataObject, INodeParameters, WorkflowActivateMode } from 'n8n-workflow';

import { StripeLifecycleTrigger } from '../../nodes/StripeLifecycleTrigger/StripeLifecycleTrigger.node';
import { dedupeStoreFor } from '../../nodes/shared/webhook/dedupe';
import * as enrichment from '../../nodes/StripeLifecycleTrigger/enrichCustomers';
import type { StoredEndpoint } from '../../nodes/shared/webhook/endpoints';
import { runScenario, startEmulator, type RunningEmulator, type ScenarioName } from '../../emulator';
import { NODE_UNDER_TEST, TriggerHarness, WEBHOOK_BASE_URL, type WebhookRun } from '../../dev/n8nCoreRunner';
import { emulatorKeyCredential } from '../../dev/credentials';

/** Ids the harness gives its workflow and node, which the trigger writes into the endpoint's metadata. */
const HARNESS_WORKFLOW_ID = 'harness-workflow';
const HARNESS_NODE_ID = 'node-under-test';
const API_VERSION = '2026-10-28.endive';

let emulator: RunningEmulator;
/** Stripe's own client against the emulator: what a user does by hand in the Dashboard. */
let dashboard: Stripe;

beforeAll(async () => {
	emulator = await startEmulator();
	dashboard = new Stripe(emulator.keys.secretTest, { host: '127.0.0.1', port: emulator.port, protocol: 'http' });
});

afterAll(async () => {
	await emulator.close();
});

beforeEach(() => {
	emulator.reset();
});

function trigger(parameters: INodeParameters = {}, options: { staticData?: IDataObject; apiKey?: string } = {}): TriggerHarness {
	return new TriggerHarness({
		node: new StripeLifecycleTrigger(),
		parameters,
		credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, options.apiKey ?? emulator.keys.secretTest) },
		staticData: options.staticData,
	});
}

/** What n8n does for each webhook when it activates a workflow: create only when checkExists says no. */
async function activate(harness: TriggerHarness, activation: WorkflowActivateMode = 'activate'): Promise<void> {
	if (!(await harness.runWebhookMethod('checkExists', { activation }))) await harness.runWebhookMethod('create', { activation });
}

function endpointsInStripe(): Stripe.WebhookEndpoint[] {
	return emulator.dataset().webhookEndpoints.values();
}

/** The endpoints the trigger keeps in its node's static data (n8n keys it `node:<name>`). */
function storedEndpoints(harness: TriggerHarness): Record<string, StoredEndpoint> {
	return (harness.staticData[`node:${NODE_UNDER_TEST}`] as { endpoints: Record<string, StoredEndpoint> }).endpoints;
}

function storedEndpoint(harness: TriggerHarness, kind: 'production' | 'test' = 'production'): StoredEndpoint {
	return storedEndpoints(harness)[kind];
}

function webhookUrl(harness: TriggerHarness): string {
	return `${WEBHOOK_BASE_URL}/${harness.node.webhookId}/webhook`;
}

function requestsTo(method: string, pathPrefix: string) {
	return emulator.requestLog().filter((entry) => entry.method === method && entry.path.startsWith(pathPrefix));
}

describe('Stripe Lifecycle Trigger: the webhook endpoint in Stripe', () => {
	it('creates one endpoint for the union of the selected activities, pinned to our API version and tagged as ours', async () => {
		const harness = trigger({ categories: ['trial'], activities: ['invoice.payment_failed'] });

		await activate(harness);

		expect(endpointsInStripe()).toEqual([
			expect.objectContaining({
				url: webhookUrl(harness),
				// Trials need the four subscription events; the single activity adds its invoice event.
				enabled_events: [
					'customer.subscription.created',
					'customer.subscription.deleted',
					'customer.subscription.trial_will_end',
					'customer.subscription.updated',
					'invoice.payment_failed',
				],
				api_version: API_VERSION,
				metadata: { managed_by: 'n8n-nodes-stripe-lifecycle', workflow_id: HARNESS_WORKFLOW_ID, node_id: HARNESS_NODE_ID, webhook_kind: 'production' },
				description: 'n8n: Harness → Node Under Test',
				application: null,
			}),
		]);
		expect(storedEndpoint(harness)).toEqual({ id: endpointsInStripe()[0].id, secret: emulator.dataset().webhookSecrets.get(endpointsInStripe()[0].id), url: webhookUrl(harness), mode: 'test' });
	});

	it('keeps one endpoint through 50 re-activations, adopting the stored one without creating again', async () => {
		const harness = trigger();
		await activate(harness);
		const first = storedEndpoint(harness);

		for (let activation = 0; activation < 50; activation++) await activate(harness);

		expect(endpointsInStripe().map((endpoint) => endpoint.id)).toEqual([first.id]);
		expect(requestsTo('POST', '/v1/webhook_endpoints')).toHaveLength(1);
		expect(storedEndpoint(harness)).toEqual(first);
	});

	it('keeps one endpoint through 50 activations that lost their static data, by removing its own orphans', async () => {
		for (let activation = 0; activation < 50; activation++) await activate(trigger());

		expect(endpointsInStripe()).toHaveLength(1);
	});

	it('recreates an endpoint deleted by hand on the next activation', async () => {
		const harness = trigger();
		await activate(harness);
		const deleted = storedEndpoint(harness);
		await dashboard.webhookEndpoints.del(deleted.id);

		await activate(harness);

		const [recreated] = endpointsInStripe();
		expect(endpointsInStripe()).toHaveLength(1);
		expect(recreated.id).not.toBe(deleted.id);
		expect(storedEndpoint(harness)).toMatchObject({ id: recreated.id, secret: emulator.dataset().webhookSecrets.get(recreated.id) });
	});

	it('removes orphans of the same workflow and node but leaves every other endpoint alone', async () => {
		const ours = { managed_by: 'n8n-nodes-stripe-lifecycle', workflow_id: HARNESS_WORKFLOW_ID, node_id: HARNESS_NODE_ID, webhook_kind: 'production' };
		for (const url of ['https://old-host.example/webhook/a', 'https://old-host.example/webhook/b']) {
			await dashboard.webhookEndpoints.create({ url, enabled_events: ['charge.failed'], metadata: ours });
		}
		const otherNode = await dashboard.webhookEndpoints.create({
			url: 'https://n8n.example.test/webhook/other/webhook',
			enabled_events: ['charge.failed'],
			metadata: { ...ours, node_id: 'another-node' },
		});
		const foreign = await dashboard.webhookEndpoints.create({ url: 'https://crm.example/stripe', enabled_events: ['*'] });
		const harness = trigger();

		await activate(harness);

		expect(endpointsInStripe().map((endpoint) => endpoint.id).sort()).toEqual([otherNode.id, foreign.id, storedEndpoint(harness).id].sort());
	});

	it('updates the events in place when the selection changes, keeping the endpoint and its secret', async () => {
		const before = trigger({ categories: ['charge'] });
		await activate(before);
		const stored = storedEndpoint(before);

		const after = trigger({ categories: ['charge'], activities: ['customer.deleted'] }, { staticData: before.staticData });
		await activate(after);

		expect(endpointsInStripe()).toEqual([
			expect.objectContaining({ id: stored.id, enabled_events: ['charge.dispute.created', 'charge.failed', 'charge.refunded', 'charge.succeeded', 'customer.deleted'] }),
		]);
		expect(emulator.dataset().webhookSecrets.get(stored.id)).toBe(stored.secret);
		expect(storedEndpoint(after)).toEqual(stored);
	});

	it('refuses the 17th endpoint with a message listing the endpoints in use, not a raw API response', async () => {
		for (let index = 1; index <= 16; index++) {
			await dashboard.webhookEndpoints.create({ url: `https://tool-${index}.example/hook`, enabled_events: ['*'], description: `Tool number ${index}` });
		}

		const error = (await activate(trigger()).catch((caught: unknown) => caught)) as { message: string; description: string };

		expect(error.message).toBe('Stripe allows 16 webhook endpoints per account in test mode and all are in use');
		for (let index = 1; index <= 16; index++) expect(error.description).toContain(`• https://tool-${index}.example/hook — Tool number ${index}`);
		expect(error.description).not.toMatch(/"object"|webhook_endpoint|whsec_/);
		expect(endpointsInStripe()).toHaveLength(16);
	});

	it('deletes the endpoint on deactivation, and counts an endpoint already gone as deleted', async () => {
		const harness = trigger();
		await activate(harness);
		const { id } = storedEndpoint(harness);

		await expect(harness.runWebhookMethod('delete')).resolves.toBe(true);
		expect(endpointsInStripe()).toEqual([]);

		// Stored again as if the delete had not been saved: Stripe now answers 404.
		storedEndpoints(harness).production = { id, secret: 'whsec_gone', url: webhookUrl(harness) };
		await expect(harness.runWebhookMethod('delete')).resolves.toBe(true);
		expect(requestsTo('DELETE', `/v1/webhook_endpoints/${id}`).map((entry) => entry.status)).toEqual([200, 404]);
	});

	it('deletes its endpoint found by metadata when a deactivation has nothing stored (n8n killed mid-activation)', async () => {
		const killed = trigger();
		await activate(killed);
		const other = await dashboard.webhookEndpoints.create({ url: 'https://crm.example/stripe', enabled_events: ['*'] });
		// The restarted n8n never saw the create answer: its static data holds no endpoint.
		const restarted = trigger();

		await expect(restarted.runWebhookMethod('delete')).resolves.toBe(true);

		expect(endpointsInStripe().map((endpoint) => endpoint.id)).toEqual([other.id]);
	});

	it('keeps separate endpoints for the test webhook and the production webhook', async () => {
		const harness = trigger();
		await activate(harness, 'activate');
		await activate(harness, 'manual');

		expect(endpointsInStripe().map((endpoint) => [endpoint.url, endpoint.metadata?.webhook_kind]).sort()).toEqual([
			[`https://n8n.example.test/webhook-test/${harness.node.webhookId}/webhook`, 'test'],
			[webhookUrl(harness), 'production'],
		]);

		// Stopping the test listener leaves the production endpoint serving.
		await harness.runWebhookMethod('delete', { activation: 'manual' });
		expect(endpointsInStripe().map((endpoint) => endpoint.id)).toEqual([storedEndpoint(harness).id]);
	});

	it('registers a Connect endpoint for connected accounts and adopts it on re-activation', async () => {
		const harness = trigger({ options: { connectedAccounts: true } });
		await activate(harness);
		await activate(harness);

		// Stripe reports a Connect endpoint by its application; the create request carried connect=true.
		expect(endpointsInStripe()).toEqual([expect.objectContaining({ id: storedEndpoint(harness).id, application: expect.any(String) })]);
		expect(requestsTo('POST', '/v1/webhook_endpoints').map((entry) => entry.bodyKeys)).toEqual([expect.arrayContaining(['connect'])]);
	});

	it('registers nothing in manual mode', async () => {
		const harness = trigger({ webhookRegistration: 'manual', signingSecret: 'whsec_pasted' });

		await activate(harness);
		await harness.runWebhookMethod('delete');

		expect(requestsTo('GET', '/v1/webhook_endpoints')).toEqual([]);
		expect(requestsTo('POST', '/v1/webhook_endpoints')).toEqual([]);
	});
});

/** A delivery as Stripe makes it: the event as JSON, signed with the endpoint's secret at `timestamp`. */
function signedDelivery(event: Stripe.Event | string, secret: string, timestamp?: number): { rawBody: Buffer; headers: Record<string, string> } {
	const payload = typeof event === 'string' ? event : JSON.stringify(event, null, 2);
	return {
		rawBody: Buffer.from(payload),
		headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }) },
	};
}

function eventOf(result: { events: Stripe.Event[] }, type: string): Stripe.Event {
	const event = result.events.find((candidate) => candidate.type === type);
	if (!event) throw new Error(`the scenario emitted no ${type}`);
	return event;
}

function scenarioEvent(name: ScenarioName, type: string): Stripe.Event {
	return eventOf(runScenario(emulator, name), type);
}

function activitiesOf(run: WebhookRun): IDataObject[] {
	return (run.result.workflowData?.[0] ?? []).map((item) => item.json);
}

/** The runs that started an execution. */
function executions(runs: WebhookRun[]): WebhookRun[] {
	return runs.filter((run) => run.result.workflowData !== undefined);
}

describe('Stripe Lifecycle Trigger: deliveries', () => {
	/** Trials, charges and failed invoices: enough to see both selected and unselected events. */
	const selection = { categories: ['trial', 'charge'], activities: ['invoice.payment_failed'] };
	let harness: TriggerHarness;
	let secret: string;

	beforeEach(async () => {
		harness = trigger(selection);
		await activate(harness);
		// The secret Stripe holds for the endpoint, which it signs every delivery with.
		secret = emulator.dataset().webhookSecrets.get(storedEndpoint(harness).id)!;
	});

	it('turns a signed trial start into a trial.started activity with the customer fetched once', async () => {
		const started = runScenario(emulator, 'trial_started');
		emulator.clearRequestLog();

		const run = await harness.runWebhook(signedDelivery(eventOf(started, 'customer.subscription.created'), secret));

		expect(activitiesOf(run)).toEqual([
			expect.objectContaining({
				activity: 'trial.started',
				category: 'trial',
				livemode: false,
				customer: { id: started.customer.id, email: started.customer.email, name: started.customer.name },
				subscription: expect.objectContaining({ id: started.subscription!.id, status: 'trialing', mrr: expect.anything() }),
			}),
		]);
		expect(requestsTo('GET', '/v1/customers/').map((entry) => entry.path)).toEqual([`/v1/customers/${started.customer.id}`]);
	});

	it('emits failed invoices and refunds with their amounts, without a customer read when the payload names the customer', async () => {
		const failed = scenarioEvent('payment_failed', 'invoice.payment_failed');
		const refunded = scenarioEvent('refund', 'charge.refunded');
		emulator.clearRequestLog();

		const failedRun = await harness.runWebhook(signedDelivery(failed, secret));
		const refundRun = await harness.runWebhook(signedDelivery(refunded, secret));

		expect(activitiesOf(failedRun)).toEqual([
			expect.objectContaining({ activity: 'invoice.payment_failed', amount: expect.objectContaining({ minor: 2900, currency: 'usd', value: 29 }) }),
		]);
		expect(activitiesOf(refundRun)).toEqual([
			expect.objectContaining({ activity: 'charge.refunded', amount: expect.objectContaining({ minor: 2900, currency: 'usd' }), charge: expect.objectContaining({ refunded: true }) }),
		]);
		expect(requestsTo('GET', '/v1/customers/')).toEqual([]);
	});

	it.each([
		['forged with another secret', (event: Stripe.Event) => signedDelivery(event, 'whsec_forged')],
		['stale (signed 10 minutes ago)', (event: Stripe.Event) => signedDelivery(event, secret, Math.floor(Date.now() / 1000) - 600)],
		['without a signature', (event: Stripe.Event) => ({ rawBody: Buffer.from(JSON.stringify(event)), headers: { 'content-type': 'application/json' } })],
	])('answers 401 and starts nothing for a delivery %s', async (_name, deliver) => {
		const run = await harness.runWebhook(deliver(scenarioEvent('trial_started', 'customer.subscription.created')));

		expect(run.response.statusCode).toBe(401);
		expect(run.result).toEqual({ noWebhookResponse: true });
	});

	it.each([0, Number.NaN, -5])('keeps the 300 s replay window when the tolerance option is %p', async (toleranceSeconds) => {
		const manual = trigger({ ...selection, webhookRegistration: 'manual', signingSecret: 'whsec_pasted', options: { toleranceSeconds } });
		const event = scenarioEvent('trial_started', 'customer.subscription.created');

		const stale = await manual.runWebhook(signedDelivery(event, 'whsec_pasted', Math.floor(Date.now() / 1000) - 600));

		expect(stale.response.statusCode).toBe(401);
	});

	it('answers 400 for a correctly signed body that is not JSON', async () => {
		const run = await harness.runWebhook({ ...signedDelivery('{"id": "evt_1", ', secret), body: {} });

		expect(run.response.statusCode).toBe(400);
		expect(run.result).toEqual({ noWebhookResponse: true });
	});

	it.each([
		['a redelivered event', async (event: Stripe.Event) => (await harness.runWebhook(signedDelivery(event, secret)), event), 'duplicate'],
		['a live-mode event at a test-mode key', async (event: Stripe.Event) => ({ ...event, livemode: true }) as Stripe.Event, 'mode_mismatch'],
	])('acknowledges %s without starting the workflow', async (_name, prepare, reason) => {
		const event = await prepare(scenarioEvent('trial_started', 'customer.subscription.created'));

		const run = await harness.runWebhook(signedDelivery(event, secret));

		expect(run.response).toMatchObject({ statusCode: 200, body: { received: true, executed: false, reason } });
		expect(run.result).toEqual({ noWebhookResponse: true });
	});

	it('guards the mode with the mode stored at registration, and with the credential when none is stored', async () => {
		const trial = () => scenarioEvent('trial_started', 'customer.subscription.created');
		storedEndpoint(harness).mode = 'live';
		const againstStored = await harness.runWebhook(signedDelivery(trial(), secret));
		delete storedEndpoint(harness).mode;
		const againstCredential = await harness.runWebhook(signedDelivery(trial(), secret));

		expect(againstStored.response).toMatchObject({ statusCode: 200, body: { executed: false, reason: 'mode_mismatch' } });
		expect(againstCredential.result.workflowData).toHaveLength(1);
	});

	it('acknowledges an event of a subscribed type whose activity is not selected', async () => {
		// customer.subscription.updated is subscribed for trials, but an upgrade is a subscription activity.
		const upgrade = scenarioEvent('upgrade', 'customer.subscription.updated');

		const run = await harness.runWebhook(signedDelivery(upgrade, secret));

		expect(run.response).toMatchObject({ statusCode: 200, body: { reason: 'not_selected' } });
		expect(run.result.workflowData).toBeUndefined();
	});

	it('keeps the activity with a warning when the customer cannot be read', async () => {
		const webhookOnlyKey = emulator.createRestrictedKey({ webhook_endpoints: 'write' });
		const restricted = trigger(selection, { apiKey: webhookOnlyKey });
		await activate(restricted);
		const restrictedSecret = emulator.dataset().webhookSecrets.get(storedEndpoint(restricted).id)!;
		const started = runScenario(emulator, 'trial_started');

		const run = await restricted.runWebhook(signedDelivery(eventOf(started, 'customer.subscription.created'), restrictedSecret));

		expect(activitiesOf(run)).toEqual([
			expect.objectContaining({
				activity: 'trial.started',
				customer: expect.objectContaining({ id: started.customer.id, email: null }),
				warnings: [expect.stringContaining('rak_customer_read')],
			}),
		]);
	});

	it('answers 400 to a thin event from a pasted thin-events destination secret and says in the log what to create instead', async () => {
		const manual = trigger({ ...selection, webhookRegistration: 'manual', signingSecret: 'whsec_from_a_thin_destination' });
		const warnings = jest.spyOn(Container.get(Logger), 'warn').mockImplementation(() => undefined);
		const thin = JSON.stringify({ id: 'evt_test_thin_1', object: 'v2.core.event', type: 'v1.billing.meter.no_meter_found', livemode: false, created: '2026-11-01T00:00:00.000Z', related_object: null });

		const run = await manual.runWebhook(signedDelivery(thin, 'whsec_from_a_thin_destination'));

		expect(run.response).toMatchObject({ statusCode: 400, body: { error: expect.stringContaining('snapshot events') } });
		expect(run.result).toEqual({ noWebhookResponse: true });
		expect(warnings.mock.calls.map(([message]) => message)).toEqual([expect.stringMatching(/thin event evt_test_thin_1.*snapshot events/)]);
		warnings.mockRestore();
	});

	it('frees its de-duplication store on deactivation, in automatic and in manual mode', async () => {
		const manual = trigger({ ...selection, webhookRegistration: 'manual', signingSecret: 'whsec_pasted' });
		for (const [instance, signingSecret] of [[harness, secret], [manual, 'whsec_pasted']] as const) {
			await instance.runWebhook(signedDelivery(scenarioEvent('trial_started', 'customer.subscription.created'), signingSecret));
			// The trigger keys its store by workflow, node and kind (production here).
			const store = dedupeStoreFor(`${HARNESS_WORKFLOW_ID}|${HARNESS_NODE_ID}|production`);
			expect(store.size).toBeGreaterThan(0);

			await instance.runWebhookMethod('delete');

			const after = dedupeStoreFor(`${HARNESS_WORKFLOW_ID}|${HARNESS_NODE_ID}|production`);
			expect(after).not.toBe(store);
			expect(after.size).toBe(0);
		}
	});

	it('verifies with the pasted secret in manual mode', async () => {
		const manual = trigger({ ...selection, webhookRegistration: 'manual', signingSecret: ' whsec_pasted_from_dashboard ' });
		const event = scenarioEvent('trial_started', 'customer.subscription.created');

		const forged = await manual.runWebhook(signedDelivery(event, secret));
		const genuine = await manual.runWebhook(signedDelivery(event, 'whsec_pasted_from_dashboard'));

		expect(forged.response.statusCode).toBe(401);
		expect(activitiesOf(genuine).map((activity) => activity.activity)).toEqual(['trial.started']);
	});
});

describe('Stripe Lifecycle Trigger: exactly once across processes', () => {
	const selection = { categories: ['trial'] };
	const exactlyOnce = { ...selection, options: { exactlyOnceAcrossProcesses: true } };

	/**
	 * The same active workflow in a second n8n process: a fresh copy of the node's module, so its
	 * in-memory dedupe and secret cache are empty, over the workflow's static data from the database.
	 */
	function inAnotherProcess(first: TriggerHarness, parameters: INodeParameters): TriggerHarness {
		let node: StripeLifecycleTrigger | undefined;
		jest.isolateModules(() => {
			// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.isolateModules loads a second copy only through a synchronous require
			const fresh = require('../../nodes/StripeLifecycleTrigger/StripeLifecycleTrigger.node') as typeof import('../../nodes/StripeLifecycleTrigger/StripeLifecycleTrigger.node');
			node = new fresh.StripeLifecycleTrigger();
		});
		return new TriggerHarness({
			node: node!,
			parameters,
			credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.keys.secretTest) },
			staticData: first.staticData,
		});
	}

	async function deliverToBoth(parameters: INodeParameters): Promise<{ runs: WebhookRun[]; first: TriggerHarness }> {
		const first = trigger(parameters);
		await activate(first);
		const second = inAnotherProcess(first, parameters);
		const secret = emulator.dataset().webhookSecrets.get(storedEndpoint(first).id)!;
		const event = scenarioEvent('trial_started', 'customer.subscription.created');
		// Stripe retried while the first delivery was still running; the retry reached the other process.
		const runs = await Promise.all([first.runWebhook(signedDelivery(event, secret)), second.runWebhook(signedDelivery(event, secret))]);
		return { runs, first };
	}

	it('runs an event delivered to two processes at once exactly once; the other answers 200 duplicate', async () => {
		const { runs, first } = await deliverToBoth(exactlyOnce);

		expect(executions(runs)).toHaveLength(1);
		expect(activitiesOf(executions(runs)[0]).map((activity) => activity.activity)).toEqual(['trial.started']);
		expect(runs.map((run) => run.response).filter((response) => response.ended)).toEqual([
			expect.objectContaining({ statusCode: 200, body: { received: true, executed: false, reason: 'duplicate' } }),
		]);
		expect(requestsTo('POST', `/v1/webhook_endpoints/${storedEndpoint(first).id}`).map((entry) => entry.status).sort()).toEqual([200, 400]);
	});

	it('runs it in both processes with the option off: their memories alone cannot tell', async () => {
		const { runs } = await deliverToBoth(selection);

		expect(executions(runs)).toHaveLength(2);
		expect(requestsTo('POST', '/v1/webhook_endpoints/')).toEqual([]);
	});

	it('runs each event of a storm exactly once when every event reaches both processes and Stripe locks out a quarter of the claims', async () => {
		const parameters = { ...exactlyOnce, fetchCustomer: false };
		const first = trigger(parameters);
		await activate(first);
		const second = inAnotherProcess(first, parameters);
		const { id } = storedEndpoint(first);
		const secret = emulator.dataset().webhookSecrets.get(id)!;
		const template = scenarioEvent('trial_started', 'customer.subscription.created');
		const storm = Array.from({ length: 20 }, (_, index) => ({ ...template, id: `evt_storm_${String(index).padStart(2, '0')}` }) as Stripe.Event);
		emulator.addFault({ kind: 'lock_timeout', rate: 0.25, method: 'POST', pathPrefix: `/v1/webhook_endpoints/${id}` });

		const runs = await Promise.all(storm.flatMap((event) => [first, second].map((instance) => instance.runWebhook(signedDelivery(event, secret)))));

		expect(executions(runs).flatMap((run) => activitiesOf(run).map((activity) => activity.eventId)).sort()).toEqual(storm.map((event) => event.id));
		expect(runs.filter((run) => run.response.ended).map((run) => run.response.body)).toEqual(storm.map(() => ({ received: true, executed: false, reason: 'duplicate' })));
		expect(requestsTo('POST', `/v1/webhook_endpoints/${id}`).filter((entry) => entry.fault === 'lock_timeout').length).toBeGreaterThan(5);
	}, 60_000);

	it('answers 503 and runs nothing when the claim cannot reach Stripe, then runs the redelivery once', async () => {
		const harness = trigger(exactlyOnce);
		await activate(harness);
		const { id } = storedEndpoint(harness);
		const secret = emulator.dataset().webhookSecrets.get(id)!;
		const event = scenarioEvent('trial_started', 'customer.subscription.created');
		emulator.addFault({ kind: 'server_error', rate: 1, method: 'POST', pathPrefix: `/v1/webhook_endpoints/${id}` });

		const failed = await harness.runWebhook(signedDelivery(event, secret));
		emulator.clearFaults();

		expect(failed.response).toMatchObject({ statusCode: 503, ended: true });
		expect(failed.result).toEqual({ noWebhookResponse: true });
		// As many tries as fit in the claim's time budget (back-off is jittered), every one refused.
		const claims = requestsTo('POST', `/v1/webhook_endpoints/${id}`).map((entry) => entry.status);
		expect(claims.length).toBeGreaterThan(1);
		expect(new Set(claims)).toEqual(new Set([500]));

		// Stripe retries: this process forgot the event, so it claims again and runs it.
		const redelivered = await harness.runWebhook(signedDelivery(event, secret));
		const elsewhere = await inAnotherProcess(harness, exactlyOnce).runWebhook(signedDelivery(event, secret));
		const again = await harness.runWebhook(signedDelivery(event, secret));

		expect(executions([failed, redelivered, elsewhere, again])).toEqual([redelivered]);
		expect(activitiesOf(redelivered).map((activity) => activity.activity)).toEqual(['trial.started']);
		expect([elsewhere, again].map((run) => run.response.body)).toEqual([
			{ received: true, executed: false, reason: 'duplicate' },
			{ received: true, executed: false, reason: 'duplicate' },
		]);
	}, 60_000);
});

describe('Stripe Lifecycle Trigger: a verified event starts an execution or is left for Stripe to retry', () => {
	const selection = { categories: ['trial'] };
	const exactlyOnce = { ...selection, options: { exactlyOnceAcrossProcesses: true } };

	/** An active trigger whose credential the test can take away (as if it could not be decrypted) and give back. */
	async function activeTrigger(parameters: INodeParameters) {
		const credentials: Record<string, IDataObject> = { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.keys.secretTest) };
		const stored = credentials.stripeRestrictedKeyApi;
		const harness = new TriggerHarness({ node: new StripeLifecycleTrigger(), parameters, credentials: credentials as never });
		await activate(harness);
		const { id } = storedEndpoint(harness);
		return {
			harness,
			endpointId: id,
			deliver: async (event: Stripe.Event) => await harness.runWebhook(signedDelivery(event, emulator.dataset().webhookSecrets.get(id)!)),
			breakCredential: () => delete credentials.stripeRestrictedKeyApi,
			fixCredential: () => (credentials.stripeRestrictedKeyApi = stored),
		};
	}

	const trialStarted = () => scenarioEvent('trial_started', 'customer.subscription.created');

	it('runs the event with a warning when the credential cannot be read for the customer; the redelivery is a duplicate', async () => {
		const trigger = await activeTrigger(selection);
		const event = trialStarted();
		trigger.breakCredential();

		const first = await trigger.deliver(event);
		trigger.fixCredential();
		const redelivered = await trigger.deliver(event);

		expect(executions([first, redelivered])).toEqual([first]);
		expect(activitiesOf(first)).toEqual([
			expect.objectContaining({ activity: 'trial.started', eventId: event.id, warnings: [expect.stringMatching(/^Could not fetch the customer's email and name, the Stripe credential could not be read: /)] }),
		]);
		expect(redelivered.response.body).toEqual({ received: true, executed: false, reason: 'duplicate' });
	});

	it('with Exactly Once on, answers 503 when the credential cannot be read for the claim, and runs the redelivery', async () => {
		const trigger = await activeTrigger(exactlyOnce);
		const event = trialStarted();
		trigger.breakCredential();

		const first = await trigger.deliver(event);
		trigger.fixCredential();
		const redelivered = await trigger.deliver(event);

		expect(first.response).toMatchObject({ statusCode: 503, ended: true });
		expect(executions([first, redelivered])).toEqual([redelivered]);
	});

	it('does not wait for a 429 with Retry-After: 3600 on the customer read: the event runs at once, with a warning', async () => {
		const trigger = await activeTrigger(selection);
		const event = trialStarted();
		emulator.clearRequestLog();
		emulator.addFault({ kind: 'rate_limit', rate: 1, retryAfterSeconds: 3600, method: 'GET', pathPrefix: '/v1/customers/' });

		const run = await trigger.deliver(event);

		expect(activitiesOf(run)).toEqual([expect.objectContaining({ eventId: event.id, warnings: [expect.stringContaining("Stripe's rate limit was still exceeded after 1 tries")] })]);
		expect(requestsTo('GET', '/v1/customers/')).toHaveLength(1);
	});

	it('claims last: the customer is read before the claim is written', async () => {
		const trigger = await activeTrigger(exactlyOnce);
		emulator.clearRequestLog();

		const run = await trigger.deliver(trialStarted());

		expect(executions([run])).toEqual([run]);
		expect(emulator.requestLog().map((entry) => `${entry.method} ${entry.path.replace(/\/[^/]+$/, '/…')}`)).toEqual(['GET /v1/customers/…', 'POST /v1/webhook_endpoints/…']);
	});

	it.each([
		['off', selection],
		['on', exactlyOnce],
	])('forgets the event when something unexpected fails after it was recorded, so the redelivery runs it (Exactly Once %s)', async (_option, parameters) => {
		const trigger = await activeTrigger(parameters);
		const event = trialStarted();
		const failure = jest.spyOn(enrichment, 'enrichCustomers').mockRejectedValueOnce(new Error('unexpected'));

		const first = await trigger.deliver(event).catch((error: Error) => error);
		const redelivered = await trigger.deliver(event);
		failure.mockRestore();

		expect(first).toEqual(new Error('unexpected'));
		expect(executions([redelivered])).toEqual([redelivered]);
	});

	it('waits for the answer to a claim it sent even past the budget, so a claim Stripe recorded is never left to nobody', async () => {
		const trigger = await activeTrigger({ ...exactlyOnce, fetchCustomer: false });
		const event = trialStarted();
		// Stripe records the claim, but answers only after the delivery's 5 s budget.
		emulator.addFault({ kind: 'latency', count: 1, latencyMs: 5500, method: 'POST', pathPrefix: `/v1/webhook_endpoints/${trigger.endpointId}` });

		const first = await trigger.deliver(event);
		const redelivered = await trigger.deliver(event);

		// Cut off at the budget, the first delivery answered 503 and forgot the event, while Stripe held the
		// claim for its claimant: in queue mode a redelivery reaching another process was then refused forever.
		expect(first.response).toMatchObject({ statusCode: 200 });
		expect(executions([first, redelivered])).toEqual([first]);
		expect(requestsTo('POST', `/v1/webhook_endpoints/${trigger.endpointId}`).map((entry) => [entry.status, entry.replayed])).toEqual([[200, false]]);
	}, 20_000);
});
