import type Stripe from 'stripe';

import { stripeFixture } from '../fixtures/stripeObjects';
import { toActivities } from '../../nodes/shared/lifecycle/activities';
import {
	DEFAULT_BACKFILL_DAYS,
	activitiesFromObjects,
	mergeBackfill,
	selectActivities,
	sortActivities,
	type BackfillObjects,
} from '../../nodes/shared/lifecycle/backfill';
import type { Activity, ActivityName } from '../../nodes/shared/lifecycle/types';
import { charge, customer, day, deletedCustomer, dispute, event, invoice, iso, refund, subscription, t0 } from './support/stripeBuilders';

const now = t0;

function backfill(objects: BackfillObjects): Activity[] {
	return activitiesFromObjects(objects, { to: now });
}

function one(activities: Activity[], name: ActivityName): Activity {
	const found = activities.filter((activity) => activity.activity === name);
	expect(found).toHaveLength(1);
	return found[0];
}

/** The webhook's activity for the event that announced the fact. */
function fromEvent(type: Stripe.Event['type'], object: unknown, created: number, previous?: unknown): Activity {
	const activities = toActivities(event(type, object, previous, { created }));
	expect(activities).toHaveLength(1);
	return activities[0];
}

/** Same fact, same key, same shape; only the event id tells where each came from. */
function expectSameFact(fromObjects: Activity, fromWebhook: Activity): void {
	expect(fromObjects.dedupeKey).toBe(fromWebhook.dedupeKey);
	expect({ ...fromObjects, eventId: '' }).toEqual({ ...fromWebhook, eventId: '' });
	expect(fromObjects.eventId).toBe(`backfill:${fromObjects.dedupeKey}`);
}

const names = (activities: Activity[]) => activities.map((activity) => activity.activity);

