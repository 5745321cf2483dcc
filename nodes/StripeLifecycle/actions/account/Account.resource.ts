import type { INodeProperties } from 'n8n-workflow';

import * as checkPermissions from './checkPermissions.operation';

export const operations = { checkPermissions };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['account'] } },
		options: [
			{
				name: 'Check Permissions',
				value: 'checkPermissions',
				description: 'Check that the credential\'s key has every permission this package needs, one row per permission',
				action: 'Check key permissions',
			},
		],
		default: 'checkPermissions',
	},
	...checkPermissions.description,
];
