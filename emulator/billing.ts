/**
 * The billing engine: customers, catalog, subscriptions, invoices, charges, refunds and disputes,
 * and the passage of time (trials ending, renewals, Smart Retries, scheduled cancellations) the
 * way Stripe Billing with a test clock behaves. Every change stores the new object value and emits
 * its event; `at` lets the seeder write history with past timestamps.
 */
import type Stripe from 'stripe';
import { invalidRequest, resourceMissing } from './errors';
import {
	buildCharge,
	buildCoupon,
	buildCustomer,
	buildDiscount,
	buildDispute,
	buildInvoice,
	buildPrice,
	buildProduct,
	buildRefund,
	buildSubscription,
	buildSubscriptionItem,
	type CouponFields,
	type InvoiceLine,
	type PriceFields,
} from './objects';
import type { CardBehavior, Clock, Dataset, IdFactory, Store, SubscriptionSchedule } from './store';
import { AUTOMATIC, previousAttributes, type RequestContext, type Webhooks } from './webhooks';

const DAY = 86400;

export interface BillingOptions {
	/** Days after each failed renewal attempt until the next one (Smart Retries: 4 attempts in ~2 weeks). */
	smartRetryDays: number[];
	/** What happens to the subscription when all retries failed (Dashboard → Billing → Subscriptions). */
	afterFinalFailure: 'cancel' | 'unpaid' | 'past_due';
	/** `invoice.upcoming` this many days before a renewal (Stripe's "upcoming renewal events" setting). */
	upcomingDaysBefore: number;
	/** Base of `hosted_invoice_url`. */
	hostedInvoiceBase: string;
}

export const DEFAULT_BILLING: BillingOptions = {
	smartRetryDays: [3, 5, 7],
	afterFinalFailure: 'cancel',
	upcomingDaysBefore: 7,
	hostedInvoiceBase: 'https://invoice.stripe.com/i',
};

export interface ChangeOptions {
	at?: number;
	request?: RequestContext;
}

export interface SubscriptionItemInput {
	price: string;
	quantity?: number;
}

export interface NewSubscription {
	customer: string;
	items: SubscriptionItemInput[];
	trialDays?: number;
	trialEnd?: number;
	coupon?: string;
	cancelAtPeriodEnd?: boolean;
	metadata?: Stripe.Metadata;
}

export interface SubscriptionChanges {
	items?: SubscriptionItemInput[];
	cancelAtPeriodEnd?: boolean;
	/** Epoch seconds, or null to clear. */
	cancelAt?: number | null;
	metadata?: Stripe.Metadata;
}

/** Stripe's period arithmetic: months and years clamp to the last day of a shorter month. */
export function addInterval(start: number, interval: Stripe.Price.Recurring.Interval, count: number): number {
	if (interval === 'day') return start + count * DAY;
	if (interval === 'week') return start + count * 7 * DAY;
	const date = new Date(start * 1000);
	const months = interval === 'year' ? 12 * count : count;
	const day = date.getUTCDate();
	const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()));
	const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
	target.setUTCDate(Math.min(day, lastDay));
	return Math.floor(target.getTime() / 1000);
}

/** What `quantity` units of a price cost per period (metered usage is not recorded: 0). */
export function priceAmount(price: Stripe.Price, quantity: number): number {
	if (price.recurring?.usage_type === 'metered') return 0;
	if (price.billing_scheme !== 'tiered') return (price.unit_amount ?? 0) * quantity;
	const tiers = price.tiers ?? [];
	if (price.tiers_mode === 'volume') {
		const tier = tiers.find((t) => t.up_to === null || quantity <= t.up_to) ?? tiers[tiers.length - 1];
		return tier ? (tier.unit_amount ?? 0) * quantity + (tier.flat_amount ?? 0) : 0;
	}
	let total = 0;
	let previousUpTo = 0;
	for (const tier of tiers) {
		const upTo = tier.up_to ?? Number.POSITIVE_INFINITY;
		const units = Math.min(quantity, upTo) - previousUpTo;
		if (units <= 0) break;
		total += units * (tier.unit_amount ?? 0) + (tier.flat_amount ?? 0);
		previousUpTo = upTo;
	}
	return total;
}

type ActionKind = 'expire_incomplete' | 'trial_will_end' | 'trial_end' | 'upcoming' | 'retry' | 'cancel_at' | 'renew';

interface DueAction {
	at: number;
	kind: ActionKind;
}

/** A min-heap of (time, subscription) so advancing a clock over a large account stays fast. */
class ActionQueue {
	private readonly heap: Array<{ at: number; order: number; dataset: Dataset; subscription: string }> = [];
	private order = 0;
	push(at: number, dataset: Dataset, subscription: string): void {
		this.heap.push({ at, order: this.order++, dataset, subscription });
		let i = this.heap.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!this.less(i, parent)) break;
			[this.heap[i], this.heap[parent]] = [this.heap[parent], this.heap[i]];
			i = parent;
		}
	}
	pop(): { at: number; dataset: Dataset; subscription: string } | undefined {
		const top = this.heap[0];
		const last = this.heap.pop();
		if (this.heap.length > 0 && last) {
			this.heap[0] = last;
			let i = 0;
			for (;;) {
				const left = 2 * i + 1;
				const right = left + 1;
				let smallest = i;
				if (left < this.heap.length && this.less(left, smallest)) smallest = left;
				if (right < this.heap.length && this.less(right, smallest)) smallest = right;
				if (smallest === i) break;
				[this.heap[i], this.heap[smallest]] = [this.heap[smallest], this.heap[i]];
				i = smallest;
			}
		}
		return top;
	}
	private less(a: number, b: number): boolean {
		return this.heap[a].at < this.heap[b].at || (this.heap[a].at === this.heap[b].at && this.heap[a].order < this.heap[b].order);
	}
}