describe('subscriptions rebuilt from objects', () => {
	it('trial.started at trial_start, while the trial runs', () => {
		const sub = subscription({ status: 'trialing', trial_start: t0 - 10 * day, trial_end: t0 + 4 * day, start_date: t0 - 10 * day });
		const activities = backfill({ subscriptions: [sub] });
		expect(names(activities)).toEqual(['trial.started']);
		expectSameFact(activities[0], fromEvent('customer.subscription.created', sub, t0 - 10 * day));
	});

	it('trial.converted at trial_end once the trial ended into active', () => {
		const sub = subscription({ trial_start: t0 - 20 * day, trial_end: t0 - 6 * day });
		const activities = backfill({ subscriptions: [sub] });
		expect(names(activities)).toEqual(['trial.started', 'trial.converted']);
		expectSameFact(activities[1], fromEvent('customer.subscription.updated', sub, t0 - 6 * day, { status: 'trialing' }));
		expect(activities[0].dedupeKey).toBe(fromEvent('customer.subscription.created', { ...sub, status: 'trialing' }, t0 - 20 * day).dedupeKey);
	});

	it('trial.expired and subscription.paused for a trial that ended without a payment method', () => {
		const paused: Stripe.Subscription.StatusDetails.Paused = { transitioned_at: t0 - 2 * day, type: 'trial_end' } as Stripe.Subscription.StatusDetails.Paused;
		const sub = subscription({ status: 'paused', trial_start: t0 - 16 * day, trial_end: t0 - 2 * day, status_details: { paused } });
		const activities = backfill({ subscriptions: [sub] });
		expect(names(activities).sort()).toEqual(['subscription.paused', 'trial.expired', 'trial.started']);
		expectSameFact(one(activities, 'trial.expired'), fromEvent('customer.subscription.updated', sub, t0 - 2 * day, { status: 'trialing' }));
		expectSameFact(one(activities, 'subscription.paused'), fromEvent('customer.subscription.paused', sub, t0 - 2 * day));
	});

	it('trial.expired for a trial Stripe cancelled at its end', () => {
		const sub = subscription({ status: 'canceled', trial_start: t0 - 16 * day, trial_end: t0 - 2 * day, canceled_at: t0 - 2 * day + 5, ended_at: t0 - 2 * day + 5 });
		const activities = backfill({ subscriptions: [sub] });
		expect(names(activities)).toEqual(['trial.started', 'trial.expired']);
		expectSameFact(activities[1], fromEvent('customer.subscription.deleted', sub, t0 - 2 * day + 5));
	});

	it('trial.cancelled, with the scheduled cancellation before it, for a trial cancelled by the customer', () => {
		const sub = subscription({
			status: 'canceled',
			trial_start: t0 - 16 * day,
			trial_end: t0 - 2 * day,
			cancel_at_period_end: true,
			canceled_at: t0 - 5 * day,
			ended_at: t0 - 2 * day,
			cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' },
		});
		const activities = backfill({ subscriptions: [sub] });
		expect(names(activities)).toEqual(['trial.started', 'subscription.cancel_scheduled', 'trial.cancelled']);
		expectSameFact(activities[2], fromEvent('customer.subscription.deleted', sub, t0 - 2 * day));
		expect(activities[1].dedupeKey).toBe(
			fromEvent('customer.subscription.updated', { ...sub, status: 'trialing' }, t0 - 5 * day, { cancel_at_period_end: false, canceled_at: null }).dedupeKey,
		);
	});

	it('subscription.started at start_date when there was no trial', () => {
		const sub = subscription({ start_date: t0 - 50 * day });
		const activities = backfill({ subscriptions: [sub] });
		expect(names(activities)).toEqual(['subscription.started']);
		expectSameFact(activities[0], fromEvent('customer.subscription.created', sub, t0 - 50 * day));
	});

	it('subscription.cancel_scheduled at the request time', () => {
		const sub = subscription({ cancel_at_period_end: true, cancel_at: t0 + 20 * day, canceled_at: t0 - day });
		const activity = one(backfill({ subscriptions: [sub] }), 'subscription.cancel_scheduled');
		expectSameFact(activity, fromEvent('customer.subscription.updated', sub, t0 - day, { cancel_at_period_end: false, cancel_at: null, canceled_at: null }));
	});

	it('subscription.cancelled at ended_at; an immediate cancellation was never scheduled', () => {
		const sub = subscription({ status: 'canceled', canceled_at: t0 - day, ended_at: t0 - day });
		const activities = backfill({ subscriptions: [sub] });
		expect(names(activities)).toEqual(['subscription.started', 'subscription.cancelled']);
		expectSameFact(activities[1], fromEvent('customer.subscription.deleted', sub, t0 - day));
	});

	it('subscription.past_due at the latest failed attempt of its invoice', () => {
		const sub = subscription({ status: 'past_due', latest_invoice: 'in_latest' });
		const failedCharge = charge({ id: 'ch_failed', status: 'failed', created: t0 - 3 * day });
		const payment = { ...stripeFixture<Stripe.InvoicePayment>('invoice_payment'), payment: { type: 'charge', charge: failedCharge } };
		const failing = invoice({
			id: 'in_latest',
			status: 'open',
			attempt_count: 2,
			amount_paid: 0,
			status_transitions: { finalized_at: t0 - 6 * day, marked_uncollectible_at: null, paid_at: null, voided_at: null },
			payments: { object: 'list', data: [payment], has_more: false, url: '/v1/invoice_payments' },
		});
		const activities = backfill({ subscriptions: [sub], invoices: [failing] });
		expectSameFact(one(activities, 'subscription.past_due'), fromEvent('customer.subscription.updated', sub, t0 - 3 * day, { status: 'active' }));
		expectSameFact(one(activities, 'invoice.payment_failed'), fromEvent('invoice.payment_failed', failing, t0 - 3 * day));
		expect(one(activities, 'invoice.payment_failed').dedupeKey).toBe('invoice.payment_failed:in_latest:attempt_2');
	});

	it('without the invoice’s charges, failures fall back to finalization and past_due to the period start', () => {
		const failing = invoice({
			id: 'in_latest',
			status: 'uncollectible',
			attempt_count: 4,
			status_transitions: { finalized_at: t0 - 6 * day, marked_uncollectible_at: t0, paid_at: null, voided_at: null },
		});
		expect(one(backfill({ invoices: [failing] }), 'invoice.payment_failed').occurredAt).toBe(iso(t0 - 6 * day));
		const sub = subscription({ status: 'past_due' }); // its item's period started 30 days before t0 + 30 days
		expect(one(backfill({ subscriptions: [sub] }), 'subscription.past_due').occurredAt).toBe(iso(t0));
	});

	it('incomplete subscriptions yield nothing; facts the objects cannot date are left out', () => {
		expect(backfill({ subscriptions: [subscription({ status: 'incomplete' }), subscription({ status: 'incomplete_expired' })] })).toEqual([]);
		// Paused without a transition time: neither its time nor its key can be known.
		const pausedUndated = subscription({ status: 'paused', status_details: undefined });
		expect(names(backfill({ subscriptions: [pausedUndated] }))).toEqual(['subscription.started']);
	});
});

