import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { stripeClient, toNodeError } from '../../shared/transport';
import type { StripeClient } from '../../shared/transport/stripeClient';
import * as account from './account/Account.resource';

type Operation = {
	execute: (this: IExecuteFunctions, stripe: StripeClient, itemIndex: number) => Promise<IDataObject[]>;
};

const operations: Record<string, Record<string, Operation>> = {
	account: account.operations,
};

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

	const stripe = await stripeClient(this);
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const results = await operation.execute.call(this, stripe, itemIndex);
			for (const json of results) output.push({ json, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (this.continueOnFail()) {
				const nodeError = toNodeError(this, error, itemIndex);
				output.push({
					json: { error: nodeError.message, description: (nodeError as { description?: string }).description ?? null },
					pairedItem: { item: itemIndex },
				});
				continue;
			}
			throw toNodeError(this, error, itemIndex);
		}
	}
	return [output];
}
