import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { isEmailAddress } from '../../../shared/lifecycle/text';
import { loadProfiles } from '../../../shared/sources/profilesSource';
import { toNodeError } from '../../../shared/transport';
import type { StripeApi } from '../../../shared/transport/resources';
import type { OperationResult } from '../router';
import { CUSTOMER_ID, profileOptions, readProfileOptions } from './common';

const show = { resource: ['customer'], operation: ['getProfile'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Find By',
		name: 'findBy',
		type: 'options',
		options: [
			{ name: 'Customer', value: 'id', description: 'A customer chosen from the list or given by ID (cus_...)' },
			{ name: 'Email', value: 'email', description: 'Every customer with this exact email address (Stripe allows several)' },
		],
		default: 'id',
		displayOptions: { show },
	},
	{
		displayName: 'Customer',
		name: 'customer',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		modes: [
			{ displayName: 'From List', name: 'list', type: 'list', typeOptions: { searchListMethod: 'searchCustomers', searchable: true } },
			{
				displayName: 'ID',
				name: 'id',
				type: 'string',
				placeholder: 'cus_...',
				validation: [{ type: 'regex', properties: { regex: 'cus_[A-Za-z0-9]+', errorMessage: 'A Stripe customer ID starts with cus_' } }],
			},
		],
		displayOptions: { show: { ...show, findBy: ['id'] } },
	},
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		required: true,
		displayOptions: { show: { ...show, findBy: ['email'] } },
	},
	profileOptions(show),
];

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const options = readProfileOptions(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
	const scope = { concurrency: listing.concurrency, includePayments: options.includePayments };
	let customerIds: string[];
	if (this.getNodeParameter('findBy', itemIndex) === 'email') {
		const email = String(this.getNodeParameter('email', itemIndex)).trim();
		if (!isEmailAddress(email)) {
			throw toNodeError(this, new Error(`"${email}" is not an email address; enter one like name@example.com`), itemIndex);
		}
		const found = await stripe.customers.page({ email, limit: 100 });
		if (found.data.length === 0) {
			throw toNodeError(this, new Error(`No Stripe customer has the email ${email} (in ${stripe.mode} mode)`), itemIndex);
		}
		customerIds = found.data.map((customer) => customer.id);
	} else {
		const customerId = String(this.getNodeParameter('customer', itemIndex, '', { extractValue: true })).trim();
		if (!CUSTOMER_ID.test(customerId)) {
			throw toNodeError(this, new Error(`"${customerId}" is not a Stripe customer ID; it should look like cus_NffrFeUfNV2Hib`), itemIndex);
		}
		customerIds = [customerId];
	}
	const results: OperationResult[] = [];
	for (const customerId of customerIds) {
		const profiles = await loadProfiles(stripe, { ...scope, customerId }, options);
		if (profiles.length === 0) throw toNodeError(this, new Error(`The Stripe customer ${customerId} was deleted`), itemIndex);
		results.push(...profiles.map((profile) => ({ json: profile as unknown as IDataObject })));
	}
	return results;
}
