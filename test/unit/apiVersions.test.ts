import Stripe from 'stripe';

import {
	attachDiscount,
	corpora,
	corpusOf,
	nativeCharge,
	nativeCustomer,
	nativeDiscount,
	nativeDispute,
	nativeEvent,
	nativeInvoice,
	nativePlan,
	nativeRefund,
	nativeSubscription,
	previousItems,
	type Loose,
	type VersionCorpus,
} from '../fixtures/apiVersions';
import { currentCharge, currentCustomer, currentDispute, currentEvent, currentInvoice, currentRefund, currentSubscription } from '../../nodes/shared/lifecycle/apiShapes';
import { isSelected, readEvent, stripeEventsFor, toActivities } from '../../nodes/shared/lifecycle/activities';
import { activitiesFromObjects, selectActivities } from '../../nodes/shared/lifecycle/backfill';
import { SaasMetricsBuilder } from '../../nodes/shared/lifecycle/metrics';
import { PaymentMetricsBuilder } from '../../nodes/shared/lifecycle/paymentMetrics';
import { buildProfile } from '../../nodes/shared/lifecycle/profiles';
import { applyFetched, subjectFromActivity } from '../../nodes/shared/lifecycle/playbook/context';
import { ACTIVITIES, type Activity, type ActivityName } from '../../nodes/shared/lifecycle/types';
import { DeliveryDeduplicator } from '../../nodes/shared/webhook/dedupe';
import { handleDelivery } from '../../nodes/shared/webhook/delivery';

const DAY = 86_400;
const T0 = 1_760_000_000;
const PERIOD_END = T0 + 20 * DAY;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** 2 × €20.00 a month. */
const MRR = 4000;
const OLD_PRICE = { id: 'price_old', amount: 1000, currency: 'eur' };

interface Case {
	name: string;
	event: (corpus: VersionCorpus) => Stripe.Event;
	activity: ActivityName;
	/** Minor units of EUR; undefined for activities without an amount. */
	amount?: number;
	check?: (activity: Activity) => void;
}

const subscription = (corpus: VersionCorpus, fields: Loose) => nativeSubscription(corpus, { periodEnd: PERIOD_END, status: fields.status, ...fields });
const subEvent = (type: string, fields: Loose, previous?: (corpus: VersionCorpus, object: Loose) => Loose) => (corpus: VersionCorpus) => {
	const object = subscription(corpus, fields as { status: string });
	return nativeEvent(corpus, type, object, { previous: previous?.(corpus, object) });
};
const trial = { trial_start: T0 - 11 * DAY, trial_end: T0 + 3 * DAY };

