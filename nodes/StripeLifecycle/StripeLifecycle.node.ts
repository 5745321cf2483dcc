import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import * as account from './actions/account/Account.resource';
import * as metric from './actions/metric/Metric.resource';
import { router } from './actions/router';

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
		credentials: [{ name: 'stripeRestrictedKeyApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Account', value: 'account' },
					{ name: 'Metric', value: 'metric' },
				],
				default: 'account',
			},
			...account.description,
			...metric.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