export class Billing {
	constructor(
		private readonly store: Store,
		private readonly ids: IdFactory,
		private readonly clock: Clock,
		private readonly webhooks: Webhooks,
		readonly options: BillingOptions,
	) {}

	// ----- customers and catalog -------------------------------------------------------------

	createCustomer(
		dataset: Dataset,
		fields: Parameters<typeof buildCustomer>[2] & { card?: CardBehavior },
		options: ChangeOptions = {},
	): Stripe.Customer {
		const at = options.at ?? this.clock.now();
		const { card, ...customerFields } = fields;
		const customer = dataset.customers.put(buildCustomer(this.ids.next('cus'), { livemode: dataset.livemode, created: at }, customerFields)) as Stripe.Customer;
		if (card) dataset.cards.set(customer.id, card);
		this.webhooks.emit(dataset, 'customer.created', customer, { at, request: options.request });
		return customer;
	}

	updateCustomer(dataset: Dataset, id: string, changes: Partial<Stripe.Customer>, options: ChangeOptions = {}): Stripe.Customer {
		const before = this.customer(dataset, id);
		const after: Stripe.Customer = {
			...before,
			...changes,
			metadata: changes.metadata ? mergeMetadata(before.metadata, changes.metadata) : before.metadata,
		};
		return this.replace<Stripe.Customer>(dataset, dataset.customers, before, after, 'customer.updated', options);
	}

	deleteCustomer(dataset: Dataset, id: string, options: ChangeOptions = {}): Stripe.DeletedCustomer {
		const customer = this.customer(dataset, id);
		for (const sub of dataset.subscriptions.valuesOf('customer', id)) {
			if (!isEnded(sub)) this.cancelSubscription(dataset, sub.id, options);
		}
		const stub: Stripe.DeletedCustomer = { id, object: 'customer', deleted: true };
		dataset.customers.put(stub);
		this.webhooks.emit(dataset, 'customer.deleted', customer, { at: options.at, request: options.request });
		return stub;
	}

	setCard(dataset: Dataset, customerId: string, card: CardBehavior): void {
		this.customer(dataset, customerId);
		dataset.cards.set(customerId, card);
	}

	createProduct(dataset: Dataset, fields: Parameters<typeof buildProduct>[2], options: ChangeOptions = {}): Stripe.Product {
		const at = options.at ?? this.clock.now();
		const product = dataset.products.put(buildProduct(this.ids.next('prod'), { livemode: dataset.livemode, created: at }, fields));
		this.webhooks.emit(dataset, 'product.created', product, { at, request: options.request });
		return product;
	}

	createPrice(dataset: Dataset, fields: PriceFields, options: ChangeOptions = {}): Stripe.Price {
		const at = options.at ?? this.clock.now();
		if (!dataset.products.get(fields.product)) throw resourceMissing('product', fields.product, 'product');
		const price = dataset.prices.put(buildPrice(this.ids.next('price'), { livemode: dataset.livemode, created: at }, fields));
		this.webhooks.emit(dataset, 'price.created', price, { at, request: options.request });
		return price;
	}

	createCoupon(dataset: Dataset, fields: CouponFields, options: ChangeOptions = {}): Stripe.Coupon {
		const at = options.at ?? this.clock.now();
		const id = fields.id ?? this.ids.next('', 8).slice(1);
		if (dataset.coupons.get(id)) throw invalidRequest('Coupon already exists.', 'id', 'resource_already_exists');
		const coupon = dataset.coupons.put(buildCoupon(id, { livemode: dataset.livemode, created: at }, fields));
		this.webhooks.emit(dataset, 'coupon.created', coupon, { at, request: options.request });
		return coupon;
	}

	// ----- subscriptions ---------------------------------------------------------------------