const CASES: Case[] = [
	{
		name: 'a paid subscription starts',
		event: subEvent('customer.subscription.created', { status: 'active' }),
		activity: 'subscription.started',
		amount: MRR,
		check: (activity) =>
			expect(activity.subscription).toMatchObject({ id: 'sub_1', priceId: 'price_new', interval: 'month', intervalCount: 1, quantity: 2, mrr: MRR, currency: 'eur', currentPeriodEnd: iso(PERIOD_END) }),
	},
	{ name: 'a trial starts', event: subEvent('customer.subscription.created', { status: 'trialing', ...trial }), activity: 'trial.started', amount: 0 },
	{
		name: 'a trial converts',
		event: subEvent('customer.subscription.updated', { status: 'active', ...trial, trial_end: T0 - DAY }, () => ({ status: 'trialing' })),
		activity: 'trial.converted',
		amount: MRR,
	},
	{
		name: 'the plan changes (previous items)',
		event: subEvent('customer.subscription.updated', { status: 'active' }, (_corpus, object) => ({ items: previousItems(object, OLD_PRICE) })),
		activity: 'subscription.changed',
		amount: MRR,
		check: (activity) => expect(activity.change).toEqual({ previousPriceId: 'price_old', previousQuantity: 2, previousMrr: 2000, mrrDelta: 2000, direction: 'upgrade' }),
	},
	{
		name: 'a forever discount halves MRR',
		event: (corpus) => nativeEvent(corpus, 'customer.subscription.created', attachDiscount(subscription(corpus, { status: 'active' }), nativeDiscount(corpus, 50))),
		activity: 'subscription.started',
		amount: MRR / 2,
	},
	{
		name: 'a cancellation is scheduled',
		event: subEvent('customer.subscription.updated', { status: 'active', cancel_at_period_end: true, canceled_at: T0 }, () => ({ cancel_at_period_end: false, canceled_at: null })),
		activity: 'subscription.cancel_scheduled',
		amount: MRR,
		check: (activity) => expect(activity.subscription?.cancelAtPeriodEnd).toBe(true),
	},
	{
		name: 'a scheduled cancellation is undone',
		event: subEvent('customer.subscription.updated', { status: 'active' }, () => ({ cancel_at_period_end: true, canceled_at: T0 - DAY })),
		activity: 'subscription.reactivated',
		amount: MRR,
	},
	{ name: 'a renewal fails', event: subEvent('customer.subscription.updated', { status: 'past_due' }, () => ({ status: 'active' })), activity: 'subscription.past_due', amount: MRR },
	{ name: 'a trial runs out unpaid', event: subEvent('customer.subscription.updated', { status: 'paused', ...trial }, () => ({ status: 'trialing' })), activity: 'trial.expired', amount: 0 },
	{ name: 'a first payment succeeds late', event: subEvent('customer.subscription.updated', { status: 'active' }, () => ({ status: 'incomplete' })), activity: 'subscription.started', amount: MRR },
	{ name: 'a paid subscription ends', event: subEvent('customer.subscription.deleted', { status: 'canceled', canceled_at: T0 - DAY, ended_at: T0 }), activity: 'subscription.cancelled', amount: 0 },
	{
		name: 'a trial is cancelled',
		event: subEvent('customer.subscription.deleted', { status: 'canceled', ...trial, canceled_at: T0 - 2 * DAY, ended_at: T0 - 2 * DAY }),
		activity: 'trial.cancelled',
		amount: 0,
	},
	{
		name: 'a trial is about to end',
		event: subEvent('customer.subscription.trial_will_end', { status: 'trialing', ...trial }),
		activity: 'trial.ending',
		amount: 0,
		check: (activity) => expect(activity.daysLeft).toBe(3),
	},
	{ name: 'collection pauses', event: subEvent('customer.subscription.paused', { status: 'paused' }), activity: 'subscription.paused', amount: 0 },
	{ name: 'collection resumes', event: subEvent('customer.subscription.resumed', { status: 'active' }), activity: 'subscription.resumed', amount: MRR },
	{
		name: 'an invoice is paid',
		event: (corpus) => nativeEvent(corpus, 'invoice.paid', nativeInvoice(corpus, { status: 'paid', charge: 'ch_1' })),
		activity: 'invoice.paid',
		amount: MRR,
		check: (activity) => expect(activity.invoice).toMatchObject({ id: 'in_1', number: 'ABC-0001', subscriptionId: 'sub_1', attemptCount: 1 }),
	},
	{
		name: 'an invoice payment fails',
		event: (corpus) => nativeEvent(corpus, 'invoice.payment_failed', nativeInvoice(corpus, { status: 'open', attemptCount: 2, charge: 'ch_1' })),
		activity: 'invoice.payment_failed',
		amount: MRR,
		check: (activity) => expect(activity.dedupeKey).toBe('invoice.payment_failed:in_1:attempt_2'),
	},
	{
		name: 'an invoice is coming',
		event: (corpus) => nativeEvent(corpus, 'invoice.upcoming', nativeInvoice(corpus, { status: 'draft', period_end: PERIOD_END })),
		activity: 'invoice.upcoming',
		amount: MRR,
		check: (activity) => expect(activity.dedupeKey).toBe(`invoice.upcoming:sub_1:${PERIOD_END}`),
	},
	{
		name: 'an invoice needs authentication',
		event: (corpus) => nativeEvent(corpus, 'invoice.payment_action_required', nativeInvoice(corpus, { status: 'open' })),
		activity: 'invoice.payment_action_required',
		amount: MRR,
	},
	{ name: 'a charge succeeds', event: (corpus) => nativeEvent(corpus, 'charge.succeeded', nativeCharge(corpus)), activity: 'charge.succeeded', amount: MRR },
	{
		name: 'a charge fails',
		event: (corpus) => nativeEvent(corpus, 'charge.failed', nativeCharge(corpus, { status: 'failed', paid: false, captured: false, failure_message: 'Your card was declined.' })),
		activity: 'charge.failed',
		amount: MRR,
		check: (activity) => expect(activity.charge?.failureMessage).toBe('Your card was declined.'),
	},
	{
		name: 'a charge is partly refunded',
		event: (corpus) => nativeEvent(corpus, 'charge.refunded', nativeCharge(corpus, { amount_refunded: 1500 })),
		activity: 'charge.refunded',
		amount: 1500,
	},
	{
		name: 'a charge is disputed',
		event: (corpus) => nativeEvent(corpus, 'charge.dispute.created', nativeDispute(corpus)),
		activity: 'charge.disputed',
		amount: MRR,
		check: (activity) => expect(activity.charge).toMatchObject({ id: 'ch_1', disputeId: 'dp_1' }),
	},
	{ name: 'a customer signs up', event: (corpus) => nativeEvent(corpus, 'customer.created', nativeCustomer(corpus)), activity: 'customer.created' },
	{ name: 'a customer changes', event: (corpus) => nativeEvent(corpus, 'customer.updated', nativeCustomer(corpus), { previous: { email: 'old@example.com' } }), activity: 'customer.updated' },
	{ name: 'a customer is deleted', event: (corpus) => nativeEvent(corpus, 'customer.deleted', nativeCustomer(corpus)), activity: 'customer.deleted' },
];

