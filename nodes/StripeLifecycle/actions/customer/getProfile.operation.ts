import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { isEmailAddress } from '../../../shared/lifecycle/text';
import { loadProfiles } from '../../../shared/sources/profilesSource';
import type { StripeApi } from '../../../shared/transport/resources';
import { parameterError } from '../../../shared/execution/errors';
import type { Choice } from '../../../shared/execution/options';
import type { OperationResult } from '../operation';
import { CUSTOMER_ID, profileOptions, readProfileOptions } from './common';

export const option: Choice = {
	name: 'Get Profile',
	description: 'Get one customer\'s profile by customer ID or email: status, plan, MRR, trial end, lifetime value, paid invoices',
	action: 'Get a customer profile',
};

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
			throw parameterError(this, `"${email}" is not an email address; enter one like name@example.com`, 'Enter one address like name@example.com, or map a field that holds one.', itemIndex);
		}
		const found = await stripe.customers.page({ email, limit: 100 });
		if (found.data.length === 0) {
			throw parameterError(
				this,
				`No Stripe customer has the email ${email} (in ${stripe.mode} mode)`,
				'Check the address for typos, and that the credential holds a key of the mode (test or live) the customer was created in.',
				itemIndex,
			);
		}
		customerIds = found.data.map((customer) => customer.id);
	} else {
		const customerId = String(this.getNodeParameter('customer', itemIndex, '', { extractValue: true })).trim();
		if (!CUSTOMER_ID.test(customerId)) {
			throw parameterError(
				this,
				`"${customerId}" is not a Stripe customer ID; it should look like cus_NffrFeUfNV2Hib`,
				'Pick the customer from the list, or give the ID shown on the customer\'s page in the Stripe Dashboard (it starts with cus_).',
				itemIndex,
			);
		}
		customerIds = [customerId];
	}
	const results: OperationResult[] = [];
	for (const customerId of customerIds) {
		const profiles = await loadProfiles(stripe, { ...scope, customerId }, options);
		if (profiles.length === 0) {
			throw parameterError(this, `The Stripe customer ${customerId} was deleted`, 'A deleted customer has no profile: leave it out upstream, or turn on Continue On Fail to get an error item for it and go on.', itemIndex);
		}
		results.push(...profiles.map((profile) => ({ json: profile as unknown as IDataObject })));
	}
	return results;
}
