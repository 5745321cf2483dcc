import type Stripe from 'stripe';

import { currentCharge, currentCustomer, currentInvoice, currentSubscription } from '../lifecycle/apiShapes';
import { ProfileBuilder, type ProfileOptions } from '../lifecycle/profiles';
import type { Profile } from '../lifecycle/types';
import type { StripeApi } from '../transport/resources';
import type { Listing } from '../transport/stripeClient';
import { DAY_SECONDS } from '../lifecycle/time';
import { indexKey, type BatchedSource } from './batches';
import { loadCatalog, SUBSCRIPTION_LIST_PARAMS, withCatalog, type Catalog } from './catalog';
import { consume } from './consume';
import { syncIndex } from './syncIndex';
import { PAGE_LIMIT, pageAfter, slicesOf, slicesWalked, SLICES, walkSlices, type SliceLoop, type SliceWalk } from './walk';

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
	const builder = new ProfileBuilder(options);
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
	return builder.build();
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
	const builder = new ProfileBuilder(options);
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
		const accepted = builder.build().filter(wanted.accept);
		if (accepted.length >= wanted.limit || walked < batch) {
			await customers.return(undefined);
			return accepted.slice(0, wanted.limit);
		}
		batch *= 2;
	}
}

/** Where a batched profiles sync stands: the customers' `created` range cut in slices, each walked newest first. */
export interface ProfilePosition {
	/** About when the oldest customer of the scope was created: where the oldest slice's progress is measured from. */
	oldest: number | null;
	slices: SliceWalk[];
}

/**
 * Profiles of the scope in batches (docs/SYNC.md): each batch walks the next customers and joins
 * them with an index of the account's subscriptions, charges and paid invoices that the sync's
 * first batch builds once (syncIndex.ts). The customers are walked in time slices at once, like
 * the backfill's lists: one walk waits out each page's latency, and at 10,000 customers its
 * batches kept 22.7 of Stripe's 25 requests a second busy, 4 slices 24.3 (docs/SYNC.md). A batch
 * gives the newest slice its pages first, so batches of up to a page come out newest customer
 * first, as one walk would; a larger batch holds customers of several slices, each slice newest
 * first. `accept` filters the batch's profiles (status filters, audiences); the walk still
 * advances by the customers it read. The sync covers the customers created before it started;
 * later ones reach a store through the trigger.
 */
export function batchedProfiles(
	stripe: StripeApi,
	scope: ProfileScope,
	options: ProfileOptions,
	filter: { kind: 'profiles' | 'audience members'; settings: unknown; accept: (profile: Profile) => boolean },
): BatchedSource<Profile, ProfilePosition> {
	const params = customerFilter(scope);
	return {
		kind: filter.kind,
		settings: { scope: { ...scope, concurrency: undefined }, options: { ...options, at: undefined }, filter: filter.settings },
		start: async (startedAt) => {
			// The walk starts at the newest customer in scope: created before the sync started, and before createdTo.
			const lt = Math.min(scope.createdTo ?? Infinity, startedAt + 1);
			const oldest = await oldestCustomer(stripe, params, scope.createdFrom, startedAt);
			const slices = slicesOf({ gte: oldest ?? undefined, lt }, SLICES);
			// The oldest slice reaches back to the scope's start, not to the estimate: no customer is left out if it is off.
			slices[0] = { ...slices[0], gte: scope.createdFrom };
			return { oldest, slices };
		},
		step: async (sync, batchSize) => {
			const index = await syncIndex(indexKey(sync), async () => {
				const builder = new ProfileBuilder(options);
				await addJoined(stripe, builder, await loadCatalog(stripe), {}, { concurrency: scope.concurrency }, scope.includePayments);
				return builder;
			});
			const slices = [...sync.position.slices];
			const rows: Profile[][] = slices.map(() => []);
			let walked = 0;
			const loop = (slice: number): SliceLoop<Stripe.Customer> => ({
				walks: slices,
				slice,
				read: async (created, position, limit) => await pageAfter(stripe.customers, { ...params, created }, position, limit),
				take: (listed) => {
					walked++;
					const customer = currentCustomer(listed);
					if (customer.deleted) return;
					const profile = index.profile(customer);
					if (filter.accept(profile)) rows[slice].push(profile);
				},
			});
			// Newest slice first. A slice that ends mid-batch leaves its share to the next round, so a batch is short only at the end.
			const open = () => slices.map((_, slice) => slice).filter((slice) => !slices[slice].done).reverse();
			while (walked < batchSize && open().length > 0) {
				await walkSlices(open().map(loop), (asked) => Math.min(PAGE_LIMIT, batchSize - walked - asked));
			}
			// The oldest slice may reach back to the scope's start only: measure it from the oldest customer.
			const walkedShare = slicesWalked(slices, (slice) => slice.gte ?? sync.position.oldest ?? undefined);
			return {
				rows: rows.reverse().flat(),
				position: { oldest: sync.position.oldest, slices },
				done: slices.every((slice) => slice.done),
				walked: walkedShare === null ? null : Math.min(0.99, walkedShare),
			};
		},
	};
}

/**
 * About when the scope's oldest customer was created: probes of one customer each, doubling the
 * span back from `before` until none is older, then halving the gap (within a day or 5 % of the span).
 */
async function oldestCustomer(stripe: StripeApi, params: Stripe.CustomerListParams, from: number | undefined, before: number): Promise<number | null> {
	const olderThan = async (at: number) => (await stripe.customers.page({ ...params, created: { ...(from !== undefined ? { gte: from } : {}), lt: at }, limit: 1 })).data.length > 0;
	if (!(await olderThan(before + 1))) return null;
	let newer = before;
	let span = DAY_SECONDS;
	while (span < DAY_SECONDS * 2 ** 15 && (await olderThan(before - span))) {
		newer = before - span;
		span *= 2;
	}
	let older = Math.max(from ?? 0, before - span);
	while (newer - older > Math.max(DAY_SECONDS, (before - older) / 20)) {
		const middle = Math.floor((older + newer) / 2);
		if (await olderThan(middle)) newer = middle;
		else older = middle;
	}
	return older;
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
