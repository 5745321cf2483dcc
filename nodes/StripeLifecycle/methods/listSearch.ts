import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { stripeClient, toNodeError } from '../../shared/transport';

/** Customers for the picker: an email-looking filter uses Stripe's email filter, anything else matches name or email among the newest 100. */
export async function searchCustomers(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	const stripe = await stripeClient(this);
	const query = filter?.trim() ?? '';
	const page = await stripe.customers
		.page({
			limit: 100,
			starting_after: paginationToken,
			...(query.includes('@') ? { email: query } : {}),
		})
		.catch((error: unknown) => {
			throw toNodeError(this, error);
		});
	const needle = query.toLowerCase();
	const matching = query && !query.includes('@')
		? page.data.filter((customer) => `${customer.name ?? ''} ${customer.email ?? ''}`.toLowerCase().includes(needle))
		: page.data;
	return {
		results: matching.map((customer) => ({
			name: [customer.name, customer.email].filter(Boolean).join(' — ') || customer.id,
			value: customer.id,
			url: `https://dashboard.stripe.com/${customer.livemode ? '' : 'test/'}customers/${customer.id}`,
		})),
		paginationToken: page.has_more ? page.data[page.data.length - 1]?.id : undefined,
	};
}
