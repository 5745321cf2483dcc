import type { INodeProperties } from 'n8n-workflow';

import { metricFields } from './common';
import * as dashboard from './dashboard.operation';
import * as paymentReport from './paymentReport.operation';
import * as saasReport from './saasReport.operation';
import * as saasSnapshot from './saasSnapshot.operation';

export const operations = { saasSnapshot, saasReport, paymentReport, dashboard };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['metric'] } },
		options: [
			{
				name: 'Dashboard',
				value: 'dashboard',
				description: 'Build a self-contained HTML dashboard of SaaS and payment metrics, plus a text digest for Slack or email',
				action: 'Build a metrics dashboard',
			},
			{
				name: 'Payment Report',
				value: 'paymentReport',
				description: 'Gross and net volume, refunds, failed payments and failure rate, disputes, average payment and new customers for a period',
				action: 'Get a payment report',
			},
			{
				name: 'SaaS Report',
				value: 'saasReport',
				description: 'MRR movements, subscriber and revenue churn, trial conversion, LTV and a daily MRR series for a period',
				action: 'Get a subscription metrics report',
			},
			{
				name: 'SaaS Snapshot',
				value: 'saasSnapshot',
				description: 'MRR, ARR, paying customers, trialing subscriptions and ARPU per currency at one instant',
				action: 'Get a subscription metrics snapshot',
			},
		],
		default: 'saasSnapshot',
	},
	...metricFields(['saasReport', 'paymentReport', 'dashboard'], ['saasSnapshot', 'saasReport', 'paymentReport', 'dashboard']),
	...dashboard.description,
];
