import type Stripe from 'stripe';

import { money } from './money';
import { convertTotals, rate, ratio } from './metrics';
import { isoFromEpoch } from './time';
import type { PaymentCurrencyReport, PaymentReport, RateTable } from './types';

/**
 * Payment performance over `[from, to)`, per currency, from charges, refunds, disputes and
 * customers. Each object is folded in as it is listed, so memory stays one counter set per
 * currency however many objects the account has. Pass each object once.
 *
 * - Gross volume: `amount_captured` of charges with status `succeeded` created in the period
 *   (an uncaptured authorization has not moved money; a partial capture counts what was taken).
 * - Successful payments: those captured charges; failed payments: charges with status `failed`.
 * - Failure rate = failed ÷ (successful + failed); null without either.
 * - Refunds: refunds created in the period, except `failed` and `canceled` ones, whenever their
 *   charge was made (that is when the money goes back).
 * - Net volume = gross volume − refunds.
 * - Disputes: disputes created in the period, their count and amount.
 * - Average payment = gross volume ÷ successful payments, rounded to the minor unit.
 * - New customers: customers created in the period (a count, not per currency).
 * Disputes are reported apart rather than deducted: most are still open when the report runs.
 */

export interface PaymentMetricsOptions {
	/** Inclusive start, epoch seconds. */
	from: number;
	/** Exclusive end, epoch seconds. */
	to: number;
	locale?: string;
	rates?: RateTable;
}

interface CurrencyTotals {
	gross: number;
	successful: number;
	failed: number;
	refunds: number;
	refundCount: number;
	disputes: number;
	disputed: number;
}

const REFUNDS_NOT_RETURNED: ReadonlySet<string> = new Set(['failed', 'canceled']);

export class PaymentMetricsBuilder {
	private readonly totals = new Map<string, CurrencyTotals>();

	private newCustomers = 0;

	constructor(private readonly options: PaymentMetricsOptions) {
		if (!(options.to > options.from)) throw new RangeError('The report period must end after it starts');
	}

	addCharge(charge: Stripe.Charge): void {
		if (!this.inPeriod(charge.created)) return;
		if (charge.status === 'succeeded' && charge.captured) {
			const totals = this.currency(charge.currency);
			totals.gross += charge.amount_captured;
			totals.successful += 1;
		} else if (charge.status === 'failed') {
			this.currency(charge.currency).failed += 1;
		}
	}

	addRefund(refund: Stripe.Refund): void {
		if (!this.inPeriod(refund.created) || REFUNDS_NOT_RETURNED.has(refund.status ?? '')) return;
		const totals = this.currency(refund.currency);
		totals.refunds += refund.amount;
		totals.refundCount += 1;
	}

	addDispute(dispute: Stripe.Dispute): void {
		if (!this.inPeriod(dispute.created)) return;
		const totals = this.currency(dispute.currency);
		totals.disputes += 1;
		totals.disputed += dispute.amount;
	}

	addCustomer(customer: Stripe.Customer | Stripe.DeletedCustomer): void {
		if (!customer.deleted && this.inPeriod(customer.created)) this.newCustomers += 1;
	}

	report(): PaymentReport {
		const { locale, rates } = this.options;
		const currencies = [...this.totals]
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([currency, totals]): PaymentCurrencyReport => ({
				currency,
				grossVolume: money(totals.gross, currency, locale),
				refunds: money(totals.refunds, currency, locale),
				netVolume: money(totals.gross - totals.refunds, currency, locale),
				successfulPayments: totals.successful,
				failedPayments: totals.failed,
				failureRate: rate(ratio(totals.failed, totals.successful + totals.failed), locale),
				refundCount: totals.refundCount,
				disputes: totals.disputes,
				disputedAmount: money(totals.disputed, currency, locale),
				averagePayment: totals.successful > 0 ? money(Math.round(totals.gross / totals.successful), currency, locale) : null,
			}));
		const successful = sum(currencies.map((entry) => entry.successfulPayments));
		const failed = sum(currencies.map((entry) => entry.failedPayments));
		return {
			metric: 'payment_report',
			from: isoFromEpoch(this.options.from) ?? '',
			to: isoFromEpoch(this.options.to) ?? '',
			currencies,
			successfulPayments: successful,
			failedPayments: failed,
			failureRate: rate(ratio(failed, successful + failed), locale),
			disputes: sum(currencies.map((entry) => entry.disputes)),
			newCustomers: this.newCustomers,
			converted: rates
				? convertTotals(
						{
							grossVolume: currencies.map((entry) => entry.grossVolume),
							refunds: currencies.map((entry) => entry.refunds),
							netVolume: currencies.map((entry) => entry.netVolume),
						},
						rates,
						locale,
					)
				: null,
		};
	}

	private inPeriod(created: number): boolean {
		return created >= this.options.from && created < this.options.to;
	}

	private currency(code: string): CurrencyTotals {
		const key = code.toLowerCase();
		let totals = this.totals.get(key);
		if (!totals) {
			totals = { gross: 0, successful: 0, failed: 0, refunds: 0, refundCount: 0, disputes: 0, disputed: 0 };
			this.totals.set(key, totals);
		}
		return totals;
	}
}

function sum(values: number[]): number {
	return values.reduce((total, value) => total + value, 0);
}