	createSubscription(dataset: Dataset, input: NewSubscription, options: ChangeOptions = {}): Stripe.Subscription {
		const at = options.at ?? this.clock.now();
		const customer = this.customer(dataset, input.customer, 'customer');
		if (input.items.length === 0) throw invalidRequest('Missing required param: items.', 'items');
		const prices = input.items.map((item, i) => this.price(dataset, item.price, `items[${i}][price]`));
		const currency = prices[0].currency;
		if (prices.some((price) => price.currency !== currency)) {
			throw invalidRequest('All prices on a subscription must have the same currency.', 'items');
		}
		const trialEnd = input.trialEnd ?? (input.trialDays ? at + input.trialDays * DAY : null);
		const id = this.ids.next('sub');
		const periodEnd = trialEnd ?? addInterval(at, prices[0].recurring!.interval, prices[0].recurring!.interval_count);
		const items = input.items.map((item, i) =>
			buildSubscriptionItem(this.ids.next('si', 14), {
				subscription: id,
				price: prices[i],
				quantity: item.quantity ?? 1,
				created: at,
				periodStart: at,
				periodEnd,
			}),
		);
		const discounts: string[] = [];
		if (input.coupon) {
			const coupon = dataset.coupons.get(input.coupon);
			if (!coupon) throw resourceMissing('coupon', input.coupon, 'coupon');
			const discount = dataset.discounts.put(buildDiscount(this.ids.next('di'), coupon, { customer: customer.id, subscription: id, start: at }));
			dataset.coupons.put({ ...coupon, times_redeemed: coupon.times_redeemed + 1 });
			discounts.push(discount.id);
		}
		let subscription = buildSubscription(id, { livemode: dataset.livemode, created: at }, {
			customer: customer.id,
			currency,
			status: trialEnd ? 'trialing' : 'incomplete',
			trial_start: trialEnd ? at : null,
			trial_end: trialEnd,
			metadata: input.metadata ?? {},
			discounts,
			items,
		});
		if (input.cancelAtPeriodEnd) subscription = { ...subscription, cancel_at_period_end: true, cancel_at: periodEnd, canceled_at: at };
		const invoice = this.draftInvoice(dataset, subscription, 'subscription_create', at, options.request);
		const result = this.collect(dataset, invoice, at, options.request, false);
		const status: Stripe.Subscription.Status = trialEnd ? 'trialing' : result === 'paid' ? 'active' : 'incomplete';
		if (result !== 'paid') this.schedule(dataset, id).openInvoice = invoice.id;
		subscription = { ...subscription, status, latest_invoice: invoice.id };
		dataset.subscriptions.put(subscription);
		this.webhooks.emit(dataset, 'customer.subscription.created', subscription, { at, request: options.request });
		return subscription;
	}

	/** Price/quantity changes take effect at once without proration; cancellation flags are scheduled. */
	updateSubscription(dataset: Dataset, id: string, changes: SubscriptionChanges, options: ChangeOptions = {}): Stripe.Subscription {
		const at = options.at ?? this.clock.now();
		const before = this.subscription(dataset, id);
		if (isEnded(before)) {
			throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.', undefined);
		}
		let after: Stripe.Subscription = { ...before };
		if (changes.items) after = { ...after, items: { ...after.items, data: this.replaceItems(dataset, before, changes.items, at) } };
		const periodEnd = currentPeriodEnd(after);
		if (changes.cancelAtPeriodEnd === true) {
			after = { ...after, cancel_at_period_end: true, cancel_at: periodEnd, canceled_at: at, cancellation_details: { ...after.cancellation_details!, reason: 'cancellation_requested' } };
		} else if (changes.cancelAtPeriodEnd === false || changes.cancelAt === null) {
			after = { ...after, cancel_at_period_end: false, cancel_at: null, canceled_at: null, cancellation_details: { ...after.cancellation_details!, reason: null } };
		}
		if (typeof changes.cancelAt === 'number') {
			after = { ...after, cancel_at: changes.cancelAt, canceled_at: at, cancel_at_period_end: false, cancellation_details: { ...after.cancellation_details!, reason: 'cancellation_requested' } };
		}
		if (changes.metadata) after = { ...after, metadata: mergeMetadata(before.metadata, changes.metadata) };
		return this.replace(dataset, dataset.subscriptions, before, after, 'customer.subscription.updated', options);
	}

	cancelSubscription(dataset: Dataset, id: string, options: ChangeOptions & { reason?: Stripe.Subscription.CancellationDetails.Reason } = {}): Stripe.Subscription {
		const at = options.at ?? this.clock.now();
		const before = this.subscription(dataset, id);
		if (isEnded(before)) throw invalidRequest(`No such subscription: '${id}'`, 'id', 'resource_missing', 404);
		const schedule = this.schedule(dataset, id);
		if (schedule.openInvoice) this.voidInvoice(dataset, schedule.openInvoice, at, options.request);
		schedule.openInvoice = null;
		const after: Stripe.Subscription = {
			...before,
			status: 'canceled',
			canceled_at: before.canceled_at ?? at,
			ended_at: at,
			cancel_at_period_end: before.cancel_at_period_end,
			cancellation_details: { ...before.cancellation_details!, reason: options.reason ?? before.cancellation_details?.reason ?? 'cancellation_requested' },
		};
		dataset.subscriptions.put(after);
		this.webhooks.emit(dataset, 'customer.subscription.deleted', after, { at, request: options.request });
		return after;
	}

	/** Status `paused`, as when a trial ends without a payment method; no invoices until resumed. */
	pauseSubscription(dataset: Dataset, id: string, options: ChangeOptions = {}): Stripe.Subscription {
		const at = options.at ?? this.clock.now();
		const before = this.subscription(dataset, id);
		if (before.status === 'paused' || isEnded(before)) throw invalidRequest('Only active or trialing subscriptions can be paused.', undefined);
		// Stripe records when and why; activities key a pause by this time, so trigger and backfill agree.
		const reason = before.status === 'trialing' ? 'trial_end_without_payment_method' : 'pause_requested';
		const paused = { ...before, status: 'paused', status_details: { paused: { transitioned_at: at, type: 'subscription', subscription: { type: reason } } } } as Stripe.Subscription;
		const after = this.replace(dataset, dataset.subscriptions, before, paused, 'customer.subscription.updated', options);
		this.webhooks.emit(dataset, 'customer.subscription.paused', after, { at, request: options.request });
		return after;
	}

