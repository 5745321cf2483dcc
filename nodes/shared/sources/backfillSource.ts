import type Stripe from 'stripe';

import { readEvent } from '../lifecycle/activities';
import { currentCharge, currentCustomer, currentDispute, currentInvoice, currentSubscription } from '../lifecycle/apiShapes';
import { activitiesFromObjects, mergeBackfill, selectActivities, sortActivities, type ActivitySelection, type BackfillObjects } from '../lifecycle/backfill';
import { CustomerContacts } from '../lifecycle/customerContacts';
import { DAY_SECONDS } from '../lifecycle/time';
import type { Activity } from '../lifecycle/types';
import { StripeApiError } from '../transport/errors';
import type { StripeApi } from '../transport/resources';
import type { StripeList } from '../transport/stripeClient';
import { indexKey, type BatchedSource } from './batches';
import { loadCatalog, SUBSCRIPTION_LIST_PARAMS, withCatalog, type Catalog } from './catalog';
import { consume } from './consume';
import { eventsPastRetention, exactHistoryFrom } from './eventsWindow';
import { syncIndex } from './syncIndex';
import { PAGE_LIMIT, pageAfter, slicesOf, slicesWalked, SLICES, walkSlices, type SliceLoop, type SliceWalk, type TimeRange } from './walk';

export interface BackfillScope {
	from: number;
	to: number;
	concurrency: number;
	/** Fill customer email and name on every activity (one listing of all customers). */
	fetchCustomers: boolean;
	locale?: string;
}

export interface BackfillResult {
	activities: Activity[];
	/** Where the exact Events API history began, or null when it could not be read. */
	eventsFrom: number | null;
	warnings: string[];
}

/** Invoices are paid or retried some time after they are created; look back this much further. */
const INVOICE_LOOKBACK_SECONDS = 35 * DAY_SECONDS;

/**
 * The lists a backfill reads, each turned into activities page by page with nothing of an earlier
 * page kept: every join an activity needs comes expanded on the object itself (a charge's refunds,
 * a dispute's charge, a subscription's latest invoice for when it went past due). Events come
 * last, so a store that upserts by dedupeKey ends with the exact, event-made version of a fact.
 */
const PHASES = ['customers', 'subscriptions', 'invoices', 'charges', 'disputes', 'events'] as const;
type PhaseName = (typeof PHASES)[number];

interface Window {
	from: number;
	to: number;
	/** Where exact Events API history begins; null when events cannot be read. */
	eventsFrom: number | null;
	locale?: string;
}

interface Phase {
	/** The list's objects (Stripe's list parameters, `created` range included). */
	list: { page(params: object): Promise<StripeList<Listed>>; list(params: object, listing: object): AsyncIterable<Listed> };
	params: Record<string, unknown> & { created?: Stripe.RangeQueryParam };
	/** The activities of a page of the list's objects, in the window. */
	activities(objects: Listed[]): Activity[];
}

type Listed = { id: string; created: number };

/** The `created` range a list is read in; null for events the key cannot read. */
function rangeOf(name: PhaseName, window: Window): TimeRange | null {
	// `to` is a whole second that the window includes: what was created in the second the backfill
	// started (a signup just before "run") belongs in it, as activitiesFromObjects also reads `to`.
	const lt = window.to + 1;
	switch (name) {
		// A subscription of any age may have been cancelled, paused or renewed in the window.
		case 'subscriptions':
			return { lt };
		case 'invoices':
			return { gte: window.from - INVOICE_LOOKBACK_SECONDS, lt };
		case 'events':
			return window.eventsFrom === null ? null : { gte: window.eventsFrom, lt };
		default:
			return { gte: window.from, lt };
	}
}

