import type Stripe from 'stripe';

import { stripeFixture } from '../fixtures/stripeObjects';
import { ProfileBuilder, buildProfile, type ProfileOptions } from '../../nodes/shared/lifecycle/profiles';
import type { Profile } from '../../nodes/shared/lifecycle/types';
import { charge, customer, day, deletedCustomer, invoice, iso, item, price, subscription, t0 } from './support/stripeBuilders';

function profileOf(
	related: { subscriptions?: Stripe.Subscription[]; charges?: Stripe.Charge[]; invoices?: Stripe.Invoice[] },
	who: Stripe.Customer = customer(),
): Profile {
	const profile = buildProfile(who, related, { at: t0 });
	if (!profile) throw new Error('expected a profile');
	return profile;
}

describe('profile fields', () => {
	it('fills every field from the customer, its subscription, charges and invoices', () => {
		const product = { ...stripeFixture<Stripe.Product>('product'), id: 'prod_pro', name: 'Pro' };
		const who = customer({
			phone: '+44 20 7946 0000',
			currency: 'gbp',
			address: { city: null, country: 'GB', line1: null, line2: null, postal_code: null, state: null },
			livemode: true,
			delinquent: true,
			metadata: { plan_source: 'web' },
			preferred_locales: ['en-GB'],
		});
		const sub = subscription(
			{ currency: 'gbp', trial_start: t0 - 40 * day, trial_end: t0 - 26 * day, cancel_at_period_end: true, cancel_at: t0 + 20 * day, canceled_at: t0 - day },
			[item({ ...price('price_pro', 1500, 'gbp', { interval: 'year' }), product }, 2)],
		);
		const profile = profileOf(
			{
				subscriptions: [sub],
				charges: [charge({ id: 'ch_a', currency: 'gbp', amount: 3000, created: t0 - 26 * day }), charge({ id: 'ch_b', currency: 'gbp', amount: 500, created: t0 - 30 * day })],
				invoices: [invoice({ currency: 'gbp', status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: t0 - 26 * day, voided_at: null } })],
			},
			who,
		);
		expect(profile).toEqual({
			id: 'cus_1',
			email: 'ada@example.com',
			name: 'Ada Lovelace',
			phone: '+44 20 7946 0000',
			createdAt: iso(t0 - 100 * day),
			currency: 'gbp',
			country: 'GB',
			livemode: true,
			status: 'active',
			plan: {
				priceId: 'price_pro',
				productId: 'prod_pro',
				productName: 'Pro',
				interval: 'year',
				intervalCount: 1,
				amount: { minor: 3000, value: 30, currency: 'gbp', formatted: '£30.00' },
			},
			mrr: { minor: 250, value: 2.5, currency: 'gbp', formatted: '£2.50' },
			trialEnd: iso(t0 - 26 * day),
			cancelAtPeriodEnd: true,
			cancelAt: iso(t0 + 20 * day),
			canceledAt: iso(t0 - day),
			endedAt: null,
			firstPaidAt: iso(t0 - 30 * day),
			lifetimeValue: { minor: 3500, value: 35, currency: 'gbp', formatted: '£35.00' },
			lifetimeValueByCurrency: { gbp: { minor: 3500, value: 35, currency: 'gbp', formatted: '£35.00' } },
			paidInvoices: 1,
			delinquent: true,
			metadata: { plan_source: 'web' },
			subscriptionIds: ['sub_1'],
		});
	});

	it('a lead: no subscription, no plan, zero money in the customer’s currency', () => {
		const profile = profileOf({});
		expect(profile).toMatchObject({ status: 'lead', plan: null, trialEnd: null, cancelAtPeriodEnd: false, firstPaidAt: null, paidInvoices: 0, subscriptionIds: [] });
		expect(profile.mrr).toMatchObject({ minor: 0, currency: 'usd' });
		expect(profile.lifetimeValue).toMatchObject({ minor: 0, currency: 'usd' });
		expect(profile.lifetimeValueByCurrency).toEqual({});
	});

	it('a customer with no currency at all has null money rather than a made-up currency', () => {
		const profile = profileOf({}, customer({ currency: null }));
		expect(profile.currency).toBeNull();
		expect(profile.mrr).toBeNull();
		expect(profile.lifetimeValue).toBeNull();
	});

	it('country falls back to the shipping address, then null', () => {
		const address = { city: null, country: 'FR', line1: null, line2: null, postal_code: null, state: null };
		expect(profileOf({}, customer({ address: null, shipping: { address, name: 'Ada' } })).country).toBe('FR');
		expect(profileOf({}, customer({ address: null, shipping: null })).country).toBeNull();
	});

	it('the name falls back to individual_name; phone and delinquent default to null and false', () => {
		const profile = profileOf({}, customer({ name: null, individual_name: 'Ada L.', phone: undefined, delinquent: undefined }));
		expect(profile).toMatchObject({ name: 'Ada L.', phone: null, delinquent: false });
	});

	it('a tiered plan’s amount is one period at its quantity, as mrr.ts prices it', () => {
		const tiered: Stripe.Price = {
			...price('price_tiered', 0),
			unit_amount: null,
			billing_scheme: 'tiered',
			tiers_mode: 'graduated',
			tiers: [
				{ up_to: 5, unit_amount: 1000, unit_amount_decimal: null, flat_amount: null, flat_amount_decimal: null },
				{ up_to: null, unit_amount: 500, unit_amount_decimal: null, flat_amount: null, flat_amount_decimal: null },
			],
		};
		const profile = profileOf({ subscriptions: [subscription({}, [item(tiered, 7)])] });
		expect(profile.plan?.amount.minor).toBe(5 * 1000 + 2 * 500);
		expect(profile.mrr?.minor).toBe(6000);
	});
});

