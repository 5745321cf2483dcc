import type Stripe from 'stripe';

import { readEvent } from '../lifecycle/activities';
import { currentCharge, currentCustomer, currentDispute, currentRefund, currentSubscription } from '../lifecycle/apiShapes';
import { SaasMetricsBuilder, type SaasMetricsOptions } from '../lifecycle/metrics';
import { PaymentMetricsBuilder, type PaymentMetricsOptions } from '../lifecycle/paymentMetrics';
import type { PaymentReport } from '../lifecycle/types';
import { StripeApiError } from '../transport/errors';
import type { StripeApi } from '../transport/resources';
import { loadCatalog, SUBSCRIPTION_LIST_PARAMS, withCatalog } from './catalog';
import { consume } from './consume';

export interface SaasSource {
	builder: SaasMetricsBuilder;
	/** Why the figures may be less exact than they could be, e.g. no Events permission. */
	warnings: string[];
}

/**
 * Streams every subscription (and, when `exactSince` is set, the subscription events of the
 * Events API window) into the metrics builder: O(subscriptions / 100) list calls.
 */
export async function loadSaasMetrics(
	stripe: StripeApi,
	options: SaasMetricsOptions & { concurrency: number },
): Promise<SaasSource> {
	const warnings: string[] = [];
	const catalog = await loadCatalog(stripe);
	const builder = new SaasMetricsBuilder(options);
	for (const product of catalog.products.values()) builder.addProduct(product);
	for await (const subscription of stripe.subscriptions.list(SUBSCRIPTION_LIST_PARAMS, { concurrency: options.concurrency })) {
		builder.addSubscription(withCatalog(currentSubscription(subscription), catalog));
	}
	if (options.exactSince !== undefined) {
		const events = stripe.events.list({ types: ['customer.subscription.updated'] }, { concurrency: options.concurrency, from: options.exactSince });
		// Without Events read access the report still stands, on object timestamps alone.
		const read = (event: Stripe.Event) => {
			// An event that cannot be read leaves its plan change out, and says so.
			for (const activity of readEvent(event)) {
				if (activity.activity === 'stripe.event') warnings.push(...(activity.warnings ?? []));
				else builder.addActivity(activity);
			}
		};
		await consume(events, read).catch((error: unknown) => {
			if (!(error instanceof StripeApiError) || error.httpCode !== 403) throw error;
			warnings.push(`Plan changes come from object timestamps only: ${error.message}.`);
		});
	}
	return { builder, warnings };
}

export async function loadPaymentReport(
	stripe: StripeApi,
	options: PaymentMetricsOptions & { concurrency: number },
): Promise<PaymentReport> {
	const builder = new PaymentMetricsBuilder(options);
	const range = { concurrency: options.concurrency, from: options.from, to: options.to };
	await Promise.all([
		consume(stripe.charges.list({}, range), (charge) => builder.addCharge(currentCharge(charge))),
		consume(stripe.refunds.list({}, range), (refund) => builder.addRefund(currentRefund(refund))),
		consume(stripe.disputes.list({}, range), (dispute) => builder.addDispute(currentDispute(dispute))),
		consume(stripe.customers.list({}, range), (customer) => builder.addCustomer(currentCustomer(customer))),
	]);
	return builder.report();
}
