import type Stripe from 'stripe';

import { stripeFixture } from '../fixtures/stripeObjects';

import { money } from '../../nodes/shared/lifecycle/money';
import { PaymentMetricsBuilder, type PaymentMetricsOptions } from '../../nodes/shared/lifecycle/paymentMetrics';
import type { PaymentReport } from '../../nodes/shared/lifecycle/types';

const day = 24 * 60 * 60;
const from = Date.parse('2025-10-01T00:00:00Z') / 1000;
const to = Date.parse('2025-10-31T00:00:00Z') / 1000;

const charge = (overrides: Partial<Stripe.Charge>): Stripe.Charge => ({
	...stripeFixture<Stripe.Charge>('charge'),
	status: 'succeeded',
	captured: true,
	currency: 'usd',
	...overrides,
});
const refund = (overrides: Partial<Stripe.Refund>): Stripe.Refund => ({ ...stripeFixture<Stripe.Refund>('refund'), currency: 'usd', status: 'succeeded', ...overrides });
const dispute = (overrides: Partial<Stripe.Dispute>): Stripe.Dispute => ({ ...stripeFixture<Stripe.Dispute>('dispute'), currency: 'usd', ...overrides });
const customer = (created: number): Stripe.Customer => ({ ...stripeFixture<Stripe.Customer>('customer'), created });

/** Every object below is hand-tallied in the comments of the tests that read it. */
function report(options: Partial<PaymentMetricsOptions> = {}): PaymentReport {
	const builder = new PaymentMetricsBuilder({ from, to, ...options });
	[
		charge({ id: 'ch_1', amount: 5000, amount_captured: 5000, created: from + day }),
		charge({ id: 'ch_2', amount: 3000, amount_captured: 3000, created: from + 2 * day }),
		charge({ id: 'ch_partial', amount: 1000, amount_captured: 800, created: from + 2 * day }),
		charge({ id: 'ch_failed', status: 'failed', captured: false, amount: 4000, amount_captured: 0, created: from + 3 * day }),
		charge({ id: 'ch_authorized', captured: false, amount: 9000, amount_captured: 0, created: from + 3 * day }),
		charge({ id: 'ch_pending', status: 'pending', amount: 9000, amount_captured: 0, created: from + 3 * day }),
		charge({ id: 'ch_before', amount: 9000, amount_captured: 9000, created: from - 1 }),
		charge({ id: 'ch_at_end', amount: 9000, amount_captured: 9000, created: to }),
		charge({ id: 'ch_eur', currency: 'eur', amount: 2000, amount_captured: 2000, created: from + 4 * day }),
	].forEach((entry) => builder.addCharge(entry));
	[
		refund({ id: 're_1', amount: 1000, created: from + 5 * day }),
		refund({ id: 're_pending', amount: 500, status: 'pending', created: from + 6 * day }),
		refund({ id: 're_failed', amount: 700, status: 'failed', created: from + 6 * day }),
		refund({ id: 're_before', amount: 300, created: from - 2 * day }),
		refund({ id: 're_canceled', currency: 'eur', amount: 200, status: 'canceled', created: from + 6 * day }),
	].forEach((entry) => builder.addRefund(entry));
	[dispute({ id: 'dp_1', amount: 3000, created: from + 7 * day }), dispute({ id: 'dp_late', currency: 'eur', amount: 1000, created: to })].forEach((entry) =>
		builder.addDispute(entry),
	);
	[customer(from + day), customer(from + 2 * day), customer(from - 1), customer(to)].forEach((entry) => builder.addCustomer(entry));
	builder.addCustomer({ id: 'cus_gone', object: 'customer', deleted: true });
	return builder.report();
}

const currency = (result: PaymentReport, code: string) => result.currencies.find((entry) => entry.currency === code);

describe('payment report', () => {
	it('gross volume = captured amounts of succeeded charges created in [from, to)', () => {
		// 5000 + 3000 + 800 (partial capture); the authorization, pending and out-of-period charges do not count.
		expect(currency(report(), 'usd')?.grossVolume).toEqual(money(8800, 'usd'));
		expect(currency(report(), 'usd')?.successfulPayments).toBe(3);
	});

	it('refunds = refunds created in the period that were not failed or canceled; net = gross − refunds', () => {
		const usd = currency(report(), 'usd');
		expect(usd?.refunds.minor).toBe(1500); // 1000 succeeded + 500 pending
		expect(usd?.refundCount).toBe(2);
		expect(usd?.netVolume.minor).toBe(7300);
		expect(currency(report(), 'eur')?.netVolume.minor).toBe(2000);
	});

	it('failure rate = failed ÷ (succeeded + failed), per currency and overall', () => {
		const result = report();
		expect(currency(result, 'usd')?.failedPayments).toBe(1);
		expect(currency(result, 'usd')?.failureRate).toEqual({ value: 0.25, formatted: '25.0%' });
		expect(result.successfulPayments).toBe(4);
		expect(result.failedPayments).toBe(1);
		expect(result.failureRate).toEqual({ value: 0.2, formatted: '20.0%' });
		expect(currency(result, 'eur')?.failureRate?.value).toBe(0);
	});

	it('average payment = gross ÷ successful payments, rounded to the minor unit', () => {
		expect(currency(report(), 'usd')?.averagePayment?.minor).toBe(2933); // 8800 ÷ 3
		expect(currency(report(), 'eur')?.averagePayment?.minor).toBe(2000);
	});

	it('counts disputes created in the period and their amount', () => {
		const result = report();
		expect(result.disputes).toBe(1);
		expect(currency(result, 'usd')?.disputedAmount.minor).toBe(3000);
		expect(currency(result, 'eur')?.disputes).toBe(0);
	});

	it('counts customers created in the period, not deleted ones', () => {
		expect(report().newCustomers).toBe(2);
	});

	it('never adds currencies; the rate table gives a separate converted total', () => {
		const result = report({ rates: { currency: 'usd', rates: { eur: 1.2 } } });
		expect(result.currencies.map((entry) => entry.currency)).toEqual(['eur', 'usd']);
		expect(result.converted?.grossVolume.minor).toBe(8800 + 2400);
		expect(result.converted?.refunds.minor).toBe(1500);
		expect(result.converted?.netVolume.minor).toBe(7300 + 2400);
		expect(result.converted?.missingRates).toEqual([]);
		expect(report().converted).toBeNull();
	});

	it('has null rates and averages for a period without payments', () => {
		const empty = new PaymentMetricsBuilder({ from, to }).report();
		expect(empty.failureRate).toBeNull();
		expect(empty.currencies).toEqual([]);
		const onlyFailed = new PaymentMetricsBuilder({ from, to });
		onlyFailed.addCharge(charge({ status: 'failed', captured: false, amount_captured: 0, created: from }));
		expect(onlyFailed.report().currencies[0].averagePayment).toBeNull();
		expect(onlyFailed.report().failureRate?.value).toBe(1);
	});

	it('refuses a period that does not end after it starts', () => {
		expect(() => new PaymentMetricsBuilder({ from: to, to })).toThrow(RangeError);
	});
});
