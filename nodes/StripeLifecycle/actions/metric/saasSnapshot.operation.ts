import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { loadSaasMetrics } from '../../../shared/sources/metricsSource';
import type { StripeApi } from '../../../shared/transport/resources';
import type { Choice } from '../../../shared/execution/options';
import type { OperationResult } from '../operation';
import { readMetricSettings } from './common';

export const option: Choice = {
	name: 'SaaS Snapshot',
	description: 'MRR, ARR, paying customers, trialing subscriptions and ARPU per currency at one instant',
	action: 'Get a subscription metrics snapshot',
};

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const settings = readMetricSettings(this, itemIndex);
	const { builder, warnings } = await loadSaasMetrics(stripe, { ...settings, valuedAt: settings.at, concurrency: listing.concurrency });
	return [{ json: { ...builder.snapshot(settings.at), warnings } as unknown as IDataObject }];
}