function phasesOf(stripe: StripeApi, window: Window, catalog: Catalog): Record<PhaseName, Phase | null> {
	const range = (name: PhaseName) => ({ created: rangeOf(name, window)! });
	const objects = (listed: BackfillObjects) => {
		const activities = activitiesFromObjects(listed, { from: window.from, to: window.to, locale: window.locale });
		// Where events were read they are the whole history: an object-derived activity there is at
		// best a duplicate and at worst a wrong guess (a trial that went past_due read as converted).
		const eventsFrom = window.eventsFrom;
		return eventsFrom === null ? activities : activities.filter((activity) => Date.parse(activity.occurredAt) / 1000 < eventsFrom);
	};
	const as = <T>(page: Listed[]) => page as unknown as T[];
	return {
		customers: {
			list: stripe.customers as unknown as Phase['list'],
			params: range('customers'),
			activities: (page) => objects({ customers: as<Stripe.Customer>(page).map(currentCustomer) }),
		},
		subscriptions: {
			list: stripe.subscriptions as unknown as Phase['list'],
			params: { ...SUBSCRIPTION_LIST_PARAMS, expand: [...SUBSCRIPTION_LIST_PARAMS.expand, 'data.latest_invoice'], ...range('subscriptions') },
			activities: (page) => objects({ subscriptions: as<Stripe.Subscription>(page).map((subscription) => withCatalog(currentSubscription(subscription), catalog)) }),
		},
		invoices: {
			list: stripe.invoices as unknown as Phase['list'],
			params: range('invoices'),
			activities: (page) => objects({ invoices: as<Stripe.Invoice>(page).map(currentInvoice) }),
		},
		charges: {
			list: stripe.charges as unknown as Phase['list'],
			params: { ...range('charges'), expand: ['data.refunds'] },
			activities: (page) => objects({ charges: as<Stripe.Charge>(page).map(currentCharge) }),
		},
		disputes: {
			list: stripe.disputes as unknown as Phase['list'],
			params: { ...range('disputes'), expand: ['data.charge'] },
			activities: (page) => objects({ disputes: as<Stripe.Dispute>(page).map(currentDispute) }),
		},
		// Each event comes in the version it was created with; one that cannot be read is passed on raw.
		events:
			window.eventsFrom === null
				? null
				: {
						list: stripe.events as unknown as Phase['list'],
						params: range('events'),
						activities: (page) => as<Stripe.Event>(page).flatMap((event) => readEvent(event, { locale: window.locale })).filter((activity) => inWindow(activity, window)),
					},
	};
}

/** Where exact history can begin, or null (and why) when the key cannot read events. */
async function eventsReach(stripe: StripeApi, from: number): Promise<{ eventsFrom: number | null; warnings: string[] }> {
	return await stripe.events.page({ limit: 1 }).then(
		() => ({ eventsFrom: exactHistoryFrom(from, EVENTS_MARGIN_SECONDS), warnings: [] }),
		(error: unknown) => {
			// Without Events read access the history still comes from objects, just less exactly.
			if (!(error instanceof StripeApiError) || error.httpCode !== 403) throw error;
			return { eventsFrom: null, warnings: [`History comes from object timestamps only: ${error.message}.`] };
		},
	);
}

async function loadContacts(stripe: StripeApi, concurrency: number): Promise<CustomerContacts> {
	const contacts = new CustomerContacts();
	await consume(stripe.customers.list({}, { concurrency }), (listed) => {
		const customer = currentCustomer(listed);
		if (!customer.deleted) contacts.set(customer.id, { email: customer.email ?? null, name: customer.name ?? null });
	});
	return contacts;
}

function withContact(activity: Activity, contacts: CustomerContacts | null): Activity {
	if (activity.customer.email || !activity.customer.id) return activity;
	const contact = contacts?.get(activity.customer.id);
	if (!contact) return activity;
	return { ...activity, customer: { ...activity.customer, email: contact.email, name: activity.customer.name ?? contact.name } };
}

/**
 * The activities of a window: exact from the Events API where it reaches (30 days), rebuilt
 * from object timestamps before that, merged so each fact appears once.
 */
