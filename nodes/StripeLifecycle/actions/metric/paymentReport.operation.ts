import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { ListingSettings } from '../../../shared/descriptions/listingOptions';
import { loadPaymentReport } from '../../../shared/sources/metricsSource';
import type { StripeApi } from '../../../shared/transport/resources';
import type { Choice } from '../../../shared/execution/options';
import type { OperationResult } from '../operation';
import { readMetricSettings } from './common';

export const option: Choice = {
	name: 'Payment Report',
	description: 'Gross and net volume, refunds, failed payments and failure rate, disputes, average payment and new customers for a period',
	action: 'Get a payment report',
};

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, stripe: StripeApi, itemIndex: number, listing: ListingSettings): Promise<OperationResult[]> {
	const settings = readMetricSettings(this, itemIndex);
	const report = await loadPaymentReport(stripe, { ...settings, to: settings.at, concurrency: listing.concurrency });
	return [{ json: report as unknown as IDataObject }];
}
