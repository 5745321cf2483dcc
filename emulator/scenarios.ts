/**
 * Named lifecycle scenarios, like `stripe trigger` in the Stripe CLI: each brings a given or new
 * customer through one lifecycle step (creating what it needs first) and returns the events it caused.
 */
import type Stripe from 'stripe';
import type { Scope, StripeEmulator } from './emulator';
import type { Dataset } from './store';

export const SCENARIOS = [
	'trial_started',
	'trial_converted',
	'payment_failed',
	'payment_recovered',
	'refund',
	'dispute',
	'cancel',
	'cancel_scheduled',
	'reactivate',
	'upgrade',
	'downgrade',
	'pause',
	'resume',
] as const;

export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioResult {
	customer: Stripe.Customer;
	subscription: Stripe.Subscription | null;
	charge: Stripe.Charge | null;
	events: Stripe.Event[];
}

const TIERS = [
	{ lookupKey: 'emulator_basic_monthly', nickname: 'Basic', amount: 900 },
	{ lookupKey: 'emulator_pro_monthly', nickname: 'Pro', amount: 2900 },
	{ lookupKey: 'emulator_business_monthly', nickname: 'Business', amount: 9900 },
] as const;

/** The monthly USD plans scenarios use, created on first use. */
function plans(emulator: StripeEmulator, dataset: Dataset): Stripe.Price[] {
	const existing = TIERS.map((tier) => dataset.prices.values().find((price) => price.lookup_key === tier.lookupKey));
	if (existing.every(Boolean)) return existing as Stripe.Price[];
	const product = emulator.billing.createProduct(dataset, { name: 'Emulator SaaS' });
	return TIERS.map((tier) =>
		emulator.billing.createPrice(dataset, {
			product: product.id,
			currency: 'usd',
			unit_amount: tier.amount,
			recurring: { interval: 'month' },
			nickname: tier.nickname,
			lookup_key: tier.lookupKey,
		}),
	);
}

