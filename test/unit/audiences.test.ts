import { AUDIENCES, audienceCount, audienceMembers, isAudienceMember, validateAudienceParameter } from '../../nodes/shared/lifecycle/audiences';
import { money } from '../../nodes/shared/lifecycle/money';
import { buildProfile } from '../../nodes/shared/lifecycle/profiles';
import type { AudienceName, Profile } from '../../nodes/shared/lifecycle/types';
import { charge, customer, day, iso, subscription, t0 } from './support/stripeBuilders';

const now = t0;

/** A lead built by the real builder, with the fields a rule reads set by each test. */
function profile(overrides: Partial<Profile> = {}): Profile {
	const base = buildProfile(customer({ created: now - 200 * day }));
	if (!base) throw new Error('expected a profile');
	return { ...base, ...overrides };
}

const member = (audience: AudienceName, overrides: Partial<Profile>, parameter?: number) =>
	isAudienceMember(profile(overrides), audience, parameter, now);

describe('AUDIENCES', () => {
	it('defines every audience with a label, a description and its parameter', () => {
		expect(Object.keys(AUDIENCES).sort()).toEqual(
			['active_paying', 'cancelling', 'churned_recently', 'high_value', 'leads', 'new_customers', 'past_due', 'paused', 'trial_ending_soon', 'trialing'],
		);
		for (const [name, definition] of Object.entries(AUDIENCES)) {
			expect(definition.name).toBe(name);
			expect(definition.label.length).toBeGreaterThan(0);
			expect(definition.description.length).toBeGreaterThan(20);
		}
		expect(AUDIENCES.trial_ending_soon.parameter).toMatchObject({ name: 'days', default: 3, min: 1, max: 365 });
		expect(AUDIENCES.churned_recently.parameter).toMatchObject({ name: 'days', default: 30 });
		expect(AUDIENCES.new_customers.parameter).toMatchObject({ name: 'days', default: 7 });
		expect(AUDIENCES.high_value.parameter).toMatchObject({ name: 'threshold', default: 100, min: 0 });
		expect(AUDIENCES.trialing.parameter).toBeNull();
	});
});

describe('status audiences', () => {
	it.each(['trialing', 'past_due', 'paused'] as const)('%s: exactly the profiles in that status', (status) => {
		expect(member(status, { status })).toBe(true);
		expect(member(status, { status: 'active' })).toBe(false);
	});

	it('active_paying: active or past_due with MRR above 0', () => {
		expect(member('active_paying', { status: 'active', mrr: money(2000, 'usd') })).toBe(true);
		expect(member('active_paying', { status: 'past_due', mrr: money(2000, 'usd') })).toBe(true);
		expect(member('active_paying', { status: 'active', mrr: money(0, 'usd') })).toBe(false); // 100% off forever
		expect(member('active_paying', { status: 'trialing', mrr: money(2000, 'usd') })).toBe(false);
	});

	it('cancelling: a scheduled cancellation on a live subscription only', () => {
		expect(member('cancelling', { status: 'active', cancelAtPeriodEnd: true })).toBe(true);
		expect(member('cancelling', { status: 'trialing', cancelAtPeriodEnd: true })).toBe(true);
		expect(member('cancelling', { status: 'canceled', cancelAtPeriodEnd: true })).toBe(false);
		expect(member('cancelling', { status: 'active', cancelAtPeriodEnd: false })).toBe(false);
	});

	it('leads: no subscription and never paid', () => {
		expect(member('leads', {})).toBe(true);
		expect(member('leads', { firstPaidAt: iso(now - day) })).toBe(false); // bought once without a subscription
		expect(member('leads', { status: 'canceled' })).toBe(false);
	});
});

describe('audiences with a time window', () => {
	const trialing = (trialEnd: number): Partial<Profile> => ({ status: 'trialing', trialEnd: iso(trialEnd) });

	it('trial_ending_soon: [now, now + N days], both ends included', () => {
		expect(member('trial_ending_soon', trialing(now + 3 * day))).toBe(true); // exactly N days: in
		expect(member('trial_ending_soon', trialing(now + 3 * day + 1))).toBe(false); // one second more: out
		expect(member('trial_ending_soon', trialing(now))).toBe(true);
		expect(member('trial_ending_soon', trialing(now - 1))).toBe(false); // already ended
		expect(member('trial_ending_soon', trialing(now + 10 * day), 10)).toBe(true);
		expect(member('trial_ending_soon', { ...trialing(now + day), status: 'active' })).toBe(false);
	});

	it('churned_recently: ended within [now − N days, now], by the end date', () => {
		const churned = (endedAt: number, canceledAt = endedAt): Partial<Profile> => ({ status: 'canceled', endedAt: iso(endedAt), canceledAt: iso(canceledAt) });
		expect(member('churned_recently', churned(now - 30 * day))).toBe(true); // exactly N days ago: in
		expect(member('churned_recently', churned(now - 30 * day - 1))).toBe(false);
		// Requested long ago, ended at period end recently: the end is what counts.
		expect(member('churned_recently', churned(now - 2 * day, now - 40 * day))).toBe(true);
		expect(member('churned_recently', churned(now - 8 * day), 7)).toBe(false);
		expect(member('churned_recently', { ...churned(now - day), status: 'active' })).toBe(false); // came back
	});

	it('new_customers: created within [now − N days, now]', () => {
		expect(member('new_customers', { createdAt: iso(now - 7 * day) })).toBe(true);
		expect(member('new_customers', { createdAt: iso(now - 7 * day - 1) })).toBe(false);
		expect(member('new_customers', { createdAt: iso(now - 20 * day) }, 30)).toBe(true);
	});
});