export async function loadBackfill(stripe: StripeApi, scope: BackfillScope): Promise<BackfillResult> {
	const [{ catalog, contacts }, reach] = await Promise.all([loadJoins(stripe, scope), eventsReach(stripe, scope.from)]);
	const phases = phasesOf(stripe, { ...scope, eventsFrom: reach.eventsFrom }, catalog);
	const objectActivities: Activity[] = [];
	const eventActivities: Activity[] = [];
	await Promise.all(
		PHASES.map(async (name) => {
			const phase = phases[name];
			if (!phase) return;
			const { created, ...params } = phase.params;
			const into = name === 'events' ? eventActivities : objectActivities;
			await consume(phase.list.list(params, { concurrency: scope.concurrency, from: created?.gte, to: created?.lt }), (object) =>
				into.push(...phase.activities([object])),
			);
		}),
	);
	const merged = mergeBackfill(eventActivities, objectActivities, reach.eventsFrom ?? Number.POSITIVE_INFINITY);
	return { activities: merged.map((activity) => withContact(activity, contacts)), eventsFrom: reach.eventsFrom, warnings: reach.warnings };
}

/** Where a batched backfill stands: the window fixed when it started, and each list's walk. */
export interface BackfillPosition {
	from: number;
	to: number;
	eventsFrom: number | null;
	/** Why history is less exact, said again with every batch. */
	warning: string | null;
	/** Each list's slices, each with its own walk; none for a list that is not read. */
	walks: Record<PhaseName, SliceWalk[]>;
}

/** The joins a backfill needs; a batched one reads them once per sync (syncIndex.ts) rather than once per batch. */
interface BackfillJoins {
	catalog: Catalog;
	contacts: CustomerContacts | null;
}

async function loadJoins(stripe: StripeApi, scope: BackfillScope): Promise<BackfillJoins> {
	const [catalog, contacts] = await Promise.all([loadCatalog(stripe), scope.fetchCustomers ? loadContacts(stripe, scope.concurrency) : null]);
	return { catalog, contacts };
}

/**
 * A batch reads at most this many objects per row of its size: lists whose objects mostly give no
 * row (subscriptions of any age, invoices of the look-back) still end a batch in bounded time.
 */
const OBJECTS_PER_ROW = 4;

/**
 * The backfill in batches (docs/SYNC.md). Each list is cut into slices of its time range, and each
 * slice is walked by a loop of its own that asks its next page as soon as the last one is read, so
 * requests follow each other as fast as the transport's rate limit lets them. A slice asks for a
 * page while the batch still lacks rows, counting the pages in flight, so a batch ends at about
 * `batchSize` activities, a page more at most (the selection may keep fewer), or after reading
 * about `OBJECTS_PER_ROW` times that many objects. The cursor keeps each slice's own position.
 * Rows are sorted by time within a batch, not across batches.
 */
