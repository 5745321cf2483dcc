import { NodeApiError, type INode } from 'n8n-workflow';

import { toNodeError, type StripeContext } from '../../nodes/shared/transport';
import { redactSecrets, stripeErrorFromResponse, stripeNetworkError } from '../../nodes/shared/transport/errors';
import { StripeClient } from '../../nodes/shared/transport/stripeClient';

const KEY = 'rk_live_FAKE1234';

describe('stripeErrorFromResponse', () => {
	it('401 says the key was rejected, without echoing it', () => {
		const error = stripeErrorFromResponse(401, { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${KEY}` } }, 'req_1', 1);
		expect(error.message).toBe('Stripe rejected the API key');
		expect(error.description).toMatch(/Developers → API keys/);
		expect(JSON.stringify(error)).not.toContain(KEY.slice(8));
	});

	it('403 from a restricted key names the missing permission and where to grant it', () => {
		// Stripe's own text, as its API returns it for a restricted key.
		const message =
			"The provided key 'rk_test_51Mab***************************xYz9' does not have the required permissions for this endpoint on account 'acct_1NuzflB0DBR1HOyc'. Having the 'rak_subscription_read' permission would allow this request to continue.";
		const error = stripeErrorFromResponse(403, { error: { type: 'invalid_request_error', message } }, 'req_2', 1);
		expect(error.message).toBe('The restricted key is missing the permission rak_subscription_read (Subscriptions: Read)');
		expect(error.description).toContain('Developers → API keys');
		expect(error.description).toContain('Subscriptions: Read');
		expect(error.details.permission).toBe('rak_subscription_read');
		expect(error.httpCode).toBe(403);
	});

	it('403 without a permission name keeps Stripe\'s reason', () => {
		const error = stripeErrorFromResponse(403, { error: { message: 'This account cannot do that.' } }, undefined, 1);
		expect(error.description).toContain('This account cannot do that.');
	});

	it('404 keeps Stripe\'s "No such" message and explains test/live separation', () => {
		const error = stripeErrorFromResponse(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: "No such customer: 'cus_missing'", param: 'id' } }, 'req_3', 1);
		expect(error.message).toBe("No such customer: 'cus_missing'");
		expect(error.description).toMatch(/Test-mode keys/);
	});

	it('429 after retries says how many tries and what to change', () => {
		const error = stripeErrorFromResponse(429, { error: { type: 'invalid_request_error', code: 'rate_limit' } }, undefined, 6);
		expect(error.message).toBe("Stripe's rate limit was still exceeded after 6 tries");
		expect(error.description).toMatch(/Requests per Second/);
	});

	it('400 names the offending parameter', () => {
		const error = stripeErrorFromResponse(400, { error: { type: 'invalid_request_error', message: 'Received unknown parameter: foo', param: 'foo' } }, 'req_4', 1);
		expect(error.message).toBe('Stripe rejected the request: Received unknown parameter: foo');
		expect(error.description).toContain('Parameter: foo.');
		expect(error.description).toContain('req_4');
	});

	it('5xx reports the status and the number of tries', () => {
		const error = stripeErrorFromResponse(502, '<html>bad gateway</html>', undefined, 6);
		expect(error.message).toBe('Stripe answered with an error (502) after 6 tries');
		expect(error.description).not.toContain('<html>');
	});

	it('network failures name the base URL and error code', () => {
		const error = stripeNetworkError('http://127.0.0.1:9', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 3);
		expect(error.message).toBe('Could not reach Stripe at http://127.0.0.1:9 after 3 tries (ECONNREFUSED)');
	});

	it('network failures show only the scheme and host of a base URL, never its user name or password', () => {
		const error = stripeNetworkError('https://stripe-user:hunter2@proxy.example:8443/stripe', Object.assign(new Error('connect'), { code: 'ECONNRESET' }), 1);
		expect(error.message).toBe('Could not reach Stripe at https://proxy.example:8443 after 1 try (ECONNRESET)');
	});
});

describe('a proxy password in the base URL', () => {
	it('reaches neither the message, the description nor NodeApiError.errorResponse when the proxy is unreachable', async () => {
		const send = async () => {
			throw new Error('socket hang up');
		};
		const client = new StripeClient({
			send,
			baseUrl: 'https://stripe-user:hunter2@proxy.example',
			mode: 'test',
			accountKey: 'acct_proxy_password',
			clock: { now: () => 0, sleep: async () => undefined },
			retryPolicy: { maxAttempts: 2 },
		});
		const failure = await client.request('GET', '/v1/customers').catch((caught: unknown) => caught);
		const node: INode = { id: 'n', name: 'Stripe Lifecycle', type: 'stripeLifecycle', typeVersion: 1, position: [0, 0], parameters: {} };
		const error = toNodeError({ getNode: () => node } as unknown as StripeContext, failure) as NodeApiError;

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Could not reach Stripe at https://proxy.example after 2 tries');
		expect(JSON.stringify({ message: error.message, description: error.description, errorResponse: error.errorResponse })).not.toMatch(/hunter2|stripe-user/);
	});
});

describe('redactSecrets', () => {
	it.each([
		['sk_live_FAKEkey9', 'sk_live_****'],
		['rk_test_51Habcdefghijklmnop', 'rk_test_****'],
		['whsec_FAKEsecret123', 'whsec_****'],
		['Authorization: Bearer sk_test_abc123def456', 'Authorization: Bearer ****'],
		['token ac_ABCDEFGHIJKLMNOP and rt_ABCDEFGHIJKLMNOPQ', 'token ac_**** and rt_****'],
		// After an underscore (or any character but a letter or digit) a secret is still a secret.
		['api_key=key_sk_live_FAKEkey9', 'api_key=key_sk_live_****'],
		['secret_whsec_FAKEsecret123', 'secret_whsec_****'],
		['refresh_rt_ABCDEFGHIJKLMNOPQ', 'refresh_rt_****'],
		['(sk_test_FAKEkey9abc)', '(sk_test_****)'],
		// A proxy's user name and password in a URL go; the scheme and host stay.
		['Could not reach https://stripe-user:hunter2@proxy.example:8443/stripe', 'Could not reach https://proxy.example:8443/stripe'],
		['proxy http://u:p@ss@127.0.0.1:9 and https://a:b@c.example', 'proxy http://127.0.0.1:9 and https://c.example'],
	])('%s → %s', (input, expected) => {
		expect(redactSecrets(input)).toBe(expected);
	});

	it('leaves object ids and plain URLs alone', () => {
		expect(redactSecrets("No such customer: 'cus_QXg1o8vcGmoR32'")).toBe("No such customer: 'cus_QXg1o8vcGmoR32'");
		expect(redactSecrets("No such account: 'acct_1NuzflB0DBR1HOyc'")).toBe("No such account: 'acct_1NuzflB0DBR1HOyc'");
		expect(redactSecrets('see https://docs.stripe.com/error-codes#card-declined or mailto:ops@example.com')).toBe(
			'see https://docs.stripe.com/error-codes#card-declined or mailto:ops@example.com',
		);
	});

});

describe('401 for a Connect OAuth token', () => {
	it('says the connected account\'s token was rejected and how to reconnect', () => {
		const error = stripeErrorFromResponse(401, { error: { code: 'api_key_expired', message: 'Expired API Key provided: sk_test_****abcd' } }, 'req_9', 1, 'oauth');
		expect(error.message).toBe("Stripe rejected the connected account's access token");
		expect(error.description).toMatch(/Reconnect/);
	});
});