/** Customers are `cus_1`; a dispute names only its charge, so it has no customer to give. */
const customerOf = (activity: ActivityName) => (activity === 'charge.disputed' ? null : 'cus_1');

describe('the corpus', () => {
	it('holds at least six API versions from 2019 to the one the fixtures are pinned to', () => {
		const versions = corpora.map((corpus) => corpus.apiVersion);
		expect(versions.length).toBeGreaterThanOrEqual(6);
		expect(versions[0] < '2020').toBe(true);
		expect(versions).toEqual(expect.arrayContaining(['2020-03-02', '2020-08-27', '2025-03-31.basil']));
		for (const corpus of corpora) expect(corpus.source.commit).toMatch(/^[0-9a-f]{40}$/);
	});

	it('builds every event type the trigger can subscribe to', () => {
		const all = Object.keys(ACTIVITIES) as ActivityName[];
		const built = new Set(CASES.map((entry) => entry.event(corpora[0]).type));
		expect([...built].sort()).toEqual(stripeEventsFor(all));
		const named = new Set(CASES.map((entry) => entry.activity));
		expect([...named].sort()).toEqual(all.filter((name) => name !== 'stripe.event').sort());
	});
});

describe.each(corpora.map((corpus) => [corpus.apiVersion, corpus] as const))('events of API version %s', (_version, corpus) => {
	it.each(CASES.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
		const event = entry.event(corpus);
		const activities = toActivities(event);
		expect(activities.map((activity) => activity.activity)).toEqual([entry.activity]);
		const [activity] = activities;
		expect(activity.customer.id).toBe(customerOf(entry.activity));
		if (entry.amount === undefined) expect(activity.amount).toBeUndefined();
		else expect(activity.amount).toMatchObject({ minor: entry.amount, currency: 'eur' });
		entry.check?.(activity);
		expect(activity.warnings).toBeUndefined();
	});

	it('reads a customer event with the email and name of the document', () => {
		const [activity] = toActivities(nativeEvent(corpus, 'customer.created', nativeCustomer(corpus)));
		expect(activity.customer).toEqual({ id: 'cus_1', email: 'ada@example.com', name: 'Ada Lovelace' });
	});

	it('keeps what Stripe sent as raw, not the lifted copy', () => {
		const event = CASES[0].event(corpus);
		const [activity] = toActivities(event, { includeRaw: true });
		expect(activity.raw).toEqual(event);
	});

	it('lifts an object already lifted to the same object', () => {
		const lifted = currentEvent(CASES[4].event(corpus));
		expect(currentEvent(lifted)).toEqual(lifted);
	});
});

