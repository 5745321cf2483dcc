import type Stripe from 'stripe';

import { stripeFixture } from '../fixtures/stripeObjects';

import { compose, type ComposeOptions } from '../../nodes/shared/lifecycle/playbook/compose';
import {
	applyFetched,
	planFetch,
	subjectFromActivity,
	subjectFromProfile,
	type Fetched,
	type PlaybookSubject,
	type ProfileLike,
} from '../../nodes/shared/lifecycle/playbook/context';
import { dunningLevel } from '../../nodes/shared/lifecycle/playbook/copy';
import { decide, guardKey, precheck, type Decision } from '../../nodes/shared/lifecycle/playbook/decide';
import { isPlaybookStep, PLAYBOOK_STEPS, STEPS, type PlaybookStep } from '../../nodes/shared/lifecycle/playbook/steps';
import { ACTIVITIES, type Activity, type ActivityName } from '../../nodes/shared/lifecycle/types';

const NBSP = '\u00a0';
const TRIAL_END = Date.UTC(2026, 10, 3, 12) / 1000; // 2026-11-03T12:00Z
const NEXT_RETRY = Date.UTC(2026, 10, 5, 12) / 1000; // 2026-11-05T12:00Z
const PERIOD_END = Date.UTC(2026, 11, 1) / 1000; // 2026-12-01T00:00Z
const NOW = TRIAL_END - 3 * 86400;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
const INVOICE_URL = 'https://invoice.stripe.com/i/acct_1/test_in_1';

// ── Stripe objects (the package's example fixtures, overridden per case) ────────────────────

function stripeCustomer(overrides: Partial<Stripe.Customer> = {}): Stripe.Customer {
	return {
		...stripeFixture<Stripe.Customer>('customer'),
		id: 'cus_1',
		email: 'ada@example.com',
		name: 'Ada Lovelace',
		preferred_locales: [],
		metadata: {},
		...overrides,
	};
}

interface PlanOptions {
	productName?: string;
	unitAmount?: number;
	currency?: string;
	interval?: Stripe.Price.Recurring.Interval;
	intervalCount?: number;
}

function stripeSubscription(overrides: Partial<Stripe.Subscription> = {}, plan: PlanOptions = {}): Stripe.Subscription {
	const base = stripeFixture<Stripe.Subscription>('subscription');
	const item = base.items.data[0];
	const currency = plan.currency ?? 'usd';
	const product: Stripe.Product = { ...stripeFixture<Stripe.Product>('product'), id: 'prod_pro', name: plan.productName ?? 'Pro' };
	const price: Stripe.Price = {
		...item.price,
		id: 'price_pro',
		currency,
		unit_amount: plan.unitAmount ?? 4900,
		transform_quantity: null,
		product,
		recurring: { ...item.price.recurring!, interval: plan.interval ?? 'month', interval_count: plan.intervalCount ?? 1 },
	};
	return {
		...base,
		id: 'sub_1',
		customer: stripeCustomer(),
		status: 'active',
		currency,
		trial_end: null,
		cancel_at: null,
		cancel_at_period_end: false,
		latest_invoice: null,
		items: { ...base.items, data: [{ ...item, price, quantity: 1, current_period_end: PERIOD_END }] },
		...overrides,
	};
}

function stripeInvoice(overrides: Partial<Stripe.Invoice> = {}): Stripe.Invoice {
	return {
		...stripeFixture<Stripe.Invoice>('invoice'),
		id: 'in_1',
		number: 'ACME-0001',
		status: 'open',
		customer: stripeCustomer(),
		hosted_invoice_url: INVOICE_URL,
		attempt_count: 1,
		next_payment_attempt: NEXT_RETRY,
		amount_due: 4900,
		amount_remaining: 4900,
		amount_paid: 0,
		currency: 'usd',
		...overrides,
	};
}

// ── Activities as the trigger emits them ──────────────────────────────────────────────────────

function activity(name: ActivityName, overrides: Partial<Activity> = {}): Activity {
	const category = ACTIVITIES[name];
	const base: Activity = {
		activity: name,
		category,
		occurredAt: iso(NOW),
		eventId: 'evt_1',
		eventType: 'test',
		livemode: true,
		account: null,
		dedupeKey: `${name}:fact_1`,
		// A webhook payload names the customer by id only.
		customer: { id: 'cus_1', email: null, name: null },
	};
	if (category === 'invoice') {
		base.invoice = {
			id: 'in_1',
			number: 'ACME-0001',
			hostedInvoiceUrl: INVOICE_URL,
			attemptCount: 1,
			nextPaymentAttempt: iso(NEXT_RETRY),
			subscriptionId: 'sub_1',
		};
		base.amount = { minor: 4900, value: 49, currency: 'usd', formatted: '$49.00' };
	} else {
		base.subscription = {
			id: 'sub_1',
			status: name.startsWith('trial.') && name !== 'trial.converted' ? 'trialing' : 'active',
			priceId: 'price_pro',
			productId: 'prod_pro',
			interval: 'month',
			intervalCount: 1,
			quantity: 1,
			mrr: 4900,
			currency: 'usd',
			trialStart: null,
			trialEnd: iso(TRIAL_END),
			currentPeriodEnd: iso(PERIOD_END),
			cancelAtPeriodEnd: name === 'subscription.cancel_scheduled',
		};
	}
	return { ...base, ...overrides };
}

