import type Stripe from 'stripe';

import {
	chargeActivity,
	dedupeKey,
	disputeActivity,
	endFindings,
	idOf,
	invoiceActivity,
	isSelected,
	primaryItem,
	subscriptionActivitiesFrom,
	TRIAL_EXPIRED_STATUSES,
	customerActivity,
	type ActivityOptions,
	type Envelope,
	type Finding,
} from './activities';
import { DAY_SECONDS, epochNow } from './time';
import { ACTIVITIES, type Activity, type ActivityCategory, type ActivityName } from './types';

/**
 * Activities of the past rebuilt from objects (docs/ACTIVITIES.md), for a window before the trigger
 * existed. Each fact is built by the same code as the webhook's (activities.ts), so it has the
 * same shape and the same dedupeKey as the activity its event gives; downstream exactly-once
 * guards treat both as one.
 *
 * Stripe's Events API only reaches back 30 days; objects keep only their latest state and a few
 * timestamps. What the objects cannot tell, and so only ever comes from events:
 * - `subscription.changed`: items hold the current plan only, not the plans before it;
 * - `subscription.reactivated`: an undone cancellation clears `canceled_at` and leaves no trace;
 * - `subscription.resumed`, and any pause or past_due episode before the latest one;
 * - `trial.ending`: a reminder sent at the time, not a state;
 * - `invoice.upcoming`: a preview, never stored; `invoice.payment_action_required`;
 * - every failed attempt of an invoice but its latest (the invoice keeps only `attempt_count`);
 * - `customer.updated` (a customer has no history) and `customer.deleted` (no longer listed).
 *
 * Where the objects give no time, an approximation is named at the rule. A backfilled activity
 * has no Stripe event: its `eventId` is `backfill:<dedupeKey>` and its `eventType` is the event
 * type that would have announced it.
 */

export const DEFAULT_BACKFILL_DAYS = 90;

export interface BackfillObjects {
	customers?: Iterable<Stripe.Customer | Stripe.DeletedCustomer>;
	subscriptions?: Iterable<Stripe.Subscription>;
	invoices?: Iterable<Stripe.Invoice>;
	charges?: Iterable<Stripe.Charge>;
	/** Give the time of each refund; without them a refund is placed at its charge's time. */
	refunds?: Iterable<Stripe.Refund>;
	disputes?: Iterable<Stripe.Dispute>;
}

export interface BackfillOptions {
	/** Window end, epoch seconds (default now). */
	to?: number;
	/** Window start, epoch seconds (default 90 days before `to`). */
	from?: number;
	/** What "now" is for deciding whether a trial has ended (default `to`). */
	now?: number;
	/** The connected account the objects belong to, if any. */
	account?: string | null;
	locale?: string;
}

type EventType = Stripe.Event['type'];

/** A fact found in an object, not yet known to fall in the window. */
interface Dated {
	at: number;
	type: EventType;
	build: (envelope: Envelope) => Activity;
}

/** Every activity the objects show in the window, sorted by time. Objects are read once each. */
export function activitiesFromObjects(objects: BackfillObjects, options: BackfillOptions = {}): Activity[] {
	const to = options.to ?? epochNow();
	const from = options.from ?? to - DEFAULT_BACKFILL_DAYS * DAY_SECONDS;
	const now = options.now ?? to;
	const activityOptions: ActivityOptions = { locale: options.locale };
	const activities: Activity[] = [];
	const keep = (facts: Dated[], livemode: boolean) => {
		for (const fact of facts) {
			if (fact.at < from || fact.at > to) continue;
			// No event exists; the id is set from the fact's key below, once the builder has made it.
			const envelope: Envelope = { id: '', type: fact.type, created: fact.at, livemode, account: options.account ?? undefined };
			const activity = fact.build(envelope);
			activities.push({ ...activity, eventId: `backfill:${activity.dedupeKey}` });
		}
	};

	// Read first what later objects are joined with: failure times for past_due, refunds for charges.
	const failedAt = new Map<string, number>();
	for (const invoice of objects.invoices ?? []) {
		keep(invoiceFacts(invoice, activityOptions), invoice.livemode);
		const failure = invoiceFailureTime(invoice);
		if (failure !== null) failedAt.set(invoice.id, failure);
	}
	for (const subscription of objects.subscriptions ?? []) {
		keep(subscriptionFacts(subscription, now, failedAt, activityOptions), subscription.livemode);
	}
	const refundsByCharge = new Map<string, Stripe.Refund[]>();
	for (const refund of objects.refunds ?? []) {
		if (refund.charge === null) continue;
		const chargeId = idOf(refund.charge);
		const list = refundsByCharge.get(chargeId) ?? [];
		list.push(refund);
		refundsByCharge.set(chargeId, list);
	}
	// Disputes name their charge by id; the disputed charges give them a customer.
	const disputed = new Map<string, Stripe.Charge>();
	for (const charge of objects.charges ?? []) {
		keep(chargeFacts(charge, refundsByCharge.get(charge.id) ?? [], activityOptions), charge.livemode);
		if (charge.disputed) disputed.set(charge.id, charge);
	}
	for (const dispute of objects.disputes ?? []) {
		const charge = typeof dispute.charge === 'string' ? (disputed.get(dispute.charge) ?? dispute.charge) : dispute.charge;
		keep([{ at: dispute.created, type: 'charge.dispute.created', build: (envelope) => disputeActivity({ ...dispute, charge }, envelope, activityOptions) }], dispute.livemode);
	}
	for (const customer of objects.customers ?? []) {
		if (customer.deleted) continue;
		keep([{ at: customer.created, type: 'customer.created', build: (envelope) => customerActivity(customer, 'customer.created', envelope) }], customer.livemode);
	}
	return sortActivities(activities);
}