describe('shapes older than the corpus objects show', () => {
	const oldest = corpora[0];

	it('reads a plan change an old single-plan subscription reports as `plan` and `quantity` only', () => {
		for (const corpus of corpora.filter((candidate) => 'plan' in candidate.resources.subscription)) {
			const object = subscription(corpus, { status: 'active' });
			const event = nativeEvent(corpus, 'customer.subscription.updated', object, { previous: { plan: nativePlan(corpus, OLD_PRICE), quantity: 1 } });
			const [activity] = toActivities(event);
			expect(activity.change).toEqual({ previousPriceId: 'price_old', previousQuantity: 1, previousMrr: 1000, mrrDelta: 3000, direction: 'upgrade' });
		}
	});

	it('reads a subscription without items (a plan at a quantity) and with `billing` and `start`', () => {
		const { items: _items, collection_method: _method, start_date: _start, ...rest } = subscription(oldest, { status: 'active' });
		const lifted = currentSubscription({ ...rest, billing: 'send_invoice', start: T0 - 9 * DAY });
		expect(lifted.items.data.map((item) => [item.price.id, item.quantity, item.current_period_end])).toEqual([['price_new', 2, PERIOD_END]]);
		expect(lifted).toMatchObject({ currency: 'eur', collection_method: 'send_invoice', start_date: T0 - 9 * DAY });
	});

	it('reads a charge without billing_details and amount_captured, and a customer with account_balance', () => {
		const { billing_details: _details, amount_captured: _captured, ...charge } = nativeCharge(oldest, { source: { object: 'card', name: 'Ada Lovelace' } });
		expect(currentCharge(charge)).toMatchObject({ amount_captured: 4000, billing_details: { name: 'Ada Lovelace', email: null } });
		const { balance: _balance, ...customer } = nativeCustomer(oldest, { account_balance: -500 });
		expect(currentCustomer(customer)).toMatchObject({ balance: -500 });
	});

	it('reads an invoice with `paid`, `tax` and `total_tax_amounts` instead of status transitions and total_taxes', () => {
		const { status_transitions: _transitions, status: _status, total_tax_amounts: _taxes, ...invoice } = nativeInvoice(oldest, { status: 'paid', charge: 'ch_1' });
		const lifted = currentInvoice({ ...invoice, paid: true, total_tax_amounts: [{ amount: 800, inclusive: false, tax_rate: 'txr_1' }] });
		expect(lifted).toMatchObject({ status: 'paid', status_transitions: { paid_at: invoice.created }, total_taxes: [{ amount: 800, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: 'txr_1' } }] });
		expect(lifted.payments?.data.map((payment) => payment.payment)).toEqual([{ type: 'charge', charge: 'ch_1', payment_intent: null }]);
		expect(currentInvoice({ ...invoice, paid: true, tax: 300 }).total_taxes).toEqual([expect.objectContaining({ amount: 300 })]);
	});
});

