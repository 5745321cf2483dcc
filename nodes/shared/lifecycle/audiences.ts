import type { AudienceName, Profile } from './types';
import { DAY_SECONDS } from './time';

/**
 * Audiences (docs/PROFILES.md): named rules over profiles, each with at most one parameter.
 *
 * Boundaries, all inclusive and measured in exact seconds from `now` (a day is 86 400 s):
 * - `trial_ending_soon`: the trial ends in [now, now + N days] — a trial ending in exactly N days
 *   is in, one second later is out; a trial end already past is out.
 * - `churned_recently`: the subscription ended in [now − N days, now] (ended_at, else canceled_at).
 * - `new_customers`: the customer was created in [now − N days, now].
 * - `high_value`: MRR ≥ threshold or lifetime value ≥ threshold, compared in major units of each
 *   amount's own currency (no conversion: 100 means $100 for a USD customer and ¥100 for JPY).
 */

export interface AudienceParameter {
	name: 'days' | 'threshold';
	label: string;
	description: string;
	default: number;
	min: number;
	/** Absent when there is no upper bound. */
	max?: number;
	/** Whole numbers only. */
	integer: boolean;
}

export interface AudienceDefinition {
	name: AudienceName;
	label: string;
	/** Written for people and for an AI agent choosing an audience. */
	description: string;
	parameter: AudienceParameter | null;
}

function daysParameter(defaultDays: number, description: string): AudienceParameter {
	return { name: 'days', label: 'Days', description, default: defaultDays, min: 1, max: 365, integer: true };
}

export const AUDIENCES: Record<AudienceName, AudienceDefinition> = {
	trialing: {
		name: 'trialing',
		label: 'Trialing',
		description: 'Customers whose most relevant subscription is in a free trial right now.',
		parameter: null,
	},
	trial_ending_soon: {
		name: 'trial_ending_soon',
		label: 'Trial Ending Soon',
		description: 'Trialing customers whose trial ends within the next N days (a trial ending in exactly N days is included).',
		parameter: daysParameter(3, 'How many days ahead to look for trial ends, 1 to 365'),
	},
	active_paying: {
		name: 'active_paying',
		label: 'Active Paying',
		description: 'Customers with an active or past-due subscription worth more than 0 MRR.',
		parameter: null,
	},
	past_due: {
		name: 'past_due',
		label: 'Past Due',
		description: 'Customers whose subscription payment failed and is being retried (past_due or unpaid).',
		parameter: null,
	},
	cancelling: {
		name: 'cancelling',
		label: 'Cancelling',
		description: 'Customers with a live subscription scheduled to cancel (at period end or on a set date); they can still be won back.',
		parameter: null,
	},
	churned_recently: {
		name: 'churned_recently',
		label: 'Churned Recently',
		description: 'Customers whose subscription ended within the last N days and who have no live subscription.',
		parameter: daysParameter(30, 'How many days back to look for ended subscriptions, 1 to 365'),
	},
	new_customers: {
		name: 'new_customers',
		label: 'New Customers',
		description: 'Customers created within the last N days, whatever their subscription.',
		parameter: daysParameter(7, 'How many days back to look for new customers, 1 to 365'),
	},
	high_value: {
		name: 'high_value',
		label: 'High Value',
		description:
			'Customers whose MRR or lifetime value (succeeded payments minus refunds) is at least the threshold, in major units of their own currency.',
		parameter: {
			name: 'threshold',
			label: 'Threshold',
			description: 'Minimum MRR or lifetime value in major units of the customer’s currency, e.g. 100 for $100',
			default: 100,
			min: 0,
			integer: false,
		},
	},
	leads: {
		name: 'leads',
		label: 'Leads',
		description: 'Customers who never had a subscription and never paid.',
		parameter: null,
	},
	paused: {
		name: 'paused',
		label: 'Paused',
		description: 'Customers whose subscription is paused (e.g. a trial that ended without a payment method).',
		parameter: null,
	},
};

/** A message for people when the parameter is unusable, else null. Audiences without a parameter accept anything. */
export function validateAudienceParameter(audience: AudienceName, parameter: number | undefined): string | null {
	const definition = AUDIENCES[audience] as AudienceDefinition | undefined;
	if (!definition) return `Unknown audience "${String(audience)}". Choose one of: ${Object.keys(AUDIENCES).join(', ')}.`;
	const spec = definition.parameter;
	if (!spec || parameter === undefined) return null;
	const what = `${spec.label} for the "${definition.label}" audience`;
	if (typeof parameter !== 'number' || !Number.isFinite(parameter)) return `${what} must be a number, got ${String(parameter)}.`;
	if (spec.integer && !Number.isInteger(parameter)) return `${what} must be a whole number, got ${parameter}.`;
	if (spec.max !== undefined && (parameter < spec.min || parameter > spec.max)) {
		return `${what} must be between ${spec.min} and ${spec.max}, got ${parameter}.`;
	}
	if (parameter < spec.min) return `${what} must be ${spec.min} or more, got ${parameter}.`;
	return null;
}

/** Whether one profile belongs to the audience. `parameter` defaults to the audience's default. */
export function isAudienceMember(profile: Profile, audience: AudienceName, parameter: number | undefined, now: number): boolean {
	const value = parameter ?? AUDIENCES[audience].parameter?.default ?? 0;
	switch (audience) {
		case 'trialing':
		case 'past_due':
		case 'paused':
			return profile.status === audience;
		case 'trial_ending_soon': {
			const trialEnd = epochOf(profile.trialEnd);
			return profile.status === 'trialing' && trialEnd !== null && trialEnd >= now && trialEnd <= now + value * DAY_SECONDS;
		}
		case 'active_paying':
			return (profile.status === 'active' || profile.status === 'past_due') && (profile.mrr?.minor ?? 0) > 0;
		case 'cancelling':
			return profile.cancelAtPeriodEnd && profile.status !== 'canceled' && profile.status !== 'lead';
		case 'churned_recently': {
			const endedAt = epochOf(profile.endedAt ?? profile.canceledAt);
			return profile.status === 'canceled' && endedAt !== null && endedAt <= now && endedAt >= now - value * DAY_SECONDS;
		}
		case 'new_customers': {
			const createdAt = epochOf(profile.createdAt);
			return createdAt !== null && createdAt <= now && createdAt >= now - value * DAY_SECONDS;
		}
		case 'high_value':
			return (profile.mrr?.value ?? 0) >= value || (profile.lifetimeValue?.value ?? 0) >= value;
		case 'leads':
			return profile.status === 'lead' && profile.firstPaidAt === null;
	}
}

/** The profiles in the audience, in their given order. Throws the validation message for a bad parameter. */
export function audienceMembers(profiles: Iterable<Profile>, audience: AudienceName, parameter: number | undefined, now: number): Profile[] {
	const problem = validateAudienceParameter(audience, parameter);
	if (problem) throw new Error(problem);
	const members: Profile[] = [];
	for (const profile of profiles) if (isAudienceMember(profile, audience, parameter, now)) members.push(profile);
	return members;
}

export function audienceCount(profiles: Iterable<Profile>, audience: AudienceName, parameter: number | undefined, now: number): number {
	return audienceMembers(profiles, audience, parameter, now).length;
}

/** Profiles carry ISO dates; rules compare epoch seconds like the rest of the core. */
function epochOf(iso: string | null): number | null {
	if (iso === null) return null;
	const millis = Date.parse(iso);
	return Number.isNaN(millis) ? null : Math.floor(millis / 1000);
}
