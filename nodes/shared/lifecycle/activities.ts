import type Stripe from 'stripe';

import { currentEvent } from './apiShapes';
import { money } from './money';
import { subscriptionMrr } from './mrr';
import { daysBetween, isoFromEpoch } from './time';
import {
	ACTIVITIES,
	type Activity,
	type ActivityName,
	type ChangeDetails,
	type ChargeSnapshot,
	type CustomerRef,
	type InvoiceSnapshot,
	type SubscriptionSnapshot,
} from './types';

/**
 * Turns one Stripe event into the activities it stands for (docs/ACTIVITIES.md).
 *
 * Every rule reads only the event: `data.object` as it was when the event happened and
 * `data.previous_attributes` for what changed. Nothing is looked up or remembered, so an event
 * delivered twice, late, or after a newer one is classified the same way every time.
 *
 * dedupeKey scheme — `<activity>:<object id>[:<qualifier>]`, built from object fields wherever
 * the fact has an identity of its own, so a backfill that rebuilds activities from objects
 * yields the same keys as the webhook:
 *   trial.started | trial.converted | trial.expired | trial.cancelled
 *   subscription.started | subscription.cancelled        :<sub id>
 *   trial.ending                                          :<sub id>:<trial_end>
 *   subscription.cancel_scheduled                         :<sub id>:<canceled_at ?? cancel_at>
 *   subscription.reactivated                              :<sub id>:<previous canceled_at ?? event id>
 *   subscription.past_due                                 :<sub id>:<latest invoice id ?? event id>
 *   subscription.paused                                   :<sub id>:<status_details.paused.transitioned_at ?? event id>
 *   subscription.resumed | subscription.changed           :<sub id>:<event id>
 *   invoice.paid                                          :<in id>
 *   invoice.payment_failed | invoice.payment_action_required  :<in id>:attempt_<attempt_count>
 *   invoice.upcoming                                      :<sub id ?? cus id>:<period_end>
 *   charge.succeeded | charge.failed                      :<ch id>
 *   charge.refunded                                       :<ch id>:<amount_refunded> (cumulative, so each partial refund is its own fact)
 *   charge.disputed                                       :<dp id>
 *   customer.created | customer.deleted                   :<cus id>
 *   customer.updated                                      :<cus id>:<event id>
 *   stripe.event                                          :<event id>
 * The event id appears only where the object keeps no trace of the fact.
 */

type EventType = Stripe.Event['type'];

/** Which Stripe event types can produce each activity; the trigger subscribes to their union. */
export const STRIPE_EVENTS_FOR = {
	'trial.started': ['customer.subscription.created', 'customer.subscription.updated'],
	'trial.ending': ['customer.subscription.trial_will_end'],
	'trial.converted': ['customer.subscription.updated'],
	'trial.expired': ['customer.subscription.updated', 'customer.subscription.deleted'],
	'trial.cancelled': ['customer.subscription.deleted'],
	'subscription.started': ['customer.subscription.created', 'customer.subscription.updated'],
	'subscription.changed': ['customer.subscription.updated'],
	'subscription.cancel_scheduled': ['customer.subscription.updated'],
	'subscription.reactivated': ['customer.subscription.updated'],
	'subscription.past_due': ['customer.subscription.updated'],
	'subscription.paused': ['customer.subscription.paused'],
	'subscription.resumed': ['customer.subscription.resumed'],
	'subscription.cancelled': ['customer.subscription.deleted'],
	'charge.succeeded': ['charge.succeeded'],
	'charge.failed': ['charge.failed'],
	'charge.refunded': ['charge.refunded'],
	'charge.disputed': ['charge.dispute.created'],
	'invoice.paid': ['invoice.paid'],
	'invoice.payment_failed': ['invoice.payment_failed'],
	'invoice.upcoming': ['invoice.upcoming'],
	'invoice.payment_action_required': ['invoice.payment_action_required'],
	'customer.created': ['customer.created'],
	'customer.updated': ['customer.updated'],
	'customer.deleted': ['customer.deleted'],
	// Subscribes to nothing itself: it stands for an event of a type the other activities subscribed to.
	'stripe.event': [],
} as const satisfies Record<ActivityName, readonly EventType[]>;