describe('an event the normalizer cannot read', () => {
	const corpus = corpusOf('2020-03-02');
	const garbage = (type: string, object: unknown) => ({ ...nativeEvent(corpus, type, {}), data: { object } }) as unknown as Stripe.Event;

	it.each([
		['customer.subscription.created', { object: 'subscription', id: 'sub_1', customer: 'cus_9', items: 'not a list' }],
		['customer.subscription.deleted', { hello: 'world' }],
		['invoice.paid', { object: 'invoice', id: 'in_1', customer: 'cus_9' }],
		['charge.dispute.created', { object: 'dispute', id: 'dp_1' }],
	])('%s becomes one stripe.event activity with the event whole and a warning', (type, object) => {
		const event = garbage(type, object);
		expect(() => toActivities(event)).toThrow();
		const activities = readEvent(event);
		expect(activities).toHaveLength(1);
		const [activity] = activities;
		expect(activity).toMatchObject({ activity: 'stripe.event', category: 'event', eventId: event.id, eventType: type, dedupeKey: `stripe.event:${event.id}`, raw: event });
		expect(activity.customer.id).toBe((object as Loose).customer ?? null);
		expect(activity.warnings).toEqual([expect.stringContaining(`The ${type} event (API version 2020-03-02) could not be read:`)]);
	});

	it('is delivered where its event type was subscribed for, and nowhere else', () => {
		const [activity] = readEvent(garbage('invoice.paid', { nonsense: true }));
		expect(isSelected(activity, new Set<ActivityName>(['invoice.paid']))).toBe(true);
		expect(isSelected(activity, new Set<ActivityName>(['charge.succeeded']))).toBe(false);
		expect(selectActivities([activity], { categories: ['invoice'] })).toEqual([activity]);
		expect(selectActivities([activity], { categories: ['trial'] })).toEqual([]);
	});
});

describe('the trigger, given a payload it cannot read', () => {
	const secret = 'whsec_api_versions';
	const deliver = (event: unknown, deduplicator: DeliveryDeduplicator, selected: ActivityName[] = ['subscription.started', 'trial.started']) => {
		const payload = JSON.stringify(event);
		return handleDelivery(
			{ rawBody: Buffer.from(payload), signatureHeader: Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: T0 }) },
			{ secret, keyMode: 'test', selected: new Set(selected), deduplicator, now: T0 },
		);
	};
	const unreadable = { ...nativeEvent(corpusOf('2020-03-02'), 'customer.subscription.created', {}), data: { object: { object: 'subscription', id: 'sub_9', customer: 'cus_9' } } };

	it('answers 200 and runs one stripe.event activity, and a retry of it is a duplicate like any other', () => {
		const deduplicator = new DeliveryDeduplicator();
		const outcome = deliver(unreadable, deduplicator);
		expect(outcome).toMatchObject({ kind: 'execute', status: 200 });
		expect(outcome.kind === 'execute' && outcome.activities).toEqual([
			expect.objectContaining({ activity: 'stripe.event', customer: { id: 'cus_9', email: null, name: null }, raw: unreadable, warnings: [expect.stringContaining('could not be read')] }),
		]);
		expect(deliver(unreadable, deduplicator)).toEqual({ kind: 'acknowledge', status: 200, reason: 'duplicate', eventId: unreadable.id });
	});

	it('acknowledges it without running when its event type serves no selected activity', () => {
		expect(deliver(unreadable, new DeliveryDeduplicator(), ['charge.succeeded'])).toMatchObject({ kind: 'acknowledge', reason: 'not_selected' });
	});

	it('answers 200 with activities for the 2020-03-02 payloads that answered 500 before', () => {
		const corpus = corpusOf('2020-03-02');
		for (const [type, status, activity] of [['customer.subscription.created', 'active', 'subscription.started'], ['customer.subscription.deleted', 'canceled', 'subscription.cancelled']]) {
			const event = nativeEvent(corpus, type, subscription(corpus, { status, canceled_at: T0, ended_at: T0 }));
			const outcome = deliver(event, new DeliveryDeduplicator(), ['subscription.started', 'subscription.cancelled']);
			expect(outcome.kind === 'execute' && outcome.activities.map((entry) => [entry.activity, entry.amount?.currency])).toEqual([[activity, 'eur']]);
		}
	});
});

// ── The same account in every version gives the same profiles, metrics, backfill and context ──

interface Account {
	customer: Loose;
	subscription: Loose;
	charge: Loose;
	refund: Loose;
	dispute: Loose;
	invoice: Loose;
}