describe('status', () => {
	const cases: Array<[Stripe.Subscription.Status, Profile['status']]> = [
		['active', 'active'],
		['past_due', 'past_due'],
		['unpaid', 'past_due'],
		['trialing', 'trialing'],
		['paused', 'paused'],
		['canceled', 'canceled'],
	];
	it.each(cases)('a single %s subscription gives %s', (status, expected) => {
		expect(profileOf({ subscriptions: [subscription({ status })] }).status).toBe(expected);
	});

	it('incomplete subscriptions do not count: the customer stays a lead', () => {
		const profile = profileOf({ subscriptions: [subscription({ status: 'incomplete' }), subscription({ id: 'sub_2', status: 'incomplete_expired' })] });
		expect(profile).toMatchObject({ status: 'lead', plan: null, subscriptionIds: [] });
	});

	it('a live subscription wins over a newer canceled one, by priority active > past_due > trialing > paused', () => {
		const subs = [
			subscription({ id: 'sub_paused', status: 'paused', created: t0 - day }),
			subscription({ id: 'sub_trial', status: 'trialing', created: t0 - 2 * day }),
			subscription({ id: 'sub_gone', status: 'canceled', created: t0, ended_at: t0 }),
			subscription({ id: 'sub_late', status: 'past_due', created: t0 - 3 * day }),
			subscription({ id: 'sub_live', status: 'active', created: t0 - 90 * day }, [item(price('price_live', 4000))]),
		];
		const profile = profileOf({ subscriptions: subs });
		expect(profile.status).toBe('active');
		expect(profile.plan?.priceId).toBe('price_live');
		expect(profile.subscriptionIds).toEqual(['sub_live', 'sub_late', 'sub_trial', 'sub_paused', 'sub_gone']);
		// MRR sums every counting subscription (active 4000 + past_due 2000); trials and paused are 0.
		expect(profile.mrr?.minor).toBe(6000);

		expect(profileOf({ subscriptions: subs.slice(0, 4) }).status).toBe('past_due');
		expect(profileOf({ subscriptions: subs.slice(0, 3) }).status).toBe('trialing');
		expect(profileOf({ subscriptions: subs.slice(0, 1) }).status).toBe('paused');
	});

	it('among live subscriptions of one rank, the newest is the plan', () => {
		const older = subscription({ id: 'sub_old', created: t0 - 90 * day }, [item(price('price_old', 1000))]);
		const newer = subscription({ id: 'sub_new', created: t0 - day }, [item(price('price_new', 3000))]);
		expect(profileOf({ subscriptions: [newer, older] }).plan?.priceId).toBe('price_new');
		expect(profileOf({ subscriptions: [older, newer] }).plan?.priceId).toBe('price_new');
	});

	it('only ended subscriptions: the most recently ended one, with its dates', () => {
		const early = subscription({ id: 'sub_early', status: 'canceled', canceled_at: t0 - 50 * day, ended_at: t0 - 50 * day }, [item(price('price_early', 1000))]);
		const late = subscription({ id: 'sub_late', status: 'canceled', canceled_at: t0 - 20 * day, ended_at: t0 - 10 * day }, [item(price('price_late', 2000))]);
		const profile = profileOf({ subscriptions: [late, early] });
		expect(profile).toMatchObject({ status: 'canceled', canceledAt: iso(t0 - 20 * day), endedAt: iso(t0 - 10 * day), subscriptionIds: ['sub_late', 'sub_early'] });
		expect(profile.plan?.priceId).toBe('price_late');
		expect(profile.mrr?.minor).toBe(0);
	});
});

