/**
 * A deterministic demo SaaS account: a catalog in USD, EUR and JPY (monthly, yearly, weekly,
 * tiered and metered prices), three coupons, and customers whose histories are played through the
 * billing engine as if the last `days` days had passed — trials, conversions, plan changes,
 * cancellations, failed and recovered payments, refunds, disputes, pauses and leads.
 */
import type Stripe from 'stripe';
import type { Scope, StripeEmulator } from './emulator';
import { Random, type Dataset } from './store';

export interface SeedOptions extends Scope {
	customers?: number;
	days?: number;
	seed?: number;
	/**
	 * Which historical events to store: all of them, only those inside the Events API's 30 days
	 * (default above 2,000 customers, keeps large accounts light), or none.
	 */
	events?: 'all' | 'recent' | 'none';
}

export interface SeedSummary {
	customers: number;
	leads: number;
	subscriptions: Record<string, number>;
	invoices: number;
	charges: number;
	refunds: number;
	disputes: number;
	events: number;
	currencies: string[];
	intervals: string[];
	coupons: string[];
}

const FIRST = ['Ada', 'Ben', 'Chloé', 'Dmitri', 'Emma', 'Felix', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kaito', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Yuki'];
const LAST = ['Lovelace', 'Okafor', 'Dubois', 'Ivanov', 'Schmidt', 'Tanaka', 'García', 'Rossi', 'Nakamura', 'Müller', 'Silva', 'Kowalski', 'Haddad', 'Chen', 'Novak'];
const DAY = 86400;

interface Plan {
	price: Stripe.Price;
	weight: number;
	locale: string;
}

function buildCatalog(emulator: StripeEmulator, dataset: Dataset, at: number): { plans: Plan[]; coupons: Stripe.Coupon[] } {
	const billing = emulator.billing;
	const product = (name: string, description: string) => billing.createProduct(dataset, { name, description }, { at });
	const starter = product('Starter', 'For side projects');
	const pro = product('Pro', 'For growing teams');
	const business = product('Business', 'For companies');
	const seats = product('Team Seats', 'Per-seat pricing');
	const api = product('API Usage', 'Metered API calls');
	const price = (fields: Parameters<typeof billing.createPrice>[1]) => billing.createPrice(dataset, fields, { at });
	const monthly = { interval: 'month' as const };
	const plans: Plan[] = [
		{ price: price({ product: starter.id, currency: 'usd', unit_amount: 900, recurring: monthly, nickname: 'Starter monthly' }), weight: 18, locale: 'en-US' },
		{ price: price({ product: starter.id, currency: 'usd', unit_amount: 300, recurring: { interval: 'week' }, nickname: 'Starter weekly' }), weight: 4, locale: 'en-US' },
		{ price: price({ product: pro.id, currency: 'usd', unit_amount: 2900, recurring: monthly, nickname: 'Pro monthly' }), weight: 22, locale: 'en-US' },
		{ price: price({ product: pro.id, currency: 'usd', unit_amount: 29000, recurring: { interval: 'year' }, nickname: 'Pro yearly' }), weight: 8, locale: 'en-GB' },
		{ price: price({ product: pro.id, currency: 'eur', unit_amount: 2700, recurring: monthly, nickname: 'Pro monthly (EUR)' }), weight: 12, locale: 'de-DE' },
		{ price: price({ product: pro.id, currency: 'jpy', unit_amount: 3000, recurring: monthly, nickname: 'Pro monthly (JPY)' }), weight: 6, locale: 'ja-JP' },
		{ price: price({ product: business.id, currency: 'usd', unit_amount: 9900, recurring: monthly, nickname: 'Business monthly' }), weight: 8, locale: 'en-US' },
		{ price: price({ product: business.id, currency: 'eur', unit_amount: 89000, recurring: { interval: 'year' }, nickname: 'Business yearly (EUR)' }), weight: 4, locale: 'fr-FR' },
		{
			price: price({
				product: seats.id,
				currency: 'usd',
				recurring: monthly,
				billing_scheme: 'tiered',
				tiers_mode: 'graduated',
				tiers: [
					{ up_to: 5, unit_amount: 1200, flat_amount: null },
					{ up_to: null, unit_amount: 800, flat_amount: null },
				],
				nickname: 'Seats graduated',
			}),
			weight: 5,
			locale: 'en-US',
		},
		{
			price: price({
				product: seats.id,
				currency: 'usd',
				recurring: { interval: 'month', interval_count: 3 },
				billing_scheme: 'tiered',
				tiers_mode: 'volume',
				tiers: [
					{ up_to: 10, unit_amount: 3000, flat_amount: 0 },
					{ up_to: null, unit_amount: 2500, flat_amount: 0 },
				],
				nickname: 'Seats volume quarterly',
			}),
			weight: 3,
			locale: 'en-US',
		},
		{ price: price({ product: api.id, currency: 'usd', unit_amount: 2, recurring: { interval: 'month', usage_type: 'metered' }, nickname: 'API calls' }), weight: 2, locale: 'en-US' },
	];
	const coupons = [
		billing.createCoupon(dataset, { id: 'FOREVER20', name: '20% forever', duration: 'forever', percent_off: 20 }, { at }),
		billing.createCoupon(dataset, { id: 'WELCOME50', name: '50% off first invoice', duration: 'once', percent_off: 50 }, { at }),
		billing.createCoupon(dataset, { id: 'LAUNCH3M', name: '$10 off for 3 months', duration: 'repeating', duration_in_months: 3, amount_off: 1000, currency: 'usd' }, { at }),
	];
	return { plans, coupons };
}