	/** POST /v1/subscriptions/:id/resume: a new period starts now and is invoiced at once. */
	resumeSubscription(dataset: Dataset, id: string, options: ChangeOptions = {}): Stripe.Subscription {
		const at = options.at ?? this.clock.now();
		const before = this.subscription(dataset, id);
		if (before.status !== 'paused') throw invalidRequest('Only paused subscriptions can be resumed.', undefined);
		let after: Stripe.Subscription = { ...before, items: { ...before.items, data: this.newPeriod(before, at) }, billing_cycle_anchor: at, status_details: undefined };
		const invoice = this.draftInvoice(dataset, after, 'subscription_update', at, options.request);
		const result = this.collect(dataset, invoice, at, options.request, true);
		if (result !== 'paid') this.schedule(dataset, id).openInvoice = invoice.id;
		after = { ...after, status: result === 'paid' ? 'active' : 'past_due', latest_invoice: invoice.id };
		after = this.replace(dataset, dataset.subscriptions, before, after, 'customer.subscription.updated', options);
		this.webhooks.emit(dataset, 'customer.subscription.resumed', after, { at, request: options.request });
		return after;
	}

	/** Pays the open invoice of a subscription now (a customer fixing their card, or POST /v1/invoices/:id/pay). */
	payInvoice(dataset: Dataset, invoiceId: string, options: ChangeOptions = {}): Stripe.Invoice {
		const at = options.at ?? this.clock.now();
		const invoice = dataset.invoices.get(invoiceId);
		if (!invoice) throw resourceMissing('invoice', invoiceId);
		if (invoice.status !== 'open') throw invalidRequest('Invoice is already paid', undefined, 'invoice_payment_intent_requires_action');
		const result = this.collect(dataset, invoice, at, options.request, true);
		const subscriptionId = invoice.parent?.subscription_details?.subscription as string | undefined;
		if (subscriptionId) this.afterRetry(dataset, subscriptionId, result, at, options.request);
		return dataset.invoices.get(invoiceId)!;
	}

	// ----- one-off payments --------------------------------------------------------------------

	createCharge(
		dataset: Dataset,
		fields: { customer: string; amount: number; currency: string; description?: string | null },
		options: ChangeOptions = {},
	): Stripe.Charge {
		const at = options.at ?? this.clock.now();
		const customer = this.customer(dataset, fields.customer, 'customer');
		const succeeded = (dataset.cards.get(customer.id) ?? 'succeeds') === 'succeeds';
		const charge = dataset.charges.put(
			buildCharge(this.ids.next('ch'), { livemode: dataset.livemode, created: at }, { ...fields, customer, description: fields.description ?? null, succeeded }),
		);
		this.webhooks.emit(dataset, succeeded ? 'charge.succeeded' : 'charge.failed', charge, { at, request: options.request });
		return charge;
	}

	refundCharge(
		dataset: Dataset,
		chargeId: string,
		fields: { amount?: number; reason?: Stripe.Refund.Reason | null } = {},
		options: ChangeOptions = {},
	): Stripe.Refund {
		const at = options.at ?? this.clock.now();
		const before = dataset.charges.get(chargeId);
		if (!before) throw resourceMissing('charge', chargeId, 'charge');
		const refundable = before.amount_captured - before.amount_refunded;
		const amount = fields.amount ?? refundable;
		if (before.status !== 'succeeded' || refundable <= 0) {
			throw invalidRequest(`Charge ${chargeId} has already been refunded.`, undefined, 'charge_already_refunded');
		}
		if (amount > refundable) {
			throw invalidRequest(`Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`, 'amount');
		}
		const refund = dataset.refunds.put(buildRefund(this.ids.next('re'), at, { charge: before, amount, reason: fields.reason ?? null }));
		const after: Stripe.Charge = {
			...before,
			amount_refunded: before.amount_refunded + amount,
			refunded: before.amount_refunded + amount === before.amount_captured,
		};
		this.replace(dataset, dataset.charges, before, after, 'charge.refunded', options);
		this.webhooks.emit(dataset, 'refund.created', refund, { at, request: options.request });
		return refund;
	}

	disputeCharge(dataset: Dataset, chargeId: string, reason = 'fraudulent', options: ChangeOptions = {}): Stripe.Dispute {
		const at = options.at ?? this.clock.now();
		const charge = dataset.charges.get(chargeId);
		if (!charge) throw resourceMissing('charge', chargeId, 'charge');
		if (charge.status !== 'succeeded' || charge.disputed) throw invalidRequest(`Charge ${chargeId} cannot be disputed.`, 'charge');
		dataset.charges.put({ ...charge, disputed: true });
		const dispute = dataset.disputes.put(buildDispute(this.ids.next('dp'), { livemode: dataset.livemode, created: at }, { charge, reason }));
		this.webhooks.emit(dataset, 'charge.dispute.created', dispute, { at, request: options.request });
		return dispute;
	}

	// ----- time ----------------------------------------------------------------------------