/** The subject with its fetch plan answered by `fetched`, as the node would have it. */
function ready(item: Activity, fetched: Fetched): PlaybookSubject {
	return applyFetched(subjectFromActivity(item), fetched);
}

/** One subject per step that the step sends to, with everything fetched. */
const ELIGIBLE: Record<PlaybookStep, (customer?: Partial<Stripe.Customer>) => PlaybookSubject> = {
	welcome: (c) => ready(activity('trial.started'), stripeSubscription({ status: 'trialing', trial_end: TRIAL_END, customer: stripeCustomer(c) })),
	trial_ending: (c) => ready(activity('trial.ending'), stripeSubscription({ status: 'trialing', trial_end: TRIAL_END, customer: stripeCustomer(c) })),
	trial_converted: (c) => ready(activity('trial.converted'), stripeSubscription({ customer: stripeCustomer(c) })),
	payment_failed: (c) => ready(activity('invoice.payment_failed'), stripeInvoice({ customer: stripeCustomer(c) })),
	payment_recovered: (c) =>
		ready(activity('invoice.paid', { invoice: { ...activity('invoice.paid').invoice!, attemptCount: 2 } }), stripeCustomer(c)),
	cancellation_winback: (c) =>
		ready(activity('subscription.cancel_scheduled'), stripeSubscription({ cancel_at_period_end: true, customer: stripeCustomer(c) })),
	receipt: (c) => ready(activity('invoice.paid'), stripeCustomer(c)),
	plan_changed: (c) =>
		ready(activity('subscription.changed', { change: { mrrDelta: 2000, direction: 'upgrade' } }), stripeCustomer(c)),
};

const BRAND: ComposeOptions = {
	brandName: 'Acme',
	productUrl: 'https://app.acme.test/',
	billingPortalUrl: 'https://billing.acme.test/portal',
	now: NOW,
};

const skipped = (decision: Decision) => (decision.send ? 'send' : decision.reason);

// ── Steps ───────────────────────────────────────────────────────────────────────────────────

describe('steps', () => {
	it('knows its eight steps and nothing else', () => {
		expect(PLAYBOOK_STEPS).toHaveLength(8);
		expect(isPlaybookStep('payment_failed')).toBe(true);
		expect(isPlaybookStep('payment_fail')).toBe(false);
	});

	it('answers only activities the trigger can emit', () => {
		for (const step of PLAYBOOK_STEPS) for (const name of STEPS[step].activities) expect(ACTIVITIES).toHaveProperty([name]);
	});
});

// ── Decision table ──────────────────────────────────────────────────────────────────────────

