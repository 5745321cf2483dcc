import type { ActivityName } from '../types';

/**
 * The playbook steps (README.md, "Stripe Playbook") as data: which items each step takes, what it must know
 * before it can decide and compose, and how often it may mail the same customer. The node, the
 * fetch planner (context.ts), the decision (decide.ts) and the copy all read this one table.
 */

export const PLAYBOOK_STEPS = [
	'welcome',
	'trial_ending',
	'trial_converted',
	'payment_failed',
	'payment_recovered',
	'cancellation_winback',
	'receipt',
	'plan_changed',
] as const;

export type PlaybookStep = (typeof PLAYBOOK_STEPS)[number];

/**
 * What one guard key stands for (see `guardKey` in decide.ts):
 * - `customer`: once per customer per step.
 * - `invoice`: once per invoice, since every payment deserves its own receipt or all-clear.
 * - `invoice_attempt`: once per invoice and payment attempt, because dunning escalates with
 *   each attempt (1 → friendly, 2 → firmer, 3+ → final notice) and each level must go out once.
 * - `fact`: once per activity (its dedupeKey), for changes a customer can make many times.
 */
export type GuardScope = 'customer' | 'invoice' | 'invoice_attempt' | 'fact';

export interface StepDefinition {
	/** Activities the step answers; any other activity is skipped as not applicable. */
	activities: readonly ActivityName[];
	/** Profile statuses (docs/PROFILES.md) the step answers, for items that come from an audience. */
	profileStatuses: readonly string[];
	/** The copy names the plan and its price, so a product name missing from the item is fetched. */
	plan: boolean;
	/**
	 * The decision rests on the subscription as it is now, not as an event saw it: a trial may
	 * have converted or a cancellation may have been undone since the event was sent.
	 */
	currentSubscription: boolean;
	/** The decision rests on the invoice as it is now: a failed invoice may be paid by the time the step runs. */
	currentInvoice: boolean;
	guard: GuardScope;
}

export const STEPS: Readonly<Record<PlaybookStep, StepDefinition>> = {
	welcome: {
		activities: ['trial.started', 'subscription.started'],
		profileStatuses: ['trialing', 'active'],
		plan: true,
		currentSubscription: false,
		currentInvoice: false,
		guard: 'customer',
	},
	trial_ending: {
		activities: ['trial.ending'],
		profileStatuses: ['trialing'],
		plan: true,
		// Stripe also sends trial_will_end when a trial is ended early, so the status must be re-read.
		currentSubscription: true,
		currentInvoice: false,
		guard: 'customer',
	},
	trial_converted: {
		activities: ['trial.converted'],
		// A profile cannot tell a converted trial from any other active subscription.
		profileStatuses: [],
		plan: true,
		currentSubscription: false,
		currentInvoice: false,
		guard: 'customer',
	},
	payment_failed: {
		activities: ['invoice.payment_failed'],
		profileStatuses: ['past_due'],
		plan: false,
		currentSubscription: false,
		currentInvoice: true,
		guard: 'invoice_attempt',
	},
	payment_recovered: {
		activities: ['invoice.paid'],
		profileStatuses: [],
		plan: false,
		currentSubscription: false,
		// `invoice.paid` is final: a paid invoice never becomes unpaid.
		currentInvoice: false,
		guard: 'invoice',
	},
	cancellation_winback: {
		activities: ['subscription.cancel_scheduled', 'subscription.cancelled'],
		// Any of these may be cancelling at period end; the decision checks that it really is.
		profileStatuses: ['canceled', 'active', 'trialing', 'past_due'],
		plan: true,
		currentSubscription: true,
		currentInvoice: false,
		guard: 'customer',
	},
	receipt: {
		activities: ['invoice.paid'],
		profileStatuses: [],
		plan: false,
		currentSubscription: false,
		currentInvoice: false,
		guard: 'invoice',
	},
	plan_changed: {
		activities: ['subscription.changed'],
		profileStatuses: [],
		plan: true,
		currentSubscription: false,
		currentInvoice: false,
		// Customers change plans many times; each change (one activity) is mailed once.
		guard: 'fact',
	},
};

export function isPlaybookStep(value: string): value is PlaybookStep {
	return (PLAYBOOK_STEPS as readonly string[]).includes(value);
}
