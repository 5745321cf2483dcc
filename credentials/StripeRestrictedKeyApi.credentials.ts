import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { keyMode } from '../nodes/shared/transport/apiKey';
import { checkCredentialUrl, keyMayGoTo, requestTarget, STRIPE_API_BASE_URL, urlOrigin } from '../nodes/shared/transport/baseUrl';
import { REQUIRED_PERMISSIONS } from '../nodes/shared/transport/permissions';
import { STRIPE_API_VERSION } from '../nodes/shared/transport/stripeClient';

const permissionList = REQUIRED_PERMISSIONS.map((entry) => `${entry.resource}: ${entry.access}`).join(', ');

export class StripeRestrictedKeyApi implements ICredentialType {
	name = 'stripeRestrictedKeyApi';

	displayName = 'Stripe Restricted Key API';

	icon = { light: 'file:../icons/stripe.svg', dark: 'file:../icons/stripe.dark.svg' } as const;

	documentationUrl = 'https://docs.stripe.com/keys#create-restricted-api-secret-key';

	properties: INodeProperties[] = [
		{
			displayName: `Use a restricted key with exactly these permissions: ${permissionList}. Create it in the Stripe Dashboard under Developers → API keys → Create restricted key. A secret key (sk_) also works but can change anything in your account. To see which permissions a key lacks, run the Stripe Lifecycle node's Account → Check Permissions operation.`,
			name: 'permissionsNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'rk_live_...',
			description: 'A restricted key (rk_live_ or rk_test_) or a secret key (sk_live_ or sk_test_)',
		},
		{
			displayName: 'Connected Account ID',
			name: 'accountId',
			type: 'string',
			default: '',
			placeholder: 'acct_...',
			description: 'Act on a Stripe Connect account: sent as the Stripe-Account header on every call. Leave empty for your own account.',
		},
		{
			displayName: 'Custom API Base URL',
			name: 'customBaseUrl',
			type: 'boolean',
			default: false,
			description:
				'Whether to send requests, and with them the key, somewhere other than https://api.stripe.com: a proxy (https only) or a local Stripe emulator (http only to 127.0.0.0/8, localhost or [::1]). A user name or password in the URL is never accepted.',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://stripe-proxy.example.com',
			description: 'The proxy or emulator that receives every request and the key. https, or http only to this machine.',
			displayOptions: { show: { customBaseUrl: [true] } },
		},
	];

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const apiKey = String(credentials.apiKey ?? '').trim();
		if (!keyMode(apiKey)) {
			throw new Error(
				'This is not a Stripe secret or restricted key. Paste a key that starts with rk_live_, rk_test_, sk_live_ or sk_test_; publishable keys (pk_) cannot read data.',
			);
		}
		// Every request that carries the key passes here, including the ones n8n makes without this
		// package's transport (the credential test, an HTTP Request node using this credential).
		const base = checkCredentialUrl('API Base URL', credentials.baseUrl, credentials.customBaseUrl === true, STRIPE_API_BASE_URL);
		if ('refused' in base) throw new Error(`No request was sent. ${base.refused}`);
		const target = requestTarget(requestOptions.baseURL, requestOptions.url ?? (requestOptions as { uri?: string }).uri);
		if (!keyMayGoTo(target, base.url)) {
			throw new Error(
				`No request was sent: this credential's key goes only to Stripe${base.url === STRIPE_API_BASE_URL ? '' : ` and ${urlOrigin(base.url)}`}, not to ${urlOrigin(target) || 'this URL'}.`,
			);
		}
		const accountId = String(credentials.accountId ?? '').trim();
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				Authorization: `Bearer ${apiKey}`,
				...(accountId ? { 'Stripe-Account': accountId } : {}),
			},
		};
	}

	test: ICredentialTestRequest = {
		request: {
			// authenticate() refuses a base URL outside the rule before the key is attached.
			baseURL: `={{ $credentials.customBaseUrl === true ? String($credentials.baseUrl || "").trim().replace(/\\/+$/, "") : "${STRIPE_API_BASE_URL}" }}`,
			url: '/v1/webhook_endpoints',
			qs: { limit: 1 },
			headers: { 'Stripe-Version': STRIPE_API_VERSION },
			// n8n re-attaches the credential on a redirect to another host unless told not to.
			sendCredentialsOnCrossOriginRedirect: false,
		},
	};
}