describe('decide', () => {
	it.each(PLAYBOOK_STEPS)('%s sends to its eligible subject', (step) => {
		expect(decide(step, ELIGIBLE[step]())).toEqual({ send: true });
	});

	it.each(PLAYBOOK_STEPS)('%s skips an activity it does not answer', (step) => {
		const decision = decide(step, { ...ELIGIBLE[step](), activity: 'customer.updated' });
		expect(decision).toMatchObject({ send: false, reason: 'step_not_applicable' });
		expect(decision.send === false && decision.message).toContain('customer.updated');
	});

	it.each(PLAYBOOK_STEPS)('%s skips a customer without email', (step) => {
		const subject = ELIGIBLE[step]();
		expect(skipped(decide(step, { ...subject, customer: { ...subject.customer, email: null } }))).toBe('no_email');
	});

	it.each(PLAYBOOK_STEPS)('%s skips a customer whose email is not one plain address, and compose refuses it too', (step) => {
		// Payer-typed emails that would reach a mail node's To field as extra recipients or headers.
		for (const email of ['victim@example.com\r\nBcc: attacker@evil.example', 'victim@example.com, attacker@evil.example', 'Victim <victim@example.com>']) {
			const subject = ELIGIBLE[step]({ email });
			expect(decide(step, subject)).toMatchObject({ send: false, reason: 'invalid_email', message: expect.stringContaining('correct it in Stripe') });
			expect(() => compose(step, subject, BRAND)).toThrow('has no email it can send to');
		}
	});

	it.each(PLAYBOOK_STEPS)('%s skips a test-mode item in a live workflow, unless told not to', (step) => {
		const testItem = { ...ELIGIBLE[step](), livemode: false };
		expect(skipped(decide(step, testItem, { liveWorkflow: true }))).toBe('test_mode');
		expect(skipped(decide(step, testItem, { liveWorkflow: true, skipTestEvents: false }))).toBe('send');
		expect(skipped(decide(step, testItem, { liveWorkflow: false }))).toBe('send');
	});

	it.each(PLAYBOOK_STEPS)('%s skips a customer who opted out through metadata', (step) => {
		expect(skipped(decide(step, ELIGIBLE[step]({ metadata: { email_opt_out: 'true' } })))).toBe('opted_out');
		expect(skipped(decide(step, ELIGIBLE[step]({ metadata: { email_opt_out: 'false' } })))).toBe('send');
	});

	it('reads the opt-out key the user configured, and none when it is empty', () => {
		const subject = ELIGIBLE.welcome({ metadata: { no_lifecycle_mail: 'Yes', email_opt_out: 'true' } });
		expect(skipped(decide('welcome', subject, { optOutMetadataKey: 'no_lifecycle_mail' }))).toBe('opted_out');
		expect(skipped(decide('welcome', subject, { optOutMetadataKey: '' }))).toBe('send');
	});

	it.each(['constructor', '__proto__', 'toString'])("reads only the customer's own metadata for the opt-out key %s", (key) => {
		expect(skipped(decide('welcome', ELIGIBLE.welcome({ metadata: {} }), { optOutMetadataKey: key }))).toBe('send');
		// Set by the customer, a key of that name counts like any other (JSON.parse makes even __proto__ an own key, as in Stripe's answer).
		const own = JSON.parse(`{"${key}": "true"}`) as Stripe.Metadata;
		expect(skipped(decide('welcome', ELIGIBLE.welcome({ metadata: own }), { optOutMetadataKey: key }))).toBe('opted_out');
	});

	it('ignores an opt-out value that is not a string, as an upstream node may leave on a profile', () => {
		const profile = subjectFromProfile({ id: 'cus_1', email: 'ada@example.com', name: 'Ada', status: 'trialing', metadata: { email_opt_out: true } as unknown as Stripe.Metadata });
		expect(skipped(decide('welcome', profile))).toBe('send');
	});

	it('trial_ending skips a trial that is no longer trialing (trial_will_end also fires when a trial ends early)', () => {
		const subject = ready(activity('trial.ending'), stripeSubscription({ status: 'active', trial_end: NOW }));
		expect(decide('trial_ending', subject)).toMatchObject({ send: false, reason: 'not_trialing' });
	});

	it('payment_failed skips an invoice paid since the failure', () => {
		const subject = ready(activity('invoice.payment_failed'), stripeInvoice({ status: 'paid', amount_paid: 4900, amount_remaining: 0 }));
		expect(decide('payment_failed', subject)).toMatchObject({ send: false, reason: 'invoice_paid' });
	});

	it('payment_failed skips a past_due profile whose open invoices are all paid', () => {
		const subject = applyFetched(subjectFromProfile(profile({ status: 'past_due' })), { object: 'list', data: [], has_more: false, url: '/v1/invoices' });
		expect(decide('payment_failed', subject)).toMatchObject({ send: false, reason: 'invoice_paid' });
	});

	it('payment_failed does not dun a voided invoice', () => {
		const subject = ready(activity('invoice.payment_failed'), stripeInvoice({ status: 'void' }));
		expect(decide('payment_failed', subject)).toMatchObject({ send: false, reason: 'step_not_applicable' });
	});

	it('payment_recovered skips an invoice paid on its first attempt', () => {
		expect(skipped(decide('payment_recovered', ready(activity('invoice.paid'), stripeCustomer())))).toBe('step_not_applicable');
	});

	it('receipt skips a zero-amount invoice', () => {
		const zero = activity('invoice.paid', { amount: { minor: 0, value: 0, currency: 'usd', formatted: '$0.00' } });
		expect(skipped(decide('receipt', ready(zero, stripeCustomer())))).toBe('step_not_applicable');
	});

	it('plan_changed skips a change that kept the price', () => {
		const same = activity('subscription.changed', { change: { mrrDelta: 0, direction: 'none' } });
		expect(skipped(decide('plan_changed', ready(same, stripeCustomer())))).toBe('step_not_applicable');
	});

	it('cancellation_winback skips a cancellation that was undone before the step ran', () => {
		const subject = ready(activity('subscription.cancel_scheduled'), stripeSubscription({ cancel_at_period_end: false }));
		expect(skipped(decide('cancellation_winback', subject))).toBe('not_cancelling');
	});

	it('fits profiles by status', () => {
		const trialing = subjectFromProfile(profile({ status: 'trialing' }));
		const active = subjectFromProfile(profile({ status: 'active' }));
		expect(skipped(decide('trial_ending', trialing))).toBe('send');
		expect(skipped(decide('trial_ending', active))).toBe('step_not_applicable');
		expect(skipped(decide('receipt', active))).toBe('step_not_applicable');
		expect(skipped(decide('cancellation_winback', subjectFromProfile(profile({ status: 'active', cancelAtPeriodEnd: true }))))).toBe('send');
		expect(skipped(decide('cancellation_winback', active))).toBe('not_cancelling');
	});

	it('reports the most basic reason first', () => {
		const subject = { ...ELIGIBLE.receipt({ email: null }), livemode: false, activity: 'trial.started' as const };
		expect(skipped(decide('receipt', subject, { liveWorkflow: true }))).toBe('step_not_applicable');
		expect(skipped(decide('receipt', { ...subject, activity: 'invoice.paid' }, { liveWorkflow: true }))).toBe('test_mode');
	});

	it('precheck skips without any context, and leaves what needs context to decide', () => {
		const unfetched = subjectFromActivity(activity('invoice.payment_failed'));
		expect(precheck('payment_failed', unfetched)).toEqual({ send: true });
		expect(decide('payment_failed', unfetched)).toMatchObject({ reason: 'no_email' });
		expect(skipped(precheck('receipt', unfetched))).toBe('step_not_applicable');
		expect(skipped(precheck('payment_failed', { ...unfetched, livemode: false }, { liveWorkflow: true }))).toBe('test_mode');
	});
});

