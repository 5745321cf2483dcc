import { StripeConnectOAuth2Api } from '../../credentials/StripeConnectOAuth2Api.credentials';
import { StripeRestrictedKeyApi } from '../../credentials/StripeRestrictedKeyApi.credentials';
import { STRIPE_API_VERSION } from '../../nodes/shared/transport/stripeClient';

const credential = new StripeRestrictedKeyApi();
const request = { baseURL: 'https://api.stripe.com', url: '/v1/customers', headers: { 'Stripe-Version': STRIPE_API_VERSION } };

describe('Stripe Restricted Key API credential', () => {
	it.each(['rk_live_51Habc', 'rk_test_51Habc', 'sk_live_51Habc', 'sk_test_51Habc'])('accepts %s and sends it as a Bearer token', async (apiKey) => {
		const options = await credential.authenticate({ apiKey, accountId: '' }, request);
		expect(options.headers).toEqual({ 'Stripe-Version': STRIPE_API_VERSION, Authorization: `Bearer ${apiKey}` });
	});

	it.each(['pk_live_51Habc', 'whsec_abc', 'rk_prod_123', '', 'sk_test_'])('rejects %p with a message that says which keys work', async (apiKey) => {
		await expect(credential.authenticate({ apiKey, accountId: '' }, request)).rejects.toThrow(
			/starts with rk_live_, rk_test_, sk_live_ or sk_test_/,
		);
	});

	it('never repeats the rejected key in its message', async () => {
		await expect(credential.authenticate({ apiKey: 'pk_live_SECRETISH123', accountId: '' }, request)).rejects.toThrow(
			expect.objectContaining({ message: expect.not.stringContaining('SECRETISH') }),
		);
	});

	it('sends Stripe-Account only when a connected account is set', async () => {
		const options = await credential.authenticate({ apiKey: 'rk_test_1', accountId: ' acct_123 ' }, request);
		expect(options.headers).toMatchObject({ 'Stripe-Account': 'acct_123' });
	});

	describe('sends the key only where the URL rule allows, before any request', () => {
		const KEY = 'rk_live_51Hfake';

		it.each([
			[{}, 'https://api.stripe.com', '/v1/customers'],
			[{}, undefined, 'https://files.stripe.com/v1/files'],
			[{ customBaseUrl: true, baseUrl: 'http://127.0.0.1:12111' }, 'http://127.0.0.1:12111', '/v1/customers'],
			[{ customBaseUrl: true, baseUrl: 'http://[::1]:12111/' }, 'http://[::1]:12111', '/v1/customers'],
			[{ customBaseUrl: true, baseUrl: 'https://stripe-proxy.example.com/stripe' }, 'https://stripe-proxy.example.com/stripe', '/v1/customers'],
		])('%p: %s + %s gets the key', async (settings, baseURL, url) => {
			const options = await credential.authenticate({ apiKey: KEY, accountId: '', ...settings }, { baseURL, url });
			expect(options.headers).toMatchObject({ Authorization: `Bearer ${KEY}` });
		});

		it.each([
			// Without the toggle, a custom base URL (or a request elsewhere) is refused, loopback included.
			[{ baseUrl: 'http://attacker.example' }, 'http://attacker.example', /The API Base URL http:\/\/attacker\.example is not Stripe's.*Turn on Custom API Base URL/],
			[{}, 'http://127.0.0.1:12111', /goes only to Stripe, not to http:\/\/127\.0\.0\.1:12111/],
			[{}, 'https://api.stripe.com.evil.example', /goes only to Stripe, not to https:\/\/api\.stripe\.com\.evil\.example/],
			[{}, 'http://169.254.169.254', /goes only to Stripe, not to http:\/\/169\.254\.169\.254/],
			// With it: https anywhere or http to this machine, and only to that base URL's origin.
			[{ customBaseUrl: true, baseUrl: 'http://attacker.example' }, 'http://attacker.example', /plain http to another machine/],
			[{ customBaseUrl: true, baseUrl: 'http://169.254.169.254' }, 'http://169.254.169.254', /plain http to another machine/],
			[{ customBaseUrl: true, baseUrl: 'https://user:hunter2@proxy.example' }, 'https://user:hunter2@proxy.example', /user name or password/],
			[{ customBaseUrl: true, baseUrl: 'http://127.0.0.1:12111' }, 'http://127.0.0.1:9', /goes only to Stripe and http:\/\/127\.0\.0\.1:12111, not to http:\/\/127\.0\.0\.1:9/],
			[{ customBaseUrl: true, baseUrl: '' }, 'http://127.0.0.1:12111', /The API Base URL is empty/],
		])('%p with a request to %s is refused: %s', async (settings, baseURL, message) => {
			const refused = credential.authenticate({ apiKey: KEY, accountId: '', ...settings }, { baseURL, url: '/v1/webhook_endpoints' });
			await expect(refused).rejects.toThrow(message);
			await expect(refused).rejects.toThrow(/^No request was sent/);
			await expect(refused).rejects.toThrow(expect.objectContaining({ message: expect.not.stringMatching(/hunter2|secretabcdef/) }));
		});

		it('refuses an absolute URL that replaces the base URL, as in an HTTP Request node', async () => {
			await expect(credential.authenticate({ apiKey: KEY, accountId: '' }, { baseURL: 'https://api.stripe.com', url: 'https://attacker.example/v1' })).rejects.toThrow(
				/not to https:\/\/attacker\.example/,
			);
		});

		it('shows the base URL field only with Custom API Base URL on', () => {
			expect(credential.properties.find((property) => property.name === 'customBaseUrl')).toMatchObject({ displayName: 'Custom API Base URL', type: 'boolean', default: false });
			expect(credential.properties.find((property) => property.name === 'baseUrl')?.displayOptions).toEqual({ show: { customBaseUrl: [true] } });
		});
	});

	it('tests with the call a correctly scoped restricted key can make', () => {
		expect(credential.test.request).toMatchObject({ url: '/v1/webhook_endpoints', qs: { limit: 1 }, headers: { 'Stripe-Version': STRIPE_API_VERSION } });
	});

	it('stores the key as a password field and recommends the exact permissions', () => {
		const apiKey = credential.properties.find((property) => property.name === 'apiKey');
		expect(apiKey?.typeOptions?.password).toBe(true);
		const notice = credential.properties.find((property) => property.type === 'notice')?.displayName ?? '';
		for (const resource of ['Customers: Read', 'Subscriptions: Read', 'Invoices: Read', 'Charges: Read', 'Events: Read', 'Products: Read', 'Prices: Read', 'Coupons: Read', 'Disputes: Read', 'Refunds: Read', 'Webhook Endpoints: Write']) {
			expect(notice).toContain(resource);
		}
	});
});

describe('Stripe Connect OAuth2 API credential', () => {
	const connect = new StripeConnectOAuth2Api();
	const property = (name: string) => connect.properties.find((entry) => entry.name === name);

	it('extends n8n\'s OAuth2 credential with Stripe Connect\'s endpoints, scope and body authentication', () => {
		expect(connect.name).toBe('stripeConnectOAuth2Api');
		expect(connect.extends).toEqual(['oAuth2Api']);
		expect(property('grantType')).toMatchObject({ type: 'hidden', default: 'authorizationCode' });
		// Stripe's OAuth URLs unless Custom API Base URL is on (resolved values: test/unit/baseUrl.test.ts).
		expect(property('authUrl')).toMatchObject({ type: 'hidden', default: expect.stringContaining('"https://connect.stripe.com/oauth/authorize"') });
		expect(property('accessTokenUrl')).toMatchObject({ type: 'hidden', default: expect.stringContaining('"https://connect.stripe.com/oauth/token"') });
		expect(property('scope')).toMatchObject({ type: 'hidden', default: 'read_write' });
		// Stripe expects the platform secret key as client_secret in the token request body.
		expect(property('authentication')).toMatchObject({ type: 'hidden', default: 'body' });
	});

	it('lets emulators and proxies replace every URL only with Custom API Base URL on, and tests against the API base URL', () => {
		expect(property('customBaseUrl')).toMatchObject({ displayName: 'Custom API Base URL', type: 'boolean', default: false });
		for (const name of ['customAuthUrl', 'customAccessTokenUrl', 'apiBaseUrl']) {
			expect(property(name)).toMatchObject({ type: 'string', displayOptions: { show: { customBaseUrl: [true] } } });
		}
		expect(connect.test.request).toMatchObject({ url: '/v1/customers', qs: { limit: 1 }, headers: { 'Stripe-Version': STRIPE_API_VERSION } });
	});

	it('says when it is the right choice and points elsewhere otherwise', () => {
		const notice = property('connectNotice')?.displayName ?? '';
		expect(notice).toContain('Stripe Apps');
		expect(notice).toContain('Stripe Restricted Key API');
	});
});
