import type Stripe from 'stripe';

import { stripeFixture } from '../fixtures/stripeObjects';
import { charge, customer, day, dispute, event, invoice, iso, item, price, subscription, t0 } from './support/stripeBuilders';

import {
	STRIPE_EVENTS_FOR,
	stripeEventsFor,
	toActivities,
	type ActivityOptions,
} from '../../nodes/shared/lifecycle/activities';
import { ACTIVITIES, type Activity, type ActivityName } from '../../nodes/shared/lifecycle/types';

function trialing(overrides: Partial<Stripe.Subscription> = {}): Stripe.Subscription {
	return subscription({ status: 'trialing', trial_start: t0 - 11 * day, trial_end: t0 + 3 * day, ...overrides });
}

// ── The function under test, with the invariants every call must keep ──────────────────────

const produced = new Set<ActivityName>();

function activitiesOf(stripeEvent: Stripe.Event, options?: ActivityOptions): Activity[] {
	const activities = toActivities(stripeEvent, options);
	for (const activity of activities) {
		produced.add(activity.activity);
		// The trigger registers STRIPE_EVENTS_FOR; an activity from any other event type would never arrive.
		expect(STRIPE_EVENTS_FOR[activity.activity]).toContain(stripeEvent.type);
		// Every category is its activities' first name part (`stripe.event` is never made here).
		expect(activity.category).toBe(activity.activity.split('.')[0]);
		expect(activity.eventId).toBe(stripeEvent.id);
	}
	// Pure: the same event always gives the same answer.
	expect(toActivities(stripeEvent, options)).toEqual(activities);
	return activities;
}

function only(stripeEvent: Stripe.Event, options?: ActivityOptions): Activity {
	const activities = activitiesOf(stripeEvent, options);
	expect(activities).toHaveLength(1);
	return activities[0];
}

const names = (activities: Activity[]) => activities.map((activity) => activity.activity);

afterAll(() => {
	// Every activity of the taxonomy is exercised by some test above; `stripe.event` comes from
	// readEvent's fallback, exercised in apiVersions.test.ts.
	expect([...produced].sort()).toEqual(Object.keys(ACTIVITIES).filter((name) => name !== 'stripe.event').sort());
});

// ── Trials ──────────────────────────────────────────────────────────────────────────────────