describe('invoices, charges, disputes and customers rebuilt from objects', () => {
	it('invoice.paid at paid_at', () => {
		const paid = invoice();
		const activities = backfill({ invoices: [paid, invoice({ id: 'in_draft', status: 'draft', attempt_count: 0, status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null } })] });
		expect(names(activities)).toEqual(['invoice.paid']);
		expectSameFact(activities[0], fromEvent('invoice.paid', paid, t0 - day + 60));
	});

	it('charge.succeeded and charge.failed at the charge’s creation', () => {
		const succeeded = charge();
		const failed = charge({ id: 'ch_2', status: 'failed', failure_message: 'Your card was declined.', created: t0 - 2 * day });
		const activities = backfill({ charges: [succeeded, failed, charge({ id: 'ch_3', status: 'pending' })] });
		expect(names(activities)).toEqual(['charge.failed', 'charge.succeeded']);
		expectSameFact(activities[0], fromEvent('charge.failed', failed, t0 - 2 * day));
		expectSameFact(activities[1], fromEvent('charge.succeeded', succeeded, t0 - day));
	});

	it('charge.refunded once per refund, each with the cumulative amount its event carried', () => {
		const refunded = charge({ amount_refunded: 1500, created: t0 - 10 * day });
		const refunds = [refund({ id: 're_2', amount: 1000, created: t0 - day }), refund({ id: 're_1', amount: 500, created: t0 - 3 * day }), refund({ id: 're_x', amount: 700, status: 'failed' })];
		const activities = backfill({ charges: [refunded], refunds }).filter((activity) => activity.activity === 'charge.refunded');
		expect(activities.map((activity) => activity.dedupeKey)).toEqual(['charge.refunded:ch_1:500', 'charge.refunded:ch_1:1500']);
		expectSameFact(activities[0], fromEvent('charge.refunded', { ...refunded, amount_refunded: 500 }, t0 - 3 * day));
		expectSameFact(activities[1], fromEvent('charge.refunded', refunded, t0 - day));
	});

	it('charge.refunded keys stay right when older refunds are missing, or placed at the charge without refunds', () => {
		const refunded = charge({ amount: 2000, amount_refunded: 2000, refunded: true, created: t0 - 10 * day });
		const onlyLatest = backfill({ charges: [refunded], refunds: [refund({ id: 're_2', amount: 1200, created: t0 - day })] });
		expectSameFact(one(onlyLatest, 'charge.refunded'), fromEvent('charge.refunded', refunded, t0 - day));
		// The refunds embedded in the charge are used too.
		const embedded = { ...refunded, refunds: { object: 'list' as const, data: [refund({ id: 're_2', amount: 1200, created: t0 - day })], has_more: false, url: '/v1/refunds' } };
		expect(one(backfill({ charges: [embedded] }), 'charge.refunded').occurredAt).toBe(iso(t0 - day));
		const undated = one(backfill({ charges: [refunded] }), 'charge.refunded');
		expect(undated).toMatchObject({ dedupeKey: 'charge.refunded:ch_1:2000', occurredAt: iso(t0 - 10 * day), amount: { minor: 2000 } });
	});

	it('charge.disputed from disputes, with the customer of the disputed charge', () => {
		const disputedCharge = charge({ disputed: true, created: t0 - 5 * day });
		const activities = backfill({ charges: [disputedCharge], disputes: [dispute()] });
		const activity = one(activities, 'charge.disputed');
		expectSameFact(activity, fromEvent('charge.dispute.created', dispute({ charge: disputedCharge }), t0));
		expect(activity.customer.email).toBe('ada@example.com');
	});

	it('customer.created at the customer’s creation; deleted customers are not rebuilt', () => {
		const created = customer({ created: t0 - 4 * day });
		const activities = backfill({ customers: [created, deletedCustomer('cus_gone')] });
		expect(names(activities)).toEqual(['customer.created']);
		expectSameFact(activities[0], fromEvent('customer.created', created, t0 - 4 * day));
	});
});

