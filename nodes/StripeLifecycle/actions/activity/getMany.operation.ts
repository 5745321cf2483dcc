import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { listingOptions, type ListingSettings } from '../../../shared/descriptions/listingOptions';
import { activityFilterProperties } from '../../../shared/descriptions/activityFilter';
import { selectActivities } from '../../../shared/lifecycle/backfill';
import { DAY_SECONDS, epochNow } from '../../../shared/lifecycle/time';
import type { ActivityCategory, ActivityName } from '../../../shared/lifecycle/types';
import { batchedBackfill, loadBackfill } from '../../../shared/sources/backfillSource';
import { batchingProperties, batchItem, readBatchRequest } from '../../../shared/descriptions/batching';
import type { StripeApi } from '../../../shared/transport/resources';
import { parameterError } from '../../../shared/execution/errors';
import type { Choice } from '../../../shared/execution/options';
import type { OperationResult } from '../operation';

export const option: Choice = {
	name: 'Get Many',
	description: 'Backfill: rebuild the last N days (default 90) of activities, the same items the trigger emits, oldest first',
	action: 'Get many activities',
};

const show = { resource: ['activity'], operation: ['getMany'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Days',
		name: 'days',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 365 },
		default: 90,
		description: 'How many days back from now to rebuild activities (1 to 365). The last 30 days are exact from Stripe\'s Events API; older ones come from object timestamps.',
		displayOptions: { show },
	},
	...activityFilterProperties(show, []),
	...batchingProperties(show),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			...listingOptions,
			{
				displayName: 'Fetch Customer Email and Name',
				name: 'fetchCustomers',
				type: 'boolean',
				default: true,
				description: 'Whether to list all customers to fill in email and name on every activity, as the trigger does',
			},
			{
				displayName: 'Locale',
				name: 'locale',
				type: 'string',
				default: 'en-US',
				description: 'BCP 47 locale for formatted amounts',
			},
		],
	},
];

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const days = Number(this.getNodeParameter('days', itemIndex, 90));
	if (!Number.isInteger(days) || days < 1 || days > 365) {
		throw parameterError(this, `Days must be a whole number from 1 to 365, not ${days}`, 'Set Days between 1 and 365; an expression must return a whole number.', itemIndex);
	}
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const selection = {
		categories: this.getNodeParameter('categories', itemIndex, []) as ActivityCategory[],
		activities: this.getNodeParameter('activities', itemIndex, []) as ActivityName[],
	};
	const to = epochNow();
	const scope = {
		from: to - days * DAY_SECONDS,
		to,
		concurrency: listing.concurrency,
		fetchCustomers: options.fetchCustomers !== false,
		locale: String(options.locale || 'en-US'),
	};
	const batch = readBatchRequest(this, itemIndex);
	if (batch) {
		return [await batchItem(this, itemIndex, stripe, batchedBackfill(stripe, { ...scope, days, selection }), batch)];
	}
	const result = await loadBackfill(stripe, scope);
	const selected = selectActivities(result.activities, selection);
	return selected.map((activity) => ({
		json: { ...(activity as unknown as IDataObject), ...(result.warnings.length ? { warnings: [...(activity.warnings ?? []), ...result.warnings] } : {}) },
	}));
}
