import { isEmailAddress } from '../text';
import type { PlaybookSubject } from './context';
import { STEPS, type PlaybookStep } from './steps';

/**
 * Send or Skip, and why. The checks run in a fixed order so the reason is the most basic one:
 * an item the step does not answer is "not applicable" even if it also lacks an email.
 *
 * The guard ("already sent") is the node's: it records `guardKey` in n8n's deduplication store
 * after this decision says Send, so the reason is declared here but never returned by `decide`.
 */

export const SKIP_REASONS = [
	'step_not_applicable',
	'test_mode',
	'not_trialing',
	'invoice_paid',
	'not_cancelling',
	'opted_out',
	'no_email',
	'invalid_email',
	'already_sent',
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

export type Decision = { send: true } | { send: false; reason: SkipReason; message: string };

export const DEFAULT_OPT_OUT_METADATA_KEY = 'email_opt_out';

export interface DecideOptions {
	/** The workflow runs against live data (a live key); test-mode items are then skipped. */
	liveWorkflow?: boolean;
	/** Skip test-mode items in a live workflow (default true). */
	skipTestEvents?: boolean;
	/** Customer metadata key whose truthy value means "no lifecycle mail"; empty string or null turns the check off. */
	optOutMetadataKey?: string | null;
}

type Check = (step: PlaybookStep, subject: PlaybookSubject, options: DecideOptions) => Decision | null;

const SEND: Decision = { send: true };

function skip(reason: SkipReason, message: string): Decision {
	return { send: false, reason, message };
}

const fits: Check = (step, subject) => {
	const definition = STEPS[step];
	if (subject.activity !== null && !definition.activities.includes(subject.activity)) {
		return skip('step_not_applicable', `${step} does not answer ${subject.activity}; it answers ${definition.activities.join(', ')}.`);
	}
	if (subject.profileStatus !== null && !definition.profileStatuses.includes(subject.profileStatus)) {
		const fitting = definition.profileStatuses.length > 0 ? definition.profileStatuses.join(', ') : 'none (it needs an activity)';
		return skip('step_not_applicable', `${step} does not answer a ${subject.profileStatus} profile; profile statuses it answers: ${fitting}.`);
	}
	return null;
};

const testMode: Check = (_step, subject, options) => {
	if (options.liveWorkflow && options.skipTestEvents !== false && subject.livemode === false) {
		return skip('test_mode', 'The item comes from Stripe test mode and this workflow runs live.');
	}
	return null;
};

/** Whether what the item reports still holds, read from the fetched objects where the step fetches them. */
const stillTrue: Check = (step, subject) => {
	const { subscription, invoice } = subject;
	switch (step) {
		case 'trial_ending':
			return subscription?.status === 'trialing'
				? null
				: skip('not_trialing', `The subscription is ${subscription?.status ?? 'unknown'} now, so its trial is no longer running.`);
		case 'payment_failed':
			if (invoice === null || invoice.status === 'paid') {
				return skip('invoice_paid', invoice === null ? 'The customer has no open invoice left.' : `Invoice ${invoice.number ?? invoice.id} has been paid since.`);
			}
			// A voided or uncollectible invoice is no longer asked for; draft is never dunned.
			if (invoice.status !== null && invoice.status !== 'open') {
				return skip('step_not_applicable', `Invoice ${invoice.number ?? invoice.id} is ${invoice.status}; only open invoices are dunned.`);
			}
			return null;
		case 'payment_recovered':
			// The first attempt succeeding is an ordinary payment (a receipt), not a recovery.
			return invoice !== null && invoice.attemptCount > 1
				? null
				: skip('step_not_applicable', 'The invoice was paid on its first attempt; there was no failed payment to recover from.');
		case 'receipt':
			// Trials and 100 % coupons produce paid invoices of zero; nobody wants a receipt for nothing.
			return invoice?.amount && invoice.amount.minor > 0 ? null : skip('step_not_applicable', 'Nothing was charged on this invoice.');
		case 'plan_changed':
			return subject.direction === 'upgrade' || subject.direction === 'downgrade'
				? null
				: skip('step_not_applicable', 'The change neither raised nor lowered the plan price.');
		case 'cancellation_winback':
			return subscription !== null && (subscription.status === 'canceled' || subscription.cancelAtPeriodEnd || subscription.cancelAt !== null)
				? null
				: skip('not_cancelling', 'The subscription is not cancelled or set to cancel (any more).');
		default:
			return null;
	}
};

const TRUTHY = new Set(['true', '1', 'yes', 'y', 'on']);

const optedOut: Check = (_step, subject, options) => {
	const key = options.optOutMetadataKey === undefined ? DEFAULT_OPT_OUT_METADATA_KEY : options.optOutMetadataKey;
	if (!key) return null;
	const metadata = subject.customer.metadata;
	// Only the customer's own keys: a plain lookup of "constructor" or "toString" finds Object's
	// functions. Stripe metadata values are strings; anything a person would read as "yes" counts.
	const value = metadata && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
	if (typeof value === 'string' && TRUTHY.has(value.trim().toLowerCase())) {
		return skip('opted_out', `The customer's metadata "${key}" is "${value}".`);
	}
	return null;
};

/**
 * Payers type their own email at checkout (billing_details.email, receipt_email), and mail nodes
 * take `to` as a list: a line break or a comma in it would add recipients or headers. Only one
 * plain address is mailed.
 */
const hasEmail: Check = (_step, subject) => {
	const { id, email } = subject.customer;
	if (!email) return skip('no_email', `Customer ${id ?? '(unknown)'} has no email address.`);
	if (!isEmailAddress(email)) {
		return skip('invalid_email', `Customer ${id ?? '(unknown)'} has an email that is not one plain address (${JSON.stringify(email.slice(0, 80))}); correct it in Stripe.`);
	}
	return null;
};

/** Checks that need nothing beyond the item itself, so the node can skip before fetching anything. */
const ITEM_CHECKS: readonly Check[] = [fits, testMode];
const CONTEXT_CHECKS: readonly Check[] = [stillTrue, optedOut, hasEmail];

function run(checks: readonly Check[], step: PlaybookStep, subject: PlaybookSubject, options: DecideOptions): Decision {
	for (const check of checks) {
		const decision = check(step, subject, options);
		if (decision) return decision;
	}
	return SEND;
}

/** The decision on an item before any context is fetched: only skips that cost no API call. */
export function precheck(step: PlaybookStep, subject: PlaybookSubject, options: DecideOptions = {}): Decision {
	return run(ITEM_CHECKS, step, subject, options);
}

/** The full decision, on the subject completed by `applyFetched`. */
export function decide(step: PlaybookStep, subject: PlaybookSubject, options: DecideOptions = {}): Decision {
	return run([...ITEM_CHECKS, ...CONTEXT_CHECKS], step, subject, options);
}

/**
 * The key the node records in n8n's deduplication store once a message is sent
 * (`playbook:<step>:<customer>[:<qualifier>]`, see `GuardScope` in steps.ts):
 *   welcome, trial_ending, trial_converted, cancellation_winback   playbook:<step>:<cus>
 *   receipt, payment_recovered                                     playbook:<step>:<cus>:<in id>
 *   payment_failed                                                 playbook:<step>:<cus>:<in id>:attempt_<n>
 *   plan_changed                                                   playbook:<step>:<cus>:<activity dedupeKey>
 * A customer without an id (a guest payment) is keyed by the lower-cased email instead. Where
 * the qualifier is missing (a profile has no activity) the key falls back to once per customer.
 */
export function guardKey(step: PlaybookStep, subject: PlaybookSubject): string {
	const { customer, invoice } = subject;
	const base = `playbook:${step}:${customer.id ?? `email:${(customer.email ?? '').toLowerCase()}`}`;
	switch (STEPS[step].guard) {
		case 'invoice':
			return invoice?.id ? `${base}:${invoice.id}` : base;
		case 'invoice_attempt':
			return invoice?.id ? `${base}:${invoice.id}:attempt_${invoice.attemptCount}` : base;
		case 'fact':
			return subject.factKey ? `${base}:${subject.factKey}` : base;
		case 'customer':
			return base;
	}
}
