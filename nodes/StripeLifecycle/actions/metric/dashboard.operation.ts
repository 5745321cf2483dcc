import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { renderDashboard, renderDigest } from '../../../shared/lifecycle/dashboard';
import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { exactHistoryFrom } from '../../../shared/sources/eventsWindow';
import { loadPaymentReport, loadSaasMetrics } from '../../../shared/sources/metricsSource';
import type { StripeApi } from '../../../shared/transport/resources';
import type { Choice } from '../../../shared/execution/options';
import type { OperationResult } from '../operation';
import { readMetricSettings } from './common';

export const option: Choice = {
	name: 'Dashboard',
	description: 'Build a self-contained HTML dashboard of SaaS and payment metrics, plus a text digest for Slack or email',
	action: 'Build a metrics dashboard',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: 'SaaS metrics',
		displayOptions: { show: { resource: ['metric'], operation: ['dashboard'] } },
	},
	{
		displayName: 'Brand Name',
		name: 'brandName',
		type: 'string',
		default: '',
		description: 'Shown in the page header and the digest',
		displayOptions: { show: { resource: ['metric'], operation: ['dashboard'] } },
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		description: 'The binary field that receives the dashboard as an .html file',
		displayOptions: { show: { resource: ['metric'], operation: ['dashboard'] } },
	},
];

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const settings = readMetricSettings(this, itemIndex);
	const [{ builder, warnings }, payments] = await Promise.all([
		loadSaasMetrics(stripe, {
			...settings,
			valuedAt: settings.at,
			concurrency: listing.concurrency,
			exactSince: exactHistoryFrom(settings.from),
		}),
		loadPaymentReport(stripe, { ...settings, to: settings.at, concurrency: listing.concurrency }),
	]);
	const data = { snapshot: builder.snapshot(settings.at), saas: builder.report({ from: settings.from, to: settings.at, zone: settings.zone }), payments };
	const title = this.getNodeParameter('title', itemIndex, 'SaaS metrics') as string;
	const brandName = (this.getNodeParameter('brandName', itemIndex, '') as string) || undefined;
	const html = renderDashboard(data, { title, brandName, locale: settings.locale, zone: settings.zone, generatedAt: settings.at });
	const digest = renderDigest(data, { title, brandName, locale: settings.locale });
	const binaryPropertyName = this.getNodeParameter('binaryPropertyName', itemIndex, 'data') as string;
	const file = await this.helpers.prepareBinaryData(Buffer.from(html, 'utf8'), 'stripe-dashboard.html', 'text/html');
	return [{ json: { html, digest, ...data, warnings } as unknown as IDataObject, binary: { [binaryPropertyName]: file } }];
}
