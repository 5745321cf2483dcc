import type Stripe from 'stripe';
import { addInterval, priceAmount } from '../../emulator/billing';
import { runScenario, SCENARIOS, seedDemoAccount, StripeEmulator } from '../../emulator';

const DAY = 86400;
const START = 1_800_000_000;

function account() {
	const emulator = new StripeEmulator({ now: START });
	const product = emulator.createProduct({ name: 'Pro' });
	const price = emulator.createPrice({ product: product.id, currency: 'usd', unit_amount: 2900, recurring: { interval: 'month' } });
	const types = (since = 0) => emulator.eventLog().slice(since).map((event) => event.type);
	return { emulator, price, types };
}

describe('subscription lifecycle over time', () => {
	it('warns 3 days before a trial ends, then converts with a paid invoice and a charge', () => {
		const { emulator, price, types } = account();
		const customer = emulator.createCustomer({ email: 'trial@example.com' });
		const sub = emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }], trialDays: 14 });
		expect(sub).toMatchObject({ status: 'trialing', trial_start: START, trial_end: START + 14 * DAY });
		expect(sub.items.data[0]).toMatchObject({ current_period_start: START, current_period_end: START + 14 * DAY });
		const mark = emulator.eventLog().length;
		emulator.advanceClock({ days: 11 });
		expect(types(mark)).toEqual(['customer.subscription.trial_will_end']);
		emulator.advanceClock({ days: 3 });
		expect(types(mark + 1)).toEqual(['invoice.created', 'invoice.finalized', 'charge.succeeded', 'invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']);
		const updated = emulator.eventLog().at(-1)!;
		expect(updated.data.previous_attributes).toMatchObject({ status: 'trialing' });
		const converted = emulator.dataset().subscriptions.get(sub.id)!;
		expect(converted.status).toBe('active');
		expect(converted.items.data[0].current_period_end).toBe(addInterval(START + 14 * DAY, 'month', 1));
		const invoice = emulator.dataset().invoices.get(converted.latest_invoice as string)!;
		expect(invoice).toMatchObject({ status: 'paid', amount_paid: 2900, attempt_count: 1, billing_reason: 'subscription_cycle' });
		expect(invoice.hosted_invoice_url).toMatch(/^https:\/\//);
	});

	it('goes past_due when the card fails, retries on a schedule, then cancels', () => {
		const { emulator, price, types } = account();
		const customer = emulator.createCustomer({ email: 'dunning@example.com' });
		const sub = emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }] });
		emulator.setCard(customer.id, 'declines');
		const mark = emulator.eventLog().length;
		emulator.advanceClock({ to: sub.items.data[0].current_period_end });
		expect(types(mark)).toEqual(expect.arrayContaining(['charge.failed', 'invoice.payment_failed', 'customer.subscription.updated']));
		const pastDue = emulator.dataset().subscriptions.get(sub.id)!;
		expect(pastDue.status).toBe('past_due');
		const invoice = emulator.dataset().invoices.get(pastDue.latest_invoice as string)!;
		expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, next_payment_attempt: invoice.created + 3 * DAY });
		emulator.advanceClock({ days: 16 });
		const failures = emulator.eventLog().filter((event) => event.type === 'invoice.payment_failed');
		expect(failures.map((event) => (event.data.object as Stripe.Invoice).attempt_count)).toEqual([1, 2, 3, 4]);
		expect(emulator.dataset().subscriptions.get(sub.id)!.status).toBe('canceled');
		expect(types().at(-1)).toBe('customer.subscription.deleted');
	});

	it('recovers a past_due subscription when the customer fixes the card', () => {
		const { emulator } = account();
		const result = runScenario(emulator, 'payment_recovered');
		expect(result.subscription?.status).toBe('active');
		expect(result.events.map((event) => event.type)).toEqual(expect.arrayContaining(['invoice.payment_failed', 'invoice.paid', 'customer.subscription.updated']));
	});

	it('cancels a cancel_at_period_end subscription at the period end', () => {
		const { emulator, price } = account();
		const customer = emulator.createCustomer({});
		const sub = emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }], cancelAtPeriodEnd: true });
		expect(sub).toMatchObject({ cancel_at_period_end: true, cancel_at: sub.items.data[0].current_period_end });
		emulator.advanceClock({ days: 40 });
		expect(emulator.dataset().subscriptions.get(sub.id)).toMatchObject({ status: 'canceled', ended_at: sub.items.data[0].current_period_end });
	});

	it('prices tiers and metered usage as Stripe does', () => {
		const { emulator } = account();
		const product = emulator.createProduct({ name: 'Seats' });
		const tiers = [
			{ up_to: 5, unit_amount: 1000, flat_amount: null },
			{ up_to: null, unit_amount: 500, flat_amount: 100 },
		];
		const graduated = emulator.createPrice({ product: product.id, currency: 'usd', recurring: { interval: 'month' }, billing_scheme: 'tiered', tiers_mode: 'graduated', tiers });
		const volume = emulator.createPrice({ product: product.id, currency: 'usd', recurring: { interval: 'month' }, billing_scheme: 'tiered', tiers_mode: 'volume', tiers });
		const metered = emulator.createPrice({ product: product.id, currency: 'usd', unit_amount: 5, recurring: { interval: 'month', usage_type: 'metered' } });
		expect(priceAmount(graduated, 7)).toBe(5 * 1000 + 2 * 500 + 100);
		expect(priceAmount(volume, 7)).toBe(7 * 500 + 100);
		expect(priceAmount(metered, 7)).toBe(0);
		expect(addInterval(Date.UTC(2026, 0, 31) / 1000, 'month', 1)).toBe(Date.UTC(2026, 1, 28) / 1000);
	});

	it('runs every named scenario', () => {
		const { emulator } = account();
		for (const name of SCENARIOS) {
			const result = runScenario(emulator, name);
			expect(result.events.length).toBeGreaterThan(0);
		}
		const statuses = emulator.dataset().subscriptions.values().map((sub) => sub.status);
		expect(statuses).toEqual(expect.arrayContaining(['trialing', 'active', 'past_due', 'canceled']));
	});
});

