import { createHash } from 'crypto';
import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type ICredentialDataDecryptedObject,
	type IExecuteFunctions,
	type IHookFunctions,
	type ILoadOptionsFunctions,
	type IWebhookFunctions,
	type JsonObject,
} from 'n8n-workflow';

import { StripeApiError } from './errors';
import { StripeClient, type HttpResponse, type StripeMode } from './stripeClient';
import { keyMode } from './apiKey';

export type StripeContext = IExecuteFunctions | IHookFunctions | IWebhookFunctions | ILoadOptionsFunctions;

export const RESTRICTED_KEY_CREDENTIAL = 'stripeRestrictedKeyApi';
export const DEFAULT_BASE_URL = 'https://api.stripe.com';

export interface StripeClientSettings {
	/** Overrides Stripe's default limit for the key's mode. */
	requestsPerSecond?: number;
}

/**
 * The only way nodes reach Stripe: n8n applies the credential, the client adds versioning,
 * idempotency, retries, pagination and the shared rate limit.
 */
export async function stripeClient(
	context: StripeContext,
	settings: StripeClientSettings = {},
): Promise<StripeClient> {
	const credentials = await context.getCredentials(RESTRICTED_KEY_CREDENTIAL);
	const mode = credentialMode(context, credentials);
	const baseUrl = String(credentials.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
	const accountId = String(credentials.accountId ?? '').trim();
	return new StripeClient({
		baseUrl,
		mode,
		// A digest, never the key: this string names the shared rate limiter.
		accountKey: createHash('sha256').update(`${credentials.apiKey}|${accountId}`).digest('hex').slice(0, 16),
		requestsPerSecond: settings.requestsPerSecond || undefined,
		clock: { now: () => Date.now(), sleep },
		send: async (request) =>
			(await context.helpers.httpRequestWithAuthentication.call(context, RESTRICTED_KEY_CREDENTIAL, {
				method: request.method,
				baseURL: baseUrl,
				url: request.url,
				headers: request.headers,
				body: request.body,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				json: false,
				timeout: 30000,
			})) as HttpResponse,
	});
}

function credentialMode(context: StripeContext, credentials: ICredentialDataDecryptedObject): StripeMode {
	const mode = keyMode(String(credentials.apiKey ?? ''));
	if (!mode) {
		throw new NodeOperationError(context.getNode(), 'The Stripe credential does not hold a secret or restricted key', {
			description:
				'Paste a key that starts with rk_live_, rk_test_, sk_live_ or sk_test_ into the Stripe Restricted Key API credential. Publishable keys (pk_) cannot read data.',
		});
	}
	return mode;
}

/** Turns a transport failure into the error n8n shows, with the hint on what to do. */
export function toNodeError(context: StripeContext, error: unknown, itemIndex?: number): Error {
	if (error instanceof StripeApiError) {
		return new NodeApiError(context.getNode(), { message: error.message, ...error.details } as JsonObject, {
			message: error.message,
			description: error.description,
			httpCode: error.httpCode ? String(error.httpCode) : undefined,
			itemIndex,
		});
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex });
}
