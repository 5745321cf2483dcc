/**
 * Customer → Get Profile and Get Many Profiles against the emulator's demo account (~200
 * customers), each profile checked field by field against an expectation computed from the
 * emulator's own stored objects (support/expectations.ts), and the request log checked for the
 * promise of docs/PROFILES.md: list calls only, never one call per customer.
 */
import { NodeApiError, NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { requestsByPath, startDemoAccount, type DemoAccount } from './support/demoAccount';
import { comparableProfile, expectedProfile, expectedStatus, iso, liveCustomers, type ExpectedStatus } from './support/expectations';
import { runNode } from '../../dev/n8nCoreRunner';

const STATUSES: ExpectedStatus[] = ['lead', 'trialing', 'active', 'past_due', 'paused', 'canceled'];
/** Profiles list customers, subscriptions, charges and paid invoices, plus the catalog. */
const LISTED_PATHS = ['/v1/customers', '/v1/subscriptions', '/v1/charges', '/v1/invoices', '/v1/products', '/v1/coupons'];

let demo: DemoAccount;

beforeAll(async () => {
	demo = await startDemoAccount({ customers: 200 });
});

afterAll(async () => {
	await demo.close();
});

beforeEach(() => demo.emulator.clearRequestLog());

function run(parameters: INodeParameters, input?: IDataObject[], continueOnFail?: boolean) {
	return runNode({ node: new StripeLifecycle(), parameters: { resource: 'customer', ...parameters }, credentials: demo.credentials(), input, continueOnFail });
}

function dataset() {
	return demo.emulator.dataset();
}

/** The first customer of each status, by the independent status rule. */
function oneCustomerPerStatus(): Map<ExpectedStatus, string> {
	const chosen = new Map<ExpectedStatus, string>();
	for (const customer of liveCustomers(dataset())) {
		const status = expectedStatus(dataset(), customer.id);
		if (!chosen.has(status)) chosen.set(status, customer.id);
	}
	return chosen;
}

/** Stripe's list order: newest first, ties by id descending. */
function newestFirst<T extends { id: string; created: number }>(customers: T[]): T[] {
	return [...customers].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
}

function byIdParameter(value: string) {
	return { findBy: 'id', customer: { __rl: true, mode: 'id', value } };
}

describe('Customer → Get Profile', () => {
	it('builds the profile of a customer in each status, every field as the stored objects say', async () => {
		const chosen = oneCustomerPerStatus();
		// The demo account is meant to hold every status; without one the test would prove less.
		expect([...chosen.keys()].sort()).toEqual([...STATUSES].sort());
		const ids = STATUSES.map((status) => chosen.get(status)!);

		const [items] = await run({ operation: 'getProfile', ...byIdParameter('={{ $json.customerId }}') }, ids.map((customerId) => ({ customerId })));

		expect(items.map((item) => item.json.status)).toEqual(STATUSES);
		for (const [index, item] of items.entries()) {
			expect(comparableProfile(item.json)).toEqual(expectedProfile(dataset(), ids[index]));
			expect(item.pairedItem).toEqual({ item: index });
		}
		// One customer's profile reads its own objects through filters: no listing of the account.
		const customerPaths = [...requestsByPath(demo.emulator).keys()].filter((path) => path.startsWith('/v1/customers/'));
		expect(customerPaths.sort()).toEqual(ids.map((id) => `/v1/customers/${id}`).sort());
	});

	it('finds every customer with an email, as Stripe allows several', async () => {
		const email = 'shared.address@example.com';
		const first = demo.emulator.createCustomer({ email, name: 'First Holder' });
		const second = demo.emulator.createCustomer({ email, name: 'Second Holder' });

		const [items] = await run({ operation: 'getProfile', findBy: 'email', email });

		expect(items.map((item) => item.json.id).sort()).toEqual([first.id, second.id].sort());
		for (const item of items) expect(comparableProfile(item.json)).toEqual(expectedProfile(dataset(), String(item.json.id)));
	});

	it('reports an unknown customer id as Stripe\'s "No such customer"', async () => {
		const error = await run({ operation: 'getProfile', ...byIdParameter('cus_DoesNotExist404') }).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toContain('No such customer');
		expect((error as NodeApiError).httpCode).toBe('404');
	});

	it.each([
		// Through an expression, as ids arrive from upstream data; a typed one n8n's own field validation refuses.
		['a malformed customer id', byIdParameter('={{ "customer-42" }}'), 'is not a Stripe customer ID'],
		['an email without a domain', { findBy: 'email', email: 'someone@' }, 'is not an email address'],
		// Shaped to make a backtracking email pattern run for minutes; jest's per-test timeout is the bound.
		['a megabyte of "a." after the @', { findBy: 'email', email: `a@${'a.'.repeat(512 * 1024)}@` }, 'is not an email address'],
	])('refuses %s before calling Stripe', async (_what, parameters, message) => {
		const error = await run({ operation: 'getProfile', ...parameters }).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toContain(message);
		expect(demo.emulator.requestLog()).toHaveLength(0);
	});

	it('turns a bad item into an error item and still answers the good one when continuing on fail', async () => {
		const good = liveCustomers(dataset())[0].id;

		const [items] = await run(
			{ operation: 'getProfile', ...byIdParameter('={{ $json.customerId }}') },
			[{ customerId: 'cus_DoesNotExist404' }, { customerId: good }],
			true,
		);

		expect(items).toHaveLength(2);
		expect(items[0]).toEqual({ json: { error: expect.stringContaining('No such customer'), description: expect.any(String) }, pairedItem: { item: 0 } });
		expect(items[1].json.id).toBe(good);
	});
});

describe('Customer → Get Many Profiles', () => {
	it('returns every customer\'s profile from list calls only, never one call per customer', async () => {
		const customers = liveCustomers(dataset());

		const [items] = await run({ operation: 'getMany', returnAll: true });

		expect(items.map((item) => item.json.id).sort()).toEqual(customers.map((customer) => customer.id).sort());
		for (const item of items) expect(comparableProfile(item.json)).toEqual(expectedProfile(dataset(), String(item.json.id)));

		const counts = requestsByPath(demo.emulator);
		expect([...counts.keys()].sort()).toEqual([...LISTED_PATHS].sort());
		// Each list is read in pages of 100 by up to 4 workers over 16 time slices, after a first
		// page and at most 15 one-object probes for the oldest object: pages + a constant, per list.
		const objects: Record<string, number> = {
			'/v1/customers': customers.length,
			'/v1/subscriptions': dataset().subscriptions.size,
			'/v1/charges': dataset().charges.size,
			'/v1/invoices': dataset().invoices.values().filter((invoice) => invoice.status === 'paid').length,
		};
		for (const [path, count] of Object.entries(objects)) {
			expect(counts.get(path)).toBeLessThanOrEqual(Math.ceil(count / 100) + 1 + 15 + 16);
		}
	});

	it('stops at the limit', async () => {
		const [items] = await run({ operation: 'getMany', returnAll: false, limit: 7 });

		expect(items).toHaveLength(7);
		for (const item of items) expect(comparableProfile(item.json)).toEqual(expectedProfile(dataset(), String(item.json.id)));
	});

	it('reads only the newest customers and what was made since for a Limit, far fewer calls than the whole account', async () => {
		await run({ operation: 'getMany', returnAll: true });
		const wholeAccount = demo.emulator.requestLog().length;
		demo.emulator.clearRequestLog();

		const [items] = await run({ operation: 'getMany', returnAll: false, limit: 5 });

		expect(items.map((item) => item.json.id)).toEqual(newestFirst(liveCustomers(dataset())).slice(0, 5).map((customer) => customer.id));
		for (const item of items) expect(comparableProfile(item.json)).toEqual(expectedProfile(dataset(), String(item.json.id)));
		const counts = requestsByPath(demo.emulator);
		expect([...counts.keys()].filter((path) => !LISTED_PATHS.includes(path))).toEqual([]);
		const limited = [...counts.values()].reduce((sum, count) => sum + count, 0);
		expect(limited).toBeLessThan(wholeAccount / 4);
	});

	it('walks on past a Limit\'s first customers until enough of them have the selected status', async () => {
		const expected = newestFirst(liveCustomers(dataset())).filter((customer) => expectedStatus(dataset(), customer.id) === 'canceled');
		expect(expected.length).toBeGreaterThan(3);

		const [items] = await run({ operation: 'getMany', returnAll: false, limit: 3, filters: { status: ['canceled'] } });

		expect(items.map((item) => item.json.id)).toEqual(expected.slice(0, 3).map((customer) => customer.id));
		for (const item of items) expect(comparableProfile(item.json)).toEqual(expectedProfile(dataset(), String(item.json.id)));
	});

	it('keeps customers created in the range, after included and before excluded', async () => {
		const created = liveCustomers(dataset()).map((customer) => customer.created).sort((a, b) => a - b);
		// Bounds on existing customers' creation times, so both edges are exercised.
		const from = created[Math.floor(created.length / 4)];
		const to = created[Math.floor(created.length / 2)];
		const expected = liveCustomers(dataset()).filter((customer) => customer.created >= from && customer.created < to);

		const [items] = await run({ operation: 'getMany', returnAll: true, filters: { createdAfter: iso(from), createdBefore: iso(to) } });

		expect(items.map((item) => item.json.id).sort()).toEqual(expected.map((customer) => customer.id).sort());
	});

	it('keeps only the selected statuses', async () => {
		const statuses: ExpectedStatus[] = ['past_due', 'paused'];
		const expected = liveCustomers(dataset()).filter((customer) => statuses.includes(expectedStatus(dataset(), customer.id)));
		expect(expected.length).toBeGreaterThan(0);

		const [items] = await run({ operation: 'getMany', returnAll: true, filters: { status: statuses } });

		expect(items.map((item) => item.json.id).sort()).toEqual(expected.map((customer) => customer.id).sort());
	});

	it('keeps only customers with exactly the email', async () => {
		const target = liveCustomers(dataset())[10];

		const [items] = await run({ operation: 'getMany', returnAll: true, filters: { email: target.email } });

		expect(items.map((item) => item.json.id)).toEqual([target.id]);
		expect(comparableProfile(items[0].json)).toEqual(expectedProfile(dataset(), target.id));
	});

	it('refuses an email filter that is not an email address', async () => {
		await expect(run({ operation: 'getMany', returnAll: true, filters: { email: 'not an email' } })).rejects.toBeInstanceOf(NodeOperationError);
	});
});
