import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { loadSaasMetrics } from '../../../shared/sources/metricsSource';
import type { StripeApi } from '../../../shared/transport/resources';
import type { OperationResult } from '../router';
import { readMetricSettings } from './common';

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const settings = readMetricSettings(this, itemIndex);
	const { builder, warnings } = await loadSaasMetrics(stripe, { ...settings, valuedAt: settings.at, concurrency: listing.concurrency });
	return [{ json: { ...builder.snapshot(settings.at), warnings } as unknown as IDataObject }];
}