describe('lifetime value and payments', () => {
	it('subtracts refunds and ignores failed and uncaptured charges', () => {
		const profile = profileOf({
			charges: [
				charge({ id: 'ch_ok', amount: 5000, amount_refunded: 1500 }),
				charge({ id: 'ch_failed', amount: 9000, status: 'failed', created: t0 - 90 * day }),
				charge({ id: 'ch_auth', amount: 7000, captured: false, amount_captured: 0, created: t0 - 80 * day }),
				charge({ id: 'ch_partial', amount: 4000, amount_captured: 1000 }),
			],
		});
		expect(profile.lifetimeValue?.minor).toBe(5000 - 1500 + 1000);
		// Failed and uncaptured charges are not payments either.
		expect(profile.firstPaidAt).toBe(iso(t0 - day));
	});

	it('never sums currencies: the customer’s currency, the others per currency', () => {
		const profile = profileOf(
			{ charges: [charge({ id: 'ch_usd', amount: 1000 }), charge({ id: 'ch_eur1', currency: 'eur', amount: 700 }), charge({ id: 'ch_eur2', currency: 'eur', amount: 300 })] },
			customer({ currency: 'usd' }),
		);
		expect(profile.lifetimeValue).toMatchObject({ minor: 1000, currency: 'usd' });
		expect(profile.lifetimeValueByCurrency.usd.minor).toBe(1000);
		expect(profile.lifetimeValueByCurrency.eur.minor).toBe(1000);
	});

	it('without a customer currency, the currency most charges are in', () => {
		const profile = profileOf(
			{ charges: [charge({ id: 'ch_usd', amount: 100_000 }), charge({ id: 'ch_jpy1', currency: 'jpy', amount: 500 }), charge({ id: 'ch_jpy2', currency: 'jpy', amount: 800 })] },
			customer({ currency: null }),
		);
		expect(profile.currency).toBe('jpy');
		expect(profile.lifetimeValue).toMatchObject({ minor: 1300, value: 1300, currency: 'jpy' });
		expect(profile.lifetimeValueByCurrency.usd.minor).toBe(100_000);
	});

	it('firstPaidAt is the earliest of paid invoices and succeeded charges; $0 invoices are not payments', () => {
		const paidAt = (at: number) => ({ finalized_at: at, marked_uncollectible_at: null, paid_at: at, voided_at: null });
		const profile = profileOf({
			charges: [charge({ created: t0 - 5 * day })],
			invoices: [
				invoice({ id: 'in_zero', amount_paid: 0, status_transitions: paidAt(t0 - 40 * day) }),
				invoice({ id: 'in_paid', status_transitions: paidAt(t0 - 9 * day) }),
				invoice({ id: 'in_open', status: 'open', amount_paid: 0, status_transitions: { ...paidAt(t0), paid_at: null } }),
			],
		});
		expect(profile.firstPaidAt).toBe(iso(t0 - 9 * day));
		expect(profile.paidInvoices).toBe(1);
	});
});

