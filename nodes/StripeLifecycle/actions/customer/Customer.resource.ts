import { keyOf, optionsFrom } from '../../../shared/execution/options';
import type { Resource } from '../operation';
import * as getMany from './getMany.operation';
import * as getProfile from './getProfile.operation';

const operations = { getProfile, getMany };

export const customer: Resource<keyof typeof operations> = {
	option: { name: 'Customer', description: 'Customer profiles: the CRM record' },
	operations,
	description: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['customer'] } },
			options: optionsFrom(operations),
			default: keyOf(operations, 'getProfile'),
		},
		...getProfile.description,
		...getMany.description,
	],
};
