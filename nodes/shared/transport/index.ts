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

import { keyMode } from './apiKey';
import { checkCredentialUrl, STRIPE_API_BASE_URL, STRIPE_CONNECT_TOKEN_URL } from './baseUrl';
import { StripeApiError } from './errors';
import { stripeApi, type StripeApi } from './resources';
import { StripeClient, type HttpResponse, type StripeMode } from './stripeClient';

export type StripeContext = IExecuteFunctions | IHookFunctions | IWebhookFunctions | ILoadOptionsFunctions;

export const RESTRICTED_KEY_CREDENTIAL = 'stripeRestrictedKeyApi';
export const CONNECT_CREDENTIAL_NAME = 'stripeConnectOAuth2Api';

export interface StripeClientSettings {
	/** Overrides Stripe's default limit for the key's mode. */
	requestsPerSecond?: number;
	/** Most time all calls of the client may take together, in ms (see StripeClientOptions.budgetMs). */
	budgetMs?: number;
}

/** What the transport needs to know of whichever credential the node uses. */
export interface CredentialInfo {
	type: typeof RESTRICTED_KEY_CREDENTIAL | typeof CONNECT_CREDENTIAL_NAME;
	mode: StripeMode;
	baseUrl: string;
	/** The connected account acted on, if any (Connect OAuth, or a restricted key's account id). */
	account: string | null;
	/** Names the account for the shared rate limiter; a digest, never a secret. */
	accountKey: string;
	/**
	 * Signs sync cursors (sources/syncCursor.ts): derived from the credential's secret, so only the
	 * same credential can continue a sync, and never shown.
	 */
	cursorKey: Buffer;
}

function cursorKeyOf(secret: string): Buffer {
	return createHash('sha256').update(`stripe-lifecycle sync cursor|${secret}`).digest();
}

