import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import {
	allowedUrlExpression,
	STRIPE_API_BASE_URL,
	STRIPE_CONNECT_AUTHORIZE_URL,
	STRIPE_CONNECT_TOKEN_URL,
} from '../nodes/shared/transport/baseUrl';
import { STRIPE_API_VERSION } from '../nodes/shared/transport/stripeClient';

const customOnly = { show: { customBaseUrl: [true] } };

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
			displayName: 'Custom API Base URL',
			name: 'customBaseUrl',
			type: 'boolean',
			default: false,
			description:
				'Whether to use a proxy or a local Stripe emulator instead of Stripe (https://api.stripe.com, https://connect.stripe.com). The token URL receives the platform secret key and the API base URL the access tokens: https only, or http only to 127.0.0.0/8, localhost or [::1]; a user name or password in a URL is never accepted.',
		},
		{
			displayName: 'API Base URL',
			name: 'apiBaseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://stripe-proxy.example.com',
			displayOptions: customOnly,
		},
		{
			displayName: 'Authorization URL',
			name: 'customAuthUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://stripe-proxy.example.com/oauth/authorize',
			displayOptions: customOnly,
		},
		{
			displayName: 'Access Token URL',
			name: 'customAccessTokenUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://stripe-proxy.example.com/oauth/token',
			displayOptions: customOnly,
		},
		{
			// n8n's OAuth2 flow reads these two itself; they resolve to Stripe's, or to the custom
			// URLs only when those pass the rule in baseUrl.ts.
			displayName: 'Authorization URL (resolved)',
			name: 'authUrl',
			type: 'hidden',
			default: allowedUrlExpression('$self', 'customAuthUrl', STRIPE_CONNECT_AUTHORIZE_URL),
		},
		{
			displayName: 'Access Token URL (resolved)',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: allowedUrlExpression('$self', 'customAccessTokenUrl', STRIPE_CONNECT_TOKEN_URL),
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
	];

	test: ICredentialTestRequest = {
		request: {
			// n8n attaches the access token itself, so the rule is in the expression.
			baseURL: allowedUrlExpression('$credentials', 'apiBaseUrl', STRIPE_API_BASE_URL),
			url: '/v1/customers',
			qs: { limit: 1 },
			headers: { 'Stripe-Version': STRIPE_API_VERSION },
			// n8n re-attaches the credential on a redirect to another host unless told not to.
			sendCredentialsOnCrossOriginRedirect: false,
		},
	};
}