	/** Moves the clock to `target`, running every due trial end, renewal, retry and cancellation in time order. */
	advanceClock(target: number): number {
		const queue = new ActionQueue();
		for (const dataset of this.store.all()) {
			for (const sub of dataset.subscriptions.values()) {
				const next = this.nextAction(dataset, sub);
				if (next && next.at <= target) queue.push(next.at, dataset, sub.id);
			}
		}
		let actions = 0;
		for (let entry = queue.pop(); entry; entry = queue.pop()) {
			const sub = entry.dataset.subscriptions.get(entry.subscription)!;
			const next = this.nextAction(entry.dataset, sub);
			if (!next || next.at > target) continue;
			this.clock.advanceTo(next.at);
			this.run(entry.dataset, sub, next);
			actions++;
			const following = this.nextAction(entry.dataset, entry.dataset.subscriptions.get(entry.subscription)!);
			if (following && following.at <= target) queue.push(following.at, entry.dataset, entry.subscription);
		}
		this.clock.advanceTo(target);
		return actions;
	}

	/** Runs one subscription's due actions up to `target` without moving the clock (seeding history). */
	runSubscriptionUntil(dataset: Dataset, id: string, target: number): void {
		for (;;) {
			const sub = this.subscription(dataset, id);
			const next = this.nextAction(dataset, sub);
			if (!next || next.at > target) return;
			this.run(dataset, sub, next);
		}
	}

	/** Ends a trial or starts the next period now (Stripe: `trial_end=now`, `billing_cycle_anchor=now`). */
	actNow(dataset: Dataset, id: string, kind: 'trial_end' | 'renew', options: ChangeOptions = {}): Stripe.Subscription {
		const sub = this.subscription(dataset, id);
		if (kind === 'trial_end' && sub.status !== 'trialing') throw invalidRequest('The subscription is not trialing.', 'trial_end');
		if (kind === 'renew' && !['active', 'past_due', 'unpaid'].includes(sub.status)) {
			throw invalidRequest(`A ${sub.status} subscription does not renew.`, 'billing_cycle_anchor');
		}
		this.run(dataset, sub, { at: options.at ?? this.clock.now(), kind });
		return this.subscription(dataset, id);
	}

	private nextAction(dataset: Dataset, sub: Stripe.Subscription): DueAction | null {
		if (isEnded(sub) || sub.status === 'paused') return null;
		const schedule = this.schedule(dataset, sub.id);
		const due: DueAction[] = [];
		if (sub.status === 'incomplete') due.push({ at: sub.created + 23 * 3600, kind: 'expire_incomplete' });
		else if (sub.status === 'trialing' && sub.trial_end !== null) {
			if (!schedule.trialWillEndSent) due.push({ at: Math.max(sub.trial_start ?? sub.created, sub.trial_end - 3 * DAY), kind: 'trial_will_end' });
			due.push({ at: sub.trial_end, kind: 'trial_end' });
		} else {
			const periodStart = sub.items.data[0]?.current_period_start ?? sub.created;
			const periodEnd = currentPeriodEnd(sub);
			if (schedule.openInvoice) {
				const next = dataset.invoices.get(schedule.openInvoice)?.next_payment_attempt;
				if (next) due.push({ at: next, kind: 'retry' });
			}
			if (sub.cancel_at !== null && sub.cancel_at <= periodEnd) due.push({ at: sub.cancel_at, kind: 'cancel_at' });
			else {
				const upcomingAt = periodEnd - this.options.upcomingDaysBefore * DAY;
				if (sub.status !== 'unpaid' && schedule.upcomingSentForPeriodEnd !== periodEnd && upcomingAt > periodStart && sub.cancel_at === null) {
					due.push({ at: upcomingAt, kind: 'upcoming' });
				}
				due.push({ at: periodEnd, kind: 'renew' });
			}
		}
		return due.reduce<DueAction | null>((first, action) => (!first || action.at < first.at ? action : first), null);
	}