/** The Stripe event types to register for a selection of activities, sorted and without repeats. */
export function stripeEventsFor(activities: Iterable<ActivityName>): EventType[] {
	const types = new Set<EventType>();
	for (const activity of activities) for (const type of STRIPE_EVENTS_FOR[activity]) types.add(type);
	return [...types].sort();
}

export interface ActivityOptions {
	/** Locale for formatted money when the customer object carries no preferred locale. */
	locale?: string;
	/** Attach the whole Stripe event as `raw`. */
	includeRaw?: boolean;
}

/**
 * The activities of an event of any API version: its object is first lifted to the pinned
 * version's shape (apiShapes.ts). Throws when the payload cannot be read; `readEvent` does not.
 */
export function toActivities(original: Stripe.Event, options: ActivityOptions = {}): Activity[] {
	const event = currentEvent(original);
	const built = activitiesOf(event, options);
	// `raw` is what Stripe sent, not the lifted copy.
	return options.includeRaw ? built.map((activity) => ({ ...activity, raw: original })) : built;
}

/**
 * `toActivities`, except that an event it cannot read becomes one `stripe.event` activity with
 * the whole event in `raw` and the reason in `warnings`: acknowledged and passed on, never an
 * error Stripe would retry for three days.
 */
export function readEvent(event: Stripe.Event, options: ActivityOptions = {}): Activity[] {
	try {
		return toActivities(event, options);
	} catch (error) {
		return [unreadableEventActivity(event, error instanceof Error ? error.message : String(error))];
	}
}

export function unreadableEventActivity(event: Stripe.Event, reason: string): Activity {
	const object: Record<string, unknown> = typeof event.data?.object === 'object' && event.data.object !== null ? (event.data.object as unknown as Record<string, unknown>) : {};
	const customerId = object.object === 'customer' ? object.id : object.customer;
	const version = typeof event.api_version === 'string' ? `API version ${event.api_version}` : 'an unknown API version';
	return {
		activity: 'stripe.event',
		category: 'event',
		occurredAt: isoFromEpoch(typeof event.created === 'number' ? event.created : null) ?? '',
		eventId: event.id,
		eventType: event.type,
		livemode: event.livemode === true,
		account: event.account ?? null,
		dedupeKey: dedupeKey('stripe.event', event.id),
		customer: { id: typeof customerId === 'string' ? customerId : null, email: null, name: null },
		raw: event,
		warnings: [
			`The ${event.type} event (${version}) could not be read: ${reason}. It is passed on whole in \`raw\`; see docs/API_VERSIONS.md for the shapes this package reads.`,
		],
	};
}

/** Whether a selection takes `activity`; an event passed on raw goes wherever its event type was subscribed for. */
export function isSelected(activity: Pick<Activity, 'activity' | 'eventType'>, selected: ReadonlySet<ActivityName>): boolean {
	if (activity.activity !== 'stripe.event') return selected.has(activity.activity);
	return [...selected].some((name) => (STRIPE_EVENTS_FOR[name] as readonly string[]).includes(activity.eventType));
}

function activitiesOf(event: Stripe.Event, options: ActivityOptions): Activity[] {
	switch (event.type) {
		case 'customer.subscription.created':
		case 'customer.subscription.updated':
		case 'customer.subscription.deleted':
		case 'customer.subscription.trial_will_end':
		case 'customer.subscription.paused':
		case 'customer.subscription.resumed':
			return subscriptionActivities(event, options);
		case 'invoice.paid':
		case 'invoice.payment_failed':
		case 'invoice.upcoming':
		case 'invoice.payment_action_required':
			return [invoiceActivity(event.data.object, event.type, event, options)];
		case 'charge.succeeded':
		case 'charge.failed':
		case 'charge.refunded':
			return [chargeActivity(event.data.object, event.type, event, options)];
		case 'charge.dispute.created':
			return [disputeActivity(event.data.object, event, options)];
		case 'customer.created':
		case 'customer.updated':
		case 'customer.deleted':
			return [customerActivity(event.data.object, event.type, event)];
		default:
			return [];
	}
}

/**
 * What an activity takes from the event that announced it. The backfill (backfill.ts) rebuilds
 * facts from objects and supplies its own envelope, so both paths share every builder below.
 */
