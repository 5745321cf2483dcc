import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { keyMode } from '../nodes/shared/transport/apiKey';
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
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.stripe.com',
			description: 'Change only to reach Stripe through a proxy or a local Stripe emulator',
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
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/webhook_endpoints',
			qs: { limit: 1 },
			headers: { 'Stripe-Version': STRIPE_API_VERSION },
		},
	};
}
