import { DateTime } from 'luxon';
import type Stripe from 'stripe';

import { resourcePath, type ResourcePath } from '../../transport/resources';
import { primaryItem } from '../activities';
import { currentObject } from '../apiShapes';
import type { Activity, ActivityName } from '../types';
import { STEPS, type PlaybookStep } from './steps';

/**
 * What a playbook step knows about one customer, whether the item came from the trigger or the
 * backfill (an activity) or from an audience (a profile). Missing context is fetched read-only:
 * `planFetch` names the one Stripe request that fills every gap the step cares about, the node
 * runs it through the transport, and `applyFetched` merges the answer back.
 *
 * Dates are epoch seconds and money is `{minor, currency}` until compose.ts shows them.
 */

export interface Amount {
	minor: number;
	currency: string;
}

export interface SubjectCustomer {
	id: string | null;
	email: string | null;
	name: string | null;
	/** The customer's first `preferred_locales` entry; null when they have none or it is not known. */
	locale: string | null;
	/** Customer metadata; null when not known (activities never carry it). */
	metadata: Record<string, string> | null;
}

export interface SubjectSubscription {
	id: string | null;
	/** Null when the item only named the subscription (an invoice's parent). */
	status: string | null;
	productName: string | null;
	priceId: string | null;
	/** The plan's list price for one billing period (unit amount × quantity); null for tiered or unknown prices. */
	price: Amount | null;
	interval: string | null;
	intervalCount: number | null;
	trialEnd: number | null;
	currentPeriodEnd: number | null;
	cancelAtPeriodEnd: boolean;
	cancelAt: number | null;
}

export interface SubjectInvoice {
	id: string | null;
	number: string | null;
	/** Null when not known: a payment_failed event does not say whether the invoice was paid since. */
	status: string | null;
	hostedInvoiceUrl: string | null;
	attemptCount: number;
	nextPaymentAttempt: number | null;
	/** What is still owed while open, what was paid once paid. */
	amount: Amount | null;
}

/** Which Stripe objects the subject holds as they are now (read from Stripe or from a fresh profile). */
export interface Loaded {
	customer: boolean;
	subscription: boolean;
	invoice: boolean;
}

export interface PlaybookSubject {
	source: 'activity' | 'profile';
	activity: ActivityName | null;
	profileStatus: string | null;
	/** Null when the item does not say (a profile built without it). */
	livemode: boolean | null;
	/** The activity's dedupeKey: the identity of the fact, for steps that mail once per fact. */
	factKey: string | null;
	customer: SubjectCustomer;
	subscription: SubjectSubscription | null;
	invoice: SubjectInvoice | null;
	/** Plan-change direction, for plan_changed. */
	direction: 'upgrade' | 'downgrade' | 'none' | null;
	loaded: Loaded;
}

export function subjectFromActivity(
	activity: Pick<Activity, 'activity' | 'livemode' | 'dedupeKey' | 'customer' | 'subscription' | 'invoice' | 'amount' | 'change'>,
): PlaybookSubject {
	const snapshot = activity.subscription;
	const invoice = activity.invoice;
	let subscription: SubjectSubscription | null = null;
	if (snapshot) {
		subscription = {
			id: snapshot.id,
			status: snapshot.status,
			productName: snapshot.productName ?? null,
			priceId: snapshot.priceId,
			// The snapshot carries MRR (normalized to a month, 0 in a trial), not the plan's price.
			price: null,
			interval: snapshot.interval,
			intervalCount: snapshot.intervalCount,
			trialEnd: epochFromIso(snapshot.trialEnd),
			currentPeriodEnd: epochFromIso(snapshot.currentPeriodEnd),
			cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
			cancelAt: null,
		};
	} else if (invoice?.subscriptionId) {
		subscription = { ...unknownSubscription(), id: invoice.subscriptionId };
	}
	return {
		source: 'activity',
		activity: activity.activity,
		profileStatus: null,
		livemode: activity.livemode,
		factKey: activity.dedupeKey,
		customer: { ...activity.customer, locale: null, metadata: null },
		subscription,
		invoice: invoice
			? {
					id: invoice.id,
					number: invoice.number,
					// Only `invoice.paid` settles the status for good; a failure may be paid since.
					status: activity.activity === 'invoice.paid' ? 'paid' : null,
					hostedInvoiceUrl: invoice.hostedInvoiceUrl,
					attemptCount: invoice.attemptCount,
					nextPaymentAttempt: epochFromIso(invoice.nextPaymentAttempt),
					amount: activity.amount ? { minor: activity.amount.minor, currency: activity.amount.currency } : null,
				}
			: null,
		direction: activity.change?.direction ?? null,
		loaded: { customer: false, subscription: false, invoice: false },
	};
}

/**
 * The profile fields a playbook reads (docs/PROFILES.md), declared structurally so any profile
 * value fits. `preferredLocales` and `subscriptionId` are optional extras: with them a profile
 * gets its own locale, and a past_due profile's invoice is found through its subscription. A
 * profile as profiles.ts builds it names its subscriptions in `subscriptionIds`, most relevant
 * first; the first one stands in for a missing `subscriptionId`.
 */