export type Envelope = Pick<Stripe.Event, 'id' | 'type' | 'created' | 'livemode' | 'account'>;

/** What a rule concluded; `activityFrom` wraps it in what every activity carries. */
export interface Finding {
	activity: ActivityName;
	dedupeKey: string;
	change?: ChangeDetails;
	daysLeft?: number;
}

type Subject = Pick<Activity, 'customer' | 'subscription' | 'invoice' | 'charge' | 'amount'>;

function activityFrom(event: Envelope, finding: Finding, subject: Subject): Activity {
	return {
		activity: finding.activity,
		category: ACTIVITIES[finding.activity],
		occurredAt: isoFromEpoch(event.created) ?? '',
		eventId: event.id,
		eventType: event.type,
		livemode: event.livemode,
		account: event.account ?? null,
		dedupeKey: finding.dedupeKey,
		...subject,
		...(finding.change ? { change: finding.change } : {}),
		...(finding.daysLeft !== undefined ? { daysLeft: finding.daysLeft } : {}),
	};
}

export function dedupeKey(activity: ActivityName, id: string, qualifier?: string | number): string {
	return qualifier === undefined ? `${activity}:${id}` : `${activity}:${id}:${qualifier}`;
}

// ── Subscriptions ────────────────────────────────────────────────────────────────────────────

type SubscriptionEvent =
	| Stripe.CustomerSubscriptionCreatedEvent
	| Stripe.CustomerSubscriptionUpdatedEvent
	| Stripe.CustomerSubscriptionDeletedEvent
	| Stripe.CustomerSubscriptionTrialWillEndEvent
	| Stripe.CustomerSubscriptionPausedEvent
	| Stripe.CustomerSubscriptionResumedEvent;

/** Statuses a trial can fall into when it ends without a payment (Stripe's `missing_payment_method` behaviours). */
export const TRIAL_EXPIRED_STATUSES: ReadonlySet<string> = new Set(['paused', 'incomplete_expired']);

/** Stripe ends a trial at `trial_end`; an end this close to it is the trial running out, not a decision. */
const TRIAL_EXPIRY_GRACE_SECONDS = 60 * 60;

function subscriptionActivities(event: SubscriptionEvent, options: ActivityOptions): Activity[] {
	return subscriptionActivitiesFrom(event.data.object, subscriptionFindings(event), event, options);
}

/** The activities `findings` stand for, each carrying the subscription as `subscription` shows it. */
export function subscriptionActivitiesFrom(
	subscription: Stripe.Subscription,
	findings: Finding[],
	event: Envelope,
	options: ActivityOptions,
): Activity[] {
	if (findings.length === 0) return [];
	const snapshot = subscriptionSnapshot(subscription, event.created);
	const subject: Subject = {
		customer: customerRef(subscription.customer),
		subscription: snapshot,
		amount: money(snapshot.mrr, subscription.currency, localeFor(subscription.customer, options)),
	};
	return findings.map((finding) => activityFrom(event, finding, subject));
}

function subscriptionFindings(event: SubscriptionEvent): Finding[] {
	const subscription = event.data.object;
	const id = subscription.id;
	switch (event.type) {
		case 'customer.subscription.created':
			if (subscription.status === 'trialing') return [{ activity: 'trial.started', dedupeKey: dedupeKey('trial.started', id) }];
			if (subscription.status === 'active') {
				return [{ activity: 'subscription.started', dedupeKey: dedupeKey('subscription.started', id) }];
			}
			return [];
		case 'customer.subscription.updated':
			return updateFindings(event);
		case 'customer.subscription.deleted':
			return endFindings(subscription, event.created);
		case 'customer.subscription.trial_will_end': {
			const trialEnd = subscription.trial_end;
			// The reminder is pointless once the trial has converted or ended before the event arrived.
			if (subscription.status !== 'trialing' || trialEnd === null) return [];
			return [
				{
					activity: 'trial.ending',
					dedupeKey: dedupeKey('trial.ending', id, trialEnd),
					daysLeft: Math.max(0, daysBetween(event.created, trialEnd)),
				},
			];
		}
		case 'customer.subscription.paused': {
			const pausedAt = subscription.status_details?.paused?.transitioned_at;
			return [{ activity: 'subscription.paused', dedupeKey: dedupeKey('subscription.paused', id, pausedAt ?? event.id) }];
		}
		case 'customer.subscription.resumed':
			return [{ activity: 'subscription.resumed', dedupeKey: dedupeKey('subscription.resumed', id, event.id) }];
	}
}