describe('guardKey', () => {
	it('is once per customer for the onboarding and win-back steps', () => {
		for (const step of ['welcome', 'trial_ending', 'trial_converted', 'cancellation_winback'] as const) {
			expect(guardKey(step, ELIGIBLE[step]())).toBe(`playbook:${step}:cus_1`);
		}
	});

	it('is once per invoice for receipts and recoveries, and per invoice and attempt for dunning', () => {
		expect(guardKey('receipt', ELIGIBLE.receipt())).toBe('playbook:receipt:cus_1:in_1');
		expect(guardKey('payment_recovered', ELIGIBLE.payment_recovered())).toBe('playbook:payment_recovered:cus_1:in_1');
		const attempts = [1, 2, 4].map((attempt) =>
			guardKey('payment_failed', ready(activity('invoice.payment_failed'), stripeInvoice({ attempt_count: attempt }))),
		);
		expect(attempts).toEqual([
			'playbook:payment_failed:cus_1:in_1:attempt_1',
			'playbook:payment_failed:cus_1:in_1:attempt_2',
			'playbook:payment_failed:cus_1:in_1:attempt_4',
		]);
	});

	it('is once per change for plan changes, and by email for a customer without id', () => {
		expect(guardKey('plan_changed', ELIGIBLE.plan_changed())).toBe('playbook:plan_changed:cus_1:subscription.changed:fact_1');
		const guest = subjectFromActivity(activity('invoice.paid', { customer: { id: null, email: 'Guest@Example.com', name: null } }));
		expect(guardKey('receipt', guest)).toBe('playbook:receipt:email:guest@example.com:in_1');
	});

	it('is the same for a replayed activity', () => {
		expect(guardKey('plan_changed', ELIGIBLE.plan_changed())).toBe(guardKey('plan_changed', ELIGIBLE.plan_changed()));
	});
});

// ── Fetch plans ─────────────────────────────────────────────────────────────────────────────

function profile(overrides: Partial<ProfileLike> = {}): ProfileLike {
	return {
		id: 'cus_1',
		email: 'ada@example.com',
		name: 'Ada Lovelace',
		status: 'trialing',
		livemode: true,
		plan: { priceId: 'price_pro', productName: 'Pro', interval: 'month', amount: { minor: 4900, currency: 'usd' } },
		trialEnd: iso(TRIAL_END),
		cancelAtPeriodEnd: false,
		metadata: {},
		...overrides,
	};
}

/** What Stripe answers to a plan for the eligible subjects above. */
const ANSWERS: Record<PlaybookStep, Fetched> = {
	welcome: stripeSubscription({ status: 'trialing', trial_end: TRIAL_END }),
	trial_ending: stripeSubscription({ status: 'trialing', trial_end: TRIAL_END }),
	trial_converted: stripeSubscription(),
	payment_failed: stripeInvoice(),
	payment_recovered: stripeCustomer(),
	cancellation_winback: stripeSubscription({ cancel_at_period_end: true }),
	receipt: stripeCustomer(),
	plan_changed: stripeSubscription(),
};

const FIRST_ACTIVITY = (step: PlaybookStep) => activity(STEPS[step].activities[0]);

