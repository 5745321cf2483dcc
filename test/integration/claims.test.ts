/**
 * The cross-process claim on Stripe's idempotency layer, against the emulator's idempotency store:
 * who wins a key, for how long, what the claim writes to the endpoint that carries it, and which
 * endpoint every process of one workflow picks to carry it.
 */
import Stripe from 'stripe';

import { StripeApiError } from '../../nodes/shared/transport/errors';
import { stripeApi, type StripeApi } from '../../nodes/shared/transport/resources';
import { StripeClient } from '../../nodes/shared/transport/stripeClient';
import { MANAGED_BY } from '../../nodes/shared/webhook/endpoints';
import { CLAIM_METADATA_KEY, claimEndpointFor, claimIdempotencyKey, claimOnce } from '../../nodes/shared/webhook/claims';
import { startEmulator, type RunningEmulator } from '../../emulator';

const WORKFLOW_ID = 'wf-claims';
const DAY_SECONDS = 24 * 3600;

let emulator: RunningEmulator;
/** Stripe's own client against the emulator: endpoints as the trigger (or a user) left them. */
let dashboard: Stripe;
let stripe: StripeApi;

beforeAll(async () => {
	emulator = await startEmulator();
	dashboard = new Stripe(emulator.keys.secretTest, { host: '127.0.0.1', port: emulator.port, protocol: 'http' });
	stripe = clientFor(emulator.keys.secretTest);
});

afterAll(async () => {
	await emulator.close();
});

beforeEach(() => {
	emulator.reset();
});

/** The package's transport over plain fetch, with short back-offs so retried faults settle quickly. */
function clientFor(apiKey: string): StripeApi {
	return stripeApi(new StripeClient({
		baseUrl: emulator.url,
		mode: 'test',
		accountKey: 'claims-test',
		clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
		retryPolicy: { baseDelayMs: 1, maxDelayMs: 5 },
		send: async (request) => {
			const response = await fetch(`${emulator.url}${request.url}`, {
				method: request.method,
				headers: { ...request.headers, Authorization: `Bearer ${apiKey}` },
				body: request.body,
			});
			return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
		},
	}), { cursorKey: Buffer.from('claims-test') });
}

function managedMetadata(workflowId: string, kind = 'production'): Record<string, string> {
	return { managed_by: MANAGED_BY, workflow_id: workflowId, node_id: 'trigger-node', webhook_kind: kind };
}

/** An endpoint created now; the emulator clock moves on a minute afterwards so creation order is unambiguous. */
async function endpoint(metadata: Record<string, string> = {}, url = `https://n8n.example.test/webhook/${Object.values(metadata).join('-') || 'foreign'}/webhook`): Promise<Stripe.WebhookEndpoint> {
	const created = await dashboard.webhookEndpoints.create({ url, enabled_events: ['customer.subscription.created', 'invoice.payment_failed'], description: 'n8n: Claims → Trigger', metadata });
	emulator.advanceClock({ seconds: 60 });
	return created;
}

function claimRequests() {
	return emulator.requestLog().filter((entry) => entry.method === 'POST' && entry.path.startsWith('/v1/webhook_endpoints/'));
}

