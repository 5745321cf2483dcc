import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { toNodeError } from '../transport';

export interface ItemResult {
	json: IDataObject;
	binary?: IBinaryKeyData;
	/** Which of the node's outputs the item leaves on; the first one unless said. */
	output?: number;
}

/**
 * Runs `handle` once per input item, in order, for both action nodes. Every result points back at
 * its input item (pairedItem). An error stops the node, or, with the node's "Continue On Fail"
 * setting, becomes that item's result on `errorOutput` (`error` and `description`, the hint on
 * what to do) and the next item runs.
 */
export async function runPerItem(
	context: IExecuteFunctions,
	{ outputs, errorOutput }: { outputs: number; errorOutput: number },
	handle: (itemIndex: number, item: INodeExecutionData) => Promise<ItemResult[]>,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const results: INodeExecutionData[][] = Array.from({ length: outputs }, () => []);
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const pairedItem = { item: itemIndex };
		try {
			for (const { output = 0, ...result } of await handle(itemIndex, items[itemIndex])) results[output].push({ ...result, pairedItem });
		} catch (error) {
			const nodeError = toNodeError(context, error, itemIndex);
			if (!context.continueOnFail()) throw nodeError;
			results[errorOutput].push({
				json: { error: nodeError.message, description: (nodeError as { description?: string }).description ?? null },
				pairedItem,
			});
		}
	}
	return results;
}
