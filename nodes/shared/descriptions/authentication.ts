import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

/** Every node reaches Stripe with either credential; the transport reads this choice. */
export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	options: [
		{ name: 'Restricted Key', value: 'restrictedKey', description: 'Your own Stripe account (or one connected account by ID)' },
		{ name: 'Stripe Connect OAuth2', value: 'connectOAuth2', description: 'An account connected to your platform with "Connect with Stripe"' },
	],
	default: 'restrictedKey',
};

export const stripeCredentials: INodeCredentialDescription[] = [
	{ name: 'stripeRestrictedKeyApi', required: true, displayOptions: { show: { authentication: ['restrictedKey'] } } },
	{ name: 'stripeConnectOAuth2Api', required: true, displayOptions: { show: { authentication: ['connectOAuth2'] } } },
];
