/**
 * Audience → Get Members against the demo account: every audience of docs/PROFILES.md, members and
 * count, equals the rule applied to independently computed profiles (support/expectations.ts).
 * Boundary customers are built with the emulator's billing engine at exact offsets from its
 * frozen clock, which is also the node's "now" (see support/demoAccount.ts).
 */
import { NodeOperationError, type INodeParameters } from 'n8n-workflow';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { DAY, startDemoAccount, type DemoAccount } from './support/demoAccount';
import { expectedProfile, liveCustomers, type Amount } from './support/expectations';
import { runNode } from '../../dev/n8nCoreRunner';

const HOUR = 3600;
/** Zero-decimal currencies of the demo catalog; the rest have cents. */
const ZERO_DECIMAL = new Set(['jpy']);

let demo: DemoAccount;
/** Customers placed exactly on, and one hour beyond, each day-based audience's edge. */
const edge: Record<'trialOnEdge' | 'trialPastEdge' | 'churnOnEdge' | 'churnPastEdge' | 'newOnEdge' | 'newPastEdge', string> = {
	trialOnEdge: '',
	trialPastEdge: '',
	churnOnEdge: '',
	churnPastEdge: '',
	newOnEdge: '',
	newPastEdge: '',
};

beforeAll(async () => {
	demo = await startDemoAccount({ customers: 200 });
	const { emulator } = demo;
	const dataset = emulator.dataset();
	const now = emulator.now();
	const price = dataset.prices.values().find((candidate) => candidate.nickname === 'Pro monthly')!;
	const customer = (name: string, at = now) => emulator.billing.createCustomer(dataset, { email: `${name}@edge.example.com`, name }, { at }).id;
	const trialUntil = (name: string, trialEnd: number) => {
		const id = customer(name);
		emulator.createSubscription({ customer: id, items: [{ price: price.id }], trialEnd });
		return id;
	};
	const churnedAt = (name: string, endedAt: number) => {
		const id = customer(name, endedAt - 40 * DAY);
		const subscription = emulator.billing.createSubscription(dataset, { customer: id, items: [{ price: price.id }] }, { at: endedAt - 40 * DAY });
		emulator.billing.runSubscriptionUntil(dataset, subscription.id, endedAt);
		emulator.billing.cancelSubscription(dataset, subscription.id, { at: endedAt });
		return id;
	};
	edge.trialOnEdge = trialUntil('trial-on-edge', now + 3 * DAY);
	edge.trialPastEdge = trialUntil('trial-past-edge', now + 3 * DAY + HOUR);
	edge.churnOnEdge = churnedAt('churn-on-edge', now - 30 * DAY);
	edge.churnPastEdge = churnedAt('churn-past-edge', now - 30 * DAY - HOUR);
	edge.newOnEdge = customer('new-on-edge', now - 7 * DAY);
	edge.newPastEdge = customer('new-past-edge', now - 7 * DAY - HOUR);
});

afterAll(async () => {
	await demo.close();
});

function major(amount: Amount | null): number {
	return amount === null ? 0 : amount.minor / (ZERO_DECIMAL.has(amount.currency) ? 1 : 100);
}

const epoch = (value: unknown) => (typeof value === 'string' ? Date.parse(value) / 1000 : null);

/** docs/PROFILES.md as plain predicates over the independently built profiles. */
const RULES: Record<string, { parameter?: [string, number]; member: (profile: Record<string, unknown>, now: number) => boolean }> = {
	trialing: { member: (p) => p.status === 'trialing' },
	trial_ending_soon: {
		parameter: ['trial_ending_soon_days', 3],
		member: (p, now) => p.status === 'trialing' && epoch(p.trialEnd)! >= now && epoch(p.trialEnd)! <= now + 3 * DAY,
	},
	active_paying: { member: (p) => (p.status === 'active' || p.status === 'past_due') && (p.mrr as Amount).minor > 0 },
	past_due: { member: (p) => p.status === 'past_due' },
	cancelling: { member: (p) => p.cancelAtPeriodEnd === true && p.status !== 'canceled' && p.status !== 'lead' },
	churned_recently: {
		parameter: ['churned_recently_days', 30],
		member: (p, now) => {
			const ended = epoch(p.endedAt ?? p.canceledAt);
			return p.status === 'canceled' && ended !== null && ended >= now - 30 * DAY && ended <= now;
		},
	},
	new_customers: { parameter: ['new_customers_days', 7], member: (p, now) => epoch(p.createdAt)! >= now - 7 * DAY && epoch(p.createdAt)! <= now },
	high_value: {
		parameter: ['high_value_threshold', 100],
		member: (p) => major(p.mrr as Amount | null) >= 100 || major(p.lifetimeValue as Amount | null) >= 100,
	},
	leads: { member: (p) => p.status === 'lead' && p.firstPaidAt === null },
	paused: { member: (p) => p.status === 'paused' },
};

function expectedMembers(audience: string): string[] {
	const dataset = demo.emulator.dataset();
	const now = demo.emulator.now();
	return liveCustomers(dataset)
		.filter((customer) => RULES[audience].member(expectedProfile(dataset, customer.id), now))
		.map((customer) => customer.id)
		.sort();
}

function run(audience: string, output: 'members' | 'count', extra: INodeParameters = {}) {
	const parameter = RULES[audience]?.parameter;
	return runNode({
		node: new StripeLifecycle(),
		parameters: {
			resource: 'audience',
			operation: 'getMembers',
			audience,
			output,
			...(parameter ? { [parameter[0]]: parameter[1] } : {}),
			...extra,
			// The emulator does not enforce Stripe's rate limit; a higher cap keeps the file quick.
			options: { requestsPerSecond: 100 },
		},
		credentials: demo.credentials(),
	});
}

describe('Audience → Get Members', () => {
	it.each(Object.keys(RULES))('%s: members and count equal the rule over the stored objects', async (audience) => {
		const expected = expectedMembers(audience);
		// An empty audience would agree with a node that returns nothing.
		expect(expected.length).toBeGreaterThan(0);

		const [members] = await run(audience, 'members');
		const [[count]] = await run(audience, 'count');

		expect(members.map((item) => item.json.id).sort()).toEqual(expected);
		expect(members.every((item) => item.json.audience === audience)).toBe(true);
		expect(count.json).toMatchObject({ audience, count: expected.length, customers: liveCustomers(demo.emulator.dataset()).length });
	});

	it.each([
		['trial_ending_soon', 'a trial ending in exactly 3 days', 'trialOnEdge', 'trialPastEdge'],
		['churned_recently', 'a subscription that ended exactly 30 days ago', 'churnOnEdge', 'churnPastEdge'],
		['new_customers', 'a customer created exactly 7 days ago', 'newOnEdge', 'newPastEdge'],
	] as const)('%s includes %s and excludes one an hour beyond', async (audience, _what, onEdge, pastEdge) => {
		const [members] = await run(audience, 'members');
		const ids = members.map((item) => item.json.id);

		expect(ids).toContain(edge[onEdge]);
		expect(ids).not.toContain(edge[pastEdge]);
	});

	it.each([0, 366])('refuses %i days with the allowed range', async (days) => {
		const error = await run('churned_recently', 'count', { churned_recently_days: days }).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toContain(`must be between 1 and 365, got ${days}`);
	});
});