	private run(dataset: Dataset, sub: Stripe.Subscription, action: DueAction): void {
		const at = action.at;
		const schedule = this.schedule(dataset, sub.id);
		switch (action.kind) {
			case 'expire_incomplete': {
				if (schedule.openInvoice) this.voidInvoice(dataset, schedule.openInvoice, at, AUTOMATIC);
				schedule.openInvoice = null;
				this.replace(dataset, dataset.subscriptions, sub, { ...sub, status: 'incomplete_expired', ended_at: at }, 'customer.subscription.updated', { at });
				return;
			}
			case 'trial_will_end':
				schedule.trialWillEndSent = true;
				this.webhooks.emit(dataset, 'customer.subscription.trial_will_end', sub, { at });
				return;
			case 'trial_end': {
				const renewed: Stripe.Subscription = { ...sub, items: { ...sub.items, data: this.newPeriod(sub, at) } };
				const invoice = this.draftInvoice(dataset, renewed, 'subscription_cycle', at, AUTOMATIC);
				const result = this.collect(dataset, invoice, at, AUTOMATIC, true);
				if (result !== 'paid') schedule.openInvoice = invoice.id;
				this.replace(dataset, dataset.subscriptions, sub, { ...renewed, status: result === 'paid' ? 'active' : 'past_due', latest_invoice: invoice.id }, 'customer.subscription.updated', { at });
				return;
			}
			case 'upcoming': {
				schedule.upcomingSentForPeriodEnd = currentPeriodEnd(sub);
				if (this.webhooks.records(at)) this.webhooks.emit(dataset, 'invoice.upcoming', this.invoicePreview(dataset, sub, at), { at });
				return;
			}
			case 'retry': {
				const result = this.collect(dataset, dataset.invoices.get(schedule.openInvoice!)!, at, AUTOMATIC, true);
				this.afterRetry(dataset, sub.id, result, at, AUTOMATIC);
				return;
			}
			case 'cancel_at':
				this.cancelSubscription(dataset, sub.id, { at });
				return;
			case 'renew': {
				const renewed: Stripe.Subscription = { ...sub, items: { ...sub.items, data: this.newPeriod(sub, at) } };
				if (sub.status === 'unpaid') {
					this.replace(dataset, dataset.subscriptions, sub, renewed, 'customer.subscription.updated', { at });
					return;
				}
				// An invoice still being retried is superseded by the new period's invoice, as Stripe does.
				const invoice = this.draftInvoice(dataset, renewed, 'subscription_cycle', at, AUTOMATIC);
				const result = this.collect(dataset, invoice, at, AUTOMATIC, true);
				if (result === 'paid') {
					if (schedule.openInvoice) this.voidInvoice(dataset, schedule.openInvoice, at, AUTOMATIC);
					schedule.openInvoice = null;
				} else schedule.openInvoice ??= invoice.id;
				const status = result === 'paid' ? 'active' : 'past_due';
				this.replace(dataset, dataset.subscriptions, sub, { ...renewed, status, latest_invoice: invoice.id }, 'customer.subscription.updated', { at });
				return;
			}
		}
	}

	private afterRetry(dataset: Dataset, subscriptionId: string, result: PaymentResult, at: number, request: RequestContext | undefined): void {
		const sub = this.subscription(dataset, subscriptionId);
		const schedule = this.schedule(dataset, subscriptionId);
		const invoice = schedule.openInvoice ? dataset.invoices.get(schedule.openInvoice) : undefined;
		if (result === 'paid') {
			schedule.openInvoice = null;
			if (sub.status !== 'active') this.replace(dataset, dataset.subscriptions, sub, { ...sub, status: 'active' }, 'customer.subscription.updated', { at, request });
			return;
		}
		if (invoice?.next_payment_attempt) return;
		// Retries exhausted.
		if (this.options.afterFinalFailure === 'cancel') {
			if (invoice) this.markUncollectible(dataset, invoice.id, at);
			schedule.openInvoice = null;
			this.cancelSubscription(dataset, subscriptionId, { at, request, reason: 'payment_failed' });
		} else if (this.options.afterFinalFailure === 'unpaid' && sub.status !== 'unpaid') {
			this.replace(dataset, dataset.subscriptions, sub, { ...sub, status: 'unpaid' }, 'customer.subscription.updated', { at, request });
		}
	}

	// ----- invoices and payments ---------------------------------------------------------------

	private draftInvoice(
		dataset: Dataset,
		sub: Stripe.Subscription,
		reason: Stripe.Invoice.BillingReason,
		at: number,
		request: RequestContext | undefined,
	): Stripe.Invoice {
		const customer = this.customer(dataset, sub.customer as string);
		const trial = reason === 'subscription_create' && sub.status === 'trialing';
		const lines: InvoiceLine[] = sub.items.data.map((item) => {
			const quantity = item.quantity ?? 0;
			const amount = trial ? 0 : priceAmount(item.price, quantity);
			const productName = dataset.products.get(item.price.product as string)?.name ?? 'Subscription';
			return {
				id: this.ids.next('il'),
				price: item.price,
				quantity,
				amount,
				subscriptionItem: item.id,
				periodStart: item.current_period_start,
				periodEnd: item.current_period_end,
				description: trial ? `Trial period for ${productName}` : `${quantity} × ${productName}`,
			};
		});
		const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
		const discount = this.applicableDiscount(dataset, sub, reason, at);
		const discountAmount = discount ? discountFor(discount.coupon, subtotal, sub.currency) : 0;
		const invoice = buildInvoice(this.ids.next('in'), { livemode: dataset.livemode, created: at }, {
			customer,
			subscription: sub.id,
			currency: sub.currency,
			billingReason: reason,
			lines,
			discountAmount,
			discounts: discount && discountAmount > 0 ? [discount.id] : [],
			periodStart: sub.items.data[0].current_period_start,
			periodEnd: sub.items.data[0].current_period_end,
			hostedBaseUrl: this.options.hostedInvoiceBase,
		});
		// The draft only exists for its event; bulk seeding without events skips storing it.
		if (this.webhooks.records(at)) {
			dataset.invoices.put(invoice);
			this.webhooks.emit(dataset, 'invoice.created', invoice, { at, request });
		}
		const sequence = customer.next_invoice_sequence ?? 1;
		dataset.customers.put({ ...customer, next_invoice_sequence: sequence + 1 });
		const finalized: Stripe.Invoice = {
			...invoice,
			status: 'open',
			number: `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`,
			hosted_invoice_url: `${this.options.hostedInvoiceBase}/acct_emu/${dataset.livemode ? 'live' : 'test'}_${invoice.id}`,
			invoice_pdf: `${this.options.hostedInvoiceBase}/acct_emu/${dataset.livemode ? 'live' : 'test'}_${invoice.id}/pdf`,
			effective_at: at,
			status_transitions: { ...invoice.status_transitions, finalized_at: at },
		};
		dataset.invoices.put(finalized);
		this.webhooks.emit(dataset, 'invoice.finalized', finalized, { at, request });
		return finalized;
	}

