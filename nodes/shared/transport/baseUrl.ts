/**
 * Where a credential may send its key. Without the credential's *Custom API Base URL* toggle only
 * to Stripe; with it, https to any host or plain http to this machine (a local emulator), and
 * never with a user name or password in the URL. The credentials, the transport and n8n's own
 * requests (through `allowedUrlExpression`) all apply this one rule; README "Create the restricted
 * key" documents it.
 */

export const STRIPE_API_BASE_URL = 'https://api.stripe.com';
export const STRIPE_CONNECT_AUTHORIZE_URL = 'https://connect.stripe.com/oauth/authorize';
export const STRIPE_CONNECT_TOKEN_URL = 'https://connect.stripe.com/oauth/token';

/**
 * Stripe's hosts that take a secret key: the API, file uploads and Connect OAuth
 * (https://docs.stripe.com/api/files/create, https://docs.stripe.com/connect/oauth-reference).
 * A key may always go there, toggle or not.
 */
const STRIPE_ORIGINS = ['https://api.stripe.com', 'https://files.stripe.com', 'https://connect.stripe.com'];

const LOOPBACK_HOST = 'localhost|127(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}|\\[::1\\]';
const ANY_HOST = '[a-z0-9-]+(?:\\.[a-z0-9-]+)*|\\[[0-9a-f:.]+\\]';

/**
 * The custom URLs allowed. Matched against the text as typed rather than a parsed URL, so that no
 * difference between this check and the HTTP client's URL parser can widen it: no `@` (user:pass@),
 * backslash, whitespace, query or fragment anywhere.
 */
export const CUSTOM_URL_PATTERN = new RegExp(
	`^(?:https://(?:${ANY_HOST})|http://(?:${LOOPBACK_HOST}))(?::\\d{1,5})?(?:/[^\\s?#@\\\\]*)?$`,
	'i',
);

/** What a refused URL resolves to in n8n's own requests: no HTTP client parses it as a URL, so nothing is sent. */
export const REFUSED_URL = 'refused by the credential (use https, or http only to this machine; no user:pass@)';

export type CheckedUrl = { url: string } | { refused: string };

/**
 * The URL a credential field leads to (without trailing slashes), or why it is refused, naming
 * the field and showing at most the URL's scheme and host.
 */
export function checkCredentialUrl(label: string, value: unknown, custom: boolean, stripeUrl: string): CheckedUrl {
	const text = typeof value === 'string' ? value.trim().replace(/\/+$/, '') : '';
	const named = urlOrigin(text) ? `${label} ${urlOrigin(text)}` : label;
	if (!custom) {
		if (text === '' || text.toLowerCase() === stripeUrl) return { url: stripeUrl };
		return {
			refused: `The ${named} is not Stripe's (${stripeUrl}). Turn on Custom API Base URL in the credential to use a proxy or a local Stripe emulator.`,
		};
	}
	if (text === '') {
		return { refused: `The ${label} is empty. Enter your proxy's or local Stripe emulator's URL, or turn off Custom API Base URL to use ${stripeUrl}.` };
	}
	if (CUSTOM_URL_PATTERN.test(text)) return { url: text };
	return { refused: `The ${named} ${customUrlProblem(text)}.` };
}

function customUrlProblem(text: string): string {
	if (hasUserinfo(text)) {
		return 'contains a user name or password (user:pass@), which would travel with every request: remove them';
	}
	if (/^http:\/\//i.test(text)) {
		return 'uses plain http to another machine: use https (plain http is allowed only to 127.0.0.0/8, localhost and [::1], e.g. a local Stripe emulator)';
	}
	return 'is not an https URL (or an http URL on this machine) of only a host, a port and a path';
}

function hasUserinfo(text: string): boolean {
	try {
		const parsed = new URL(text);
		return parsed.username !== '' || parsed.password !== '';
	} catch {
		return false;
	}
}

/**
 * The same rule as an n8n expression, for the requests n8n makes without this package's code
 * (Connect OAuth's authorize and token URLs, credential tests): `scope` is `$self` inside a
 * credential's own fields and `$credentials` in its test request.
 */
export function allowedUrlExpression(scope: '$self' | '$credentials', field: string, stripeUrl: string): string {
	const value = `String(${scope}.${field} || "").trim().replace(/\\/+$/, "")`;
	return `={{ ${scope}.customBaseUrl !== true ? "${stripeUrl}" : /${CUSTOM_URL_PATTERN.source}/i.test(${value}) ? ${value} : "${REFUSED_URL}" }}`;
}

/**
 * Where a request goes once the HTTP client (axios, under n8n) joins `baseURL` and `url`:
 * an absolute or protocol-relative `url` replaces the base.
 */
export function requestTarget(baseURL: string | undefined, url: string | undefined): string {
	const path = url ?? '';
	if (!baseURL || /^(?:[a-z][a-z\d+.-]*:)?\/\//i.test(path)) return path;
	return path ? `${baseURL.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}` : baseURL;
}

/** Whether a key may travel to `target`: one of Stripe's hosts, or the origin of the credential's allowed base URL. */
export function keyMayGoTo(target: string, allowedBase: string): boolean {
	let parsed: URL;
	try {
		parsed = new URL(target);
	} catch {
		return false;
	}
	if (parsed.username || parsed.password) return false;
	return STRIPE_ORIGINS.includes(parsed.origin) || parsed.origin === new URL(allowedBase).origin;
}

/**
 * A URL's scheme and host (with port) only, never its user name, password, path or query: what
 * messages and logs may show of a configured URL. Empty when the text is not a URL.
 */
export function urlOrigin(url: string): string {
	try {
		const parsed = new URL(url);
		return parsed.host ? `${parsed.protocol}//${parsed.host}` : '';
	} catch {
		return '';
	}
}