describe('seedDemoAccount', () => {
	it('builds a varied, deterministic account with history', () => {
		const first = new StripeEmulator({ now: START });
		const summary = seedDemoAccount(first, { customers: 400, seed: 7 });
		expect(summary.customers).toBe(400);
		expect(summary.leads).toBeGreaterThan(0);
		for (const status of ['trialing', 'active', 'canceled', 'paused', 'past_due', 'cancel_at_period_end']) {
			expect(summary.subscriptions[status] ?? 0).toBeGreaterThan(0);
		}
		expect(summary.refunds).toBeGreaterThan(0);
		expect(summary.disputes).toBeGreaterThan(0);
		expect(summary.currencies).toEqual(['eur', 'jpy', 'usd']);
		expect(summary.intervals).toEqual(expect.arrayContaining(['month', 'week', 'year']));
		expect(summary.coupons.map((coupon) => coupon.split(':')[1]).sort()).toEqual(['forever', 'once', 'repeating']);
		const events = first.eventLog();
		expect(Math.min(...events.map((event) => event.created))).toBeLessThan(START - 90 * DAY);
		expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['customer.subscription.trial_will_end', 'invoice.payment_failed', 'charge.refunded', 'charge.dispute.created']));
		const failed = first.dataset().charges.values().filter((charge) => charge.status === 'failed');
		expect(failed.length).toBeGreaterThan(0);

		const second = new StripeEmulator({ now: START });
		expect(seedDemoAccount(second, { customers: 400, seed: 7 })).toEqual(summary);
		expect(second.dataset().customers.values().map((c) => c.id)).toEqual(first.dataset().customers.values().map((c) => c.id));
	});

	it('keeps large accounts light: only the Events API window is stored by default', () => {
		const emulator = new StripeEmulator({ now: START });
		const summary = seedDemoAccount(emulator, { customers: 2100, seed: 3 });
		expect(summary.customers).toBe(2100);
		expect(Math.min(...emulator.eventLog().map((event) => event.created))).toBeGreaterThanOrEqual(START - 30 * DAY);
	});
});