export function batchedBackfill(
	stripe: StripeApi,
	scope: BackfillScope & { days: number; selection: ActivitySelection },
): BatchedSource<Activity, BackfillPosition> {
	return {
		kind: 'activities',
		// The selection is a set: the same categories picked in another order are the same sync.
		settings: {
			days: scope.days,
			fetchCustomers: scope.fetchCustomers,
			locale: scope.locale,
			selection: { categories: [...(scope.selection.categories ?? [])].sort(), activities: [...(scope.selection.activities ?? [])].sort() },
		},
		start: async (startedAt) => {
			const from = startedAt - scope.days * DAY_SECONDS;
			const reach = await eventsReach(stripe, from);
			const window = { from, to: startedAt, eventsFrom: reach.eventsFrom };
			const walks = Object.fromEntries(
				PHASES.map((name) => {
					const range = rangeOf(name, window);
					return [name, range ? slicesOf(range, SLICES) : []];
				}),
			);
			return { ...window, warning: reach.warnings[0] ?? null, walks: walks as BackfillPosition['walks'] };
		},
		step: async (sync, batchSize) => {
			const { from, to, eventsFrom } = sync.position;
			const { catalog, contacts } = await syncIndex(indexKey(sync), async () => await loadJoins(stripe, scope));
			const phases = phasesOf(stripe, { from, to, eventsFrom, locale: scope.locale }, catalog);
			const walks = Object.fromEntries(PHASES.map((name) => [name, [...sync.position.walks[name]]])) as BackfillPosition['walks'];
			const rows: Activity[] = [];
			let read = 0;
			// Whole pages while the batch lacks anything: Stripe's rate limit counts requests, and
			// partial pages split across every slice in flight read 36 events per call. So a batch
			// may end up to a page over its size.
			const room = (asked: number) => (Math.min(batchSize - rows.length, OBJECTS_PER_ROW * batchSize - read) - asked > 0 ? Math.min(PAGE_LIMIT, batchSize) : 0);
			// Slice by slice across the lists, so that a batch too small for all of them reads each list's newest slice first.
			const loops: Array<SliceLoop<Listed>> = [];
			for (let slice = 0; slice < SLICES; slice++) {
				for (const name of PHASES) {
					const phase = phases[name];
					if (!phase || slice >= walks[name].length) continue;
					loops.push({
						walks: walks[name],
						slice: walks[name].length - 1 - slice,
						read: async (created, position, limit) => await pageAfter(phase.list, { ...phase.params, created }, position, limit),
						take: (object) => {
							read++;
							rows.push(...phase.activities([object]).map((activity) => withContact(activity, contacts)));
						},
					});
				}
			}
			await walkSlices(loops, room);
			const done = PHASES.every((name) => phases[name] === null || walks[name].every((slice) => slice.done));
			return {
				rows: sortActivities(selectActivities(rows, scope.selection)),
				position: { ...sync.position, walks },
				done,
				walked: walkedShare(walks, phases),
				warnings: [sync.position.warning, eventsLostWarning(sync.position.walks.events)].filter((warning) => warning !== null),
			};
		},
	};
}

/**
 * Events are listed newest first, so a backfill reaches the oldest last, while Stripe goes on
 * deleting events older than 30 days: a batched sync may take hours. Exact history begins this
 * much inside the 30 days, so a backfill that ends (or resumes) within that time finds every event
 * it set out to read. The cost: for those hours, facts that only events tell (an upcoming invoice,
 * a plan change) are not made; objects tell the rest. Batched or not, the rule is the same, so a
 * batched sync hands out what the unbatched backfill gives.
 */
const EVENTS_MARGIN_SECONDS = 6 * 3600;

/** Why activities may be missing, when events the batch had yet to read were past Stripe's 30 days as it began. */
function eventsLostWarning(slices: SliceWalk[]): string | null {
	const unread = slices.filter((slice) => !slice.done && slice.gte !== undefined && eventsPastRetention(slice.gte));
	if (unread.length === 0) return null;
	const since = new Date(Math.min(...unread.map((slice) => slice.gte!)) * 1000).toISOString();
	return `Stripe deletes events after 30 days, and this sync has run so long that events from ${since} on it had yet to read may be gone: activities from ${since} until 30 days ago may be missing. Start a new sync (an empty cursor) to have them all.`;
}

/** The mean share of each list walked, by time (slices are walked newest first); a slice without a start counts once done. */
function walkedShare(walks: Record<PhaseName, SliceWalk[]>, phases: Record<PhaseName, Phase | null>): number | null {
	const shares: number[] = [];
	for (const name of PHASES) {
		if (!phases[name]) continue;
		const share = slicesWalked(walks[name]);
		if (share !== null) shares.push(share);
	}
	return shares.length === 0 ? null : Math.min(0.99, shares.reduce((sum, share) => sum + share, 0) / shares.length);
}

function inWindow(activity: Activity, window: Window): boolean {
	const at = Date.parse(activity.occurredAt) / 1000;
	return at >= window.from && at <= window.to;
}
