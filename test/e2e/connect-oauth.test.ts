/**
 * Stripe Connect through n8n's own OAuth endpoints: n8n builds the authorization URL, the
 * emulator consents for a new connected account and redirects to n8n's callback, n8n trades the
 * code for a token; a Stripe Lifecycle node then reads that account's profiles with it.
 */
import { randomBytes } from 'node:crypto';

import { CREDENTIAL_BLANKING_VALUE, type IDataObject } from 'n8n-workflow';

import type { RunningEmulator } from '../../emulator';
import { chain, lifecycleNode, webhookNode, type N8nInstance } from '../../dev/n8n';
import { emulatorConnectCredential } from '../../dev/credentials';
import { receivedAfterRedirect, startListener } from '../support/listener';
import { useStack } from '../support/stack';

let n8n: N8nInstance;
let stripe: RunningEmulator;

useStack((started) => ({ n8n, stripe } = started));

/** Follows n8n's authorization URL to the emulator and the emulator's redirect back to n8n. */
async function authorizeInBrowser(credentialId: string): Promise<string> {
	const authorizationUrl = await n8n.rest<string>('GET', `/oauth2-credential/auth?id=${credentialId}`);
	const consent = await fetch(authorizationUrl, { redirect: 'manual' });
	expect(consent.status).toBe(302);
	const callback = consent.headers.get('location') as string;
	const page = await n8n.browse(callback);
	return await page.text();
}

async function runGetManyProfiles(credential: { id: string; name: string }): Promise<{ status: number; body: unknown; workflowId: string }> {
	const path = `connect-${randomBytes(6).toString('hex')}`;
	const workflowId = await n8n.importWorkflow(
		chain(`e2e connect ${path}`, [
			webhookNode(path),
			{
				...lifecycleNode(
					credential,
					{ authentication: 'connectOAuth2', resource: 'customer', operation: 'getMany', returnAll: true, options: { includePayments: false } },
					'stripeConnectOAuth2Api',
				),
				// Continue on fail, so a rejected token comes back as the node's error item.
				onError: 'continueRegularOutput',
			},
		]),
	);
	await n8n.activateWorkflow(workflowId);
	const response = await fetch(n8n.webhookUrl(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
	return { status: response.status, body: await response.json(), workflowId };
}

it('connects an account through n8n\'s OAuth flow, reads its profiles, and explains a revoked token', async () => {
	const credential = await n8n.createCredential(
		'stripeConnectOAuth2Api',
		'Stripe Connect (emulator)',
		emulatorConnectCredential(stripe, stripe.oauth.clientId, stripe.keys.secretTest),
	);

	const page = await authorizeInBrowser(credential.id);
	expect(page).not.toMatch(/error/i);
	const [account] = stripe.oauth.connectedAccounts();
	expect(account).toMatch(/^acct_/);

	// The connected account's own customer, and one of the platform that must stay invisible.
	stripe.createCustomer({ email: 'owner@connected.example', name: 'Connected Owner' }, { account });
	stripe.createCustomer({ email: 'someone@platform.example' });

	const connected = await runGetManyProfiles(credential);
	expect(connected.status).toBe(200);
	expect(connected.body).toEqual([expect.objectContaining({ email: 'owner@connected.example', status: 'lead' })]);
	expect(stripe.requestLog().filter((entry) => entry.path === '/v1/customers').every((entry) => entry.status === 200)).toBe(true);

	stripe.oauth.deauthorize(account);
	const revoked = await runGetManyProfiles(credential);
	expect(revoked.body).toEqual([
		expect.objectContaining({ error: "Stripe rejected the connected account's access token", description: expect.stringContaining('Reconnect') }),
	]);
	// Secrets: the platform key, every access and refresh token, in n8n's output, the execution records and the node output.
	const secrets = [stripe.keys.secretTest, ...stripe.oauth.issuedTokens()];
	expect(secrets.length).toBeGreaterThanOrEqual(3);
	const records = await Promise.all(
		[connected.workflowId, revoked.workflowId].map(async (workflowId) =>
			Promise.all((await n8n.listExecutions(workflowId)).map(async (execution) => JSON.stringify(await n8n.getExecution(execution.id)))),
		),
	);
	expect(records.flat()).toHaveLength(2);
	const searched = [n8n.logs(), ...records.flat(), JSON.stringify(connected.body), JSON.stringify(revoked.body)].join('\n');
	expect(secrets.filter((secret) => searched.includes(secret))).toEqual([]);
}, 120_000);

it('never lets n8n send the platform secret key or an access token outside the URL rule', async () => {
	const listener = await startListener();
	try {
		const fields = emulatorConnectCredential(stripe, stripe.oauth.clientId, stripe.keys.secretTest);
		// A token URL with user:pass@: n8n refuses to start the OAuth flow, so no code is ever traded at it.
		const refusedTokenUrl = await n8n.createCredential('stripeConnectOAuth2Api', 'Stripe Connect (refused token URL)', {
			...fields,
			customAccessTokenUrl: `http://platform:hunter2@127.0.0.1:${listener.port}/oauth/token`,
		});
		await expect(n8n.rest('GET', `/oauth2-credential/auth?id=${refusedTokenUrl.id}`)).rejects.toThrow(/OAuth url is not a valid URL/);

		// A connected credential whose API base URL an editor changes: n8n's credential test sends the
		// access token only to an allowed URL (a refused one resolves to text n8n reports as ERR_INVALID_URL).
		const credential = await n8n.createCredential('stripeConnectOAuth2Api', 'Stripe Connect (credential test)', fields);
		expect(await authorizeInBrowser(credential.id)).not.toMatch(/error/i);
		const test = async (changes: IDataObject) =>
			await n8n.rest<{ status: string; message: string }>('POST', '/credentials/test', {
				credentials: { ...credential, data: { ...fields, clientSecret: CREDENTIAL_BLANKING_VALUE, ...changes } },
			});
		expect(await test({})).toMatchObject({ status: 'OK' });
		for (const apiBaseUrl of [`http://platform:hunter2@127.0.0.1:${listener.port}`, `http://0.0.0.0:${listener.port}`]) {
			expect(await test({ apiBaseUrl })).toEqual({ status: 'Error', message: 'ERR_INVALID_URL' });
		}
		// An allowed URL that redirects elsewhere: the test request follows it without the token.
		const redirected = await receivedAfterRedirect(async (apiBaseUrl) => await test({ apiBaseUrl }));
		expect(redirected.length).toBeGreaterThan(0);
		expect(redirected.map((request) => request.headers.authorization)).toEqual(redirected.map(() => undefined));

		expect(listener.received).toEqual([]);
		expect(n8n.logs()).not.toContain(stripe.keys.secretTest);
	} finally {
		await listener.close();
	}
}, 120_000);