describe('planFetch', () => {
	it.each(PLAYBOOK_STEPS)('%s needs exactly one request for an activity, and none once it is answered', (step) => {
		const subject = subjectFromActivity(FIRST_ACTIVITY(step));
		const plan = planFetch(step, subject);
		expect(plan).not.toBeNull();
		expect(plan!.reads).toContain('customer');
		expect(planFetch(step, applyFetched(subject, ANSWERS[step]))).toBeNull();
	});

	it('reads the subscription with its customer and product in one call', () => {
		expect(planFetch('welcome', subjectFromActivity(activity('trial.started')))).toEqual({
			path: '/v1/subscriptions/sub_1',
			query: {},
			expand: ['customer', 'items.data.price.product'],
			reads: ['subscription', 'customer'],
		});
	});

	it('re-reads a trial subscription for its status even when the product name is known', () => {
		const item = activity('trial.ending');
		const known = subjectFromActivity({ ...item, subscription: { ...item.subscription!, productName: 'Pro' } });
		expect(planFetch('trial_ending', known)).toMatchObject({ path: '/v1/subscriptions/sub_1', expand: ['customer'] });
	});

	it('reads a failed invoice with its customer in one call', () => {
		expect(planFetch('payment_failed', subjectFromActivity(activity('invoice.payment_failed')))).toEqual({
			path: '/v1/invoices/in_1',
			query: {},
			expand: ['customer'],
			reads: ['invoice', 'customer'],
		});
	});

	it('reads only the customer for receipts, and nothing when nothing is missing', () => {
		const withEmail = subjectFromActivity(activity('invoice.paid', { customer: { id: 'cus_1', email: 'ada@example.com', name: null } }));
		expect(planFetch('receipt', withEmail)).toMatchObject({ path: '/v1/customers/cus_1', expand: [] });
		expect(planFetch('receipt', withEmail, { optOutMetadataKey: '', locale: 'en-US' })).toBeNull();
		expect(planFetch('receipt', withEmail, { optOutMetadataKey: 'email_opt_out', locale: 'en-US' })).not.toBeNull();
	});

	it('needs nothing for a profile that carries its plan and metadata', () => {
		for (const step of ['welcome', 'trial_ending', 'cancellation_winback'] as const) {
			expect(planFetch(step, subjectFromProfile(profile()))).toBeNull();
		}
		expect(planFetch('welcome', subjectFromProfile(profile({ metadata: undefined })))).toMatchObject({ path: '/v1/customers/cus_1' });
	});

	it('finds a past_due profile\'s invoice through its subscription, or the open invoices of the customer', () => {
		expect(planFetch('payment_failed', subjectFromProfile(profile({ status: 'past_due', subscriptionId: 'sub_1' })))).toEqual({
			path: '/v1/subscriptions/sub_1',
			query: {},
			expand: ['latest_invoice'],
			reads: ['subscription', 'invoice'],
		});
		expect(planFetch('payment_failed', subjectFromProfile(profile({ status: 'past_due' })))).toEqual({
			path: '/v1/invoices',
			query: { customer: 'cus_1', status: 'open', limit: '1' },
			expand: [],
			reads: ['invoice'],
		});
	});

	it('merges an expanded latest invoice and leaves the input subject unchanged', () => {
		const subject = subjectFromProfile(profile({ status: 'past_due', subscriptionId: 'sub_1' }));
		const merged = applyFetched(subject, stripeSubscription({ status: 'past_due', latest_invoice: stripeInvoice({ attempt_count: 2 }) }));
		expect(merged.invoice).toMatchObject({ id: 'in_1', status: 'open', attemptCount: 2, nextPaymentAttempt: NEXT_RETRY });
		expect(subject.invoice).toBeNull();
		expect(decide('payment_failed', merged)).toEqual({ send: true });
	});

	it('maps an activity as it is: ISO dates to epoch seconds, a paid invoice as paid, a failed one as unknown', () => {
		const trial = subjectFromActivity(activity('trial.ending'));
		expect(trial.subscription).toMatchObject({ id: 'sub_1', status: 'trialing', trialEnd: TRIAL_END, currentPeriodEnd: PERIOD_END, price: null });
		expect(trial.customer).toEqual({ id: 'cus_1', email: null, name: null, locale: null, metadata: null });
		expect(subjectFromActivity(activity('invoice.paid')).invoice).toMatchObject({ status: 'paid', nextPaymentAttempt: NEXT_RETRY, amount: { minor: 4900, currency: 'usd' } });
		expect(subjectFromActivity(activity('invoice.payment_failed')).invoice?.status).toBeNull();
		expect(subjectFromActivity(activity('invoice.paid')).subscription?.id).toBe('sub_1');
	});

	it('composes from a profile without any request', () => {
		const subject = subjectFromProfile(profile({ preferredLocales: ['de'] }));
		expect(planFetch('trial_ending', subject)).toBeNull();
		expect(compose('trial_ending', subject, BRAND).fields).toMatchObject({
			planName: 'Pro',
			planPrice: `49,00${NBSP}$`,
			trialEndDate: '3. November 2026',
			billingPeriod: 'per month',
		});
		expect(compose('trial_ending', subject, BRAND).locale).toBe('de');
	});

	it('treats a deleted customer as one without email', () => {
		const deleted: Stripe.DeletedCustomer = { id: 'cus_1', object: 'customer', deleted: true };
		expect(skipped(decide('receipt', ready(activity('invoice.paid'), deleted)))).toBe('no_email');
	});
});

// ── Composition ─────────────────────────────────────────────────────────────────────────────

