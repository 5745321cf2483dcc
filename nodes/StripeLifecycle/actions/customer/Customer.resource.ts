import type { INodeProperties } from 'n8n-workflow';

import * as getMany from './getMany.operation';
import * as getProfile from './getProfile.operation';

export const operations = { getProfile, getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['customer'] } },
		options: [
			{
				name: 'Get Many Profiles',
				value: 'getMany',
				description: 'Get customer profiles (status, plan, MRR, trial end, lifetime value) for many customers, filtered by created date, status or email',
				action: 'Get many customer profiles',
			},
			{
				name: 'Get Profile',
				value: 'getProfile',
				description: 'Get one customer\'s profile by customer ID or email: status, plan, MRR, trial end, lifetime value, paid invoices',
				action: 'Get a customer profile',
			},
		],
		default: 'getProfile',
	},
	...getProfile.description,
	...getMany.description,
];
