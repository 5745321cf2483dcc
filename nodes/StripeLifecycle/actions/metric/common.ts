import { DateTime } from 'luxon';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { listingOptions } from '../../../shared/descriptions/listingOptions';
import type { DiscountScope } from '../../../shared/lifecycle/mrr';
import { DAY_SECONDS, epochNow } from '../../../shared/lifecycle/time';
import { parseRateTable } from '../../../shared/lifecycle/rates';
import type { RateTable } from '../../../shared/lifecycle/types';
import { parameterError } from '../../../shared/execution/errors';


/** Fields every metric operation shares; `operations` says which of them show each field. */
export function metricFields(periodOperations: string[], allOperations: string[]): INodeProperties[] {
	return [
		{
			displayName: 'Period (Days)',
			name: 'periodDays',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 365 },
			default: 30,
			description: 'Length of the reporting period, ending now (or at Period End in the options)',
			displayOptions: { show: { resource: ['metric'], operation: periodOperations } },
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			displayOptions: { show: { resource: ['metric'], operation: allOperations } },
			options: [
				{
					displayName: 'As Of / Period End',
					name: 'asOf',
					type: 'dateTime',
					default: '',
					description: 'The instant of the snapshot, or the end of the period (default now)',
				},
				...listingOptions,
				{
					displayName: 'Discounts',
					name: 'discounts',
					type: 'options',
					options: [
						{ name: 'Forever Coupons Only (as Stripe)', value: 'forever', description: 'Once and repeating coupons do not reduce MRR, as in Stripe Billing analytics' },
						{ name: 'All Active Discounts', value: 'all', description: 'Every discount active at the time reduces MRR' },
					],
					default: 'forever',
				},
				{
					displayName: 'Locale',
					name: 'locale',
					type: 'string',
					default: 'en-US',
					description: 'BCP 47 locale for formatted amounts and percentages',
				},
				{
					displayName: 'Rates to Reporting Currency',
					name: 'rates',
					type: 'string',
					default: '',
					placeholder: 'EUR=1.08, JPY=0.0067',
					description: 'Adds a converted total: how many units of the reporting currency one unit of each currency is worth. Per-currency figures are never summed without it.',
				},
				{
					displayName: 'Reporting Currency',
					name: 'reportingCurrency',
					type: 'string',
					default: 'usd',
					description: 'Currency of the converted total, used with the rates',
				},
				{
					displayName: 'Time Zone',
					name: 'timeZone',
					type: 'string',
					default: '',
					placeholder: 'Europe/Berlin',
					description: 'IANA time zone for day boundaries (default: the workflow\'s time zone)',
				},
			],
		},
	];
}

export interface MetricSettings {
	at: number;
	from: number;
	discounts: DiscountScope;
	locale: string;
	zone: string;
	rates?: RateTable;
}

export function readMetricSettings(context: IExecuteFunctions, itemIndex: number): MetricSettings {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const asOf = options.asOf ? DateTime.fromISO(String(options.asOf)) : DateTime.fromSeconds(epochNow());
	if (!asOf.isValid) {
		throw parameterError(
			context,
			`"${String(options.asOf)}" is not a date; use an ISO 8601 date such as 2026-11-01T00:00:00Z`,
			'Pick a date in the As Of / Period End option, or remove the option to report up to now.',
			itemIndex,
		);
	}
	const at = Math.floor(asOf.toSeconds());
	const periodDays = Number(context.getNodeParameter('periodDays', itemIndex, 30));
	if (!(periodDays >= 1 && periodDays <= 365)) {
		throw parameterError(context, `Period (Days) must be between 1 and 365, not ${periodDays}`, 'Set Period (Days) between 1 and 365.', itemIndex);
	}
	let rates: RateTable | undefined;
	if (String(options.rates ?? '').trim()) {
		const parsed = parseRateTable(String(options.reportingCurrency ?? 'usd'), String(options.rates));
		if ('error' in parsed) {
			throw parameterError(context, parsed.error, 'Correct the Rates to Reporting Currency and Reporting Currency options, or remove the rates to report each currency on its own.', itemIndex);
		}
		rates = parsed;
	}
	return {
		at,
		from: at - periodDays * DAY_SECONDS,
		discounts: options.discounts === 'all' ? 'all' : 'forever',
		locale: String(options.locale || 'en-US'),
		zone: String(options.timeZone || context.getTimezone()),
		rates,
	};
}
