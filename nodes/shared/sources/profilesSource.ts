import type Stripe from 'stripe';

import { currentCharge, currentCustomer, currentInvoice, currentSubscription } from '../lifecycle/apiShapes';
import { ProfileBuilder, type ProfileOptions } from '../lifecycle/profiles';
import type { Profile } from '../lifecycle/types';
import type { StripeApi } from '../transport/resources';
import type { Listing } from '../transport/stripeClient';
import { loadCatalog, SUBSCRIPTION_LIST_PARAMS, withCatalog, type Catalog } from './catalog';
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
		for await (const customer of stripe.customers.list(customerFilter(scope), { ...listing, from: scope.createdFrom, to: scope.createdTo })) {
			builder.addCustomer(currentCustomer(customer));
		}
	}
	await addJoined(stripe, builder, await loadCatalog(stripe), byCustomer, listing, scope.includePayments);
	return builder.build(options);
}

/**
 * The profiles of the newest customers of the scope, until `wanted.limit` of them pass
 * `wanted.accept`, without reading the whole account. A customer's subscriptions, charges and
 * invoices are created after the customer, so once the walk (newest first) has reached a
 * customer created at T, the objects created since T complete every profile walked so far. Each
 * round walks more customers (twice as many as the round before, for filters that pass few) and
 * reads the joined lists only for the window the round added: still list calls, never one per
 * customer. A charge made before its customer existed and assigned to it later is the one thing
 * such a window misses; Return All reads everything.
 */
export async function loadNewestProfiles(
	stripe: StripeApi,
	scope: ProfileScope,
	options: ProfileOptions,
	wanted: { limit: number; accept: (profile: Profile) => boolean },
): Promise<Profile[]> {
	const builder = new ProfileBuilder();
	const catalog = await loadCatalog(stripe);
	// One cursor, so customers arrive newest first and the walk can stop anywhere.
	const customers = stripe.customers.list(customerFilter(scope), { from: scope.createdFrom, to: scope.createdTo });
	let readSince: number | undefined;
	let batch = wanted.limit;
	for (;;) {
		let oldest: number | undefined;
		let walked = 0;
		while (walked < batch) {
			const next = await customers.next();
			if (next.done) break;
			builder.addCustomer(currentCustomer(next.value));
			oldest = next.value.created;
			walked++;
		}
		if (oldest !== undefined && oldest !== readSince) {
			await addJoined(stripe, builder, catalog, {}, { concurrency: scope.concurrency, from: oldest, to: readSince }, scope.includePayments);
			readSince = oldest;
		}
		const accepted = builder.build(options).filter(wanted.accept);
		if (accepted.length >= wanted.limit || walked < batch) {
			await customers.return(undefined);
			return accepted.slice(0, wanted.limit);
		}
		batch *= 2;
	}
}

function customerFilter(scope: ProfileScope): Stripe.CustomerListParams {
	return scope.email ? { email: scope.email } : {};
}

/** Subscriptions (and, with payments, charges and paid invoices) of the scope into the builder. */
async function addJoined(
	stripe: StripeApi,
	builder: ProfileBuilder,
	catalog: Catalog,
	byCustomer: { customer?: string },
	listing: Listing,
	includePayments: boolean,
): Promise<void> {
	const work: Array<Promise<void>> = [
		consume(stripe.subscriptions.list({ ...SUBSCRIPTION_LIST_PARAMS, ...byCustomer }, listing), (subscription) =>
			builder.addSubscription(withCatalog(currentSubscription(subscription), catalog)),
		),
	];
	if (includePayments) {
		work.push(
			consume(stripe.charges.list(byCustomer, listing), (charge) => builder.addCharge(currentCharge(charge))),
			consume(stripe.invoices.list({ ...byCustomer, status: 'paid' }, listing), (invoice) => builder.addInvoice(currentInvoice(invoice))),
		);
	}
	await Promise.all(work);
}