/**
 * One update can mean several things at once (a plan change and a scheduled cancellation).
 * Transitions into or out of `paused` are left to the dedicated paused/resumed events.
 */
function updateFindings(event: Stripe.CustomerSubscriptionUpdatedEvent): Finding[] {
	const subscription = event.data.object;
	const previous = event.data.previous_attributes ?? {};
	const id = subscription.id;
	const findings: Finding[] = [];
	const from = previous.status;
	const to = subscription.status;

	if (from !== undefined && from !== to) {
		if (to === 'trialing') {
			findings.push({ activity: 'trial.started', dedupeKey: dedupeKey('trial.started', id) });
		} else if (from === 'trialing' && to === 'active') {
			findings.push({ activity: 'trial.converted', dedupeKey: dedupeKey('trial.converted', id) });
		} else if (from === 'trialing' && TRIAL_EXPIRED_STATUSES.has(to)) {
			findings.push({ activity: 'trial.expired', dedupeKey: dedupeKey('trial.expired', id) });
		} else if (from === 'incomplete' && to === 'active') {
			findings.push({ activity: 'subscription.started', dedupeKey: dedupeKey('subscription.started', id) });
		}
		if (to === 'past_due') {
			const invoice = subscription.latest_invoice;
			findings.push({
				activity: 'subscription.past_due',
				dedupeKey: dedupeKey('subscription.past_due', id, invoice === null ? event.id : idOf(invoice)),
			});
		}
	}

	const previousItems = previous.items?.data;
	if (previousItems && itemsSignature(previousItems) !== itemsSignature(subscription.items.data)) {
		findings.push({
			activity: 'subscription.changed',
			dedupeKey: dedupeKey('subscription.changed', id, event.id),
			change: itemsChange(subscription, previousItems, event.created),
		});
	}

	if ('cancel_at_period_end' in previous || 'cancel_at' in previous) {
		const wasScheduled =
			(previous.cancel_at_period_end ?? subscription.cancel_at_period_end) ||
			('cancel_at' in previous ? previous.cancel_at : subscription.cancel_at) != null;
		const isScheduled = subscription.cancel_at_period_end || subscription.cancel_at !== null;
		if (to !== 'canceled' && !wasScheduled && isScheduled) {
			findings.push({
				activity: 'subscription.cancel_scheduled',
				dedupeKey: dedupeKey('subscription.cancel_scheduled', id, subscription.canceled_at ?? subscription.cancel_at ?? event.id),
			});
		} else if (to !== 'canceled' && wasScheduled && !isScheduled) {
			findings.push({
				activity: 'subscription.reactivated',
				dedupeKey: dedupeKey('subscription.reactivated', id, previous.canceled_at ?? event.id),
			});
		}
	}
	return findings;
}

/**
 * A deleted subscription that had a trial is told apart by its own timestamps: cancelled during
 * the trial (`canceled_at` is when it was requested, even for cancel-at-period-end), or ended by
 * Stripe right at `trial_end` without a payment method (expired); anything else is churn.
 * The customer's own default payment method is not in the payload, so "without payment" is read
 * from the subscription's payment method and the absence of a customer request.
 */
export function endFindings(subscription: Stripe.Subscription, eventCreated: number): Finding[] {
	const id = subscription.id;
	// Never paid and never started: not churn.
	if (subscription.status === 'incomplete_expired') return [];
	const trialEnd = subscription.trial_end;
	if (trialEnd !== null) {
		const requestedAt = subscription.canceled_at ?? subscription.ended_at ?? eventCreated;
		if (requestedAt < trialEnd) return [{ activity: 'trial.cancelled', dedupeKey: dedupeKey('trial.cancelled', id) }];
		const endedAt = subscription.ended_at ?? eventCreated;
		const withoutPayment =
			subscription.default_payment_method === null &&
			subscription.default_source === null &&
			subscription.cancellation_details?.reason !== 'cancellation_requested';
		if (withoutPayment && endedAt - trialEnd <= TRIAL_EXPIRY_GRACE_SECONDS) {
			return [{ activity: 'trial.expired', dedupeKey: dedupeKey('trial.expired', id) }];
		}
	}
	return [{ activity: 'subscription.cancelled', dedupeKey: dedupeKey('subscription.cancelled', id) }];
}