describe('compose: locales and currencies', () => {
	it.each([
		// locale, currency, unit amount, amount, trial end
		['en-US', 'usd', 4900, '$49.00', 'November 3, 2026'],
		['de', 'eur', 4900, `49,00${NBSP}€`, '3. November 2026'],
		['ja', 'jpy', 4900, '￥4,900', '2026年11月3日'],
		['en-US', 'jpy', 4900, '¥4,900', 'November 3, 2026'],
		['de', 'usd', 4900, `49,00${NBSP}$`, '3. November 2026'],
	])('%s %s shows %s and %s', (locale, currency, unitAmount, amount, date) => {
		const subject = ready(
			activity('trial.ending'),
			stripeSubscription({ status: 'trialing', trial_end: TRIAL_END, customer: stripeCustomer({ preferred_locales: [locale] }) }, { unitAmount, currency }),
		);
		const message = compose('trial_ending', subject, BRAND);
		expect(message.locale).toBe(locale);
		expect(message.fields).toMatchObject({ planPrice: amount, trialEndDate: date, billingPeriod: 'per month', trialDaysLeft: '3' });
		expect(message.subject).toBe(`Your Acme trial ends on ${date}`);
		expect(message.text).toContain(`at ${amount} per month`);
		expect(message.html).toContain(`at ${amount} per month`);
	});

	it.each([
		['usd', 'en-US', '$49.00'],
		['eur', 'de', `49,00${NBSP}€`],
		['jpy', 'ja', '￥4,900'],
	])('receipt in %s for %s shows %s', (currency, locale, amount) => {
		const paid = activity('invoice.paid', { amount: { minor: 4900, value: 0, currency, formatted: '' } });
		const message = compose('receipt', ready(paid, stripeCustomer({ preferred_locales: [locale] })), BRAND);
		expect(message.fields.amount).toBe(amount);
		expect(message.text).toContain(`We've received ${amount} for your Acme subscription (invoice ACME-0001).`);
	});

	it('uses the locale override, then the customer\'s, then the default', () => {
		const subject = ELIGIBLE.trial_ending({ preferred_locales: ['ja'] });
		expect(compose('trial_ending', subject, BRAND).locale).toBe('ja');
		expect(compose('trial_ending', subject, { ...BRAND, locale: 'de-DE' }).fields.trialEndDate).toBe('3. November 2026');
		expect(compose('trial_ending', ELIGIBLE.trial_ending(), { ...BRAND, defaultLocale: 'en-GB' }).fields.trialEndDate).toBe('3 November 2026');
	});

	it('shows dates in the chosen time zone', () => {
		const late = ready(activity('trial.ending'), stripeSubscription({ status: 'trialing', trial_end: Date.UTC(2026, 10, 3, 20) / 1000 }));
		expect(compose('trial_ending', late, BRAND).fields.trialEndDate).toBe('November 3, 2026');
		expect(compose('trial_ending', late, { ...BRAND, timeZone: 'Asia/Tokyo' }).fields.trialEndDate).toBe('November 4, 2026');
	});

	it('returns the recipient, the guard key and the fields used', () => {
		const message = compose('payment_failed', ELIGIBLE.payment_failed(), BRAND);
		expect(message).toMatchObject({
			to: 'ada@example.com',
			toName: 'Ada Lovelace',
			customerId: 'cus_1',
			dedupeKey: 'playbook:payment_failed:cus_1:in_1:attempt_1',
		});
		expect(message.fields).toMatchObject({ firstName: 'Ada', amount: '$49.00', invoiceUrl: INVOICE_URL, invoiceNumber: 'ACME-0001', attemptCount: '1' });
	});

	it('refuses a subject without email', () => {
		expect(() => compose('welcome', ELIGIBLE.welcome({ email: null }), BRAND)).toThrow(/no email/);
	});
});

describe('compose: built-in copy', () => {
	it.each(PLAYBOOK_STEPS)('%s greets by first name, has both bodies and a sign-off', (step) => {
		const message = compose(step, ELIGIBLE[step](), { ...BRAND, senderName: 'Maya from Acme' });
		expect(message.text.startsWith('Hi Ada,')).toBe(true);
		expect(message.text.endsWith('Thanks,\nMaya from Acme')).toBe(true);
		expect(message.html).toContain('Thanks,<br>Maya from Acme');
		expect(message.subject).toMatch(/Acme|sorry/);
	});

	it('greets a customer without a name generically and signs off as the team', () => {
		const message = compose('receipt', ELIGIBLE.receipt({ name: null }), BRAND);
		expect(message.text.startsWith('Hi there,')).toBe(true);
		expect(message.text.endsWith('The Acme team')).toBe(true);
		expect(message.toName).toBeNull();
	});

	it('welcomes a trial and a paid subscription differently', () => {
		expect(compose('welcome', ELIGIBLE.welcome(), BRAND).text).toContain('full access until November 3, 2026');
		const paid = compose('welcome', ready(activity('subscription.started'), stripeSubscription()), BRAND);
		expect(paid.subject).toBe('Welcome to Acme');
		expect(paid.text).toContain("you're on the Pro plan");
	});

	it('tells a scheduled cancellation from an ended subscription', () => {
		const scheduled = compose('cancellation_winback', ELIGIBLE.cancellation_winback(), BRAND);
		expect(scheduled.subject).toBe('Your Acme subscription ends on December 1, 2026');
		expect(scheduled.text).toContain('Keep my subscription: https://billing.acme.test/portal');
		const ended = compose('cancellation_winback', ready(activity('subscription.cancelled'), stripeSubscription({ status: 'canceled' })), BRAND);
		expect(ended.subject).toBe("We're sorry to see you go");
		expect(ended.text).toContain('Come back to Acme: https://app.acme.test/');
	});

	it('words upgrades and downgrades differently', () => {
		const upgrade = compose('plan_changed', ready(activity('subscription.changed', { change: { mrrDelta: 1, direction: 'upgrade' } }), stripeSubscription()), BRAND);
		const downgrade = compose('plan_changed', ready(activity('subscription.changed', { change: { mrrDelta: -1, direction: 'downgrade' } }), stripeSubscription()), BRAND);
		expect(upgrade.subject).toBe("You're now on Pro");
		expect(downgrade.subject).toBe('Your Acme plan has changed');
		expect(downgrade.text).toContain('Your new price is $49.00 per month.');
	});

	it('states multi-month billing periods', () => {
		const quarterly = ready(activity('trial.converted'), stripeSubscription({}, { interval: 'month', intervalCount: 3, unitAmount: 12000 }));
		expect(compose('trial_converted', quarterly, BRAND).text).toContain("You'll be billed $120.00 every 3 months");
	});
});

