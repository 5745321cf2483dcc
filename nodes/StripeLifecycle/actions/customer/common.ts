import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { listingOptions } from '../../../shared/descriptions/listingOptions';
import type { ProfileOptions } from '../../../shared/lifecycle/profiles';

/** Options that shape every profile, shared by Customer and Audience operations. */
export function profileOptions(show: Record<string, string[]>): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			...listingOptions,
			{
				displayName: 'Discounts in MRR',
				name: 'discounts',
				type: 'options',
				options: [
					{ name: 'Forever Coupons Only (as Stripe)', value: 'forever' },
					{ name: 'All Active Discounts', value: 'all' },
				],
				default: 'forever',
			},
			{
				displayName: 'Include Payment History',
				name: 'includePayments',
				type: 'boolean',
				default: true,
				description: 'Whether to read charges and paid invoices for lifetime value, first payment and paid-invoice count. Off saves the largest lists on big accounts.',
			},
			{
				displayName: 'Locale',
				name: 'locale',
				type: 'string',
				default: 'en-US',
				description: 'BCP 47 locale for formatted amounts when the customer has no preferred locale',
			},
		],
	};
}

export function readProfileOptions(options: IDataObject): ProfileOptions & { includePayments: boolean } {
	return {
		locale: String(options.locale || 'en-US'),
		discounts: options.discounts === 'all' ? 'all' : 'forever',
		includePayments: options.includePayments !== false,
	};
}

export const CUSTOMER_ID = /^cus_[A-Za-z0-9]+$/;
