import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { ListingSettings } from '../../shared/descriptions/listingOptions';
import { stripeClient, toNodeError } from '../../shared/transport';
import type { StripeApi } from '../../shared/transport/resources';
import * as account from './account/Account.resource';
import * as activity from './activity/Activity.resource';
import * as audience from './audience/Audience.resource';
import * as customer from './customer/Customer.resource';
import * as metric from './metric/Metric.resource';

export interface OperationResult {
	json: IDataObject;
	binary?: IBinaryKeyData;
}

export type Operation = {
	execute: (this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings) => Promise<OperationResult[]>;
};

const operations: Record<string, Record<string, Operation>> = {
	account: account.operations,
	activity: activity.operations,
	audience: audience.operations,
	customer: customer.operations,
	metric: metric.operations,
};

function listingSettings(context: IExecuteFunctions): ListingSettings {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		concurrency: typeof options.concurrency === 'number' && options.concurrency >= 1 ? Math.floor(options.concurrency) : 4,
		requestsPerSecond: typeof options.requestsPerSecond === 'number' && options.requestsPerSecond > 0 ? options.requestsPerSecond : undefined,
	};
}

/**
 * Runs the selected operation once per input item. Errors become the item's output when the
 * node is set to continue on fail, and every output item points back at its input item.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operationName = this.getNodeParameter('operation', 0) as string;
	const operation = operations[resource]?.[operationName];
	if (!operation) throw toNodeError(this, new Error(`The operation "${operationName}" of "${resource}" is not supported`));

	const listing = listingSettings(this);
	// Created inside the item loop so a bad credential becomes an error item under continue-on-fail.
	let stripe: Promise<StripeApi> | undefined;
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			stripe ??= stripeClient(this, { requestsPerSecond: listing.requestsPerSecond });
			const results = await operation.execute.call(this, await stripe, itemIndex, listing);
			for (const result of results) output.push({ ...result, pairedItem: { item: itemIndex } });
		} catch (error) {
			const nodeError = toNodeError(this, error, itemIndex);
			if (!this.continueOnFail()) throw nodeError;
			output.push({
				json: { error: nodeError.message, description: (nodeError as { description?: string }).description ?? null },
				pairedItem: { item: itemIndex },
			});
		}
	}
	return [output];
}
