import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../shared/descriptions/listingOptions';
import { parameterError } from '../../shared/execution/errors';
import { choiceOf, keyOf, optionsFrom } from '../../shared/execution/options';
import { runPerItem } from '../../shared/execution/perItem';
import { stripeClient } from '../../shared/transport';
import type { StripeApi } from '../../shared/transport/resources';
import { account } from './account/Account.resource';
import { activity } from './activity/Activity.resource';
import { audience } from './audience/Audience.resource';
import { customer } from './customer/Customer.resource';
import { metric } from './metric/Metric.resource';
import type { Resource } from './operation';

const resources = { account, activity, audience, customer, metric } satisfies Record<string, Resource>;

/** The Resource field, then each resource's Operation field and the fields of its operations, all made from the map. */
export const resourceProperties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: optionsFrom(resources),
		default: keyOf(resources, 'customer'),
	},
	...Object.entries(resources).flatMap(([name, { operations, defaultOperation, fields }]: [string, Resource]) => [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: [name] } },
			options: optionsFrom(operations),
			default: defaultOperation,
		} satisfies INodeProperties,
		...fields,
	]),
];

function listingSettings(context: IExecuteFunctions): ListingSettings {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		concurrency: typeof options.concurrency === 'number' && options.concurrency >= 1 ? Math.floor(options.concurrency) : 4,
		requestsPerSecond: typeof options.requestsPerSecond === 'number' && options.requestsPerSecond > 0 ? options.requestsPerSecond : undefined,
	};
}

/** Runs the selected operation once per input item (shared/execution/perItem.ts). */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resourceName = this.getNodeParameter('resource', 0) as string;
	const operationName = this.getNodeParameter('operation', 0) as string;
	const operation = choiceOf(choiceOf(resources, resourceName)?.operations ?? {}, operationName);
	if (!operation) {
		throw parameterError(
			this,
			`The operation "${operationName}" of "${resourceName}" is not supported`,
			'Choose the Resource and the Operation again from their lists: the workflow names one this version of the node does not have.',
		);
	}
	const listing = listingSettings(this);
	// Created inside the item loop so a bad credential becomes an error item under continue-on-fail.
	let stripe: Promise<StripeApi> | undefined;
	return await runPerItem(this, { outputs: 1, errorOutput: 0 }, async (itemIndex) => {
		stripe ??= stripeClient(this, { requestsPerSecond: listing.requestsPerSecond });
		return await operation.execute.call(this, await stripe, itemIndex, listing);
	});
}