/** Builds the demo account into the emulator; same options, same data. */
export function seedDemoAccount(emulator: StripeEmulator, options: SeedOptions = {}): SeedSummary {
	const count = options.customers ?? 300;
	const days = options.days ?? 120;
	const random = new Random(options.seed ?? 42);
	const dataset = emulator.dataset(options);
	const billing = emulator.billing;
	const webhooks = emulator.webhooks;
	const now = emulator.now();
	const start = now - days * DAY;
	const eventsMode = options.events ?? (count > 2000 ? 'recent' : 'all');
	const { deliver, recordFrom } = webhooks;
	// History is not delivered: receivers only see what happens after seeding.
	webhooks.deliver = false;
	webhooks.recordFrom = eventsMode === 'all' ? Number.NEGATIVE_INFINITY : eventsMode === 'recent' ? now - 30 * DAY : Number.POSITIVE_INFINITY;
	try {
		const { plans, coupons } = buildCatalog(emulator, dataset, start);
		const totalWeight = plans.reduce((sum, plan) => sum + plan.weight, 0);
		const pickPlan = (): Plan => {
			let roll = random.next() * totalWeight;
			for (const plan of plans) if ((roll -= plan.weight) < 0) return plan;
			return plans[0];
		};
		let disputed = false;
		for (let i = 0; i < count; i++) {
			const signup = start + Math.floor(random.next() * (now - start - DAY));
			const first = random.pick(FIRST);
			const last = random.pick(LAST);
			const plan = pickPlan();
			const customer = billing.createCustomer(
				dataset,
				{
					email: `${first}.${last}.${i}@example.com`.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, ''),
					name: `${first} ${last}`,
					preferred_locales: [plan.locale],
					metadata: { seed_index: String(i) },
				},
				{ at: signup },
			);
			// About one in seven never subscribes: a lead.
			if (random.chance(0.14)) continue;
			const failingCard = random.chance(0.12);
			const trial = random.chance(0.55);
			const subscribeAt = signup + random.int(0, 2 * DAY);
			const coupon = random.chance(0.15) ? random.pick(coupons).id : undefined;
			const quantity = plan.price.billing_scheme === 'tiered' ? random.int(1, 15) : random.chance(0.1) ? random.int(2, 5) : 1;
			if (failingCard && trial) dataset.cards.set(customer.id, 'declines');
			let sub = billing.createSubscription(
				dataset,
				{ customer: customer.id, items: [{ price: plan.price.id, quantity }], trialDays: trial ? 14 : undefined, coupon: coupon && plan.price.currency === 'usd' ? coupon : undefined },
				{ at: subscribeAt },
			);
			const at = (fraction: number) => Math.min(now, subscribeAt + Math.floor((now - subscribeAt) * fraction));
			// Actions never go back in time: each happens at or after what was already played.
			let playedUntil = subscribeAt;
			const runUntil = (time: number): number => {
				playedUntil = Math.max(playedUntil, time);
				billing.runSubscriptionUntil(dataset, sub.id, playedUntil);
				return playedUntil;
			};
			const live = () => dataset.subscriptions.get(sub.id)!;
			// Cards that start failing later make a renewal fail; half of those customers fix their card.
			// Some cards fail early (the account has a dunning history), some within the last weeks
			// (the account has subscriptions past_due right now).
			if (failingCard && !trial) {
				const failFrom = random.chance(0.5) ? at(random.next() * 0.6) : Math.max(subscribeAt, now - random.int(5, 25) * DAY);
				runUntil(failFrom);
				dataset.cards.set(customer.id, 'declines');
			}
			const roll = random.next();
			const when = runUntil(at(0.3 + random.next() * 0.6));
			sub = live();
			const changeable = sub.status === 'active' || sub.status === 'trialing';
			if (changeable && roll < 0.1) {
				const upgrade = plans.find((p) => p.price.currency === plan.price.currency && (p.price.unit_amount ?? 0) > (plan.price.unit_amount ?? 0) && p.price.recurring?.interval === plan.price.recurring?.interval);
				if (upgrade) billing.updateSubscription(dataset, sub.id, { items: [{ price: upgrade.price.id, quantity }] }, { at: when });
			} else if (changeable && roll < 0.15) {
				const downgrade = plans.find((p) => p.price.currency === plan.price.currency && (p.price.unit_amount ?? 0) < (plan.price.unit_amount ?? 0) && (p.price.unit_amount ?? 0) > 0 && p.price.recurring?.interval === plan.price.recurring?.interval);
				if (downgrade) billing.updateSubscription(dataset, sub.id, { items: [{ price: downgrade.price.id, quantity }] }, { at: when });
			} else if (changeable && roll < 0.24) {
				billing.updateSubscription(dataset, sub.id, { cancelAtPeriodEnd: true }, { at: when });
			} else if (sub.status !== 'canceled' && sub.status !== 'incomplete_expired' && roll < 0.31) {
				billing.cancelSubscription(dataset, sub.id, { at: when });
			} else if (changeable && roll < 0.34) {
				billing.pauseSubscription(dataset, sub.id, { at: when });
			}
			if (failingCard && random.chance(0.4)) {
				const recoverAt = runUntil(at(0.95));
				dataset.cards.set(customer.id, 'succeeds');
				const open = billing.schedule(dataset, sub.id).openInvoice;
				if (open && dataset.invoices.get(open)?.status === 'open') billing.payInvoice(dataset, open, { at: recoverAt });
			}
			runUntil(now);
			const paid = dataset.charges.valuesOf('customer', customer.id).find((charge) => charge.status === 'succeeded');
			if (paid && (!disputed || random.chance(0.005))) {
				if (!disputed || random.chance(0.5)) billing.disputeCharge(dataset, paid.id, 'fraudulent', { at: Math.min(now, paid.created + 5 * DAY) });
				disputed = true;
			} else if (paid && random.chance(0.04)) {
				billing.refundCharge(dataset, paid.id, { reason: 'requested_by_customer' }, { at: Math.min(now, paid.created + 2 * DAY) });
			}
		}
	} finally {
		webhooks.deliver = deliver;
		webhooks.recordFrom = recordFrom;
	}
	return summarize(dataset);
}

export function summarize(dataset: Dataset): SeedSummary {
	const subscriptions: Record<string, number> = {};
	const subscribed = new Set<string>();
	for (const sub of dataset.subscriptions.values()) {
		subscriptions[sub.status] = (subscriptions[sub.status] ?? 0) + 1;
		if (sub.cancel_at_period_end) subscriptions.cancel_at_period_end = (subscriptions.cancel_at_period_end ?? 0) + 1;
		subscribed.add(sub.customer as string);
	}
	const customers = dataset.customers.values().filter((customer) => !customer.deleted);
	return {
		customers: customers.length,
		leads: customers.filter((customer) => !subscribed.has(customer.id)).length,
		subscriptions,
		invoices: dataset.invoices.size,
		charges: dataset.charges.size,
		refunds: dataset.refunds.size,
		disputes: dataset.disputes.size,
		events: dataset.events.size,
		currencies: [...new Set(dataset.prices.values().map((price) => price.currency))].sort(),
		intervals: [...new Set(dataset.prices.values().map((price) => price.recurring?.interval ?? 'one_time'))].sort(),
		coupons: dataset.coupons.values().map((coupon) => `${coupon.id}:${coupon.duration}`),
	};
}
