import type { INodeProperties } from 'n8n-workflow';

import * as getMembers from './getMembers.operation';

export const operations = { getMembers };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['audience'] } },
		options: [
			{
				name: 'Get Members',
				value: 'getMembers',
				description: 'Get the customer profiles in a segment such as trial ending soon, past due, cancelling or churned recently, or just their count',
				action: 'Get audience members',
			},
		],
		default: 'getMembers',
	},
	...getMembers.description,
];