	/** Once-coupons discount the first paid invoice, repeating ones until their end, forever ones always. */
	private applicableDiscount(dataset: Dataset, sub: Stripe.Subscription, reason: Stripe.Invoice.BillingReason, at: number): { id: string; coupon: Stripe.Coupon } | null {
		const discountId = sub.discounts[0] as string | undefined;
		if (!discountId) return null;
		const discount = dataset.discounts.get(discountId);
		const couponId = discount?.source.coupon;
		const coupon = typeof couponId === 'string' ? dataset.coupons.get(couponId) : undefined;
		if (!discount || !coupon) return null;
		if (coupon.duration === 'repeating' && discount.end !== null && at >= discount.end) return null;
		if (coupon.duration === 'once') {
			const firstPaid = reason === 'subscription_create' ? sub.status !== 'trialing' : sub.trial_end !== null && at === sub.trial_end;
			if (!firstPaid) return null;
		}
		return { id: discount.id, coupon };
	}

	/** The invoice Stripe previews in `invoice.upcoming`: next period's amounts, no id. */
	private invoicePreview(dataset: Dataset, sub: Stripe.Subscription, at: number): Stripe.Invoice {
		const customer = this.customer(dataset, sub.customer as string);
		const next = this.newPeriod(sub, currentPeriodEnd(sub));
		const lines: InvoiceLine[] = next.map((item) => ({
			id: this.ids.next('il'),
			price: item.price,
			quantity: item.quantity ?? 0,
			amount: priceAmount(item.price, item.quantity ?? 0),
			subscriptionItem: item.id,
			periodStart: item.current_period_start,
			periodEnd: item.current_period_end,
			description: `${item.quantity ?? 0} × ${dataset.products.get(item.price.product as string)?.name ?? 'Subscription'}`,
		}));
		const discount = this.applicableDiscount(dataset, sub, 'upcoming', currentPeriodEnd(sub));
		const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
		const { id: _id, ...preview } = buildInvoice('upcoming', { livemode: dataset.livemode, created: at }, {
			customer,
			subscription: sub.id,
			currency: sub.currency,
			billingReason: 'upcoming',
			lines,
			discountAmount: discount ? discountFor(discount.coupon, subtotal, sub.currency) : 0,
			discounts: discount ? [discount.id] : [],
			periodStart: next[0].current_period_start,
			periodEnd: next[0].current_period_end,
			hostedBaseUrl: this.options.hostedInvoiceBase,
		});
		return { ...preview, next_payment_attempt: currentPeriodEnd(sub) + 3600, lines: { ...preview.lines, url: `/v1/invoices/upcoming/lines?subscription=${sub.id}` } } as Stripe.Invoice;
	}

	/**
	 * Charges the customer's card for an open invoice. `retries` schedules Smart Retries after a
	 * failure (not for a subscription's first invoice, which stays `incomplete` instead).
	 */
	private collect(dataset: Dataset, invoice: Stripe.Invoice, at: number, request: RequestContext | undefined, retries: boolean): PaymentResult {
		const customer = this.customer(dataset, invoice.customer as string);
		const attempt = invoice.attempt_count + 1;
		if (invoice.amount_due === 0) {
			this.markPaid(dataset, invoice, at, request, 0);
			return 'paid';
		}
		const card = dataset.cards.get(customer.id) ?? 'succeeds';
		const nextAttempt = retries && attempt <= this.options.smartRetryDays.length ? at + this.options.smartRetryDays[attempt - 1] * DAY : null;
		if (card === 'requires_action') {
			const after = dataset.invoices.put({ ...invoice, attempt_count: attempt, attempted: true, next_payment_attempt: nextAttempt });
			this.webhooks.emit(dataset, 'invoice.payment_action_required', after, { at, request });
			return 'requires_action';
		}
		const succeeded = card === 'succeeds';
		const charge = dataset.charges.put(
			buildCharge(this.ids.next('ch'), { livemode: dataset.livemode, created: at }, {
				amount: invoice.amount_due,
				currency: invoice.currency,
				customer,
				description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
				succeeded,
			}),
		);
		this.webhooks.emit(dataset, succeeded ? 'charge.succeeded' : 'charge.failed', charge, { at, request });
		if (succeeded) {
			this.markPaid(dataset, invoice, at, request, attempt);
			return 'paid';
		}
		const after = dataset.invoices.put({ ...invoice, attempt_count: attempt, attempted: true, next_payment_attempt: nextAttempt });
		this.webhooks.emit(dataset, 'invoice.payment_failed', after, { at, request });
		return 'failed';
	}

	private markPaid(dataset: Dataset, invoice: Stripe.Invoice, at: number, request: RequestContext | undefined, attempt: number): void {
		const paid = dataset.invoices.put({
			...invoice,
			status: 'paid',
			attempt_count: attempt,
			attempted: attempt > 0 || invoice.attempted,
			amount_paid: invoice.amount_due,
			amount_remaining: 0,
			next_payment_attempt: null,
			status_transitions: { ...invoice.status_transitions, paid_at: at },
		});
		this.webhooks.emit(dataset, 'invoice.paid', paid, { at, request });
		this.webhooks.emit(dataset, 'invoice.payment_succeeded', paid, { at, request });
	}

