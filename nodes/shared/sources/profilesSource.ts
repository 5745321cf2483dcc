import { currentCharge, currentCustomer, currentInvoice, currentSubscription } from '../lifecycle/apiShapes';
import { ProfileBuilder, type ProfileOptions } from '../lifecycle/profiles';
import type { Profile } from '../lifecycle/types';
import type { StripeApi } from '../transport/resources';
import { loadCatalog, SUBSCRIPTION_LIST_PARAMS, withCatalog } from './catalog';
import { consume } from './consume';

export interface ProfileScope {
	/** Limit to customers created in [from, to), epoch seconds. */
	createdFrom?: number;
	createdTo?: number;
	/** Stripe's exact-match email filter. */
	email?: string;
	/** One customer's objects only, through per-customer list filters. */
	customerId?: string;
	concurrency: number;
	/** Charges and paid invoices give lifetime value and payment history; they cost the most calls. */
	includePayments: boolean;
}

/**
 * Profiles from list calls joined in memory: customers, subscriptions, and (optionally) charges
 * and paid invoices, each listed once for the scope: O(objects / 100) calls, never one per customer.
 */
export async function loadProfiles(stripe: StripeApi, scope: ProfileScope, options: ProfileOptions = {}): Promise<Profile[]> {
	const builder = new ProfileBuilder();
	const byCustomer = scope.customerId ? { customer: scope.customerId } : {};
	const listing = { concurrency: scope.customerId ? 1 : scope.concurrency };

	if (scope.customerId) {
		builder.addCustomer(currentCustomer(await stripe.customers.retrieve(scope.customerId)));
	} else {
		const customerParams = scope.email ? { email: scope.email } : {};
		for await (const customer of stripe.customers.list(customerParams, { ...listing, from: scope.createdFrom, to: scope.createdTo })) {
			builder.addCustomer(currentCustomer(customer));
		}
	}

	const catalog = await loadCatalog(stripe);
	const work: Array<Promise<void>> = [
		consume(stripe.subscriptions.list({ ...SUBSCRIPTION_LIST_PARAMS, ...byCustomer }, listing), (subscription) =>
			builder.addSubscription(withCatalog(currentSubscription(subscription), catalog)),
		),
	];
	if (scope.includePayments) {
		work.push(
			consume(stripe.charges.list(byCustomer, listing), (charge) => builder.addCharge(currentCharge(charge))),
			consume(stripe.invoices.list({ ...byCustomer, status: 'paid' }, listing), (invoice) => builder.addInvoice(currentInvoice(invoice))),
		);
	}
	await Promise.all(work);
	return builder.build(options);
}
