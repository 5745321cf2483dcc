import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { epochNow } from '../../../shared/lifecycle/time';
import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { EVENTS_RETENTION_SECONDS, loadSaasMetrics } from '../../../shared/sources/metricsSource';
import type { StripeClient } from '../../../shared/transport/stripeClient';
import type { OperationResult } from '../router';
import { readMetricSettings } from './common';

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, stripe: StripeClient, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const settings = readMetricSettings(this, itemIndex);
	const { builder, warnings } = await loadSaasMetrics(stripe, {
		...settings,
		valuedAt: settings.at,
		concurrency: listing.concurrency,
		exactSince: Math.max(settings.from, epochNow() - EVENTS_RETENTION_SECONDS),
	});
	return [{ json: { ...builder.report({ from: settings.from, to: settings.at, zone: settings.zone }), warnings } as unknown as IDataObject }];
}
