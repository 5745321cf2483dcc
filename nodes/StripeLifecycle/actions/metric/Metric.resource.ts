import { resource } from '../operation';
import { metricFields } from './common';
import * as dashboard from './dashboard.operation';
import * as paymentReport from './paymentReport.operation';
import * as saasReport from './saasReport.operation';
import * as saasSnapshot from './saasSnapshot.operation';

export const metric = resource(
	{ name: 'Metric', description: 'SaaS and payment metrics and a dashboard' },
	{ saasSnapshot, saasReport, paymentReport, dashboard },
	'saasSnapshot',
	metricFields(['saasReport', 'paymentReport', 'dashboard'], ['saasSnapshot', 'saasReport', 'paymentReport', 'dashboard']),
);