describe('claimOnce', () => {
	let endpointId: string;

	beforeEach(async () => {
		endpointId = (await endpoint(managedMetadata(WORKFLOW_ID))).id;
		emulator.clearRequestLog();
	});

	it('gives the key to the first claimant, again to its retry, and refuses every other claimant', async () => {
		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-a' })).resolves.toBe(true);
		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-a' })).resolves.toBe(true);
		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-b' })).resolves.toBe(false);

		// The retry was Stripe's replay, not a second write; the refusal is Stripe's idempotency_error.
		expect(claimRequests().map((entry) => [entry.status, entry.replayed, entry.idempotencyKey])).toEqual([
			[200, false, claimIdempotencyKey('wf|evt_1')],
			[200, true, claimIdempotencyKey('wf|evt_1')],
			[400, false, claimIdempotencyKey('wf|evt_1')],
		]);
	});

	it('claims each key on its own', async () => {
		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-a' })).resolves.toBe(true);

		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_2', claimant: 'process-b' })).resolves.toBe(true);
		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-b' })).resolves.toBe(false);
	});

	it("holds a key for Stripe's 24 hours, then lets a new claimant win", async () => {
		await claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-a' });

		emulator.advanceClock({ seconds: DAY_SECONDS - 120 });
		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-b' })).resolves.toBe(false);
		emulator.advanceClock({ seconds: 121 });
		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-b' })).resolves.toBe(true);
	});

	it('throws the 404 for an endpoint that does not exist instead of reporting the claim as lost', async () => {
		const claim = claimOnce(stripe, 'we_does_not_exist', { key: 'wf|evt_1', claimant: 'process-a' });

		await expect(claim).rejects.toBeInstanceOf(StripeApiError);
		await expect(claim).rejects.toMatchObject({ httpCode: 404 });
	});

	it("throws when Stripe keeps failing, and the same claimant's next try still wins", async () => {
		emulator.addFault({ kind: 'server_error', count: 6, method: 'POST', pathPrefix: `/v1/webhook_endpoints/${endpointId}` });

		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-a' })).rejects.toMatchObject({ httpCode: 500 });
		expect(claimRequests().map((entry) => entry.status)).toEqual([500, 500, 500, 500, 500, 500]);
		await expect(claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-a' })).resolves.toBe(true);
	});

	it('changes nothing on the endpoint but its claim entry: metadata, events, URL and status stay', async () => {
		const before = await dashboard.webhookEndpoints.retrieve(endpointId);

		await claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-a' });
		await claimOnce(stripe, endpointId, { key: 'wf|evt_1', claimant: 'process-b' });
		await claimOnce(stripe, endpointId, { key: 'wf|evt_2', claimant: 'process-c' });

		const after = await dashboard.webhookEndpoints.retrieve(endpointId);
		// The refused claimant wrote nothing: the entry names the last claim that won.
		expect(after).toEqual({ ...before, metadata: { ...before.metadata, [CLAIM_METADATA_KEY]: 'process-c' } });
		expect(after.metadata).toEqual({ ...managedMetadata(WORKFLOW_ID), [CLAIM_METADATA_KEY]: 'process-c' });
	});
});

describe('claimEndpointFor', () => {
	it("prefers the workflow's own production endpoint over an older one of another workflow", async () => {
		await endpoint(managedMetadata('another-workflow'));
		const own = await endpoint(managedMetadata(WORKFLOW_ID));

		await expect(claimEndpointFor(stripe, WORKFLOW_ID)).resolves.toBe(own.id);
	});

	it("does not pick the workflow's test endpoint when it has a production one", async () => {
		await endpoint(managedMetadata(WORKFLOW_ID, 'test'), 'https://n8n.example.test/webhook-test/trigger/webhook');
		const production = await endpoint(managedMetadata(WORKFLOW_ID));

		await expect(claimEndpointFor(stripe, WORKFLOW_ID)).resolves.toBe(production.id);
	});

	it('falls back to the oldest endpoint of the package when the workflow has none', async () => {
		const oldest = await endpoint(managedMetadata('workflow-1'));
		await endpoint(managedMetadata('workflow-2'));

		await expect(claimEndpointFor(stripe, WORKFLOW_ID)).resolves.toBe(oldest.id);
	});

	it('never picks a test endpoint, which lives only while the editor listens: not even the oldest, nor the only one', async () => {
		await endpoint(managedMetadata('workflow-1', 'test'), 'https://n8n.example.test/webhook-test/workflow-1/webhook');
		await expect(claimEndpointFor(stripe, WORKFLOW_ID)).resolves.toBeUndefined();

		const production = await endpoint(managedMetadata('workflow-2'));
		await expect(claimEndpointFor(stripe, WORKFLOW_ID)).resolves.toBe(production.id);
	});

	it('ignores endpoints the package does not manage, even older ones naming the workflow', async () => {
		await endpoint({ workflow_id: WORKFLOW_ID, webhook_kind: 'production' }, 'https://crm.example/stripe');
		await endpoint({ managed_by: 'another-tool', workflow_id: WORKFLOW_ID }, 'https://other-tool.example/stripe');
		const ours = await endpoint(managedMetadata('another-workflow'));

		await expect(claimEndpointFor(stripe, WORKFLOW_ID)).resolves.toBe(ours.id);
	});

	it('finds nothing in an account without endpoints of the package', async () => {
		await expect(claimEndpointFor(stripe, WORKFLOW_ID)).resolves.toBeUndefined();
		await endpoint({}, 'https://crm.example/stripe');

		await expect(claimEndpointFor(stripe, WORKFLOW_ID)).resolves.toBeUndefined();
	});
});