describe('compose: dunning escalation', () => {
	const dunning = (attempt: number, nextRetry: number | null = NEXT_RETRY) =>
		compose('payment_failed', ready(activity('invoice.payment_failed'), stripeInvoice({ attempt_count: attempt, next_payment_attempt: nextRetry })), {
			...BRAND,
			paymentUpdateUrl: 'https://billing.acme.test/card',
		});

	it('escalates by attempt: notice, reminder, final', () => {
		expect([1, 2, 3, 4].map(dunningLevel)).toEqual(['notice', 'reminder', 'final', 'final']);
		const [first, second, fourth] = [dunning(1), dunning(2), dunning(4)];
		expect(first.subject).toBe("We couldn't process your Acme payment");
		expect(second.subject).toBe('Reminder: your Acme payment is still outstanding');
		expect(fourth.subject).toBe('Final notice: your Acme subscription is about to be cancelled');
		expect(first.text).toContain("We'll try again automatically on November 5, 2026.");
		expect(second.text).toContain("We've now tried 2 times without success.");
		expect(fourth.text).toContain("We've tried 4 times to collect $49.00");
		expect(new Set([first.text, second.text, fourth.text]).size).toBe(3);
	});

	it('names the next retry date in the final notice, and the consequence without one', () => {
		expect(dunning(4).text).toContain("We'll try one more time on November 5, 2026. If that payment fails, your subscription will be cancelled");
		expect(dunning(4, null).text).toContain('Unless the invoice is paid, your subscription will be cancelled');
	});

	it('links the payment update page, else the hosted invoice', () => {
		expect(dunning(1).text).toContain('Update payment method: https://billing.acme.test/card');
		const withoutUpdateUrl = compose('payment_failed', ELIGIBLE.payment_failed(), { ...BRAND, billingPortalUrl: undefined });
		expect(withoutUpdateUrl.text).toContain(`Pay invoice: ${INVOICE_URL}`);
		expect(withoutUpdateUrl.html).toContain(`href="${INVOICE_URL}"`);
	});
});