export interface ProfileLike {
	id: string;
	email: string | null;
	name: string | null;
	status: string;
	livemode?: boolean;
	plan?: {
		priceId?: string | null;
		productName?: string | null;
		interval?: string | null;
		amount?: Amount | null;
	} | null;
	trialEnd?: string | null;
	cancelAtPeriodEnd?: boolean;
	metadata?: Record<string, string> | null;
	preferredLocales?: readonly string[] | null;
	subscriptionId?: string | null;
	subscriptionIds?: readonly string[] | null;
}

/**
 * A profile is built from current list calls, so its customer and subscription count as loaded:
 * fetching each one again would turn an audience of N into N requests. A profile without
 * metadata leaves the customer to be fetched, because opt-outs live there.
 */
export function subjectFromProfile(profile: ProfileLike): PlaybookSubject {
	const plan = profile.plan ?? null;
	const hasSubscription = profile.status !== 'lead';
	return {
		source: 'profile',
		activity: null,
		profileStatus: profile.status,
		livemode: profile.livemode ?? null,
		factKey: null,
		customer: {
			id: profile.id,
			email: profile.email,
			name: profile.name,
			locale: profile.preferredLocales?.[0] ?? null,
			metadata: profile.metadata ?? null,
		},
		subscription: hasSubscription
			? {
					...unknownSubscription(),
					id: profile.subscriptionId ?? profile.subscriptionIds?.[0] ?? null,
					status: profile.status,
					productName: plan?.productName ?? null,
					priceId: plan?.priceId ?? null,
					price: plan?.amount ? { minor: plan.amount.minor, currency: plan.amount.currency } : null,
					interval: plan?.interval ?? null,
					trialEnd: epochFromIso(profile.trialEnd),
					cancelAtPeriodEnd: profile.cancelAtPeriodEnd ?? false,
				}
			: null,
		invoice: null,
		direction: null,
		loaded: { customer: profile.metadata !== undefined && profile.metadata !== null, subscription: hasSubscription, invoice: false },
	};
}

// ── Fetch plan ───────────────────────────────────────────────────────────────────────────────

/**
 * One read-only GET that fills what a step is missing. `expand` rides along as `expand[]`, so a
 * single call returns the customer with an invoice or a subscription (and the plan's product),
 * instead of one call per object. `reads` says which objects the answer brings.
 */
export interface FetchPlan {
	path: ResourcePath<Fetched>;
	query: Record<string, string>;
	expand: string[];
	reads: Array<keyof Loaded>;
}

export interface FetchOptions {
	/** The opt-out metadata key the decision will read; empty or null when opt-outs are not checked. */
	optOutMetadataKey?: string | null;
	/** A locale that overrides the customer's own, which makes their preferred_locales irrelevant. */
	locale?: string | null;
}

/** The one request that completes `subject` for `step`, or null when nothing is missing (or nothing can be fetched). */
export function planFetch(step: PlaybookStep, subject: PlaybookSubject, options: FetchOptions = {}): FetchPlan | null {
	const definition = STEPS[step];
	const { customer, subscription, invoice, loaded } = subject;
	const needCustomer = customerNeeded(subject, options);
	const needProduct = definition.plan && !loaded.subscription && !subscription?.productName;
	const needSubscription = needProduct || (definition.currentSubscription && !loaded.subscription);
	// The customer rides along as an expansion of whatever else is fetched.
	const customerExpand = needCustomer ? ['customer'] : [];
	const customerRead: Array<keyof Loaded> = needCustomer ? ['customer'] : [];

	if (definition.currentInvoice && !loaded.invoice) {
		if (invoice?.id) return get(resourcePath('invoices', invoice.id), customerExpand, ['invoice', ...customerRead]);
		// A profile names no invoice: the subscription's latest invoice is the one that failed.
		if (subscription?.id) {
			return get(
				resourcePath('subscriptions', subscription.id),
				[...customerExpand, 'latest_invoice'],
				['subscription', 'invoice', ...customerRead],
			);
		}
		if (customer.id) {
			return {
				path: resourcePath('invoices'),
				query: { customer: customer.id, status: 'open', limit: '1' },
				expand: needCustomer ? ['data.customer'] : [],
				reads: ['invoice', ...customerRead],
			};
		}
	}
	if (needSubscription && subscription?.id) {
		return get(
			resourcePath('subscriptions', subscription.id),
			[...customerExpand, ...(needProduct ? ['items.data.price.product'] : [])],
			['subscription', ...customerRead],
		);
	}
	if (needCustomer && customer.id) return get(resourcePath('customers', customer.id), [], ['customer']);
	return null;
}

function customerNeeded(subject: PlaybookSubject, options: FetchOptions): boolean {
	if (subject.loaded.customer) return false;
	const { email, metadata, locale } = subject.customer;
	return email === null || (!!options.optOutMetadataKey && metadata === null) || (!options.locale && locale === null);
}

