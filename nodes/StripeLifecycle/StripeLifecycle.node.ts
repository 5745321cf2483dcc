import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import * as account from './actions/account/Account.resource';
import * as activity from './actions/activity/Activity.resource';
import * as audience from './actions/audience/Audience.resource';
import * as customer from './actions/customer/Customer.resource';
import * as metric from './actions/metric/Metric.resource';
import { searchCustomers } from './methods/listSearch';
import { router } from './actions/router';
import { authenticationProperty, stripeCredentials } from '../shared/descriptions/authentication';

export class StripeLifecycle implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Stripe Lifecycle',
		name: 'stripeLifecycle',
		icon: { light: 'file:../../icons/stripe.svg', dark: 'file:../../icons/stripe.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read customer profiles, activities, audiences and SaaS metrics from Stripe',
		defaults: { name: 'Stripe Lifecycle' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: stripeCredentials,
		properties: [
			authenticationProperty,
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Account', value: 'account', description: 'Check the key\'s permissions' },
					{ name: 'Activity', value: 'activity', description: 'Backfill the activities the trigger would have emitted' },
					{ name: 'Audience', value: 'audience', description: 'Segments of customer profiles' },
					{ name: 'Customer', value: 'customer', description: 'Customer profiles: the CRM record' },
					{ name: 'Metric', value: 'metric', description: 'SaaS and payment metrics and a dashboard' },
				],
				default: 'customer',
			},
			...account.description,
			...activity.description,
			...audience.description,
			...customer.description,
			...metric.description,
		],
	};

	methods = { listSearch: { searchCustomers } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
