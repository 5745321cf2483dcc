import { redactSecrets, stripeErrorFromResponse, stripeNetworkError } from '../../nodes/shared/transport/errors';

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
});

describe('redactSecrets', () => {
	it.each([
		['sk_live_FAKEkey9', 'sk_live_****'],
		['rk_test_51Habcdefghijklmnop', 'rk_test_****'],
		['whsec_FAKEsecret123', 'whsec_****'],
		['Authorization: Bearer sk_test_abc123def456', 'Authorization: Bearer ****'],
		['token ac_ABCDEFGHIJKLMNOP and rt_ABCDEFGHIJKLMNOPQ', 'token ac_**** and rt_****'],
	])('%s → %s', (input, expected) => {
		expect(redactSecrets(input)).toBe(expected);
	});

	it('leaves object ids alone', () => {
		expect(redactSecrets("No such customer: 'cus_QXg1o8vcGmoR32'")).toBe("No such customer: 'cus_QXg1o8vcGmoR32'");
	});
});

describe('401 for a Connect OAuth token', () => {
	it('says the connected account\'s token was rejected and how to reconnect', () => {
		const error = stripeErrorFromResponse(401, { error: { code: 'api_key_expired', message: 'Expired API Key provided: sk_test_****abcd' } }, 'req_9', 1, 'oauth');
		expect(error.message).toBe("Stripe rejected the connected account's access token");
		expect(error.description).toMatch(/Reconnect/);
	});
});