function get(path: FetchPlan['path'], expand: string[], reads: Array<keyof Loaded>): FetchPlan {
	return { path, query: {}, expand, reads };
}

// ── Merging what was fetched ─────────────────────────────────────────────────────────────────

export type Fetched =
	| Stripe.Customer
	| Stripe.DeletedCustomer
	| Stripe.Subscription
	| Stripe.Invoice
	| Stripe.ApiList<Stripe.Invoice>;

/** `subject` completed with the answer to its fetch plan; the input is left unchanged. */
export function applyFetched(subject: PlaybookSubject, answer: Fetched): PlaybookSubject {
	// Read in the shape of whatever API version answered (apiShapes.ts).
	const fetched = currentObject(answer);
	switch (fetched.object) {
		case 'customer':
			return withCustomer(subject, fetched);
		case 'subscription':
			return withSubscription(subject, fetched);
		case 'invoice':
			return withInvoice(subject, fetched);
		case 'list': {
			const [open] = fetched.data;
			// No open invoice left: nothing is owed any more.
			return open ? withInvoice(subject, open) : { ...subject, invoice: null, loaded: { ...subject.loaded, invoice: true } };
		}
	}
}

function withCustomer(subject: PlaybookSubject, customer: Stripe.Customer | Stripe.DeletedCustomer): PlaybookSubject {
	const loaded = { ...subject.loaded, customer: true };
	// A deleted customer has no address to write to; the decision then skips for lack of email.
	if (customer.deleted) return { ...subject, customer: { id: customer.id, email: null, name: null, locale: null, metadata: {} }, loaded };
	return {
		...subject,
		customer: {
			id: customer.id,
			email: customer.email,
			name: customer.name ?? customer.individual_name ?? customer.business_name ?? null,
			locale: customer.preferred_locales?.[0] ?? null,
			metadata: customer.metadata,
		},
		loaded,
	};
}

function withSubscription(subject: PlaybookSubject, subscription: Stripe.Subscription): PlaybookSubject {
	const primary = primaryItem(subscription.items.data);
	const price = primary?.price;
	const product = price?.product;
	const periodEnds = subscription.items.data.map((item) => item.current_period_end);
	const quantity = primary?.quantity ?? 1;
	let next: PlaybookSubject = {
		...subject,
		subscription: {
			id: subscription.id,
			status: subscription.status,
			// An unexpanded product keeps what the item already knew.
			productName:
				product !== undefined && typeof product !== 'string'
					? product.deleted
						? null
						: product.name
					: (subject.subscription?.productName ?? null),
			priceId: price?.id ?? null,
			price: price?.unit_amount != null ? { minor: price.unit_amount * quantity, currency: price.currency } : null,
			interval: price?.recurring?.interval ?? null,
			intervalCount: price?.recurring?.interval_count ?? null,
			trialEnd: subscription.trial_end,
			currentPeriodEnd: periodEnds.length > 0 ? Math.min(...periodEnds) : null,
			cancelAtPeriodEnd: subscription.cancel_at_period_end,
			cancelAt: subscription.cancel_at,
		},
		loaded: { ...subject.loaded, subscription: true },
	};
	if (typeof subscription.customer !== 'string') next = withCustomer(next, subscription.customer);
	const latest = subscription.latest_invoice;
	if (latest !== null && typeof latest !== 'string') next = withInvoice(next, latest);
	return next;
}

function withInvoice(subject: PlaybookSubject, invoice: Stripe.Invoice): PlaybookSubject {
	const paid = invoice.status === 'paid';
	let next: PlaybookSubject = {
		...subject,
		invoice: {
			id: invoice.id,
			number: invoice.number,
			status: invoice.status,
			hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
			attemptCount: invoice.attempt_count,
			nextPaymentAttempt: invoice.next_payment_attempt,
			amount: { minor: paid ? invoice.amount_paid : invoice.amount_remaining, currency: invoice.currency },
		},
		loaded: { ...subject.loaded, invoice: true },
	};
	const customer = invoice.customer;
	if (customer !== null && typeof customer !== 'string') next = withCustomer(next, customer);
	else if (next.customer.email === null && invoice.customer_email) {
		// The invoice keeps the address it was sent to, a fair fallback when the customer was not expanded.
		next = { ...next, customer: { ...next.customer, email: invoice.customer_email, name: next.customer.name ?? invoice.customer_name } };
	}
	return next;
}

function unknownSubscription(): SubjectSubscription {
	return {
		id: null,
		status: null,
		productName: null,
		priceId: null,
		price: null,
		interval: null,
		intervalCount: null,
		trialEnd: null,
		currentPeriodEnd: null,
		cancelAtPeriodEnd: false,
		cancelAt: null,
	};
}

function epochFromIso(iso: string | null | undefined): number | null {
	if (!iso) return null;
	const date = DateTime.fromISO(iso, { zone: 'utc' });
	return date.isValid ? Math.floor(date.toSeconds()) : null;
}
