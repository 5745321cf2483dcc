import { startEmulator, type RunningEmulator } from '../../emulator';

let emulator: RunningEmulator;
beforeAll(async () => {
	emulator = await startEmulator();
});
afterAll(() => emulator.close());

const REDIRECT = 'http://127.0.0.1:9/rest/oauth2-credential/callback';

async function authorize(params: Record<string, string>): Promise<Response> {
	return fetch(`${emulator.url}/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
}

async function exchange(form: Record<string, string>): Promise<{ status: number; json: Record<string, string> }> {
	const response = await fetch(`${emulator.url}/oauth/token`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams(form).toString(),
	});
	return { status: response.status, json: (await response.json()) as Record<string, string> };
}

async function connect(): Promise<Record<string, string>> {
	const consent = await authorize({ response_type: 'code', client_id: emulator.oauth.clientId, scope: 'read_write', state: 'st4te', redirect_uri: REDIRECT });
	const code = new URL(consent.headers.get('location') as string).searchParams.get('code') as string;
	return (await exchange({ grant_type: 'authorization_code', code, client_secret: emulator.keys.secretTest })).json;
}

describe('Connect OAuth', () => {
	it('consents at once and redirects back with a code and the state', async () => {
		const response = await authorize({ response_type: 'code', client_id: emulator.oauth.clientId, scope: 'read_write', state: 'st4te', redirect_uri: REDIRECT });
		expect(response.status).toBe(302);
		const location = new URL(response.headers.get('location') as string);
		expect(location.origin + location.pathname).toBe(REDIRECT);
		expect(location.searchParams.get('state')).toBe('st4te');
		expect(location.searchParams.get('code')).toMatch(/^ac_/);
	});

	it('refuses an unknown client id', async () => {
		const response = await authorize({ response_type: 'code', client_id: 'ca_unknown', scope: 'read_write', redirect_uri: REDIRECT });
		expect(response.status).toBe(400);
	});

	it('trades a code once, for a token that acts as the connected account', async () => {
		const grant = await connect();
		expect(grant).toMatchObject({ token_type: 'bearer', scope: 'read_write', livemode: false, stripe_user_id: expect.stringMatching(/^acct_/) });
		emulator.createCustomer({ email: 'connected@example.com' }, { account: grant.stripe_user_id });
		emulator.createCustomer({ email: 'platform@example.com' });
		const list = await fetch(`${emulator.url}/v1/customers`, { headers: { Authorization: `Bearer ${grant.access_token}` } });
		expect(((await list.json()) as { data: Array<{ email: string }> }).data.map((c) => c.email)).toEqual(['connected@example.com']);
	});

	it('rejects a reused code and a wrong platform secret', async () => {
		const consent = await authorize({ response_type: 'code', client_id: emulator.oauth.clientId, scope: 'read_write', redirect_uri: REDIRECT });
		const code = new URL(consent.headers.get('location') as string).searchParams.get('code') as string;
		expect((await exchange({ grant_type: 'authorization_code', code, client_secret: 'sk_test_wrong' })).status).toBe(401);
		expect((await exchange({ grant_type: 'authorization_code', code, client_secret: emulator.keys.secretTest })).status).toBe(200);
		expect((await exchange({ grant_type: 'authorization_code', code, client_secret: emulator.keys.secretTest })).json.error).toBe('invalid_grant');
	});

	it('answers a deauthorized account\'s token with Stripe\'s 401 "Expired API Key"', async () => {
		const grant = await connect();
		const deauthorize = await fetch(`${emulator.url}/oauth/deauthorize`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${emulator.keys.secretTest}` },
			body: new URLSearchParams({ client_id: emulator.oauth.clientId, stripe_user_id: grant.stripe_user_id }).toString(),
		});
		expect(deauthorize.status).toBe(200);
		const response = await fetch(`${emulator.url}/v1/customers`, { headers: { Authorization: `Bearer ${grant.access_token}` } });
		expect(response.status).toBe(401);
		expect(((await response.json()) as { error: { message: string; code: string } }).error).toMatchObject({ code: 'api_key_expired', message: expect.stringMatching(/^Expired API Key provided: sk_test_\*+/) });
		expect((await exchange({ grant_type: 'refresh_token', refresh_token: grant.refresh_token, client_secret: emulator.keys.secretTest })).json.error).toBe('invalid_grant');
	});

	it('refreshes an access token, retiring the old one', async () => {
		const grant = await connect();
		const refreshed = await exchange({ grant_type: 'refresh_token', refresh_token: grant.refresh_token, client_secret: emulator.keys.secretTest });
		expect(refreshed.json.access_token).not.toBe(grant.access_token);
		const old = await fetch(`${emulator.url}/v1/customers`, { headers: { Authorization: `Bearer ${grant.access_token}` } });
		expect(old.status).toBe(401);
	});

	it('refuses a Stripe-Account header for another account than the token\'s', async () => {
		const grant = await connect();
		const response = await fetch(`${emulator.url}/v1/customers`, { headers: { Authorization: `Bearer ${grant.access_token}`, 'Stripe-Account': 'acct_someoneelse' } });
		expect(response.status).toBe(403);
	});
});
