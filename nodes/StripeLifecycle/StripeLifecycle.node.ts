import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { searchCustomers } from './methods/listSearch';
import { resourceProperties, router } from './actions/router';
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
			...resourceProperties,
		],
	};

	methods = { listSearch: { searchCustomers } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