/** Price and quantity per item; renewals rewrite items' periods without changing what is sold. */
function itemsSignature(items: Stripe.SubscriptionItem[]): string {
	return items
		.map((item) => `${item.price.id}×${item.quantity ?? 1}`)
		.sort()
		.join(',');
}

/** Both sides are valued with the current status and discounts, so only the items make the delta. */
function itemsChange(subscription: Stripe.Subscription, previousItems: Stripe.SubscriptionItem[], at: number): ChangeDetails {
	const mrr = subscriptionMrr(subscription, { at });
	const previousMrr = subscriptionMrr({ ...subscription, items: { ...subscription.items, data: previousItems } }, { at });
	const previousPrimary = primaryItem(previousItems);
	const mrrDelta = mrr - previousMrr;
	return {
		previousPriceId: previousPrimary?.price.id ?? null,
		previousQuantity: previousPrimary?.quantity ?? null,
		previousMrr,
		mrrDelta,
		direction: mrrDelta > 0 ? 'upgrade' : mrrDelta < 0 ? 'downgrade' : 'none',
	};
}

/** The item that stands for "the plan": the first licensed one, since metered add-ons are extras. */
export function primaryItem(items: Stripe.SubscriptionItem[]): Stripe.SubscriptionItem | undefined {
	return items.find((item) => item.price.recurring?.usage_type !== 'metered') ?? items[0];
}

export function subscriptionSnapshot(subscription: Stripe.Subscription, at: number): SubscriptionSnapshot {
	const items = subscription.items.data;
	const primary = primaryItem(items);
	const price = primary?.price;
	const product = price?.product;
	const periodEnds = items.map((item) => item.current_period_end);
	return {
		id: subscription.id,
		status: subscription.status,
		priceId: price?.id ?? null,
		productId: product === undefined ? null : idOf(product),
		...(product !== undefined && typeof product !== 'string'
			? { productName: product.deleted ? null : product.name }
			: {}),
		interval: price?.recurring?.interval ?? null,
		intervalCount: price?.recurring?.interval_count ?? null,
		quantity: primary?.quantity ?? null,
		mrr: subscriptionMrr(subscription, { at }),
		currency: subscription.currency,
		trialStart: isoFromEpoch(subscription.trial_start),
		trialEnd: isoFromEpoch(subscription.trial_end),
		// With flexible billing, items can renew at different times; the next renewal is the earliest.
		currentPeriodEnd: periodEnds.length > 0 ? isoFromEpoch(Math.min(...periodEnds)) : null,
		cancelAtPeriodEnd: subscription.cancel_at_period_end,
	};
}

// ── Invoices, charges, disputes, customers ───────────────────────────────────────────────────

export type InvoiceActivityName = 'invoice.paid' | 'invoice.payment_failed' | 'invoice.upcoming' | 'invoice.payment_action_required';

export function invoiceActivity(invoice: Stripe.Invoice, activity: InvoiceActivityName, event: Envelope, options: ActivityOptions): Activity {
	const snapshot = invoiceSnapshot(invoice, activity);
	const customer = customerRef(invoice.customer, { email: invoice.customer_email, name: invoice.customer_name });
	let key: string;
	if (activity === 'invoice.paid') key = dedupeKey(activity, invoice.id);
	else if (activity === 'invoice.upcoming') key = dedupeKey(activity, snapshot.subscriptionId ?? customer.id ?? event.id, invoice.period_end);
	else key = dedupeKey(activity, invoice.id, `attempt_${invoice.attempt_count}`);
	const amount = activity === 'invoice.paid' ? invoice.amount_paid : invoice.amount_due;
	return activityFrom(
		event,
		{ activity, dedupeKey: key },
		{ customer, invoice: snapshot, amount: money(amount, invoice.currency, localeFor(invoice.customer, options)) },
	);
}

