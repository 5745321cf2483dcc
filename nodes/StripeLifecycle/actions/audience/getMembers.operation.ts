import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { AUDIENCES, audienceMembers, validateAudienceParameter } from '../../../shared/lifecycle/audiences';
import type { AudienceName, Profile } from '../../../shared/lifecycle/types';
import { epochNow } from '../../../shared/lifecycle/time';
import { batchedProfiles, loadProfiles } from '../../../shared/sources/profilesSource';
import { batchingProperties, batchItem, readBatchRequest } from '../../../shared/descriptions/batching';
import type { StripeApi } from '../../../shared/transport/resources';
import { parameterError } from '../../../shared/execution/errors';
import type { Choice } from '../../../shared/execution/options';
import { profileOptions, readProfileOptions } from '../customer/common';
import type { OperationResult } from '../operation';

export const option: Choice = {
	name: 'Get Members',
	description: 'Get the customer profiles in a segment such as trial ending soon, past due, cancelling or churned recently, or just their count',
	action: 'Get audience members',
};

const show = { resource: ['audience'], operation: ['getMembers'] };
const definitions = Object.values(AUDIENCES);

function audienceParameter(audience: AudienceName, property: INodeProperties): INodeProperties {
	return { ...property, description: AUDIENCES[audience].parameter?.description, displayOptions: { show: { ...show, audience: [audience] } } };
}

/** Audiences that judge payments need charges and invoices; the rest are decided by subscriptions. */
const NEEDS_PAYMENTS: ReadonlySet<AudienceName> = new Set(['high_value', 'leads']);

export const description: INodeProperties[] = [
	{
		displayName: 'Audience',
		name: 'audience',
		type: 'options',
		options: [...definitions]
			.sort((a, b) => a.label.localeCompare(b.label))
			.map((definition) => ({ name: definition.label, value: definition.name, description: definition.description })),
		default: 'trial_ending_soon',
		displayOptions: { show },
	},
	// Literal defaults keep n8n's linter able to read them; a unit test holds them equal to AUDIENCES.
	audienceParameter('trial_ending_soon', { displayName: 'Days', name: 'trial_ending_soon_days', type: 'number', typeOptions: { minValue: 1, maxValue: 365, numberPrecision: 0 }, default: 3 }),
	audienceParameter('churned_recently', { displayName: 'Days', name: 'churned_recently_days', type: 'number', typeOptions: { minValue: 1, maxValue: 365, numberPrecision: 0 }, default: 30 }),
	audienceParameter('new_customers', { displayName: 'Days', name: 'new_customers_days', type: 'number', typeOptions: { minValue: 1, maxValue: 365, numberPrecision: 0 }, default: 7 }),
	audienceParameter('high_value', { displayName: 'Threshold', name: 'high_value_threshold', type: 'number', typeOptions: { minValue: 0, numberPrecision: 2 }, default: 100 }),
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		options: [
			{ name: 'Members', value: 'members', description: 'One item per customer profile in the audience' },
			{ name: 'Count', value: 'count', description: 'One item with the number of customers in the audience' },
		],
		default: 'members',
		displayOptions: { show },
	},
	...batchingProperties({ ...show, output: ['members'] }),
	profileOptions(show),
];

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const audience = this.getNodeParameter('audience', itemIndex) as AudienceName;
	const definition = AUDIENCES[audience];
	if (!definition) {
		throw parameterError(this, validateAudienceParameter(audience, undefined) ?? `Unknown audience "${audience}"`, 'Choose an audience from the Audience list.', itemIndex);
	}
	const parameter = definition.parameter
		? Number(this.getNodeParameter(`${audience}_${definition.parameter.name}`, itemIndex, definition.parameter.default))
		: undefined;
	const invalid = validateAudienceParameter(audience, parameter);
	if (invalid) throw parameterError(this, invalid, `Change ${definition.parameter?.label ?? 'the value'} to a number in that range; an expression must return one.`, itemIndex);

	const options = readProfileOptions(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
	const scope = { concurrency: listing.concurrency, includePayments: options.includePayments || NEEDS_PAYMENTS.has(audience) };
	const output = this.getNodeParameter('output', itemIndex);
	const batch = output === 'members' ? readBatchRequest(this, itemIndex) : null;
	if (batch) {
		const accept = (profile: Profile) => audienceMembers([profile], audience, parameter, epochNow()).length > 0;
		const source = batchedProfiles(stripe, scope, options, { kind: 'audience members', settings: { audience, parameter: parameter ?? null }, accept });
		return [await batchItem(this, itemIndex, stripe, source, batch, (profile) => ({ ...(profile as unknown as IDataObject), audience }))];
	}
	const profiles = await loadProfiles(stripe, scope, options);
	const members = audienceMembers(profiles, audience, parameter, epochNow());
	if (output === 'count') {
		return [{ json: { audience, label: definition.label, parameter: parameter ?? null, count: members.length, customers: profiles.length } }];
	}
	return members.map((profile) => ({ json: { ...(profile as unknown as IDataObject), audience } }));
}
