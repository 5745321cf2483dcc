import { keyOf, optionsFrom } from '../../../shared/execution/options';
import type { Resource } from '../operation';
import * as getMembers from './getMembers.operation';

const operations = { getMembers };

export const audience: Resource<keyof typeof operations> = {
	option: { name: 'Audience', description: 'Segments of customer profiles' },
	operations,
	description: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['audience'] } },
			options: optionsFrom(operations),
			default: keyOf(operations, 'getMembers'),
		},
		...getMembers.description,
	],
};
