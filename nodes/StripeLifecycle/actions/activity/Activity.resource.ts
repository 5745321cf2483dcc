import type { INodeProperties } from 'n8n-workflow';

import * as getMany from './getMany.operation';

export const operations = { getMany };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['activity'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'Backfill: rebuild the last N days (default 90) of activities, the same items the trigger emits, oldest first',
				action: 'Get many activities',
			},
		],
		default: 'getMany',
	},
	...getMany.description,
];
