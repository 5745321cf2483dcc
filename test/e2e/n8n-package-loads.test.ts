/**
 * Proves the whole chain a user goes through: the npm-packed package is installed into a real n8n's
 * `.n8n/nodes`, n8n loads its types, and workflows using them import, activate and run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CREDENTIAL_BLANKING_VALUE, type IDataObject } from 'n8n-workflow';
import { REQUIRED_PERMISSIONS } from '../../nodes/shared/transport/permissions';
import type { RunningEmulator } from '../../emulator';
import { chain, declaredTypes, lifecycleNode, webhookNode, type N8nInstance } from '../../dev/n8n';
import { emulatorKeyCredential } from '../../dev/credentials';
import { receivedAfterRedirect, startListener } from '../support/listener';
import { useStack } from '../support/stack';

const PACKAGE = 'n8n-nodes-stripe-lifecycle';

let n8n: N8nInstance;
let stripe: RunningEmulator;

useStack((started) => ({ n8n, stripe } = started));

function uniquePath(purpose: string): string {
	return `${purpose}-${randomBytes(6).toString('hex')}`;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
	const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	return { status: response.status, body: await response.json() };
}

describe(`${PACKAGE} installed from its tarball into n8n`, () => {
	it('loads the credential and node types the package declares', async () => {
		const declared = declaredTypes();
		const credentialTypes = await n8n.credentialTypes();
		const nodeTypes = await n8n.nodeTypes();

		expect(credentialTypes).toContain('stripeRestrictedKeyApi');
		expect(nodeTypes).toContain(`${PACKAGE}.stripeLifecycle`);
		// Every type in package.json's "n8n" section, so nodes added later are covered without editing this test.
		expect(credentialTypes).toEqual(expect.arrayContaining(declared.credentialTypes));
		expect(nodeTypes).toEqual(expect.arrayContaining(declared.nodeTypes));
	});

	it('stores a credential of the package type without writing the key to its logs', async () => {
		const apiKey = `rk_test_${randomBytes(16).toString('hex')}`;

		const credential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe e2e', emulatorKeyCredential({ url: 'http://127.0.0.1:9' }, apiKey));
		const stored = await n8n.rest<{ type: string }>('GET', `/credentials/${credential.id}`);

		expect(stored.type).toBe('stripeRestrictedKeyApi');
		expect(n8n.logs()).not.toContain(apiKey);
	});

	it('imports, activates and runs a webhook workflow, recording its execution', async () => {
		const path = uniquePath('echo');
		const workflowId = await n8n.importWorkflow(
			chain('e2e echo', [
				webhookNode(path),
				{
					id: randomUUID(),
					name: 'Echo',
					type: 'n8n-nodes-base.set',
					typeVersion: 3.4,
					position: [200, 0],
					parameters: {
						assignments: { assignments: [{ id: randomUUID(), name: 'echo', value: '={{ $json.body.ping }}', type: 'string' }] },
						options: {},
					},
				},
			]),
		);
		await n8n.activateWorkflow(workflowId);

		const response = await postJson(n8n.webhookUrl(path), { ping: 'pong' });

		expect(response).toEqual({ status: 200, body: [{ echo: 'pong' }] });
		const [execution] = await n8n.waitForExecutions(workflowId, 1);
		expect(execution.status).toBe('success');
		const details = await n8n.getExecution(execution.id);
		expect(details.data.resultData.runData.Echo[0].data?.main[0]?.[0].json).toEqual({ echo: 'pong' });
	});

	it('runs the Stripe Lifecycle node against the Stripe emulator with a stored credential', async () => {
		const apiKey = stripe.keys.secretTest;
		const credential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe emulator', emulatorKeyCredential(stripe, apiKey));
		const path = uniquePath('check-permissions');
		const workflowId = await n8n.importWorkflow(
			chain('e2e check permissions', [
				webhookNode(path),
				lifecycleNode(credential, { resource: 'account', operation: 'checkPermissions' }),
			]),
		);
		await n8n.activateWorkflow(workflowId);

		const response = await postJson(n8n.webhookUrl(path), {});

		expect(response.status).toBe(200);
		// A secret key holds every permission, so each required one is reported granted.
		expect(response.body).toEqual(
			REQUIRED_PERMISSIONS.map((entry) => expect.objectContaining({ permission: entry.permission, granted: true, fix: null })),
		);
		expect(stripe.requestLog()).toEqual(expect.arrayContaining([expect.objectContaining({ keyKind: 'secret', mode: 'test' })]));
		const [execution] = await n8n.waitForExecutions(workflowId, 1);
		expect(execution.status).toBe('success');
		expect(n8n.logs()).not.toContain(apiKey);
	});

	it("refuses to send the key outside the URL rule in n8n's own credential test and credential probe, saying why", async () => {
		const listener = await startListener();
		try {
			const apiKey = stripe.keys.secretTest;
			const credential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe credential test', emulatorKeyCredential(stripe, apiKey));
			// What an editor who cannot see the key sends on "Test" after changing the URL: the key stays blanked and n8n fills it in.
			const data = (changes: IDataObject) => ({ apiKey: CREDENTIAL_BLANKING_VALUE, accountId: '', customBaseUrl: true, baseUrl: stripe.url, ...changes });
			const test = async (changes: IDataObject) =>
				await n8n.rest<{ status: string; message: string }>('POST', '/credentials/test', { credentials: { ...credential, data: data(changes) } });

			expect(await test({})).toMatchObject({ status: 'OK' });
			expect(await test({ baseUrl: `http://stripe:hunter2@127.0.0.1:${listener.port}` })).toEqual({
				status: 'Error',
				message: expect.stringMatching(/^No request was sent\. The API Base URL http:\/\/127\.0\.0\.1:\d+ contains a user name or password/),
			});
			expect(await test({ baseUrl: `http://0.0.0.0:${listener.port}` })).toEqual({
				status: 'Error',
				message: expect.stringMatching(/plain http to another machine: use https/),
			});

			// n8n 2.40's probe sends a stored credential to a `testUrl` stored with it; the key must not follow.
			await n8n.rest('PATCH', `/credentials/${credential.id}`, {
				...credential,
				data: data({ testUrl: `http://127.0.0.1:${listener.port}/probe`, serviceOrigin: `http://127.0.0.1:${listener.port}` }),
			});
			expect(await n8n.rest('POST', `/credentials/${credential.id}/probe`)).toMatchObject({
				status: 'Error',
				message: expect.stringMatching(/goes only to Stripe and http:\/\/127\.0\.0\.1:\d+, not to http:\/\/127\.0\.0\.1:/),
			});

			// An allowed URL that redirects elsewhere: the test request follows it without the key.
			const redirected = await receivedAfterRedirect(async (baseUrl) => await test({ baseUrl }));
			expect(redirected.length).toBeGreaterThan(0);
			expect(redirected.map((request) => request.headers.authorization)).toEqual(redirected.map(() => undefined));

			expect(listener.received).toEqual([]);
			expect(n8n.logs()).not.toContain(apiKey);
			expect(n8n.logs()).not.toContain('hunter2');
		} finally {
			await listener.close();
		}
	});
});