describe('compose: HTML safety', () => {
	const SCRIPT = '<script>alert(1)</script>';

	it.each(PLAYBOOK_STEPS)('%s escapes a customer named like a script', (step) => {
		const message = compose(step, ELIGIBLE[step]({ name: SCRIPT }), BRAND);
		expect(message.html).not.toMatch(/<script/i);
		expect(message.html).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt;,');
		expect(message.text).toContain(`Hi ${SCRIPT},`);
		expect(message.toName).toBe(SCRIPT);
	});

	it('escapes every Stripe value, quotes included', () => {
		const subject = ready(activity('trial.converted'), stripeSubscription({}, { productName: `Pro "Max" & <b>'Team'</b>` }));
		const { html } = compose('trial_converted', subject, BRAND);
		expect(html).toContain('the Pro &quot;Max&quot; &amp; &lt;b&gt;&#39;Team&#39;&lt;/b&gt; plan');
		expect(html).not.toContain('<b>');
	});

	it('drops links that are not http(s)', () => {
		const message = compose('payment_failed', ELIGIBLE.payment_failed(), {
			...BRAND,
			paymentUpdateUrl: 'javascript:alert(1)',
			productUrl: 'data:text/html,hi',
		});
		expect(message.fields.paymentUpdateUrl).toBeNull();
		expect(message.fields.productUrl).toBeNull();
		expect(message.html).not.toMatch(/javascript:|data:text/);
		expect(message.html).toContain(`href="${INVOICE_URL}"`);
	});

	it('is a table layout with inline styles only: no style blocks, scripts or images', () => {
		const { html } = compose('welcome', ELIGIBLE.welcome(), BRAND);
		expect(html).toMatch(/^<!DOCTYPE html>/);
		expect(html).toContain('<table role="presentation"');
		expect(html).not.toMatch(/<style|<script|<img|<link|url\(/i);
		expect(html).toContain('<a href="https://app.acme.test/"');
	});

	it('keeps mail headers on one line', () => {
		const message = compose('welcome', ELIGIBLE.welcome({ name: 'Ada\r\nBcc: victim@example.com' }), {
			...BRAND,
			overrides: { subject: 'Hello {{name}}' },
		});
		expect(message.subject).toBe('Hello Ada Bcc: victim@example.com');
		expect(message.toName).toBe('Ada Bcc: victim@example.com');
	});
});

describe('compose: megabyte values', () => {
	// A megabyte run of spaces made the header and text patterns rescan it from each of its characters
	// (40,000 spaces took 1.5 s); jest's per-test timeout is the bound.
	const spaces = ' '.repeat(1024 * 1024);

	it('cuts a customer name to 1,000 characters and the recipient name to one line of them', () => {
		const long = compose('welcome', ELIGIBLE.welcome({ name: 'x'.repeat(1024 * 1024) }), BRAND);
		const spaced = compose('welcome', ELIGIBLE.welcome({ name: `Ada${spaces}\r\nBcc: victim@example.com` }), BRAND);

		expect(long.toName).toBe('x'.repeat(1000));
		expect(long.fields.name).toHaveLength(1000);
		expect(spaced.toName).toBe('Ada');
		expect(spaced.fields.firstName).toBe('Ada');
		// An emoji across the cut is dropped whole rather than halved.
		expect(compose('welcome', ELIGIBLE.welcome({ name: `${'x'.repeat(999)}😀` }), BRAND).fields.name).toBe('x'.repeat(999));
	});

	it('keeps a subject of a megabyte of spaces on one line, cut to 1,000 characters', () => {
		expect(compose('welcome', ELIGIBLE.welcome(), { ...BRAND, overrides: { subject: `Hi${spaces}there` } }).subject).toBe('Hi');
		expect(compose('welcome', ELIGIBLE.welcome(), { ...BRAND, overrides: { subject: `Hi\n${'y'.repeat(1024 * 1024)}` } }).subject).toBe(`Hi ${'y'.repeat(997)}`);
	});

	it('derives the text of an HTML override holding a product name with a megabyte of spaces', () => {
		const subject = ready(activity('trial.started'), stripeSubscription({ status: 'trialing', trial_end: TRIAL_END }, { productName: `Pro${spaces}Max` }));
		const message = compose('welcome', subject, { ...BRAND, overrides: { html: '<p>Your {{planName}} plan</p>\n<p>Thanks</p>' } });

		expect(message.text).toBe(`Your Pro${spaces}Max plan\n\nThanks`);
	});

	it('derives the text of ordinary markup: hidden elements dropped, links followed by their address', () => {
		const html =
			'<head><title>T</title><style>p{}</style></head><p>Go <A HREF="https://acme.test/">here</A> or ' +
			'<a class="b" href = "https://acme.test/">https://acme.test/</a >.</p><script>x()</script><p>Bye</p>';
		expect(compose('welcome', ELIGIBLE.welcome(), { ...BRAND, overrides: { html } }).text).toBe('Go here (https://acme.test/) or https://acme.test/.\n\nBye');
	});

	it('derives the text of an HTML override with a megabyte of links, heads or tags never closed', () => {
		const text = (html: string) => compose('welcome', ELIGIBLE.welcome(), { ...BRAND, overrides: { html } }).text;
		const megabyteOf = (unit: string) => unit.repeat(Math.ceil((1024 * 1024) / unit.length));

		// An unclosed link keeps no address, an unclosed head hides nothing, and '<a ' is no tag.
		expect(text(`<p>start</p>${megabyteOf('<a href="https://acme.test/">')}<p>end</p>`)).toBe('start\n\nend');
		expect(text(`${megabyteOf('<head>')}<p>body</p>`)).toBe('body');
		expect(text(megabyteOf('<a '))).toBe(megabyteOf('<a ').trim());
	});

	it('derives the text of an HTML override with a megabyte of unclosed "<" and keeps them as text', () => {
		const stray = '<'.repeat(1024 * 1024);
		expect(compose('welcome', ELIGIBLE.welcome(), { ...BRAND, overrides: { html: `<p>a ${stray} b</p>` } }).text).toBe(`a ${stray} b`);
	});
});

describe('compose: overrides', () => {
	it('fills placeholders in the subject and the text, and derives the HTML from the text', () => {
		const message = compose('trial_ending', ELIGIBLE.trial_ending({ name: 'Ada <Admin> Lovelace' }), {
			...BRAND,
			overrides: {
				subject: '{{firstName}}, dein {{planName}}-Test endet am {{trialEndDate}}',
				text: 'Hallo {{ name }},\n\ndein Test endet am {{trialEndDate}}.\nBis bald!\n\n{{brandName}}',
			},
			locale: 'de',
		});
		expect(message.subject).toBe('Ada, dein Pro-Test endet am 3. November 2026');
		expect(message.text).toBe('Hallo Ada <Admin> Lovelace,\n\ndein Test endet am 3. November 2026.\nBis bald!\n\nAcme');
		expect(message.html).toContain('<p style="margin:0 0 16px 0;">Hallo Ada &lt;Admin&gt; Lovelace,</p>');
		expect(message.html).toContain('dein Test endet am 3. November 2026.<br>Bis bald!');
		expect(message.html).toContain('<html lang="de">');
	});

	it('escapes values in an HTML override and derives the text from it', () => {
		const message = compose('payment_failed', ELIGIBLE.payment_failed({ name: '<script>alert(1)</script>' }), {
			...BRAND,
			overrides: { html: '<p>Hi {{name}},</p><p>Please <a href="{{invoiceUrl}}">pay {{amount}}</a> &amp; thanks.</p>' },
		});
		expect(message.html).toBe(
			`<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;,</p><p>Please <a href="${INVOICE_URL}">pay $49.00</a> &amp; thanks.</p>`,
		);
		expect(message.text).toBe(`Hi <script>alert(1)</script>,\n\nPlease pay $49.00 (${INVOICE_URL}) & thanks.`);
	});

	it('leaves unknown placeholders visible and empties unknown values', () => {
		const message = compose('receipt', ELIGIBLE.receipt(), { ...BRAND, overrides: { subject: '{{firstNme}} {{trialEndDate}}done' } });
		expect(message.subject).toBe('{{firstNme}} done');
	});

	it('keeps the built-in body when only the subject is overridden', () => {
		const message = compose('receipt', ELIGIBLE.receipt(), { ...BRAND, overrides: { subject: 'Paid: {{amount}}' } });
		expect(message.subject).toBe('Paid: $49.00');
		expect(message.text).toBe(compose('receipt', ELIGIBLE.receipt(), BRAND).text);
	});
});