export function invoiceSnapshot(invoice: Stripe.Invoice, activity: InvoiceActivityName): InvoiceSnapshot {
	const subscription = invoice.parent?.subscription_details?.subscription;
	return {
		// A preview of the next invoice is not an invoice yet.
		id: activity === 'invoice.upcoming' ? null : invoice.id,
		number: invoice.number,
		hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
		attemptCount: invoice.attempt_count,
		nextPaymentAttempt: isoFromEpoch(invoice.next_payment_attempt),
		subscriptionId: subscription === undefined ? null : idOf(subscription),
	};
}

export type ChargeActivityName = 'charge.succeeded' | 'charge.failed' | 'charge.refunded';

/** For `charge.refunded`, `charge.amount_refunded` is the cumulative refunded amount the fact is keyed by. */
export function chargeActivity(charge: Stripe.Charge, activity: ChargeActivityName, event: Envelope, options: ActivityOptions): Activity {
	const refund = activity === 'charge.refunded';
	return activityFrom(
		event,
		{ activity, dedupeKey: refund ? dedupeKey(activity, charge.id, charge.amount_refunded) : dedupeKey(activity, charge.id) },
		{
			customer: chargeCustomer(charge),
			charge: chargeSnapshot(charge),
			amount: money(refund ? charge.amount_refunded : charge.amount, charge.currency, localeFor(charge.customer, options)),
		},
	);
}

export function disputeActivity(dispute: Stripe.Dispute, event: Envelope, options: ActivityOptions): Activity {
	const charge = typeof dispute.charge === 'string' ? null : dispute.charge;
	return activityFrom(
		event,
		{ activity: 'charge.disputed', dedupeKey: dedupeKey('charge.disputed', dispute.id) },
		{
			customer: charge ? chargeCustomer(charge) : customerRef(null),
			charge: {
				...(charge ? chargeSnapshot(charge) : { id: idOf(dispute.charge), failureMessage: null, refunded: false }),
				disputeId: dispute.id,
			},
			amount: money(dispute.amount, dispute.currency, localeFor(charge?.customer ?? null, options)),
		},
	);
}

export function chargeSnapshot(charge: Stripe.Charge): ChargeSnapshot {
	return { id: charge.id, failureMessage: charge.failure_message, refunded: charge.refunded };
}

function chargeCustomer(charge: Stripe.Charge): CustomerRef {
	return customerRef(charge.customer, {
		email: charge.billing_details.email ?? charge.receipt_email,
		name: charge.billing_details.name,
	});
}

export type CustomerActivityName = 'customer.created' | 'customer.updated' | 'customer.deleted';

export function customerActivity(customer: Stripe.Customer, activity: CustomerActivityName, event: Envelope): Activity {
	// A customer object has no "updated at", so only the event can tell two updates apart.
	const key = activity === 'customer.updated' ? dedupeKey(activity, customer.id, event.id) : dedupeKey(activity, customer.id);
	return activityFrom(event, { activity, dedupeKey: key }, { customer: customerDetails(customer) });
}

// ── Shared readers ───────────────────────────────────────────────────────────────────────────

export type CustomerField = string | Stripe.Customer | Stripe.DeletedCustomer | null;

/** Payload-only: an unexpanded customer yields its id, with email and name from the document when it has them. */
export function customerRef(customer: CustomerField, fromDocument: { email?: string | null; name?: string | null } = {}): CustomerRef {
	const fallback = { email: fromDocument.email ?? null, name: fromDocument.name ?? null };
	if (customer === null) return { id: null, ...fallback };
	if (typeof customer === 'string' || customer.deleted) return { id: idOf(customer), ...fallback };
	const details = customerDetails(customer);
	return { id: details.id, email: details.email ?? fallback.email, name: details.name ?? fallback.name };
}

export function customerDetails(customer: Stripe.Customer): CustomerRef {
	return {
		id: customer.id,
		email: customer.email,
		name: customer.name ?? customer.individual_name ?? customer.business_name ?? null,
	};
}

/** The customer's own preferred locale when the payload has it, else the caller's default. */
export function localeFor(customer: CustomerField, options: Pick<ActivityOptions, 'locale'>): string | undefined {
	if (customer !== null && typeof customer !== 'string' && !customer.deleted) {
		const preferred = customer.preferred_locales?.[0];
		if (preferred) return preferred;
	}
	return options.locale;
}

export function idOf(value: string | { id: string }): string {
	return typeof value === 'string' ? value : value.id;
}