	private voidInvoice(dataset: Dataset, id: string, at: number, request: RequestContext | undefined): void {
		const invoice = dataset.invoices.get(id);
		if (!invoice || invoice.status !== 'open') return;
		const voided = dataset.invoices.put({ ...invoice, status: 'void', next_payment_attempt: null, amount_remaining: 0, status_transitions: { ...invoice.status_transitions, voided_at: at } });
		this.webhooks.emit(dataset, 'invoice.voided', voided, { at, request });
	}

	private markUncollectible(dataset: Dataset, id: string, at: number): void {
		const invoice = dataset.invoices.get(id);
		if (!invoice || invoice.status !== 'open') return;
		const after = dataset.invoices.put({ ...invoice, status: 'uncollectible', next_payment_attempt: null, status_transitions: { ...invoice.status_transitions, marked_uncollectible_at: at } });
		this.webhooks.emit(dataset, 'invoice.marked_uncollectible', after, { at });
	}

	// ----- helpers -----------------------------------------------------------------------------

	private newPeriod(sub: Stripe.Subscription, start: number): Stripe.SubscriptionItem[] {
		return sub.items.data.map((item) => ({
			...item,
			current_period_start: start,
			current_period_end: addInterval(start, item.price.recurring!.interval, item.price.recurring!.interval_count),
		}));
	}

	private replaceItems(dataset: Dataset, sub: Stripe.Subscription, inputs: SubscriptionItemInput[], at: number): Stripe.SubscriptionItem[] {
		const periodStart = sub.items.data[0].current_period_start;
		const periodEnd = currentPeriodEnd(sub);
		return inputs.map((input, i) => {
			const price = this.price(dataset, input.price, `items[${i}][price]`);
			if (price.currency !== sub.currency) throw invalidRequest('All prices on a subscription must have the same currency.', `items[${i}][price]`);
			const existing = sub.items.data[i];
			if (existing && existing.price.id === price.id && (input.quantity ?? existing.quantity) === existing.quantity) return existing;
			return buildSubscriptionItem(existing?.id ?? this.ids.next('si', 14), {
				subscription: sub.id,
				price,
				quantity: input.quantity ?? existing?.quantity ?? 1,
				created: existing?.created ?? at,
				periodStart,
				periodEnd,
			});
		});
	}

	/** Stores `after` and emits `type` with the changed keys' old values. */
	private replace<T extends { id: string; object: string }>(
		dataset: Dataset,
		collection: { put(value: T): unknown },
		before: T,
		after: T,
		type: 'customer.updated' | 'customer.subscription.updated' | 'charge.refunded',
		options: ChangeOptions,
	): T {
		collection.put(after);
		const at = options.at ?? this.clock.now();
		if (!this.webhooks.records(at)) return after;
		const previous = previousAttributes(before, after);
		if (previous || type === 'charge.refunded') this.webhooks.emit(dataset, type, after, { previous, at, request: options.request });
		return after;
	}

	schedule(dataset: Dataset, subscriptionId: string): SubscriptionSchedule {
		let schedule = dataset.schedules.get(subscriptionId);
		if (!schedule) {
			schedule = { trialWillEndSent: false, upcomingSentForPeriodEnd: null, openInvoice: null };
			dataset.schedules.set(subscriptionId, schedule);
		}
		return schedule;
	}

	customer(dataset: Dataset, id: string, param = 'id'): Stripe.Customer {
		const customer = dataset.liveCustomer(id);
		if (!customer) throw resourceMissing('customer', id, param);
		return customer;
	}

	subscription(dataset: Dataset, id: string): Stripe.Subscription {
		const subscription = dataset.subscriptions.get(id);
		if (!subscription) throw resourceMissing('subscription', id);
		return subscription;
	}

	private price(dataset: Dataset, id: string, param: string): Stripe.Price {
		const price = dataset.prices.get(id);
		if (!price) throw resourceMissing('price', id, param);
		if (!price.recurring) throw invalidRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, param);
		return price;
	}
}

type PaymentResult = 'paid' | 'failed' | 'requires_action';

function isEnded(sub: Stripe.Subscription): boolean {
	return sub.status === 'canceled' || sub.status === 'incomplete_expired';
}

function currentPeriodEnd(sub: Stripe.Subscription): number {
	return Math.min(...sub.items.data.map((item) => item.current_period_end));
}

function discountFor(coupon: Stripe.Coupon, subtotal: number, currency: string): number {
	if (coupon.percent_off) return Math.round((subtotal * coupon.percent_off) / 100);
	if (coupon.amount_off && coupon.currency === currency) return Math.min(coupon.amount_off, subtotal);
	return 0;
}

/** Stripe merges metadata updates; an empty value deletes the key. */
function mergeMetadata(current: Stripe.Metadata, changes: Stripe.Metadata): Stripe.Metadata {
	const merged = { ...current };
	for (const [key, value] of Object.entries(changes)) {
		if (value === '') delete merged[key];
		else merged[key] = value;
	}
	return merged;
}