describe('trial activities', () => {
	it('trial.started: a subscription created in trialing', () => {
		const activity = only(event('customer.subscription.created', trialing()));
		expect(activity).toMatchObject({
			activity: 'trial.started',
			category: 'trial',
			dedupeKey: 'trial.started:sub_1',
			customer: { id: 'cus_1', email: null, name: null },
			subscription: { id: 'sub_1', status: 'trialing', mrr: 0, trialStart: iso(t0 - 11 * day), trialEnd: iso(t0 + 3 * day) },
			amount: { minor: 0, currency: 'usd' },
		});
	});

	it('trial.started: an existing subscription updated into trialing', () => {
		const activity = only(event('customer.subscription.updated', trialing(), { status: 'active', trial_end: null }));
		expect(activity.activity).toBe('trial.started');
		expect(activity.dedupeKey).toBe('trial.started:sub_1');
	});

	it('trial.ending: carries the days left, counted from the event', () => {
		const activity = only(event('customer.subscription.trial_will_end', trialing({ trial_end: t0 + 3 * day - 600 })));
		expect(activity).toMatchObject({ activity: 'trial.ending', daysLeft: 3, dedupeKey: `trial.ending:sub_1:${t0 + 3 * day - 600}` });
	});

	it('trial.ending: skipped when the subscription is no longer trialing', () => {
		expect(activitiesOf(event('customer.subscription.trial_will_end', subscription({ trial_end: t0 + day })))).toEqual([]);
	});

	it('trial.converted: trialing → active', () => {
		const activity = only(event('customer.subscription.updated', subscription({ trial_end: t0 }), { status: 'trialing' }));
		expect(activity).toMatchObject({
			activity: 'trial.converted',
			dedupeKey: 'trial.converted:sub_1',
			subscription: { status: 'active', mrr: 2000 },
			amount: { minor: 2000, value: 20, formatted: '$20.00' },
		});
	});

	it('trial.expired: trialing → paused when the trial ends without a payment method', () => {
		const activities = activitiesOf(event('customer.subscription.updated', trialing({ status: 'paused', trial_end: t0 }), { status: 'trialing' }));
		expect(names(activities)).toEqual(['trial.expired']);
		expect(activities[0].dedupeKey).toBe('trial.expired:sub_1');
	});

	it('trial.expired: trialing → incomplete_expired', () => {
		const activities = activitiesOf(event('customer.subscription.updated', trialing({ status: 'incomplete_expired' }), { status: 'trialing' }));
		expect(names(activities)).toEqual(['trial.expired']);
	});

	it('trial.expired: deleted by Stripe at trial end, with no payment method and no request', () => {
		const ended = trialing({ status: 'canceled', trial_end: t0, canceled_at: t0, ended_at: t0 + 5 });
		const activity = only(event('customer.subscription.deleted', ended, undefined, { created: t0 + 6 }));
		expect(activity).toMatchObject({ activity: 'trial.expired', dedupeKey: 'trial.expired:sub_1' });
	});

	it('trial.cancelled: deleted while still trialing', () => {
		const ended = trialing({ status: 'canceled', canceled_at: t0, ended_at: t0 });
		const activity = only(event('customer.subscription.deleted', ended));
		expect(activity).toMatchObject({ activity: 'trial.cancelled', category: 'trial', dedupeKey: 'trial.cancelled:sub_1' });
	});

	it('trial.cancelled: cancellation requested during the trial, taking effect at its end', () => {
		const ended = trialing({
			status: 'canceled',
			trial_end: t0,
			canceled_at: t0 - 5 * day,
			ended_at: t0,
			cancel_at_period_end: true,
			cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' },
		});
		expect(only(event('customer.subscription.deleted', ended)).activity).toBe('trial.cancelled');
	});
});

// ── Subscriptions ───────────────────────────────────────────────────────────────────────────

