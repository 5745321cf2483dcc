import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../shared/descriptions/listingOptions';
import type { Choice } from '../../shared/execution/options';
import type { StripeApi } from '../../shared/transport/resources';

/**
 * What an operation module of the Stripe Lifecycle node provides, and what a resource groups.
 * The router and the operations both depend on this file and never on each other.
 */
export interface OperationResult {
	json: IDataObject;
	binary?: IBinaryKeyData;
}

export interface Operation {
	/** Its entry in the Operation field; the value is its key in the resource's map. */
	option: Choice;
	/** The fields it shows. */
	description: INodeProperties[];
	execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]>;
}

export interface Resource<Key extends string = string> {
	/** Its entry in the Resource field; the value is its key in the node's map. */
	option: Choice;
	operations: Record<Key, Operation>;
	defaultOperation: Key;
	/** Fields several operations share, then each operation's own, in the order the editor shows them. */
	fields: INodeProperties[];
}

/** A resource, its default checked against its operations. */
export function resource<Key extends string>(
	option: Choice,
	operations: Record<Key, Operation>,
	defaultOperation: NoInfer<Key>,
	sharedFields: INodeProperties[] = [],
): Resource<Key> {
	const own = (Object.values(operations) as Operation[]).flatMap((operation) => operation.description);
	return { option, operations, defaultOperation, fields: [...sharedFields, ...own] };
}
