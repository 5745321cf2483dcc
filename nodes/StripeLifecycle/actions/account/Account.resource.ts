import { keyOf, optionsFrom } from '../../../shared/execution/options';
import type { Resource } from '../operation';
import * as checkPermissions from './checkPermissions.operation';

const operations = { checkPermissions };

export const account: Resource<keyof typeof operations> = {
	option: { name: 'Account', description: 'Check the key\'s permissions' },
	operations,
	description: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['account'] } },
			options: optionsFrom(operations),
			default: keyOf(operations, 'checkPermissions'),
		},
		...checkPermissions.description,
	],
};
