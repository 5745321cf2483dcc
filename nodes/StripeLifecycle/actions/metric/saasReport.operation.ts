import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { exactHistoryFrom } from '../../../shared/sources/eventsWindow';
import { loadSaasMetrics } from '../../../shared/sources/metricsSource';
import type { StripeApi } from '../../../shared/transport/resources';
import type { Choice } from '../../../shared/execution/options';
import type { OperationResult } from '../operation';
import { readMetricSettings } from './common';

export const option: Choice = {
	name: 'SaaS Report',
	description: 'MRR movements, subscriber and revenue churn, trial conversion, LTV and a daily MRR series for a period',
	action: 'Get a subscription metrics report',
};

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const settings = readMetricSettings(this, itemIndex);
	const { builder, warnings } = await loadSaasMetrics(stripe, {
		...settings,
		valuedAt: settings.at,
		concurrency: listing.concurrency,
		exactSince: exactHistoryFrom(settings.from),
	});
	return [{ json: { ...builder.report({ from: settings.from, to: settings.at, zone: settings.zone }), warnings } as unknown as IDataObject }];
}