// ── Subscriptions ────────────────────────────────────────────────────────────────────────────

function subscriptionFacts(
	subscription: Stripe.Subscription,
	now: number,
	failedAt: ReadonlyMap<string, number>,
	options: ActivityOptions,
): Dated[] {
	const id = subscription.id;
	const status = subscription.status;
	const facts: Dated[] = [];
	const add = (at: number | null | undefined, type: EventType, finding: Finding) => {
		if (at === null || at === undefined) return;
		facts.push({ at, type, build: (envelope) => subscriptionActivitiesFrom(subscription, [finding], envelope, options)[0] });
	};
	const finding = (activity: ActivityName, qualifier?: string | number): Finding => ({ activity, dedupeKey: dedupeKey(activity, id, qualifier) });

	// Never paid, never started: the webhook emits nothing for these either.
	if (status === 'incomplete' || status === 'incomplete_expired') return facts;

	const hadTrial = subscription.trial_start !== null && subscription.trial_end !== null;
	if (hadTrial) add(subscription.trial_start, 'customer.subscription.created', finding('trial.started'));
	else add(subscription.start_date, 'customer.subscription.created', finding('subscription.started'));

	const endedAt = subscription.ended_at ?? subscription.canceled_at;
	const endings = status === 'canceled' && endedAt !== null ? endFindings(subscription, endedAt) : [];
	for (const ending of endings) add(endedAt, 'customer.subscription.deleted', ending);

	const trialEnd = subscription.trial_end;
	const trialOutcomeInEnding = endings.some((ending) => ending.activity !== 'subscription.cancelled');
	if (hadTrial && trialEnd !== null && trialEnd <= now && status !== 'trialing' && !trialOutcomeInEnding) {
		// Without events, a trial that ended and left the subscription running (or churning later)
		// is taken as converted; one that went straight to past_due would show here as converted too.
		const outcome = TRIAL_EXPIRED_STATUSES.has(status) ? 'trial.expired' : 'trial.converted';
		add(trialEnd, 'customer.subscription.updated', finding(outcome));
	}

	// A cancellation that took effect at once is not a scheduled one; the request time is the key.
	const scheduled = subscription.cancel_at_period_end || subscription.cancel_at !== null;
	const requestedAt = subscription.canceled_at;
	if (scheduled && requestedAt !== null && (status !== 'canceled' || (endedAt !== null && requestedAt < endedAt))) {
		add(requestedAt, 'customer.subscription.updated', finding('subscription.cancel_scheduled', requestedAt));
	}

	const latestInvoice = subscription.latest_invoice;
	if (status === 'past_due' && latestInvoice !== null) {
		// The latest invoice's failure if it is known; else the renewal that opened the current period.
		const invoiceId = idOf(latestInvoice);
		const expanded = typeof latestInvoice === 'string' ? null : invoiceFailureTime(latestInvoice);
		const at = expanded ?? failedAt.get(invoiceId) ?? primaryItem(subscription.items.data)?.current_period_start;
		add(at, 'customer.subscription.updated', finding('subscription.past_due', invoiceId));
	}

	const pausedAt = subscription.status_details?.paused?.transitioned_at;
	if (status === 'paused') add(pausedAt, 'customer.subscription.paused', finding('subscription.paused', pausedAt ?? undefined));
	return facts;
}

// ── Invoices and charges ─────────────────────────────────────────────────────────────────────

function invoiceFacts(invoice: Stripe.Invoice, options: ActivityOptions): Dated[] {
	const facts: Dated[] = [];
	const paidAt = invoice.status_transitions.paid_at;
	if (paidAt !== null) {
		facts.push({ at: paidAt, type: 'invoice.paid', build: (envelope) => invoiceActivity(invoice, 'invoice.paid', envelope, options) });
	}
	const failedAt = invoiceFailureTime(invoice);
	if (failedAt !== null) {
		facts.push({ at: failedAt, type: 'invoice.payment_failed', build: (envelope) => invoiceActivity(invoice, 'invoice.payment_failed', envelope, options) });
	}
	return facts;
}

/**
 * When the latest failed attempt of a still-unpaid invoice happened: its latest charge when the
 * invoice's payments are expanded, else when it was finalized (the first attempt follows at once).
 * Null for an invoice that is not failing.
 */
