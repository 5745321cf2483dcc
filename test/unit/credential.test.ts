import { StripeConnectOAuth2Api } from '../../credentials/StripeConnectOAuth2Api.credentials';
import { StripeRestrictedKeyApi } from '../../credentials/StripeRestrictedKeyApi.credentials';
import { STRIPE_API_VERSION } from '../../nodes/shared/transport/stripeClient';

const credential = new StripeRestrictedKeyApi();
const request = { url: '/v1/customers', headers: { 'Stripe-Version': STRIPE_API_VERSION } };

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
		expect(property('authUrl')?.default).toBe('https://connect.stripe.com/oauth/authorize');
		expect(property('accessTokenUrl')?.default).toBe('https://connect.stripe.com/oauth/token');
		expect(property('scope')).toMatchObject({ type: 'hidden', default: 'read_write' });
		// Stripe expects the platform secret key as client_secret in the token request body.
		expect(property('authentication')).toMatchObject({ type: 'hidden', default: 'body' });
	});

	it('lets emulators and proxies replace every URL, and tests against the API base URL', () => {
		for (const name of ['authUrl', 'accessTokenUrl', 'apiBaseUrl']) expect(property(name)?.type).toBe('string');
		expect(connect.test.request).toMatchObject({ url: '/v1/customers', qs: { limit: 1 }, headers: { 'Stripe-Version': STRIPE_API_VERSION } });
	});

	it('says when it is the right choice and points elsewhere otherwise', () => {
		const notice = property('connectNotice')?.displayName ?? '';
		expect(notice).toContain('Stripe Apps');
		expect(notice).toContain('Stripe Restricted Key API');
	});
});
