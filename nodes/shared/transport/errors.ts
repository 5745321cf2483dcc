import { urlOrigin } from './baseUrl';
import { describePermission, GRANT_PERMISSION_HINT } from './permissions';

/**
 * Every message a user sees about a failed Stripe call is built here, so each says what went
 * wrong and what to do, and none carries a key, a webhook secret or a raw response dump.
 */
export interface StripeErrorBody {
	type?: string;
	code?: string;
	message?: string;
	param?: string;
	decline_code?: string;
	doc_url?: string;
}

export class StripeApiError extends Error {
	constructor(
		message: string,
		readonly description: string,
		readonly httpCode: number | undefined,
		readonly details: {
			type?: string;
			code?: string;
			param?: string;
			permission?: string;
			requestId?: string;
			attempts?: number;
		} = {},
	) {
		super(redactSecrets(message));
		this.name = 'StripeApiError';
	}
}

/**
 * Each secret starts where no letter or digit precedes it: `\b` would miss one after `_` or
 * another word character (`token_sk_live_…`).
 */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
	// API keys and OAuth access tokens (Stripe's are key-shaped); keep the prefix, like Stripe does.
	[/(?<![A-Za-z0-9])((?:sk|rk|pk)_(?:test|live)_)[A-Za-z0-9*]{4,}/g, '$1****'],
	[/(?<![A-Za-z0-9])whsec_[A-Za-z0-9+/=]{4,}/g, 'whsec_****'],
	[/(?<![A-Za-z0-9])(ac|rt)_[A-Za-z0-9]{12,}/g, '$1_****'],
	[/(Bearer\s+)[^\s"',]+/gi, '$1****'],
	// A proxy's user name and password in a URL (https://user:pass@proxy): dropped, the host stays.
	[/(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#"']*@/g, '$1'],
];

export function redactSecrets(text: string): string {
	let redacted = text;
	for (const [pattern, replacement] of SECRET_PATTERNS) redacted = redacted.replace(pattern, replacement);
	return redacted;
}

const PERMISSION_IN_MESSAGE = /'(rak_[a-z0-9_]+)'/;

export type CredentialKind = 'key' | 'oauth';

export function stripeErrorFromResponse(
	status: number,
	body: unknown,
	requestId: string | undefined,
	attempts: number,
	credentialKind: CredentialKind = 'key',
): StripeApiError {
	const error = extractErrorBody(body);
	const stripeMessage = redactSecrets(error.message ?? '');
	const details = { type: error.type, code: error.code, param: error.param, requestId, attempts };
	const reference = requestId ? ` (Stripe request ${requestId})` : '';

	if (status === 401 && credentialKind === 'oauth') {
		return new StripeApiError(
			'Stripe rejected the connected account\'s access token',
			'The account may have disconnected your platform, or the token was revoked or expired. Open the Stripe Connect OAuth2 API credential and click "Reconnect" to authorize again.' + reference,
			status,
			details,
		);
	}
	if (status === 401) {
		return new StripeApiError(
			'Stripe rejected the API key',
			'The key is wrong, was rolled, or was deleted. Create a restricted key in the Stripe Dashboard (Developers → API keys) and paste it into the credential.' + reference,
			status,
			details,
		);
	}
	if (status === 403) {
		const permission = PERMISSION_IN_MESSAGE.exec(stripeMessage)?.[1];
		if (permission) {
			return new StripeApiError(
				`The restricted key is missing the permission ${permission} (${describePermission(permission)})`,
				`${GRANT_PERMISSION_HINT} ${describePermission(permission)}. Save, then run the node again.` + reference,
				status,
				{ ...details, permission },
			);
		}
		return new StripeApiError(
			'Stripe refused this request for the key in use',
			`${stripeMessage || 'No reason was given.'} Check the key's permissions in the Stripe Dashboard (Developers → API keys).` + reference,
			status,
			details,
		);
	}
	if (status === 404) {
		return new StripeApiError(
			stripeMessage || 'Stripe could not find the requested object',
			'Check the id. Test-mode keys only see test-mode objects and live keys only live ones; a connected account id in the credential limits the key to that account.' + reference,
			status,
			details,
		);
	}
	if (status === 429) {
		return new StripeApiError(
			`Stripe's rate limit was still exceeded after ${attempts} tries`,
			'Other integrations may be using the same account heavily. Lower the node\'s "Requests per Second" option or run the workflow at a quieter time.' + reference,
			status,
			details,
		);
	}
	if (status === 400 || status === 402 || status === 409) {
		const about = error.param ? ` Parameter: ${error.param}.` : '';
		return new StripeApiError(
			`Stripe rejected the request: ${stripeMessage || 'invalid request'}`,
			`Fix the value and run again.${about}` + reference,
			status,
			details,
		);
	}
	return new StripeApiError(
		`Stripe answered with an error (${status}) after ${attempts} ${attempts === 1 ? 'try' : 'tries'}`,
		'Stripe may be having trouble; see https://status.stripe.com and run the workflow again.' + reference,
		status,
		details,
	);
}

export function stripeNetworkError(baseUrl: string, cause: unknown, attempts: number): StripeApiError {
	const code = (cause as { code?: string })?.code;
	return new StripeApiError(
		`Could not reach Stripe at ${urlOrigin(baseUrl) || 'the API base URL'} after ${attempts} ${attempts === 1 ? 'try' : 'tries'}${code ? ` (${code})` : ''}`,
		'Check the network from n8n to Stripe, and the API Base URL in the credential if Custom API Base URL is on.',
		undefined,
		{ code, attempts },
	);
}

function extractErrorBody(body: unknown): StripeErrorBody {
	let parsed = body;
	if (typeof body === 'string') {
		try {
			parsed = JSON.parse(body);
		} catch {
			return {};
		}
	}
	const error = (parsed as { error?: StripeErrorBody } | null)?.error;
	return error && typeof error === 'object' ? error : {};
}

/** Resolves to `fallback` when Stripe answers 404; other failures pass through unchanged. */
export async function unlessNotFound<T, F>(call: Promise<T>, fallback: F): Promise<T | F> {
	return await call.catch((error: unknown) => {
		if (error instanceof StripeApiError && error.httpCode === 404) return fallback;
		throw error;
	});
}
