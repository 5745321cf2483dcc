/**
 * Stripe's error envelope. Every failure the emulator answers is one of these, so clients see the
 * same status codes, `type`s, `code`s and messages as against api.stripe.com.
 */

export type StripeErrorType =
	| 'api_error'
	| 'card_error'
	| 'idempotency_error'
	| 'invalid_request_error';

export interface StripeErrorBody {
	type: StripeErrorType;
	message: string;
	code?: string;
	param?: string;
	doc_url?: string;
	request_log_url?: string;
	decline_code?: string;
}

export class StripeApiError extends Error {
	constructor(
		readonly status: number,
		readonly body: StripeErrorBody,
		readonly headers: Record<string, string> = {},
	) {
		super(body.message);
	}

	toJSON(): { error: StripeErrorBody } {
		return { error: this.body };
	}
}

const docUrl = (code: string): string => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

export function invalidRequest(message: string, param?: string, code?: string, status = 400): StripeApiError {
	return new StripeApiError(status, {
		type: 'invalid_request_error',
		message,
		...(code ? { code, doc_url: docUrl(code) } : {}),
		...(param ? { param } : {}),
	});
}

export const unknownParameter = (param: string): StripeApiError =>
	invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');

export const unrecognizedUrl = (method: string, path: string): StripeApiError =>
	invalidRequest(
		`Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
		undefined,
		undefined,
		404,
	);

/** `noun` is how Stripe names the resource in the message: "No such customer: 'cus_x'". */
export const resourceMissing = (noun: string, id: string, param = 'id'): StripeApiError =>
	invalidRequest(`No such ${noun}: '${id}'`, param, 'resource_missing', 404);

/** Stripe shows the key's prefix, asterisks for the middle and the last four characters. */
export function redactKey(key: string): string {
	const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
	const tail = key.length - prefix.length > 4 ? key.slice(-4) : '';
	return prefix + '*'.repeat(Math.max(key.length - prefix.length - tail.length, 0)) + tail;
}

export const invalidApiKey = (key: string): StripeApiError =>
	invalidRequest(`Invalid API Key provided: ${redactKey(key)}`, undefined, undefined, 401);

export const expiredApiKey = (key: string): StripeApiError =>
	invalidRequest(`Expired API Key provided: ${redactKey(key)}`, undefined, 'api_key_expired', 401);

export const missingApiKey = (): StripeApiError =>
	invalidRequest(
		"You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
		undefined,
		undefined,
		401,
	);

export const permissionDenied = (key: string, account: string, permission: string): StripeApiError =>
	invalidRequest(
		`The provided key '${redactKey(key)}' does not have the required permissions for this endpoint on account '${account}'. Having the '${permission}' permission would allow this request to continue.`,
		undefined,
		undefined,
		403,
	);

export const idempotencyMismatch = (key: string): StripeApiError =>
	new StripeApiError(400, {
		type: 'idempotency_error',
		message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
	});

export const idempotencyEndpointMismatch = (key: string, first: string, now: string): StripeApiError =>
	new StripeApiError(400, {
		type: 'idempotency_error',
		message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${first}' vs '${now}'). Try using a key other than '${key}' if you meant to execute a different request.`,
	});

export const rateLimited = (): StripeApiError =>
	new StripeApiError(
		429,
		{
			type: 'invalid_request_error',
			code: 'rate_limit',
			doc_url: docUrl('rate_limit'),
			message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
		},
	);

export const lockTimeout = (): StripeApiError =>
	new StripeApiError(429, {
		type: 'invalid_request_error',
		code: 'lock_timeout',
		doc_url: docUrl('lock_timeout'),
		message:
			'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.',
	});

export const serverError = (): StripeApiError =>
	new StripeApiError(
		500,
		{
			type: 'api_error',
			message:
				"Sorry, something went wrong. We've already been notified of the problem, but if you need any help, you can reach us at support.stripe.com/contact.",
		},
		{ 'Stripe-Should-Retry': 'true' },
	);