function accountOf(corpus: VersionCorpus): Account {
	return {
		customer: nativeCustomer(corpus, { created: T0 - 90 * DAY }),
		subscription: attachDiscount(
			subscription(corpus, { status: 'active', created: T0 - 60 * DAY, start_date: T0 - 60 * DAY, cancel_at_period_end: true, canceled_at: T0 - 5 * DAY }),
			nativeDiscount(corpus, 25),
		),
		charge: nativeCharge(corpus, { created: T0 - 10 * DAY, amount_refunded: 1500 }),
		refund: nativeRefund(corpus, { created: T0 - 9 * DAY }),
		dispute: nativeDispute(corpus, { created: T0 - 8 * DAY }),
		invoice: nativeInvoice(corpus, { status: 'paid', charge: 'ch_1', created: T0 - 10 * DAY, status_transitions: { finalized_at: T0 - 10 * DAY, marked_uncollectible_at: null, paid_at: T0 - 10 * DAY, voided_at: null } }),
	};
}

/** What each part of the package derives from one account, through the entry points that lift objects. */
function derived(account: Account) {
	const lift = {
		customer: currentCustomer(account.customer),
		subscription: currentSubscription(account.subscription),
		charge: currentCharge(account.charge),
		invoice: currentInvoice(account.invoice),
		refund: currentRefund(account.refund),
		dispute: currentDispute(account.dispute),
	};
	const profile = buildProfile(lift.customer, { subscriptions: [lift.subscription], charges: [lift.charge], invoices: [lift.invoice] }, { at: T0 });
	const saas = new SaasMetricsBuilder({});
	saas.addSubscription(lift.subscription);
	const payments = new PaymentMetricsBuilder({ from: T0 - 30 * DAY, to: T0 });
	payments.addCharge(lift.charge);
	payments.addRefund(lift.refund);
	payments.addDispute(lift.dispute);
	payments.addCustomer(lift.customer);
	const backfill = activitiesFromObjects(
		{ customers: [lift.customer], subscriptions: [lift.subscription], invoices: [lift.invoice], charges: [lift.charge], refunds: [lift.refund], disputes: [lift.dispute] },
		{ from: T0 - 120 * DAY, to: T0 },
	).map(({ eventId, dedupeKey, activity, amount }) => ({ eventId, dedupeKey, activity, amount }));
	return { profile, saas: saas.snapshot(T0), saasReport: saas.report({ from: T0 - 90 * DAY, to: T0 }), payments: payments.report(), backfill };
}

describe('profiles, metrics and backfill', () => {
	const current = derived(accountOf(corpora[corpora.length - 1]));

	it('the current version gives the figures the account stands for', () => {
		expect(current.profile).toMatchObject({ status: 'active', mrr: { minor: 3000, currency: 'eur' }, cancelAtPeriodEnd: true, lifetimeValue: { minor: 2500 }, paidInvoices: 1 });
		expect(current.saas.currencies).toEqual([expect.objectContaining({ currency: 'eur', mrr: expect.objectContaining({ minor: 3000 }) })]);
		expect(current.payments.currencies).toEqual([expect.objectContaining({ grossVolume: expect.objectContaining({ minor: 4000 }), refunds: expect.objectContaining({ minor: 1500 }), disputes: 1 })]);
	});

	it.each(corpora.slice(0, -1).map((corpus) => [corpus.apiVersion, corpus] as const))('%s objects give the same profile, metrics and backfill', (_version, corpus) => {
		expect(derived(accountOf(corpus))).toEqual(current);
	});

	it.each(corpora.map((corpus) => [corpus.apiVersion, corpus] as const))('%s: the playbook reads a fetched subscription with its latest invoice', (_version, corpus) => {
		const object = subscription(corpus, { status: 'past_due', latest_invoice: nativeInvoice(corpus, { status: 'open', attemptCount: 2 }) });
		const [activity] = toActivities(nativeEvent(corpus, 'customer.subscription.updated', nativeSubscription(corpus, { status: 'past_due' }), { previous: { status: 'active' } }));
		const subject = applyFetched(subjectFromActivity(activity), object as unknown as Stripe.Subscription);
		expect(subject.subscription).toMatchObject({ id: 'sub_1', status: 'past_due', priceId: 'price_new', price: { minor: 4000, currency: 'eur' }, currentPeriodEnd: PERIOD_END });
		expect(subject.invoice).toMatchObject({ id: 'in_1', status: 'open', attemptCount: 2, amount: { minor: 4000, currency: 'eur' } });
	});
});