export function runScenario(
	emulator: StripeEmulator,
	name: ScenarioName,
	options: Scope & { customer?: string } = {},
): ScenarioResult {
	if (!SCENARIOS.includes(name)) throw new Error(`Unknown scenario '${name}'. Known: ${SCENARIOS.join(', ')}`);
	const dataset = emulator.dataset(options);
	const billing = emulator.billing;
	const [basic, pro, business] = plans(emulator, dataset);
	const firstEvent = emulator.webhooks.emitted.length;
	const customer = options.customer
		? billing.customer(dataset, options.customer)
		: billing.createCustomer(dataset, { email: `scenario.${dataset.customers.size + 1}@example.com`, name: `Scenario Customer ${dataset.customers.size + 1}` });

	/** Runs `create` with a working card, then restores the customer's card. */
	const withGoodCard = <T>(create: () => T): T => {
		const card = dataset.cards.get(customer.id);
		dataset.cards.set(customer.id, 'succeeds');
		try {
			return create();
		} finally {
			if (card) dataset.cards.set(customer.id, card);
			else dataset.cards.delete(customer.id);
		}
	};
	const latest = (statuses: Stripe.Subscription.Status[], where: (sub: Stripe.Subscription) => boolean = () => true) =>
		dataset.subscriptions.valuesOf('customer', customer.id).find((sub) => statuses.includes(sub.status) && where(sub));
	const subscribe = (price: Stripe.Price, trialDays?: number) =>
		withGoodCard(() => billing.createSubscription(dataset, { customer: customer.id, items: [{ price: price.id }], trialDays }));
	const active = (price: Stripe.Price = pro) => latest(['active']) ?? subscribe(price);
	const paidCharge = () => {
		const find = () => dataset.charges.valuesOf('customer', customer.id).find((charge) => charge.status === 'succeeded' && !charge.refunded && !charge.disputed);
		const found = find();
		if (found) return found;
		subscribe(pro);
		return find()!;
	};

	let subscription: Stripe.Subscription | null = null;
	let charge: Stripe.Charge | null = null;
	switch (name) {
		case 'trial_started':
			subscription = subscribe(pro, 14);
			break;
		case 'trial_converted': {
			const trial = latest(['trialing']) ?? subscribe(pro, 14);
			subscription = withGoodCard(() => billing.actNow(dataset, trial.id, 'trial_end'));
			break;
		}
		case 'payment_failed': {
			const sub = latest(['active', 'past_due']) ?? subscribe(pro);
			billing.setCard(dataset, customer.id, 'declines');
			subscription = billing.actNow(dataset, sub.id, 'renew');
			break;
		}
		case 'payment_recovered': {
			let sub = latest(['past_due']);
			if (!sub) {
				sub = active();
				billing.setCard(dataset, customer.id, 'declines');
				sub = billing.actNow(dataset, sub.id, 'renew');
			}
			billing.setCard(dataset, customer.id, 'succeeds');
			const open = billing.schedule(dataset, sub.id).openInvoice;
			if (open) billing.payInvoice(dataset, open);
			subscription = dataset.subscriptions.get(sub.id)!;
			break;
		}
		case 'refund': {
			const paid = paidCharge();
			billing.refundCharge(dataset, paid.id);
			charge = dataset.charges.get(paid.id)!;
			break;
		}
		case 'dispute': {
			const paid = paidCharge();
			billing.disputeCharge(dataset, paid.id);
			charge = dataset.charges.get(paid.id)!;
			break;
		}
		case 'cancel': {
			const sub = latest(['active', 'trialing', 'past_due', 'unpaid', 'paused']) ?? subscribe(pro);
			subscription = billing.cancelSubscription(dataset, sub.id);
			break;
		}
		case 'cancel_scheduled': {
			const sub = latest(['active', 'trialing', 'past_due'], (s) => !s.cancel_at_period_end) ?? subscribe(pro);
			subscription = billing.updateSubscription(dataset, sub.id, { cancelAtPeriodEnd: true });
			break;
		}
		case 'reactivate': {
			const sub =
				latest(['active', 'trialing', 'past_due'], (s) => s.cancel_at_period_end || s.cancel_at !== null) ??
				billing.updateSubscription(dataset, active().id, { cancelAtPeriodEnd: true });
			subscription = billing.updateSubscription(dataset, sub.id, { cancelAtPeriodEnd: false });
			break;
		}
		case 'upgrade':
		case 'downgrade': {
			const ladder = name === 'upgrade' ? [basic, pro, business] : [business, pro, basic];
			const sub = latest(['active', 'trialing', 'past_due']) ?? subscribe(ladder[0]);
			const item = sub.items.data[0];
			const position = ladder.findIndex((price) => price.id === item.price.id);
			const quantity = item.quantity ?? 1;
			const change =
				position >= 0 && position < ladder.length - 1
					? { price: ladder[position + 1].id, quantity }
					: position === -1
						? { price: name === 'upgrade' ? business.id : basic.id, quantity }
						: { price: item.price.id, quantity: name === 'upgrade' ? quantity + 1 : Math.max(quantity - 1, 1) };
			subscription = billing.updateSubscription(dataset, sub.id, { items: [change] });
			break;
		}
		case 'pause': {
			const sub = latest(['active', 'trialing']) ?? subscribe(pro);
			subscription = billing.pauseSubscription(dataset, sub.id);
			break;
		}
		case 'resume': {
			const sub = latest(['paused']) ?? billing.pauseSubscription(dataset, active().id);
			subscription = withGoodCard(() => billing.resumeSubscription(dataset, sub.id));
			break;
		}
	}
	const events = emulator.webhooks.emitted
		.slice(firstEvent)
		.filter((entry) => entry.mode === dataset.mode && entry.account === dataset.account)
		.map((entry) => entry.event);
	return { customer: billing.customer(dataset, customer.id), subscription, charge, events };
}
