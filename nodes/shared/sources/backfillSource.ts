import type Stripe from 'stripe';

import { readEvent } from '../lifecycle/activities';
import { currentCharge, currentCustomer, currentDispute, currentInvoice, currentRefund, currentSubscription } from '../lifecycle/apiShapes';
import { activitiesFromObjects, mergeBackfill } from '../lifecycle/backfill';
import { DAY_SECONDS } from '../lifecycle/time';
import type { Activity } from '../lifecycle/types';
import { StripeApiError } from '../transport/errors';
import type { StripeApi } from '../transport/resources';
import { loadCatalog, SUBSCRIPTION_LIST_PARAMS, withCatalog } from './catalog';
import { consume } from './consume';
import { exactHistoryFrom } from './eventsWindow';

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
 * The activities of a window: exact from the Events API where it reaches (30 days), rebuilt
 * from object timestamps before that, merged so each fact appears once.
 */
export async function loadBackfill(stripe: StripeApi, scope: BackfillScope): Promise<BackfillResult> {
	const warnings: string[] = [];
	const ranged = (from: number) => ({ concurrency: scope.concurrency, from, to: scope.to });
	const catalog = await loadCatalog(stripe);
	const customers: Array<Stripe.Customer | Stripe.DeletedCustomer> = [];
	const subscriptions: Stripe.Subscription[] = [];
	const invoices: Stripe.Invoice[] = [];
	const charges: Stripe.Charge[] = [];
	const refunds: Stripe.Refund[] = [];
	const disputes: Stripe.Dispute[] = [];
	const eventsFrom = exactHistoryFrom(scope.from);
	const eventActivities: Activity[] = [];
	let eventsRead = true;

	await Promise.all([
		// Every object is lifted to the pinned version's shape as it arrives (apiShapes.ts).
		collect(stripe.customers.list({}, scope.fetchCustomers ? { concurrency: scope.concurrency } : ranged(scope.from)), customers, currentCustomer),
		collect(stripe.subscriptions.list(SUBSCRIPTION_LIST_PARAMS, { concurrency: scope.concurrency }), subscriptions, (s) => withCatalog(currentSubscription(s), catalog)),
		collect(stripe.invoices.list({}, ranged(scope.from - INVOICE_LOOKBACK_SECONDS)), invoices, currentInvoice),
		collect(stripe.charges.list({}, ranged(scope.from)), charges, currentCharge),
		collect(stripe.refunds.list({}, ranged(scope.from)), refunds, currentRefund),
		collect(stripe.disputes.list({}, ranged(scope.from)), disputes, currentDispute),
		// Each event comes in the version it was created with; one that cannot be read is passed on raw.
		consume(stripe.events.list({}, ranged(eventsFrom)), (event) =>
			eventActivities.push(...readEvent(event, { locale: scope.locale })),
		).catch((error: unknown) => {
			// Without Events read access the history still comes from objects, just less exactly.
			if (!(error instanceof StripeApiError) || error.httpCode !== 403) throw error;
			eventsRead = false;
			eventActivities.length = 0;
			warnings.push(`History comes from object timestamps only: ${error.message}.`);
		}),
	]);

	const objectActivities = activitiesFromObjects(
		{ customers, subscriptions, invoices, charges, refunds, disputes },
		{ from: scope.from, to: scope.to, locale: scope.locale },
	);
	// Where events were read they are the whole history: an object-derived activity there is at
	// best a duplicate and at worst a wrong guess (a trial that went past_due read as converted).
	const beforeEvents = eventsRead ? objectActivities.filter((activity) => Date.parse(activity.occurredAt) / 1000 < eventsFrom) : objectActivities;
	const merged = mergeBackfill(eventActivities.filter((activity) => inWindow(activity, scope)), beforeEvents, eventsRead ? eventsFrom : Number.POSITIVE_INFINITY);
	const byId = new Map(customers.map((customer) => [customer.id, customer]));
	const activities = merged.map((activity) => {
		const customer = activity.customer.id ? byId.get(activity.customer.id) : undefined;
		if (!customer || customer.deleted || activity.customer.email) return activity;
		return { ...activity, customer: { ...activity.customer, email: customer.email ?? null, name: activity.customer.name ?? customer.name ?? null } };
	});
	return { activities, eventsFrom: eventsRead ? eventsFrom : null, warnings };
}

function inWindow(activity: Activity, scope: BackfillScope): boolean {
	const at = Date.parse(activity.occurredAt) / 1000;
	return at >= scope.from && at < scope.to;
}

async function collect<S, T>(objects: AsyncIterable<S>, into: T[], lift: (object: S) => T): Promise<void> {
	await consume(objects, (object) => into.push(lift(object)));
}