describe('subscription activities', () => {
	it('subscription.started: created active without a trial', () => {
		const product = { ...stripeFixture<Stripe.Product>('product'), id: 'prod_basic', name: 'Basic' };
		const withProduct = item({ ...price('price_basic', 2000), product });
		const activity = only(event('customer.subscription.created', subscription({}, [withProduct])));
		expect(activity).toMatchObject({
			activity: 'subscription.started',
			dedupeKey: 'subscription.started:sub_1',
			subscription: {
				priceId: 'price_basic',
				productId: 'prod_basic',
				productName: 'Basic',
				interval: 'month',
				intervalCount: 1,
				quantity: 1,
				mrr: 2000,
				currency: 'usd',
				currentPeriodEnd: iso(t0 + 30 * day),
				cancelAtPeriodEnd: false,
				trialStart: null,
			},
		});
	});

	it('subscription.started: incomplete → active (first payment succeeded)', () => {
		const activity = only(event('customer.subscription.updated', subscription(), { status: 'incomplete' }));
		expect(activity).toMatchObject({ activity: 'subscription.started', dedupeKey: 'subscription.started:sub_1' });
		expect(activity.subscription).not.toHaveProperty('productName'); // product only an id
		expect(activity.subscription?.productId).toBe('prod_QXg1hqf4jFNsqG');
	});

	it('created incomplete is not a start yet', () => {
		expect(activitiesOf(event('customer.subscription.created', subscription({ status: 'incomplete' })))).toEqual([]);
	});

	it('subscription.changed: an upgrade, with the previous price, quantity and MRR', () => {
		const now = subscription({}, [item(price('price_pro', 3000), 2)]);
		const activity = only(
			event('customer.subscription.updated', now, { items: { ...now.items, data: [item(price('price_basic', 1000), 1)] } }, { id: 'evt_up' }),
		);
		expect(activity).toMatchObject({
			activity: 'subscription.changed',
			dedupeKey: 'subscription.changed:sub_1:evt_up',
			subscription: { priceId: 'price_pro', quantity: 2, mrr: 6000 },
			change: { previousPriceId: 'price_basic', previousQuantity: 1, previousMrr: 1000, mrrDelta: 5000, direction: 'upgrade' },
		});
	});

	it('subscription.changed: a downgrade by quantity alone', () => {
		const now = subscription({}, [item(price('price_basic', 1000), 2)]);
		const activity = only(event('customer.subscription.updated', now, { items: { ...now.items, data: [item(price('price_basic', 1000), 5)] } }));
		expect(activity.change).toEqual({ previousPriceId: 'price_basic', previousQuantity: 5, previousMrr: 5000, mrrDelta: -3000, direction: 'downgrade' });
	});

	it('a renewal that only moves item periods is not a change', () => {
		const now = subscription({}, [item(price('price_basic', 1000), 1, t0 + 30 * day)]);
		const renewal = event('customer.subscription.updated', now, { items: { ...now.items, data: [item(price('price_basic', 1000), 1, t0)] } });
		expect(activitiesOf(renewal)).toEqual([]);
	});

	it('subscription.cancel_scheduled: cancel_at_period_end false → true, keyed by the request time', () => {
		const scheduled = subscription({ cancel_at_period_end: true, cancel_at: t0 + 20 * day, canceled_at: t0 });
		const activity = only(event('customer.subscription.updated', scheduled, { cancel_at_period_end: false, cancel_at: null, canceled_at: null }));
		expect(activity).toMatchObject({
			activity: 'subscription.cancel_scheduled',
			dedupeKey: `subscription.cancel_scheduled:sub_1:${t0}`,
			subscription: { cancelAtPeriodEnd: true, mrr: 2000 }, // still paying until the end
		});
	});

	it('subscription.cancel_scheduled: a cancel_at date set', () => {
		const scheduled = subscription({ cancel_at: t0 + 60 * day });
		const activity = only(event('customer.subscription.updated', scheduled, { cancel_at: null }));
		expect(activity).toMatchObject({ activity: 'subscription.cancel_scheduled', dedupeKey: `subscription.cancel_scheduled:sub_1:${t0 + 60 * day}` });
	});

	it('moving an already scheduled cancellation is neither scheduling nor reactivation', () => {
		const moved = subscription({ cancel_at: t0 + 60 * day });
		expect(activitiesOf(event('customer.subscription.updated', moved, { cancel_at: t0 + 30 * day }))).toEqual([]);
	});

	it('subscription.reactivated: a scheduled cancellation undone', () => {
		const undone = subscription();
		const activity = only(
			event('customer.subscription.updated', undone, { cancel_at_period_end: true, cancel_at: t0 + 20 * day, canceled_at: t0 - day }),
		);
		expect(activity).toMatchObject({ activity: 'subscription.reactivated', dedupeKey: `subscription.reactivated:sub_1:${t0 - day}` });
	});

	it('subscription.past_due: status → past_due, keyed by the unpaid invoice', () => {
		const activity = only(event('customer.subscription.updated', subscription({ status: 'past_due' }), { status: 'active' }));
		expect(activity).toMatchObject({
			activity: 'subscription.past_due',
			dedupeKey: 'subscription.past_due:sub_1:in_latest',
			subscription: { status: 'past_due', mrr: 2000 },
		});
	});

	it('subscription.paused and subscription.resumed come from their own events only', () => {
		const paused = subscription({
			status: 'paused',
			status_details: { paused: { transitioned_at: t0 - 60, type: 'trial_end' } as Stripe.Subscription.StatusDetails.Paused },
		});
		const pausedActivity = only(event('customer.subscription.paused', paused));
		expect(pausedActivity).toMatchObject({ activity: 'subscription.paused', dedupeKey: `subscription.paused:sub_1:${t0 - 60}` });
		expect(pausedActivity.subscription?.mrr).toBe(0);

		const resumed = only(event('customer.subscription.resumed', subscription(), undefined, { id: 'evt_resume' }));
		expect(resumed).toMatchObject({ activity: 'subscription.resumed', dedupeKey: 'subscription.resumed:sub_1:evt_resume' });

		// The matching .updated events must not emit them a second time.
		expect(activitiesOf(event('customer.subscription.updated', paused, { status: 'active' }))).toEqual([]);
		expect(activitiesOf(event('customer.subscription.updated', subscription(), { status: 'paused' }))).toEqual([]);
	});

	it('subscription.cancelled: deleted without a trial', () => {
		const ended = subscription({ status: 'canceled', canceled_at: t0, ended_at: t0 });
		const activity = only(event('customer.subscription.deleted', ended));
		expect(activity).toMatchObject({ activity: 'subscription.cancelled', category: 'subscription', dedupeKey: 'subscription.cancelled:sub_1' });
	});

	it('subscription.cancelled: a trial that converted long ago is churn, not a trial event', () => {
		const ended = subscription({ status: 'canceled', trial_start: t0 - 100 * day, trial_end: t0 - 86 * day, canceled_at: t0, ended_at: t0 });
		expect(only(event('customer.subscription.deleted', ended)).activity).toBe('subscription.cancelled');
	});

	it('subscription.cancelled: a customer request right at trial end is not an expired trial', () => {
		const ended = trialing({
			status: 'canceled',
			trial_end: t0,
			canceled_at: t0 + 60,
			ended_at: t0 + 60,
			cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' },
		});
		expect(only(event('customer.subscription.deleted', ended)).activity).toBe('subscription.cancelled');
	});

	it('an incomplete subscription that expired unpaid is not churn', () => {
		expect(activitiesOf(event('customer.subscription.deleted', subscription({ status: 'incomplete_expired' })))).toEqual([]);
	});

	it('one update can yield several activities: a plan change and a scheduled cancellation', () => {
		const now = subscription({ cancel_at_period_end: true, canceled_at: t0 }, [item(price('price_basic', 1000))]);
		const activities = activitiesOf(
			event('customer.subscription.updated', now, {
				cancel_at_period_end: false,
				canceled_at: null,
				items: { ...now.items, data: [item(price('price_pro', 3000))] },
			}),
		);
		expect(names(activities)).toEqual(['subscription.changed', 'subscription.cancel_scheduled']);
		expect(activities[0].change?.direction).toBe('downgrade');
	});

	it('reads email and name from an expanded customer, and formats in its preferred locale', () => {
		const sub = subscription({ customer: customer({ preferred_locales: ['de-DE'] }) }, [item(price('price_eur', 1999, 'eur'))]);
		const activity = only(event('customer.subscription.updated', sub, { status: 'trialing' }), { locale: 'en-US' });
		expect(activity.customer).toEqual({ id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace' });
		expect(activity.amount).toEqual({ minor: 1999, value: 19.99, currency: 'eur', formatted: '19,99\u00a0€' });
	});
});

// ── Charges ─────────────────────────────────────────────────────────────────────────────────

describe('charge activities', () => {
	it('charge.succeeded: amount, customer from billing details', () => {
		const activity = only(event('charge.succeeded', charge()));
		expect(activity).toMatchObject({
			activity: 'charge.succeeded',
			category: 'charge',
			dedupeKey: 'charge.succeeded:ch_1',
			customer: { id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace' },
			charge: { id: 'ch_1', failureMessage: null, refunded: false },
			amount: { minor: 2000, value: 20, currency: 'usd', formatted: '$20.00' },
		});
	});

	it('charge.succeeded in a zero-decimal currency (JPY)', () => {
		const activity = only(event('charge.succeeded', charge({ amount: 5000, currency: 'jpy' })), { locale: 'ja-JP' });
		expect(activity.amount).toEqual({ minor: 5000, value: 5000, currency: 'jpy', formatted: '￥5,000' });
	});

	it('charge.failed: carries the failure message', () => {
		const failed = charge({ status: 'failed', paid: false, failure_message: 'Your card was declined.' });
		expect(only(event('charge.failed', failed))).toMatchObject({
			activity: 'charge.failed',
			dedupeKey: 'charge.failed:ch_1',
			charge: { failureMessage: 'Your card was declined.' },
		});
	});

	it('charge.refunded: the refunded amount, one key per cumulative refund', () => {
		const partial = only(event('charge.refunded', charge({ amount_refunded: 500 })));
		expect(partial).toMatchObject({ activity: 'charge.refunded', dedupeKey: 'charge.refunded:ch_1:500', amount: { minor: 500 } });
		const full = only(event('charge.refunded', charge({ amount_refunded: 2000, refunded: true })));
		expect(full).toMatchObject({ dedupeKey: 'charge.refunded:ch_1:2000', charge: { refunded: true }, amount: { minor: 2000 } });
	});

	it('charge.disputed: from charge.dispute.created with only the charge id', () => {
		const activity = only(event('charge.dispute.created', dispute()));
		expect(activity).toMatchObject({
			activity: 'charge.disputed',
			category: 'charge',
			dedupeKey: 'charge.disputed:dp_1',
			customer: { id: null, email: null, name: null },
			charge: { id: 'ch_1', disputeId: 'dp_1', refunded: false },
			amount: { minor: 2000, currency: 'usd' },
		});
	});

	it('charge.disputed: the customer comes from an expanded charge', () => {
		const activity = only(event('charge.dispute.created', dispute({ charge: charge() })));
		expect(activity.customer).toEqual({ id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace' });
	});
});

// ── Invoices ────────────────────────────────────────────────────────────────────────────────

describe('invoice activities', () => {
	it('invoice.paid: amount paid, linked subscription, customer from the invoice', () => {
		const activity = only(event('invoice.paid', invoice({ amount_paid: 2000, status: 'paid' })));
		expect(activity).toMatchObject({
			activity: 'invoice.paid',
			category: 'invoice',
			dedupeKey: 'invoice.paid:in_1',
			customer: { id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace' },
			invoice: { id: 'in_1', number: 'ABC-0001', subscriptionId: 'sub_1', attemptCount: 1 },
			amount: { minor: 2000 },
		});
	});

	it('invoice.payment_failed: attempt, next attempt, hosted link; three-decimal money (KWD)', () => {
		const failed = invoice({ attempt_count: 2, next_payment_attempt: t0 + 3 * day, amount_due: 12345, amount_paid: 0, currency: 'kwd' });
		const activity = only(event('invoice.payment_failed', failed), { locale: 'en-US' });
		expect(activity).toMatchObject({
			activity: 'invoice.payment_failed',
			dedupeKey: 'invoice.payment_failed:in_1:attempt_2',
			invoice: {
				attemptCount: 2,
				nextPaymentAttempt: iso(t0 + 3 * day),
				hostedInvoiceUrl: 'https://invoice.stripe.com/i/acct_1/test_1',
			},
		});
		expect(activity.amount).toEqual({ minor: 12345, value: 12.345, currency: 'kwd', formatted: 'KWD\u00a012.345' });
	});

	it('invoice.payment_failed: each retry is its own fact', () => {
		const first = only(event('invoice.payment_failed', invoice({ attempt_count: 1 })));
		const second = only(event('invoice.payment_failed', invoice({ attempt_count: 2 })));
		expect(first.dedupeKey).not.toBe(second.dedupeKey);
	});

	it('invoice.upcoming: no invoice id, keyed by subscription and period', () => {
		const activity = only(event('invoice.upcoming', invoice({ amount_due: 2000 })));
		expect(activity).toMatchObject({
			activity: 'invoice.upcoming',
			dedupeKey: `invoice.upcoming:sub_1:${t0 + 30 * day}`,
			invoice: { id: null, subscriptionId: 'sub_1' },
			amount: { minor: 2000 },
		});
	});

	it('invoice.upcoming without a subscription is keyed by customer', () => {
		const activity = only(event('invoice.upcoming', invoice({ parent: null })));
		expect(activity.dedupeKey).toBe(`invoice.upcoming:cus_1:${t0 + 30 * day}`);
		expect(activity.invoice?.subscriptionId).toBeNull();
	});

	it('invoice.payment_action_required', () => {
		const activity = only(event('invoice.payment_action_required', invoice({ attempt_count: 1 })));
		expect(activity).toMatchObject({ activity: 'invoice.payment_action_required', dedupeKey: 'invoice.payment_action_required:in_1:attempt_1' });
	});
});

// ── Customers ───────────────────────────────────────────────────────────────────────────────

describe('customer activities', () => {
	it('customer.created and customer.deleted are keyed by the customer', () => {
		expect(only(event('customer.created', customer()))).toMatchObject({
			activity: 'customer.created',
			category: 'customer',
			dedupeKey: 'customer.created:cus_1',
			customer: { id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace' },
		});
		expect(only(event('customer.deleted', customer()))).toMatchObject({ activity: 'customer.deleted', dedupeKey: 'customer.deleted:cus_1' });
	});

	it('customer.updated: each update is its own fact', () => {
		const activity = only(event('customer.updated', customer({ email: 'new@example.com' }), { email: 'ada@example.com' }, { id: 'evt_u1' }));
		expect(activity).toMatchObject({ activity: 'customer.updated', dedupeKey: 'customer.updated:cus_1:evt_u1', customer: { email: 'new@example.com' } });
		expect(activity).not.toHaveProperty('amount');
	});
});

// ── Envelope, duplicates and order ──────────────────────────────────────────────────────────

describe('every activity', () => {
	it('carries the event’s identity, time, mode and connected account', () => {
		const activity = only(event('charge.succeeded', charge(), undefined, { id: 'evt_env', created: t0, account: 'acct_123', livemode: true }));
		expect(activity).toMatchObject({
			eventId: 'evt_env',
			eventType: 'charge.succeeded',
			occurredAt: '2025-10-09T08:53:20Z',
			livemode: true,
			account: 'acct_123',
		});
		expect(only(event('charge.succeeded', charge())).account).toBeNull();
	});

	it('includes the raw event only when asked', () => {
		const stripeEvent = event('customer.created', customer());
		expect(only(stripeEvent)).not.toHaveProperty('raw');
		expect(only(stripeEvent, { includeRaw: true }).raw).toBe(stripeEvent);
	});

	it('ignores events outside the taxonomy', () => {
		expect(activitiesOf(stripeFixture<Stripe.Event>('event'))).toEqual([]);
	});

	it('the same event delivered twice gives identical activities', () => {
		const delivery = JSON.stringify(event('customer.subscription.updated', subscription(), { status: 'trialing' }));
		expect(activitiesOf(JSON.parse(delivery))).toEqual(activitiesOf(JSON.parse(delivery)));
	});

	it('an older event processed after a newer one still yields its own activity', () => {
		const started = event('customer.subscription.created', trialing(), undefined, { id: 'evt_old', created: t0 - 11 * day });
		const converted = event('customer.subscription.updated', subscription({ trial_end: t0 }), { status: 'trialing' }, { id: 'evt_new', created: t0 });
		const inOrder = [...activitiesOf(started), ...activitiesOf(converted)];
		const reversed = [...activitiesOf(converted), ...activitiesOf(started)];
		expect(names(reversed)).toEqual(['trial.converted', 'trial.started']);
		expect(reversed).toEqual([inOrder[1], inOrder[0]]);
		expect(reversed[1]).toMatchObject({ occurredAt: iso(t0 - 11 * day), subscription: { status: 'trialing' } });
	});
});

describe('STRIPE_EVENTS_FOR', () => {
	it('maps every activity of the taxonomy', () => {
		expect(Object.keys(STRIPE_EVENTS_FOR).sort()).toEqual(Object.keys(ACTIVITIES).sort());
	});

	it('stripeEventsFor gives the sorted union for a selection', () => {
		expect(stripeEventsFor(['trial.started', 'trial.converted', 'invoice.paid'])).toEqual([
			'customer.subscription.created',
			'customer.subscription.updated',
			'invoice.paid',
		]);
		expect(stripeEventsFor([])).toEqual([]);
	});
});
