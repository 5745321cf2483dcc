import { NodeHelpers, Workflow, type INode, type INodeParameters, type INodeProperties, type INodeTypes } from 'n8n-workflow';

import { StripeConnectOAuth2Api } from '../../credentials/StripeConnectOAuth2Api.credentials';
import {
	allowedUrlExpression,
	checkCredentialUrl,
	keyMayGoTo,
	REFUSED_URL,
	requestTarget,
	STRIPE_API_BASE_URL,
	STRIPE_CONNECT_TOKEN_URL,
	urlOrigin,
} from '../../nodes/shared/transport/baseUrl';

const API = STRIPE_API_BASE_URL;

function refusal(value: string, custom: boolean): string {
	const checked = checkCredentialUrl('API Base URL', value, custom, API);
	if (!('refused' in checked)) throw new Error(`${value} was allowed`);
	return checked.refused;
}

describe('the URL rule: without Custom API Base URL only Stripe', () => {
	it.each(['', 'https://api.stripe.com', 'https://api.stripe.com/', ' HTTPS://API.STRIPE.COM// '])('%p leads to https://api.stripe.com', (value) => {
		expect(checkCredentialUrl('API Base URL', value, false, API)).toEqual({ url: API });
	});

	it.each([
		'http://attacker.example',
		'https://attacker.example',
		'http://169.254.169.254',
		'https://api.stripe.com.evil.example',
		'https://api.stripe.com:8443',
		'http://api.stripe.com',
		'http://127.0.0.1:12111',
		'http://[::1]:12111',
		'http://localhost:12111',
	])('%s is refused and the message says how to allow a custom URL', (value) => {
		expect(refusal(value, false)).toMatch(/is not Stripe's \(https:\/\/api\.stripe\.com\)\. Turn on Custom API Base URL/);
	});
});

describe('the URL rule: with Custom API Base URL, https anywhere, http only to this machine, never user:pass@', () => {
	it.each([
		['https://stripe-proxy.example.com', 'https://stripe-proxy.example.com'],
		['https://proxy.example:8443/stripe/', 'https://proxy.example:8443/stripe'],
		['https://api.stripe.com.evil.example', 'https://api.stripe.com.evil.example'],
		['https://[2001:db8::1]:443', 'https://[2001:db8::1]:443'],
		['http://127.0.0.1:12111', 'http://127.0.0.1:12111'],
		['http://127.45.0.9', 'http://127.45.0.9'],
		['http://localhost:12111/', 'http://localhost:12111'],
		['http://[::1]:12111', 'http://[::1]:12111'],
		['HTTP://LOCALHOST:1', 'HTTP://LOCALHOST:1'],
	])('%s is allowed', (value, url) => {
		expect(checkCredentialUrl('API Base URL', value, true, API)).toEqual({ url });
	});

	it.each([
		['http://attacker.example', /plain http to another machine: use https \(plain http is allowed only to 127\.0\.0\.0\/8, localhost and \[::1\]/],
		['http://169.254.169.254/latest/meta-data', /plain http to another machine/],
		['http://10.0.0.7:12111', /plain http to another machine/],
		['http://127.0.0.1.evil.example', /plain http to another machine/],
		['http://localhost.evil.example:12111', /plain http to another machine/],
		['http://[::2]:12111', /plain http to another machine/],
		['https://user:hunter2@proxy.example', /contains a user name or password \(user:pass@\)/],
		['http://proxy:p@ss@127.0.0.1:12111', /contains a user name or password/],
		['http://127.0.0.1@attacker.example', /contains a user name or password/],
		['https://proxy.example\\@attacker.example', /is not an https URL/],
		['https://proxy.example/@attacker.example', /is not an https URL/],
		['https://proxy.example?to=attacker.example', /of only a host, a port and a path/],
		['ftp://proxy.example', /is not an https URL/],
		['javascript:alert(1)', /is not an https URL/],
	])('%s is refused: %s', (value, reason) => {
		expect(refusal(value, true)).toMatch(reason);
	});

	it('says what to do with an empty URL', () => {
		expect(refusal('  ', true)).toBe(
			"The API Base URL is empty. Enter your proxy's or local Stripe emulator's URL, or turn off Custom API Base URL to use https://api.stripe.com.",
		);
	});

	it('shows the refused host but never the user name or password', () => {
		const message = refusal('https://stripe-user:hunter2@proxy.example/v1', true);
		expect(message).toContain('https://proxy.example');
		expect(message).not.toMatch(/hunter2|stripe-user/);
	});
});

describe('where a request with the key may go', () => {
	it.each([
		['https://api.stripe.com', '/v1/customers', 'https://api.stripe.com/v1/customers'],
		['https://proxy.example/stripe/', '/v1/customers?limit=1', 'https://proxy.example/stripe/v1/customers?limit=1'],
		['https://api.stripe.com', 'https://attacker.example/v1', 'https://attacker.example/v1'],
		['https://api.stripe.com', '//attacker.example/v1', '//attacker.example/v1'],
		[undefined, 'https://files.stripe.com/v1/files', 'https://files.stripe.com/v1/files'],
	])('%s joined with %s goes to %s, as axios joins them', (base, url, target) => {
		expect(requestTarget(base, url)).toBe(target);
	});

	it.each([
		['https://api.stripe.com/v1/customers', API, true],
		['https://files.stripe.com/v1/files', API, true],
		['https://connect.stripe.com/oauth/deauthorize', API, true],
		['http://127.0.0.1:12111/v1/customers', 'http://127.0.0.1:12111', true],
		['https://api.stripe.com/v1/customers', 'http://127.0.0.1:12111', true],
		['https://api.stripe.com.evil.example/v1/customers', API, false],
		['http://127.0.0.1:12111/v1/customers', API, false],
		['http://127.0.0.1:9999/probe', 'http://127.0.0.1:12111', false],
		['https://user:pass@api.stripe.com/v1/customers', API, false],
		['//attacker.example/v1', API, false],
		['/v1/customers', API, false],
	])('%s with the base %s: %p', (target, base, allowed) => {
		expect(keyMayGoTo(target, base)).toBe(allowed);
	});
});

describe('urlOrigin', () => {
	it.each([
		['https://user:hunter2@proxy.example:8443/stripe?x=1', 'https://proxy.example:8443'],
		['http://127.0.0.1:9', 'http://127.0.0.1:9'],
		['not a url', ''],
	])('%s → %p', (url, origin) => {
		expect(urlOrigin(url)).toBe(origin);
	});
});

/** The stand-in workflow n8n's CredentialsHelper resolves credential expressions in. */
const mockNode: INode = { id: 'mock', name: '', type: 'mock', typeVersion: 1, position: [0, 0], parameters: {} };
const mockNodeTypes = { getByName: () => ({ description: { properties: [] } }), getByNameAndVersion: () => ({ description: { properties: [] } }), getKnownTypes: () => ({}) };
const mockWorkflow = () => new Workflow({ nodes: [mockNode], connections: {}, active: false, nodeTypes: mockNodeTypes as unknown as INodeTypes });

/** Resolves a credential as n8n does before using it (CredentialsHelper.applyDefaultsAndOverwrites). */
function resolveCredential(properties: INodeProperties[], data: INodeParameters): INodeParameters {
	const node = mockNode;
	const workflow = mockWorkflow();
	const withDefaults = NodeHelpers.getNodeParameters(properties, data, true, false, null, null) as INodeParameters;
	return workflow.expression.getComplexParameterValue(node, withDefaults, 'internal', {}, undefined, undefined, withDefaults) as INodeParameters;
}

describe('the rule inside n8n expressions, for the requests n8n makes itself', () => {
	const connect = new StripeConnectOAuth2Api();
	const urls = [
		'https://stripe-proxy.example.com/oauth/token',
		'http://127.0.0.1:12111/oauth/token',
		'http://[::1]:12111/oauth/token/',
		'http://attacker.example/oauth/token',
		'http://169.254.169.254/oauth/token',
		'https://user:hunter2@proxy.example/oauth/token',
		'http://127.0.0.1.evil.example/oauth/token',
		'https://proxy.example/oauth/token?x=1',
		'',
	];

	it.each(urls)('the Connect token URL %p resolves exactly as checkCredentialUrl decides', (customAccessTokenUrl) => {
		const checked = checkCredentialUrl('Access Token URL', customAccessTokenUrl, true, STRIPE_CONNECT_TOKEN_URL);
		const resolved = resolveCredential(connect.properties, { customBaseUrl: true, customAccessTokenUrl });
		expect(resolved.accessTokenUrl).toBe('url' in checked ? checked.url : REFUSED_URL);
	});

	it('REFUSED_URL is not a URL any HTTP client would request', () => {
		expect(() => new URL(REFUSED_URL)).toThrow();
		expect(() => new URL(`${REFUSED_URL}/v1/customers`)).toThrow();
	});

	it("without the toggle the token and authorize URLs are Stripe's, whatever the custom fields hold", () => {
		const resolved = resolveCredential(connect.properties, {
			customBaseUrl: false,
			customAuthUrl: 'https://attacker.example/authorize',
			customAccessTokenUrl: 'https://attacker.example/token',
			apiBaseUrl: 'https://attacker.example',
		});
		expect(resolved).toMatchObject({ authUrl: 'https://connect.stripe.com/oauth/authorize', accessTokenUrl: STRIPE_CONNECT_TOKEN_URL });
		// n8n drops the fields the toggle hides, so nothing of them reaches a request.
		expect(resolved).not.toHaveProperty('apiBaseUrl');
		expect(resolved).not.toHaveProperty('customAccessTokenUrl');
	});

	it.each([
		[{ customBaseUrl: false, apiBaseUrl: 'http://attacker.example' }, API],
		[{ customBaseUrl: true, apiBaseUrl: 'http://127.0.0.1:12111/' }, 'http://127.0.0.1:12111'],
		[{ customBaseUrl: true, apiBaseUrl: 'http://attacker.example' }, REFUSED_URL],
	])("the Connect credential test's base URL for %p is %p", (credentials, baseUrl) => {
		// n8n's RoutingNode resolves a test request with the credential's data as $credentials.
		const workflow = mockWorkflow();
		const expression = allowedUrlExpression('$credentials', 'apiBaseUrl', API);
		expect(connect.test.request.baseURL).toBe(expression);
		expect(workflow.expression.getParameterValue(expression, null, 0, 0, '', [], 'internal', { $credentials: credentials } as never)).toBe(baseUrl);
	});
});
