import { NodeOperationError, type ICredentialDataDecryptedObject, type INode } from 'n8n-workflow';

import { REFUSED_URL } from '../../nodes/shared/transport/baseUrl';
import { stripeClient, type StripeContext } from '../../nodes/shared/transport';

const node: INode = { id: 'n', name: 'Stripe Lifecycle', type: 'stripeLifecycle', typeVersion: 1, position: [0, 0], parameters: {} };
const TOKEN = { access_token: 'sk_test_connectedAccessToken1', stripe_user_id: 'acct_1', livemode: false };

/** A hook context (no items) with the given credential, whose HTTP helper records every call. */
function contextWith(authentication: 'restrictedKey' | 'connectOAuth2', credentials: ICredentialDataDecryptedObject) {
	const send = jest.fn(async () => ({ statusCode: 200, headers: {}, body: '{"object":"list","data":[],"has_more":false}' }));
	const context = {
		getNode: () => node,
		getNodeParameter: (name: string, fallback: unknown) => (name === 'authentication' ? authentication : fallback),
		getCredentials: async () => credentials,
		helpers: { httpRequestWithAuthentication: send },
	} as unknown as StripeContext;
	return { context, send };
}

async function refusal(authentication: 'restrictedKey' | 'connectOAuth2', credentials: ICredentialDataDecryptedObject) {
	const { context, send } = contextWith(authentication, credentials);
	const error = (await stripeClient(context)
		.then(async (client) => await client.customers.page())
		.catch((caught: unknown) => caught)) as NodeOperationError;
	expect(send).not.toHaveBeenCalled();
	expect(error).toBeInstanceOf(NodeOperationError);
	expect(error.message).toBe('No request was sent: the Stripe credential points to a URL it may not use');
	return error.description ?? '';
}

describe('the transport refuses a credential URL outside the rule before any request', () => {
	it.each([
		[{ customBaseUrl: true, baseUrl: 'http://attacker.example' }, /The API Base URL http:\/\/attacker\.example uses plain http to another machine/],
		[{ customBaseUrl: true, baseUrl: 'http://169.254.169.254' }, /plain http to another machine/],
		[{ customBaseUrl: true, baseUrl: 'https://user:hunter2@proxy.example' }, /The API Base URL https:\/\/proxy\.example contains a user name or password/],
		// A value n8n would drop with the toggle off is refused if it ever arrives.
		[{ customBaseUrl: false, baseUrl: 'https://api.stripe.com.evil.example' }, /is not Stripe's \(https:\/\/api\.stripe\.com\)/],
	])('restricted key %p: %s', async (settings, reason) => {
		expect(await refusal('restrictedKey', { apiKey: 'rk_live_51Hfake', accountId: '', ...settings })).toMatch(reason);
	});

	it('uses https://api.stripe.com without the toggle and the emulator URL with it', async () => {
		for (const [settings, baseURL] of [
			[{}, 'https://api.stripe.com'],
			[{ customBaseUrl: true, baseUrl: 'http://127.0.0.1:12111/' }, 'http://127.0.0.1:12111'],
		] as const) {
			const { context, send } = contextWith('restrictedKey', { apiKey: 'rk_test_51Hkeyabcdef', accountId: '', ...settings });
			await (await stripeClient(context)).customers.page();
			expect(send).toHaveBeenCalledWith('stripeRestrictedKeyApi', expect.objectContaining({ baseURL, url: '/v1/customers' }));
		}
	});

	it.each([
		// n8n refreshes tokens at the token URL with the platform secret key: a tampered one is refused.
		[{ customBaseUrl: false, accessTokenUrl: 'http://attacker.example/oauth/token' }, /The Access Token URL http:\/\/attacker\.example is not Stripe's \(https:\/\/connect\.stripe\.com\/oauth\/token\)/],
		[
			{ customBaseUrl: true, apiBaseUrl: 'http://127.0.0.1:12111', customAccessTokenUrl: 'http://attacker.example/oauth/token', accessTokenUrl: REFUSED_URL },
			/The Access Token URL http:\/\/attacker\.example uses plain http to another machine/,
		],
		[
			{ customBaseUrl: true, apiBaseUrl: 'https://user:hunter2@proxy.example', accessTokenUrl: 'https://proxy.example/oauth/token' },
			/The API Base URL https:\/\/proxy\.example contains a user name or password/,
		],
	])('Connect OAuth2 %p: %s', async (settings, reason) => {
		const description = await refusal('connectOAuth2', { oauthTokenData: TOKEN, ...settings });
		expect(description).toMatch(reason);
		expect(description).not.toContain('hunter2');
	});
});