describe('high_value', () => {
	it('MRR or lifetime value at least the threshold, in major units of the profile’s currency', () => {
		expect(member('high_value', { mrr: money(10_000, 'usd') })).toBe(true); // $100 ≥ 100 (default)
		expect(member('high_value', { mrr: money(9_999, 'usd'), lifetimeValue: money(9_999, 'usd') })).toBe(false);
		expect(member('high_value', { mrr: money(0, 'usd'), lifetimeValue: money(50_000, 'usd') }, 500)).toBe(true);
		// ¥100 is 100 major units of JPY: no conversion happens.
		expect(member('high_value', { mrr: money(100, 'jpy'), lifetimeValue: money(0, 'jpy') })).toBe(true);
		expect(member('high_value', { mrr: null, lifetimeValue: null }, 0)).toBe(true);
	});
});

describe('audienceMembers and audienceCount', () => {
	it('filter profiles built from Stripe objects, keeping their order', () => {
		const trial = buildProfile(customer({ id: 'cus_t' }), { subscriptions: [subscription({ customer: 'cus_t', status: 'trialing', trial_start: now - day, trial_end: now + 2 * day })] });
		const paying = buildProfile(customer({ id: 'cus_p' }), { subscriptions: [subscription({ customer: 'cus_p' })], charges: [charge({ customer: 'cus_p', amount: 20_000 })] }, { at: now });
		const lead = buildProfile(customer({ id: 'cus_l', created: now - day }));
		const profiles = [trial, paying, lead].filter((candidate): candidate is Profile => candidate !== null);

		expect(audienceMembers(profiles, 'trial_ending_soon', undefined, now).map((p) => p.id)).toEqual(['cus_t']);
		expect(audienceMembers(profiles, 'active_paying', undefined, now).map((p) => p.id)).toEqual(['cus_p']);
		expect(audienceMembers(profiles, 'high_value', 150, now).map((p) => p.id)).toEqual(['cus_p']);
		expect(audienceMembers(profiles, 'leads', undefined, now).map((p) => p.id)).toEqual(['cus_l']); // a trial is not a lead
		expect(audienceCount(profiles, 'new_customers', 2, now)).toBe(1);
		expect(audienceCount(profiles, 'paused', undefined, now)).toBe(0);
	});

	it('refuse a bad parameter with the validation message', () => {
		expect(() => audienceMembers([profile()], 'trial_ending_soon', 0, now)).toThrow('Days for the "Trial Ending Soon" audience must be between 1 and 365, got 0.');
		expect(() => audienceCount([profile()], 'high_value', -1, now)).toThrow('Threshold for the "High Value" audience must be 0 or more, got -1.');
	});
});

describe('validateAudienceParameter', () => {
	it('accepts defaults, bounds and audiences without a parameter', () => {
		expect(validateAudienceParameter('trial_ending_soon', undefined)).toBeNull();
		expect(validateAudienceParameter('churned_recently', 1)).toBeNull();
		expect(validateAudienceParameter('new_customers', 365)).toBeNull();
		expect(validateAudienceParameter('high_value', 0)).toBeNull();
		expect(validateAudienceParameter('high_value', 99.5)).toBeNull();
		expect(validateAudienceParameter('trialing', -5)).toBeNull();
	});

	it('explains what is wrong', () => {
		expect(validateAudienceParameter('churned_recently', 366)).toBe('Days for the "Churned Recently" audience must be between 1 and 365, got 366.');
		expect(validateAudienceParameter('new_customers', 0)).toBe('Days for the "New Customers" audience must be between 1 and 365, got 0.');
		expect(validateAudienceParameter('new_customers', 2.5)).toBe('Days for the "New Customers" audience must be a whole number, got 2.5.');
		expect(validateAudienceParameter('high_value', -0.01)).toBe('Threshold for the "High Value" audience must be 0 or more, got -0.01.');
		expect(validateAudienceParameter('high_value', Number.NaN)).toBe('Threshold for the "High Value" audience must be a number, got NaN.');
		expect(validateAudienceParameter('vip' as AudienceName, 1)).toMatch(/^Unknown audience "vip"\. Choose one of: trialing, trial_ending_soon/);
	});
});
