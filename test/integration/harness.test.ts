import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';

import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { stripeClient, toNodeError } from '../../nodes/shared/transport';
import { REQUIRED_PERMISSIONS } from '../../nodes/shared/transport/permissions';
import { STRIPE_API_VERSION } from '../../nodes/shared/transport/stripeClient';
import { NODE_UNDER_TEST, TriggerHarness, WEBHOOK_BASE_URL, deduplicationStore, runNode } from '../../dev/n8nCoreRunner';
import { emulatorKeyCredential } from '../../dev/credentials';

const RESTRICTED_KEY = 'rk_test_51HarnessKeyabcd';
/** The server answers this key with Stripe's 401, as for a rolled key. */
const REVOKED_KEY = 'rk_test_51RevokedKey';

interface ReceivedRequest {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: string;
}

/** Just enough of Stripe to tell a restricted key what it lacks: it has no Subscriptions: Read. */
function startFakeStripe(): Promise<{ server: Server; baseUrl: string; received: ReceivedRequest[] }> {
	const received: ReceivedRequest[] = [];
	const server = createServer((req, res) => {
		let body = '';
		req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
		req.on('end', () => {
			received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
			const path = (req.url ?? '').split('?')[0];
			const reply = (status: number, json: unknown) => {
				res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${received.length}` });
				res.end(JSON.stringify(json));
			};
			if (req.headers.authorization === `Bearer ${REVOKED_KEY}`) {
				return reply(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: rk_test_****eKey' } });
			}
			if (path === '/v1/subscriptions') {
				return reply(403, {
					error: {
						type: 'invalid_request_error',
						message:
							"The provided key 'rk_test_***...abcd' does not have the required permissions for this endpoint on account 'acct_1'. Having the 'rak_subscription_read' permission would allow this request to continue.",
					},
				});
			}
			if (req.method === 'POST' && path === '/v1/webhook_endpoints') {
				const url = new URLSearchParams(body).get('url');
				if (!url) return reply(400, { error: { type: 'invalid_request_error', message: 'Missing required param: url.', param: 'url' } });
				return reply(200, { id: 'we_1', object: 'webhook_endpoint', url, secret: 'whsec_harness' });
			}
			if (req.method === 'DELETE' && path.startsWith('/v1/webhook_endpoints/')) {
				return reply(200, { id: path.split('/').pop(), object: 'webhook_endpoint', deleted: true });
			}
			return reply(200, { object: 'list', data: [], has_more: false, url: path });
		});
	});
	return new Promise((resolve) =>
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			resolve({ server, baseUrl: `http://127.0.0.1:${port}`, received });
		}),
	);
}

let fakeStripe: Awaited<ReturnType<typeof startFakeStripe>>;

beforeAll(async () => {
	fakeStripe = await startFakeStripe();
});

afterAll(async () => {
	await new Promise((resolve) => fakeStripe.server.close(resolve));
});

beforeEach(() => {
	fakeStripe.received.length = 0;
});

function credentialsFor(apiKey: string) {
	return { stripeRestrictedKeyApi: emulatorKeyCredential({ url: fakeStripe.baseUrl }, apiKey, 'acct_1') };
}

const checkPermissions = { resource: 'account', operation: 'checkPermissions' };

describe('runNode: StripeLifecycle in n8n-core', () => {
	it('checks every permission through the credential and reports the missing one with a fix', async () => {
		const [rows] = await runNode({ node: new StripeLifecycle(), parameters: checkPermissions, credentials: credentialsFor(RESTRICTED_KEY) });

		expect(rows.map((row) => row.json.permission)).toEqual(REQUIRED_PERMISSIONS.map((entry) => entry.permission));
		const subscriptions = rows.find((row) => row.json.permission === 'rak_subscription_read');
		expect(subscriptions?.json).toMatchObject({ granted: false, fix: expect.stringContaining('Subscriptions to Read') });
		expect(rows.filter((row) => row.json.granted === false)).toHaveLength(1);
		expect(rows.every((row) => JSON.stringify(row.pairedItem) === JSON.stringify({ item: 0 }))).toBe(true);

		expect(fakeStripe.received).toHaveLength(REQUIRED_PERMISSIONS.length);
		for (const request of fakeStripe.received) {
			expect(request.headers).toMatchObject({
				authorization: `Bearer ${RESTRICTED_KEY}`,
				'stripe-version': STRIPE_API_VERSION,
				'stripe-account': 'acct_1',
			});
		}
		expect(fakeStripe.received.find((request) => request.method === 'POST')?.url).toBe('/v1/webhook_endpoints');
	});

	it('pairs every row with the input item it was made for', async () => {
		const [rows] = await runNode({
			node: new StripeLifecycle(),
			parameters: checkPermissions,
			credentials: credentialsFor(RESTRICTED_KEY),
			input: [{ customer: 'a' }, { customer: 'b' }],
		});

		expect(rows).toHaveLength(2 * REQUIRED_PERMISSIONS.length);
		expect(rows.map((row) => row.pairedItem)).toEqual([
			...REQUIRED_PERMISSIONS.map(() => ({ item: 0 })),
			...REQUIRED_PERMISSIONS.map(() => ({ item: 1 })),
		]);
	});

	it('refuses a publishable key before calling Stripe, without repeating the key', async () => {
		const error: unknown = await runNode({ node: new StripeLifecycle(), parameters: checkPermissions, credentials: credentialsFor('pk_live_SECRETISH123') }).catch(
			(caught: unknown) => caught,
		);

		expect(error).toBeInstanceOf(NodeOperationError);
		const { message, description } = error as NodeOperationError;
		expect(message).toContain('does not hold a secret or restricted key');
		expect(description).toContain('rk_live_');
		expect(`${message} ${description}`).not.toContain('SECRETISH');
		expect(fakeStripe.received).toHaveLength(0);
	});

	it.each([
		['a user name and password in it', (port: number) => `http://stripe:hunter2@127.0.0.1:${port}`, /contains a user name or password/],
		// 0.0.0.0 reaches this machine's servers but is not a loopback address: plain http is refused.
		['plain http to a host that is not loopback', (port: number) => `http://0.0.0.0:${port}`, /plain http to another machine: use https/],
	])('refuses a custom base URL with %s before any request, saying why', async (_case, baseUrl, reason) => {
		const port = Number(new URL(fakeStripe.baseUrl).port);
		const credentials = { stripeRestrictedKeyApi: { ...credentialsFor(RESTRICTED_KEY).stripeRestrictedKeyApi, baseUrl: baseUrl(port) } };

		const error = (await runNode({ node: new StripeLifecycle(), parameters: checkPermissions, credentials }).catch((caught: unknown) => caught)) as NodeOperationError;

		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('No request was sent: the Stripe credential points to a URL it may not use');
		expect(error.description).toMatch(reason);
		expect(JSON.stringify(error)).not.toContain('hunter2');
		expect(fakeStripe.received).toHaveLength(0);
	});

	it('does not let the key follow a redirect to another host', async () => {
		const elsewhere: IncomingHttpHeaders[] = [];
		const other = createServer((req, res) => {
			elsewhere.push(req.headers);
			res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"object":"list","data":[],"has_more":false}');
		});
		await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
		const redirecting = createServer((req, res) => res.writeHead(302, { Location: `http://127.0.0.1:${(other.address() as AddressInfo).port}${req.url}` }).end());
		await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
		try {
			const credentials = { stripeRestrictedKeyApi: emulatorKeyCredential({ url: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}` }, RESTRICTED_KEY) };
			await runNode({ node: new StripeLifecycle(), parameters: checkPermissions, credentials, continueOnFail: true });

			expect(elsewhere.length).toBeGreaterThan(0);
			expect(elsewhere.map((headers) => headers.authorization)).toEqual(elsewhere.map(() => undefined));
		} finally {
			await Promise.all([other, redirecting].map(async (server) => await new Promise((resolve) => server.close(resolve))));
		}
	});

	it('surfaces a rejected key as a NodeApiError with what to do', async () => {
		await expect(runNode({ node: new StripeLifecycle(), parameters: checkPermissions, credentials: credentialsFor(REVOKED_KEY) })).rejects.toMatchObject({
			constructor: NodeApiError,
			message: 'Stripe rejected the API key',
			description: expect.stringContaining('Create a restricted key'),
			httpCode: '401',
		});
	});

	it('requires the credential, as n8n does for a node without one', async () => {
		await expect(runNode({ node: new StripeLifecycle(), parameters: checkPermissions })).rejects.toThrow('Node does not have any credentials set');
	});

	it('returns the node\'s per-item error when continuing on fail', async () => {
		const [rows] = await runNode({
			node: new StripeLifecycle(),
			parameters: checkPermissions,
			credentials: credentialsFor(REVOKED_KEY),
			continueOnFail: true,
		});

		expect(rows).toEqual([
			{ json: { error: 'Stripe rejected the API key', description: expect.stringContaining('Create a restricted key') }, pairedItem: { item: 0 } },
		]);
	});

	it('turns a credential that cannot be used into an error item per input item when continuing on fail', async () => {
		const [rows] = await runNode({
			node: new StripeLifecycle(),
			parameters: checkPermissions,
			credentials: credentialsFor('pk_live_SECRETISH123'),
			input: [{ customer: 'a' }, { customer: 'b' }],
			continueOnFail: true,
		});

		expect(rows).toEqual([0, 1].map((item) => ({
			json: { error: 'The Stripe credential does not hold a secret or restricted key', description: expect.stringContaining('rk_live_') },
			pairedItem: { item },
		})));
		expect(JSON.stringify(rows)).not.toContain('SECRETISH');
	});
});

/**
 * A minimal Stripe trigger built on the package's transport, standing in for the real trigger
 * until it lands: it registers its webhook URL, keeps the endpoint in static data, and answers
 * unsigned deliveries itself.
 */
class HarnessTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Harness Trigger',
		name: 'harnessTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Test trigger',
		defaults: { name: 'Harness Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'stripeRestrictedKeyApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'stripe' }],
		properties: [],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return this.getWorkflowStaticData('node').endpointId !== undefined;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				const stripe = await stripeClient(this);
				try {
					const endpoint = await stripe.webhookEndpoints.create({
						url: String(this.getNodeWebhookUrl('default')),
						enabled_events: ['*'],
					});
					Object.assign(this.getWorkflowStaticData('node'), { endpointId: endpoint.id, secret: endpoint.secret });
					return true;
				} catch (error) {
					throw toNodeError(this, error);
				}
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const staticData = this.getWorkflowStaticData('node');
				const stripe = await stripeClient(this);
				await stripe.webhookEndpoints.del(String(staticData.endpointId));
				delete staticData.endpointId;
				delete staticData.secret;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject() as unknown as { rawBody: Buffer };
		const signature = this.getHeaderData()['stripe-signature'];
		if (!signature) {
			this.getResponseObject().status(400).send('Missing Stripe-Signature');
			return { noWebhookResponse: true };
		}
		const secret = this.getWorkflowStaticData('node').secret;
		return { workflowData: [[{ json: { signature, secret, bytes: request.rawBody.length, type: this.getBodyData().type } }]] };
	}
}

describe('TriggerHarness: webhook methods and calls', () => {
	it('keeps the endpoint in static data across checkExists, create and delete', async () => {
		const trigger = new TriggerHarness({ node: new HarnessTrigger(), credentials: credentialsFor(RESTRICTED_KEY) });

		expect(await trigger.runWebhookMethod('checkExists')).toBe(false);
		expect(await trigger.runWebhookMethod('create')).toBe(true);
		expect(await trigger.runWebhookMethod('checkExists')).toBe(true);
		expect(trigger.staticData).toEqual({ [`node:${NODE_UNDER_TEST}`]: { endpointId: 'we_1', secret: 'whsec_harness' } });

		const registration = new URLSearchParams(fakeStripe.received[0].body);
		expect(registration.get('url')).toMatch(new RegExp(`^${WEBHOOK_BASE_URL}/.+/stripe$`));
		expect(fakeStripe.received[0].headers.authorization).toBe(`Bearer ${RESTRICTED_KEY}`);

		expect(await trigger.runWebhookMethod('delete')).toBe(true);
		expect(fakeStripe.received[1]).toMatchObject({ method: 'DELETE', url: '/v1/webhook_endpoints/we_1' });
		expect(await trigger.runWebhookMethod('checkExists')).toBe(false);
	});

	it('hands webhook() the raw body, headers and static data, and records a direct response', async () => {
		const trigger = new TriggerHarness({
			node: new HarnessTrigger(),
			credentials: credentialsFor(RESTRICTED_KEY),
			staticData: { [`node:${NODE_UNDER_TEST}`]: { secret: 'whsec_saved' } },
		});
		const rawBody = Buffer.from('{"id":"evt_1","type":"customer.created"}');

		const signed = await trigger.runWebhook({ headers: { 'Stripe-Signature': 't=1,v1=abc' }, rawBody });
		expect(signed.result.workflowData).toEqual([
			[{ json: { signature: 't=1,v1=abc', secret: 'whsec_saved', bytes: rawBody.length, type: 'customer.created' } }],
		]);

		const unsigned = await trigger.runWebhook({ rawBody });
		expect(unsigned.result).toEqual({ noWebhookResponse: true });
		expect(unsigned.response).toMatchObject({ statusCode: 400, body: 'Missing Stripe-Signature', ended: true });
	});
});

/** Emits only the items whose key (an expression, `$json.id` by default) this node has not seen before. */
class HarnessDedupe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Harness Dedupe',
		name: 'harnessDedupe',
		group: ['transform'],
		version: 1,
		description: 'Test deduplication',
		defaults: { name: 'Harness Dedupe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Key', name: 'key', type: 'string', default: '={{ $json.id }}' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const keys = items.map((_, itemIndex) => String(this.getNodeParameter('key', itemIndex)));
		const { new: fresh } = await this.helpers.checkProcessedAndRecord(keys, 'node', { mode: 'entries' });
		return [items.filter((_, itemIndex) => fresh.includes(keys[itemIndex]))];
	}
}

describe('checkProcessedAndRecord', () => {
	beforeEach(() => deduplicationStore.clear());

	it('remembers processed ids between runs of the same node', async () => {
		const first = await runNode({ node: new HarnessDedupe(), input: [{ id: 'evt_1' }, { id: 'evt_2' }] });
		const second = await runNode({ node: new HarnessDedupe(), input: [{ id: 'evt_2' }, { id: 'evt_3' }] });

		expect(first[0].map((item) => item.json.id)).toEqual(['evt_1', 'evt_2']);
		expect(second[0].map((item) => item.json.id)).toEqual(['evt_3']);
	});

	it('resolves the key expression per item with n8n\'s expression engine', async () => {
		const run = (input: Array<{ customer: string; type: string }>) =>
			runNode({ node: new HarnessDedupe(), parameters: { key: '={{ $json.customer }}:{{ $json.type }}' }, input });

		await run([{ customer: 'cus_1', type: 'invoice.paid' }]);
		const [output] = await run([
			{ customer: 'cus_1', type: 'invoice.paid' },
			{ customer: 'cus_1', type: 'invoice.payment_failed' },
			{ customer: 'cus_2', type: 'invoice.paid' },
		]);

		expect(output.map((item) => item.json)).toEqual([
			{ customer: 'cus_1', type: 'invoice.payment_failed' },
			{ customer: 'cus_2', type: 'invoice.paid' },
		]);
	});
});
