import { keyOf, optionsFrom } from '../../../shared/execution/options';
import type { Resource } from '../operation';
import { metricFields } from './common';
import * as dashboard from './dashboard.operation';
import * as paymentReport from './paymentReport.operation';
import * as saasReport from './saasReport.operation';
import * as saasSnapshot from './saasSnapshot.operation';

const operations = { saasSnapshot, saasReport, paymentReport, dashboard };

export const metric: Resource<keyof typeof operations> = {
	option: { name: 'Metric', description: 'SaaS and payment metrics and a dashboard' },
	operations,
	description: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['metric'] } },
			options: optionsFrom(operations),
			default: keyOf(operations, 'saasSnapshot'),
		},
		...metricFields(['saasReport', 'paymentReport', 'dashboard'], ['saasSnapshot', 'saasReport', 'paymentReport', 'dashboard']),
		...dashboard.description,
	],
};