function digest(text: string): string {
	return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Nodes without the selector (or set to the default) use the restricted-key credential. */
function selectedCredential(context: StripeContext): CredentialInfo['type'] {
	// Action nodes read parameters per item (name, itemIndex, fallback); hooks and webhooks have no items.
	const choice =
		'getInputData' in context
			? context.getNodeParameter('authentication', 0, 'restrictedKey')
			: (context.getNodeParameter as (name: string, fallback: unknown) => unknown)('authentication', 'restrictedKey');
	return choice === 'connectOAuth2' ? CONNECT_CREDENTIAL_NAME : RESTRICTED_KEY_CREDENTIAL;
}

/**
 * The URLs the key and tokens would travel to, checked before any request: Stripe's unless the
 * credential's Custom API Base URL toggle is on (see baseUrl.ts). Returns the API base URL.
 */
function checkedBaseUrl(context: StripeContext, type: CredentialInfo['type'], credentials: ICredentialDataDecryptedObject): string {
	const custom = credentials.customBaseUrl === true;
	const check = (label: string, value: unknown, stripeUrl: string) => checkCredentialUrl(label, value, custom, stripeUrl);
	const api = check('API Base URL', type === CONNECT_CREDENTIAL_NAME ? credentials.apiBaseUrl : credentials.baseUrl, STRIPE_API_BASE_URL);
	// n8n sends the platform secret key to the Connect token URL whenever it refreshes a token:
	// the field as typed (for a precise message), then the value n8n will use.
	const token =
		type === CONNECT_CREDENTIAL_NAME
			? [...(custom ? [check('Access Token URL', credentials.customAccessTokenUrl, STRIPE_CONNECT_TOKEN_URL)] : []), check('Access Token URL', credentials.accessTokenUrl, STRIPE_CONNECT_TOKEN_URL)]
			: [];
	for (const checked of [api, ...token]) {
		if ('refused' in checked) {
			throw new NodeOperationError(context.getNode(), 'No request was sent: the Stripe credential points to a URL it may not use', {
				description: checked.refused,
			});
		}
	}
	return (api as { url: string }).url;
}

export async function credentialInfo(context: StripeContext): Promise<CredentialInfo> {
	const type = selectedCredential(context);
	const credentials = await context.getCredentials(type);
	const baseUrl = checkedBaseUrl(context, type, credentials);
	if (type === CONNECT_CREDENTIAL_NAME) {
		const token = (credentials.oauthTokenData ?? {}) as { access_token?: string; livemode?: boolean; stripe_user_id?: string };
		if (!token.access_token) {
			throw new NodeOperationError(context.getNode(), 'The Stripe Connect credential is not connected yet', {
				description: 'Open the Stripe Connect OAuth2 API credential and click "Connect my account" to finish the OAuth flow.',
			});
		}
		const account = token.stripe_user_id ?? null;
		return {
			type,
			mode: token.livemode === true || token.access_token.startsWith('sk_live_') ? 'live' : 'test',
			baseUrl,
			account,
			accountKey: digest(`oauth|${account ?? token.access_token}`),
			// The access token changes when n8n refreshes it; the app's secret and the account do not.
			cursorKey: cursorKeyOf(`oauth|${String(credentials.clientSecret ?? '')}|${account ?? ''}`),
		};
	}
	const apiKey = String(credentials.apiKey ?? '');
	const mode = keyMode(apiKey);
	if (!mode) {
		throw new NodeOperationError(context.getNode(), 'The Stripe credential does not hold a secret or restricted key', {
			description:
				'Paste a key that starts with rk_live_, rk_test_, sk_live_ or sk_test_ into the Stripe Restricted Key API credential. Publishable keys (pk_) cannot read data.',
		});
	}
	const account = String(credentials.accountId ?? '').trim() || null;
	return {
		type,
		mode,
		baseUrl,
		account,
		accountKey: digest(`${apiKey}|${account ?? ''}`),
		cursorKey: cursorKeyOf(`${apiKey}|${account ?? ''}`),
	};
}

/**
 * n8n throws instead of answering when an OAuth token cannot be refreshed; such a failure
 * carries an HTTP status and is a Stripe answer, not a network error worth retrying.
 */
function answerFromError(error: unknown): HttpResponse | undefined {
	const failure = error as { httpCode?: string | null; response?: { status?: number }; description?: string; message?: string };
	const status = Number(failure?.httpCode ?? failure?.response?.status);
	if (!Number.isInteger(status) || status < 400) return undefined;
	return { statusCode: status, headers: {}, body: JSON.stringify({ error: { message: failure.description ?? failure.message ?? '' } }) };
}

/**
 * The only way nodes reach Stripe: n8n applies the credential, the client adds versioning,
 * idempotency, retries, pagination and the shared rate limit, and resources.ts binds each
 * resource to its path and types.
 */
export async function stripeClient(context: StripeContext, settings: StripeClientSettings = {}): Promise<StripeApi> {
	const info = await credentialInfo(context);
	const client = new StripeClient({
		baseUrl: info.baseUrl,
		mode: info.mode,
		accountKey: info.accountKey,
		credentialKind: info.type === CONNECT_CREDENTIAL_NAME ? 'oauth' : 'key',
		requestsPerSecond: settings.requestsPerSecond || undefined,
		budgetMs: settings.budgetMs,
		clock: { now: () => Date.now(), sleep },
		send: async (request) =>
			(await context.helpers.httpRequestWithAuthentication
				.call(context, info.type, {
					method: request.method,
					baseURL: info.baseUrl,
					url: request.url,
					headers: request.headers,
					body: request.body,
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					json: false,
					timeout: request.timeoutMs,
					// n8n re-attaches the Authorization header on a redirect to another host unless told not to.
					sendCredentialsOnCrossOriginRedirect: false,
				})
				.catch((error: unknown) => {
					const answer = answerFromError(error);
					if (answer) return answer;
					throw error;
				})) as HttpResponse,
	});
	return stripeApi(client, { cursorKey: info.cursorKey });
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
