import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { STRIPE_API_VERSION } from '../nodes/shared/transport/stripeClient';

/**
 * "Connect with Stripe": a platform's users grant it access to their own Stripe accounts, and
 * each access token then acts as that connected account (`stripe_user_id`, kept in the token data).
 */
export class StripeConnectOAuth2Api implements ICredentialType {
	name = 'stripeConnectOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Stripe Connect OAuth2 API';

	icon = { light: 'file:../icons/stripe.svg', dark: 'file:../icons/stripe.dark.svg' } as const;

	documentationUrl = 'https://docs.stripe.com/connect/oauth-reference';

	properties: INodeProperties[] = [
		{
			displayName:
				'For Stripe Connect platforms using OAuth ("Connect with Stripe"). Client ID is the platform\'s ca_ ID from Dashboard → Connect → Settings; Client Secret is the platform\'s secret key. Stripe now steers new platforms towards Stripe Apps; this credential stays right for platforms that already onboard Standard accounts through OAuth. For your own account, use the Stripe Restricted Key API credential instead.',
			name: 'connectNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'authorizationCode',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'string',
			default: 'https://connect.stripe.com/oauth/authorize',
			required: true,
			description: 'Change only for a local Stripe emulator',
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			default: 'https://connect.stripe.com/oauth/token',
			required: true,
			description: 'Change only for a local Stripe emulator',
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: 'read_write',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			// Stripe reads the platform secret key as client_secret in the token request's body.
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'body',
		},
		{
			displayName: 'API Base URL',
			name: 'apiBaseUrl',
			type: 'string',
			default: 'https://api.stripe.com',
			description: 'Change only to reach Stripe through a proxy or a local Stripe emulator',
		},
	];

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.apiBaseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/customers',
			qs: { limit: 1 },
			headers: { 'Stripe-Version': STRIPE_API_VERSION },
		},
	};
}