describe('ProfileBuilder', () => {
	it('joins objects streamed in any order, one profile per customer in the order customers came', () => {
		const builder = new ProfileBuilder({ at: t0 });
		builder.addCharge(charge({ id: 'ch_2', customer: 'cus_2', amount: 900 }));
		builder.addSubscription(subscription({ id: 'sub_2', customer: 'cus_2', status: 'trialing', trial_start: t0 - day, trial_end: t0 + 13 * day }));
		builder.addCustomer(customer({ id: 'cus_2', email: 'grace@example.com' }));
		builder.addCustomer(customer({ id: 'cus_1' }));
		builder.addInvoice(invoice({ customer: 'cus_1' }));
		builder.addSubscription(subscription({ customer: customer({ id: 'cus_1' }) }));

		const profiles = builder.build();
		expect(profiles.map((profile) => [profile.id, profile.status])).toEqual([
			['cus_2', 'trialing'],
			['cus_1', 'active'],
		]);
		expect(profiles[0]).toMatchObject({ email: 'grace@example.com', trialEnd: iso(t0 + 13 * day), lifetimeValue: { minor: 900 } });
		expect(profiles[1].paidInvoices).toBe(1);
		expect(builder.stats()).toEqual({ customers: 2, deletedCustomers: 0, skipped: { subscriptions: 0, charges: 0, invoices: 0 } });
	});

	it('skips deleted customers and counts objects whose customer was not added', () => {
		const builder = new ProfileBuilder();
		builder.addCustomer(customer({ id: 'cus_1' }));
		builder.addCustomer(deletedCustomer('cus_gone'));
		builder.addSubscription(subscription({ customer: 'cus_gone' }));
		builder.addSubscription(subscription({ id: 'sub_x', customer: 'cus_unknown' }));
		builder.addCharge(charge({ customer: 'cus_unknown' }));
		builder.addCharge(charge({ id: 'ch_guest', customer: null }));
		builder.addInvoice(invoice({ customer: 'cus_gone' }));

		const profiles = builder.build();
		expect(profiles.map((profile) => profile.id)).toEqual(['cus_1']);
		expect(profiles[0]).toMatchObject({ status: 'lead', lifetimeValue: { minor: 0 } });
		expect(builder.stats()).toEqual({ customers: 1, deletedCustomers: 1, skipped: { subscriptions: 2, charges: 2, invoices: 1 } });
	});

	it('buildProfile gives null for a deleted customer', () => {
		expect(buildProfile(deletedCustomer('cus_gone'))).toBeNull();
	});

	it('formats money in the customer’s preferred locale, else the given one', () => {
		const builder = new ProfileBuilder({ locale: 'en-US' });
		builder.addCustomer(customer({ id: 'cus_de', currency: 'eur', preferred_locales: ['de-DE'] }));
		builder.addCustomer(customer({ id: 'cus_any', currency: 'eur', preferred_locales: [] }));
		builder.addCharge(charge({ customer: 'cus_de', currency: 'eur', amount: 1999 }));
		builder.addCharge(charge({ id: 'ch_2', customer: 'cus_any', currency: 'eur', amount: 1999 }));
		const [german, other] = builder.build();
		expect(german.lifetimeValue?.formatted).toBe('19,99\u00a0€');
		expect(other.lifetimeValue?.formatted).toBe('€19.99');
	});

	it('discounts follow mrr.ts: only forever coupons by default, every active one with discounts: all', () => {
		const coupon = { ...stripeFixture<Stripe.Coupon>('coupon'), duration: 'once' as const, percent_off: 50, amount_off: null };
		const discount = { ...stripeFixture<Stripe.Discount>('discount'), start: t0 - day, end: t0 + 30 * day, source: { coupon, type: 'coupon' as const } };
		const mrrWith = (options: ProfileOptions) => {
			const builder = new ProfileBuilder(options);
			builder.addCustomer(customer());
			builder.addSubscription(subscription({ discounts: [discount] }));
			return builder.build()[0].mrr?.minor;
		};
		expect(mrrWith({ at: t0 })).toBe(2000);
		expect(mrrWith({ at: t0, discounts: 'all' })).toBe(1000);
	});

	it('joins a customer given later with the index of objects already added', () => {
		const index = new ProfileBuilder({ at: t0 });
		index.addSubscription(subscription({ id: 'sub_1', customer: 'cus_1', status: 'trialing', trial_start: t0 - day, trial_end: t0 + 5 * day }));
		index.addCharge(charge({ customer: 'cus_1', amount: 1500 }));
		const profile = index.profile(customer({ id: 'cus_1' }));
		expect(profile).toMatchObject({ id: 'cus_1', status: 'trialing', trialEnd: iso(t0 + 5 * day), lifetimeValue: { minor: 1500 }, subscriptionIds: ['sub_1'] });
		expect(profile).toEqual(buildProfile(customer({ id: 'cus_1' }), { subscriptions: [subscription({ id: 'sub_1', customer: 'cus_1', status: 'trialing', trial_start: t0 - day, trial_end: t0 + 5 * day })], charges: [charge({ customer: 'cus_1', amount: 1500 })] }, { at: t0 }));
	});
});