function invoiceFailureTime(invoice: Stripe.Invoice): number | null {
	if (invoice.attempt_count <= 0 || (invoice.status !== 'open' && invoice.status !== 'uncollectible')) return null;
	let latestCharge: number | null = null;
	for (const { payment } of invoice.payments?.data ?? []) {
		const intent = payment.payment_intent;
		const charge = typeof payment.charge === 'object' ? payment.charge : typeof intent === 'object' ? intent.latest_charge : null;
		if (charge !== null && typeof charge === 'object') latestCharge = Math.max(latestCharge ?? charge.created, charge.created);
	}
	return latestCharge ?? invoice.status_transitions.finalized_at ?? invoice.created;
}

function chargeFacts(charge: Stripe.Charge, suppliedRefunds: Stripe.Refund[], options: ActivityOptions): Dated[] {
	const facts: Dated[] = [];
	if (charge.status === 'succeeded' || charge.status === 'failed') {
		const activity = charge.status === 'succeeded' ? 'charge.succeeded' : 'charge.failed';
		facts.push({ at: charge.created, type: activity, build: (envelope) => chargeActivity(charge, activity, envelope, options) });
	}
	if (charge.amount_refunded <= 0) return facts;
	const refunded = (at: number, amountRefunded: number, fully: boolean): Dated => ({
		at,
		type: 'charge.refunded',
		build: (envelope) => chargeActivity({ ...charge, amount_refunded: amountRefunded, refunded: fully }, 'charge.refunded', envelope, options),
	});
	const refunds = refundsOf(charge, suppliedRefunds);
	if (refunds.length === 0) return [...facts, refunded(charge.created, charge.amount_refunded, charge.refunded)];
	// Each charge.refunded event carries the cumulative amount then. Walking back from today's total
	// gives it for every refund known, even when older refunds are not in the list.
	let cumulative = charge.amount_refunded;
	for (const [index, refund] of refunds.entries()) {
		if (cumulative <= 0) break;
		facts.push(refunded(refund.created, cumulative, index === 0 && charge.refunded));
		cumulative -= refund.amount;
	}
	return facts;
}

/** The charge's refunds that count towards `amount_refunded`, newest first, each once. */
function refundsOf(charge: Stripe.Charge, supplied: Stripe.Refund[]): Stripe.Refund[] {
	const byId = new Map<string, Stripe.Refund>();
	for (const refund of [...(charge.refunds?.data ?? []), ...supplied]) {
		if (refund.status !== 'failed' && refund.status !== 'canceled') byId.set(refund.id, refund);
	}
	return [...byId.values()].sort((a, b) => b.created - a.created);
}

// ── Merging with events, selecting ───────────────────────────────────────────────────────────

/**
 * One history from both sources. Events are exact, so they are all kept (each fact once).
 * An object-derived activity is dropped when an event gave the same dedupeKey, or — from
 * `eventsCoverFrom` (epoch seconds, where the Events API's reach begins) on — when an event gave
 * the same activity for the same object, since the object's time or key is an approximation
 * there. Before `eventsCoverFrom` the object-derived activities stand. Sorted by time, then eventId.
 */
export function mergeBackfill(eventActivities: Activity[], objectActivities: Activity[], eventsCoverFrom: number): Activity[] {
	const merged: Activity[] = [];
	const keys = new Set<string>();
	const facts = new Set<string>();
	for (const activity of sortActivities(eventActivities)) {
		if (keys.has(activity.dedupeKey)) continue;
		keys.add(activity.dedupeKey);
		facts.add(factOf(activity));
		merged.push(activity);
	}
	for (const activity of objectActivities) {
		if (keys.has(activity.dedupeKey)) continue;
		if (epochOf(activity) >= eventsCoverFrom && facts.has(factOf(activity))) continue;
		keys.add(activity.dedupeKey);
		merged.push(activity);
	}
	return sortActivities(merged);
}

/** Oldest first; activities of the same instant in eventId order, so the result is deterministic. */
export function sortActivities(activities: Activity[]): Activity[] {
	return [...activities].sort((a, b) => epochOf(a) - epochOf(b) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}

export interface ActivitySelection {
	categories?: Iterable<ActivityCategory>;
	activities?: Iterable<ActivityName>;
}

/**
 * Activities whose category or name is selected, as the trigger selects them (`isSelected`); an
 * empty selection keeps everything.
 */
export function selectActivities(activities: Activity[], selection: ActivitySelection): Activity[] {
	const categories = new Set(selection.categories ?? []);
	const selected = new Set(selection.activities ?? []);
	for (const [name, category] of Object.entries(ACTIVITIES)) if (categories.has(category)) selected.add(name as ActivityName);
	if (selected.size === 0 && categories.size === 0) return activities;
	return activities.filter((activity) => isSelected(activity, selected));
}

/** "This activity of this object": the dispute for charge.disputed, else the most specific object. */
function factOf(activity: Activity): string {
	const objectId =
		activity.charge?.disputeId ?? activity.subscription?.id ?? activity.invoice?.id ?? activity.charge?.id ?? activity.customer.id;
	return `${activity.activity}|${objectId ?? activity.dedupeKey}`;
}

function epochOf(activity: Activity): number {
	return Date.parse(activity.occurredAt) / 1000;
}
