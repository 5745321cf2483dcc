import type { INodeProperties } from 'n8n-workflow';

/** Throughput settings every listing operation offers, read once per execution by the router. */
export const listingOptions: INodeProperties[] = [
	{
		displayName: 'Concurrency',
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 16 },
		default: 4,
		description: 'How many time slices of a long list are fetched at once. Stripe\'s rate limit still applies; more helps only on large accounts.',
	},
	{
		displayName: 'Requests per Second',
		name: 'requestsPerSecond',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 100 },
		default: 0,
		description: 'Cap on calls to Stripe per second from this n8n process. 0 uses Stripe\'s default limit: 25 for test keys, 100 for live keys. Nodes using the same Stripe account share one limit: the lowest cap among those running applies.',
	},
];

export interface ListingSettings {
	concurrency: number;
	requestsPerSecond?: number;
}
