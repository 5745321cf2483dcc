import { keyOf, optionsFrom } from '../../../shared/execution/options';
import type { Resource } from '../operation';
import * as getMany from './getMany.operation';

const operations = { getMany };

export const activity: Resource<keyof typeof operations> = {
	option: { name: 'Activity', description: 'Backfill the activities the trigger would have emitted' },
	operations,
	description: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['activity'] } },
			options: optionsFrom(operations),
			default: keyOf(operations, 'getMany'),
		},
		...getMany.description,
	],
};
