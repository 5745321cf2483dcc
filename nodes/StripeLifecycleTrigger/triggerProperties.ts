import type { INodeProperties } from 'n8n-workflow';

import { activityFilterProperties } from '../shared/descriptions/activityFilter';
import { STRIPE_API_VERSION } from '../shared/transport/stripeClient';

export const triggerProperties: INodeProperties[] = [
	{
		displayName: 'Webhook Registration',
		name: 'webhookRegistration',
		type: 'options',
		options: [
			{
				name: 'Automatic',
				value: 'automatic',
				description: 'Create, update and delete one Stripe webhook endpoint as the workflow is activated and deactivated (needs Webhook Endpoints: Write)',
			},
			{
				name: 'Manual',
				value: 'manual',
				description: 'You create the endpoint in Stripe and paste its signing secret; for keys without webhook Write permission',
			},
		],
		default: 'automatic',
	},
	{
		displayName: `In the Stripe Dashboard open Developers → Webhooks → Add endpoint, enter this node's production webhook URL, choose the events of the selected activities and API version ${STRIPE_API_VERSION}, then paste the endpoint's signing secret below`,
		name: 'manualNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { webhookRegistration: ['manual'] } },
	},
	{
		displayName: 'Signing Secret',
		name: 'signingSecret',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		placeholder: 'whsec_...',
		description: 'The endpoint\'s signing secret from the Stripe Dashboard; every request is verified with it',
		displayOptions: { show: { webhookRegistration: ['manual'] } },
	},
	...activityFilterProperties(undefined, ['trial', 'subscription', 'charge', 'invoice', 'customer']),
	{
		displayName: 'Fetch Customer Email and Name',
		name: 'fetchCustomer',
		type: 'boolean',
		default: true,
		description: 'Whether to read the customer from Stripe when the event carries only its ID, so playbooks can address the customer (one read per event)',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Exactly Once Across Processes',
				name: 'exactlyOnceAcrossProcesses',
				type: 'boolean',
				default: false,
				description:
					'Whether to claim each event in Stripe before the workflow runs, so a duplicate delivery that reaches another n8n process (queue mode with webhook processors, several main instances) starts no second execution. Costs one write request per event; needs automatic webhook registration.',
				displayOptions: { show: { '/webhookRegistration': ['automatic'] } },
			},
			{
				displayName: 'Include Raw Event',
				name: 'includeRawEvent',
				type: 'boolean',
				default: false,
				description: 'Whether to attach the whole Stripe event to each activity as raw',
			},
			{
				displayName: 'Receive Connected Account Events',
				name: 'connectedAccounts',
				type: 'boolean',
				default: false,
				description: 'Whether to receive events of your Stripe Connect accounts instead of your own account\'s',
			},
			{
				displayName: 'Signature Tolerance (Seconds)',
				name: 'toleranceSeconds',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 3600 },
				default: 300,
				description: 'How far the signature\'s timestamp may be from the clock before a request is refused as replayed',
			},
		],
	},
];
