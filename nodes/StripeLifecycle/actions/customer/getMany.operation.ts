import { DateTime } from 'luxon';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { isEmailAddress } from '../../../shared/lifecycle/text';
import type { Profile, ProfileStatus } from '../../../shared/lifecycle/types';
import { batchedProfiles, loadNewestProfiles, loadProfiles } from '../../../shared/sources/profilesSource';
import { batchingProperties, batchItem, readBatchRequest } from '../../../shared/descriptions/batching';
import type { StripeApi } from '../../../shared/transport/resources';
import { parameterError } from '../../../shared/execution/errors';
import type { Choice } from '../../../shared/execution/options';
import type { OperationResult } from '../operation';
import { profileOptions, readProfileOptions } from './common';

export const option: Choice = {
	name: 'Get Many Profiles',
	description: 'Get customer profiles (status, plan, MRR, trial end, lifetime value) for many customers, filtered by created date, status or email',
	action: 'Get many customer profiles',
};

const show = { resource: ['customer'], operation: ['getMany'] };
const unbatched = { ...show, inBatches: [false] };

export const description: INodeProperties[] = [
	...batchingProperties(show),
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: unbatched },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { ...unbatched, returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show },
		options: [
			{ displayName: 'Created After', name: 'createdAfter', type: 'dateTime', default: '' },
			{ displayName: 'Created Before', name: 'createdBefore', type: 'dateTime', default: '' },
			{ displayName: 'Email', name: 'email', type: 'string', placeholder: 'name@email.com', default: '', description: 'Only customers with exactly this email' },
			{
				displayName: 'Status',
				name: 'status',
				type: 'multiOptions',
				options: [
					{ name: 'Active', value: 'active' },
					{ name: 'Canceled', value: 'canceled' },
					{ name: 'Lead (No Subscription)', value: 'lead' },
					{ name: 'Past Due', value: 'past_due' },
					{ name: 'Paused', value: 'paused' },
					{ name: 'Trialing', value: 'trialing' },
				],
				default: [],
				description: 'Only profiles with one of these statuses',
			},
		],
	},
	profileOptions(show),
];

function epochOrUndefined(context: IExecuteFunctions, value: unknown, field: string, itemIndex: number): number | undefined {
	if (!value) return undefined;
	const date = DateTime.fromISO(String(value));
	if (!date.isValid) {
		throw parameterError(context, `${field} "${String(value)}" is not a date; use ISO 8601 such as 2026-01-31`, `Pick a date in ${field}, or clear it.`, itemIndex);
	}
	return Math.floor(date.toSeconds());
}

function readLimit(context: IExecuteFunctions, itemIndex: number): number {
	const limit = Number(context.getNodeParameter('limit', itemIndex));
	if (!Number.isInteger(limit) || limit < 1) {
		throw parameterError(context, `Limit must be a whole number of at least 1, not ${limit}`, 'Set Limit to 1 or more, or turn on Return All.', itemIndex);
	}
	return limit;
}

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const options = readProfileOptions(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
	const email = String(filters.email ?? '').trim();
	if (email && !isEmailAddress(email)) {
		throw parameterError(this, `"${email}" is not an email address; enter one like name@example.com`, 'Enter one address like name@example.com, or map a field that holds one in the Email filter, or remove the filter.', itemIndex);
	}
	const createdFrom = epochOrUndefined(this, filters.createdAfter, 'Created After', itemIndex);
	const createdTo = epochOrUndefined(this, filters.createdBefore, 'Created Before', itemIndex);
	if (createdFrom !== undefined && createdTo !== undefined && createdTo <= createdFrom) {
		throw parameterError(this, 'Created Before must be later than Created After', 'Swap the two dates, or clear one of them.', itemIndex);
	}
	const statuses = new Set((filters.status as ProfileStatus[] | undefined) ?? []);
	const accept = (profile: Profile) => statuses.size === 0 || statuses.has(profile.status);
	const scope = { createdFrom, createdTo, email: email || undefined, concurrency: listing.concurrency, includePayments: options.includePayments };
	const batch = readBatchRequest(this, itemIndex);
	if (batch) {
		const source = batchedProfiles(stripe, scope, options, { kind: 'profiles', settings: { statuses: [...statuses].sort() }, accept });
		return [await batchItem(this, itemIndex, stripe, source, batch)];
	}
	const profiles = (this.getNodeParameter('returnAll', itemIndex) as boolean)
		? (await loadProfiles(stripe, scope, options)).filter(accept)
		: await loadNewestProfiles(stripe, scope, options, { limit: readLimit(this, itemIndex), accept });
	return profiles.map((profile) => ({ json: profile as unknown as IDataObject }));
}