describe('the window and the envelope', () => {
	it('keeps facts in [from, to], 90 days before `to` by default', () => {
		const objects = { customers: [customer({ id: 'cus_in', created: now - DEFAULT_BACKFILL_DAYS * day }), customer({ id: 'cus_out', created: now - DEFAULT_BACKFILL_DAYS * day - 1 }), customer({ id: 'cus_future', created: now + 1 })] };
		expect(backfill(objects).map((activity) => activity.customer.id)).toEqual(['cus_in']);
		const narrow = activitiesFromObjects(objects, { from: now - 200 * day, to: now + day });
		expect(narrow.map((activity) => activity.customer.id)).toEqual(['cus_out', 'cus_in', 'cus_future']);
	});

	it('carries the connected account, mode and the event type that would have announced the fact', () => {
		const [activity] = activitiesFromObjects({ charges: [charge({ livemode: true })] }, { to: now, account: 'acct_9' });
		expect(activity).toMatchObject({ account: 'acct_9', livemode: true, eventType: 'charge.succeeded', eventId: 'backfill:charge.succeeded:ch_1' });
	});
});

describe('mergeBackfill', () => {
	const coverFrom = now - 30 * day;
	const sub = subscription({ status: 'past_due', trial_start: now - 100 * day, trial_end: now - 86 * day, start_date: now - 100 * day });

	it('keeps events inside their window, objects outside it, each fact once, sorted', () => {
		const fromObjects = backfill({ subscriptions: [sub], charges: [charge({ created: now - 2 * day })] });
		// past_due from objects falls at the current period's start (now): no failed invoice was given.
		expect(names(fromObjects)).toEqual(['trial.converted', 'charge.succeeded', 'subscription.past_due']);
		const fromEvents = [
			fromEvent('charge.succeeded', charge({ created: now - 2 * day }), now - 2 * day),
			// The webhook saw the failed renewal of another invoice than the one the object now names.
			fromEvent('customer.subscription.updated', { ...sub, latest_invoice: 'in_renewal' }, now - 5 * day, { status: 'active' }),
		];
		const merged = mergeBackfill(fromEvents, fromObjects, coverFrom);
		expect(merged.map((activity) => [activity.activity, activity.eventId.startsWith('backfill:') ? 'objects' : 'events'])).toEqual([
			['trial.converted', 'objects'], // older than the Events API reaches
			['subscription.past_due', 'events'],
			['charge.succeeded', 'events'],
		]);
		expect(new Set(merged.map((activity) => activity.dedupeKey)).size).toBe(merged.length);
	});

	it('drops object duplicates by key even outside the window, and repeated events', () => {
		const old = fromEvent('customer.created', customer({ created: now - 40 * day }), now - 40 * day);
		const fromObjects = backfill({ customers: [customer({ created: now - 40 * day })] });
		expect(mergeBackfill([old, old], fromObjects, coverFrom)).toEqual([old]);
	});

	it('keeps object activities inside the window that no event covers', () => {
		const fromObjects = backfill({ charges: [charge({ id: 'ch_missed', created: now - day })] });
		expect(mergeBackfill([], fromObjects, coverFrom)).toEqual(fromObjects);
	});

	it('sorts by time, then by eventId', () => {
		const a = fromEvent('customer.created', customer({ id: 'cus_a' }), now - day);
		const b = { ...fromEvent('customer.created', customer({ id: 'cus_b' }), now - 2 * day) };
		const c = { ...fromEvent('customer.created', customer({ id: 'cus_c' }), now - day), eventId: 'evt_0' };
		expect(mergeBackfill([a, c], [b], coverFrom).map((activity) => activity.customer.id)).toEqual(['cus_b', 'cus_c', 'cus_a']);
		expect(sortActivities([a, b, c]).map((activity) => activity.customer.id)).toEqual(['cus_b', 'cus_c', 'cus_a']);
	});
});

describe('selectActivities', () => {
	const activities = backfill({
		customers: [customer({ created: now - 3 * day })],
		charges: [charge({ created: now - 2 * day }), charge({ id: 'ch_2', status: 'failed', created: now - day })],
		subscriptions: [subscription({ start_date: now - 4 * day })],
	});

	it('by category, by activity name, or either', () => {
		expect(names(selectActivities(activities, { categories: ['charge'] }))).toEqual(['charge.succeeded', 'charge.failed']);
		expect(names(selectActivities(activities, { activities: ['charge.failed'] }))).toEqual(['charge.failed']);
		expect(names(selectActivities(activities, { categories: ['customer'], activities: ['charge.failed'] }))).toEqual(['customer.created', 'charge.failed']);
	});

	it('an empty selection keeps everything', () => {
		expect(selectActivities(activities, {})).toEqual(activities);
		expect(names(activities)).toEqual(['subscription.started', 'customer.created', 'charge.succeeded', 'charge.failed']);
	});
});
