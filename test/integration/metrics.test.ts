/**
 * Metric operations against the demo account. The SaaS snapshot's MRR per currency is checked
 * against plain arithmetic over the emulator's stored subscriptions (support/expectations.ts:
 * prices × quantity through tiers, interval normalization, forever coupons), never mrr.ts.
 */
import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { startDemoAccount, type DemoAccount } from './support/demoAccount';
import { expectedSubscriptionMrr } from './support/expectations';
import { runNode } from '../../dev/n8nCoreRunner';

let demo: DemoAccount;

beforeAll(async () => {
	demo = await startDemoAccount({ customers: 200 });
});

afterAll(async () => {
	await demo.close();
});

async function metric(operation: string) {
	const [items] = await runNode({
		node: new StripeLifecycle(),
		parameters: { resource: 'metric', operation, periodDays: 30, options: { requestsPerSecond: 100, timeZone: 'UTC' } },
		credentials: demo.credentials(),
	});
	return items;
}

describe('Metric operations', () => {
	it('SaaS Snapshot: MRR, ARR, subscriptions and trials per currency as the stored subscriptions add up', async () => {
		const dataset = demo.emulator.dataset();
		const expected = new Map<string, { mrr: number; active: number; trialing: number }>();
		for (const subscription of dataset.subscriptions.values()) {
			const entry = expected.get(subscription.currency) ?? { mrr: 0, active: 0, trialing: 0 };
			entry.mrr += expectedSubscriptionMrr(dataset, subscription);
			if (subscription.status === 'active' || subscription.status === 'past_due') entry.active += 1;
			if (subscription.status === 'trialing') entry.trialing += 1;
			expected.set(subscription.currency, entry);
		}

		const [{ json: snapshot }] = await metric('saasSnapshot');

		const currencies = snapshot.currencies as Array<{ currency: string; mrr: { minor: number }; arr: { minor: number }; activeSubscriptions: number; trialing: number }>;
		const expectedRows = [...expected].filter(([, entry]) => entry.active + entry.trialing > 0);
		expect(currencies.map((row) => row.currency).sort()).toEqual(expectedRows.map(([currency]) => currency).sort());
		for (const row of currencies) {
			const entry = expected.get(row.currency)!;
			expect({ currency: row.currency, mrr: row.mrr.minor, arr: row.arr.minor, active: row.activeSubscriptions, trialing: row.trialing }).toEqual({
				currency: row.currency,
				mrr: entry.mrr,
				arr: 12 * entry.mrr,
				active: entry.active,
				trialing: entry.trialing,
			});
		}
		expect(snapshot.metric).toBe('saas_snapshot');
	});

	it('SaaS Report and Payment Report return their documented shapes', async () => {
		const [[{ json: saas }], [{ json: payments }]] = await Promise.all([metric('saasReport'), metric('paymentReport')]);

		expect(saas).toMatchObject({ metric: 'saas_report', from: expect.any(String), to: expect.any(String), zone: 'UTC' });
		expect(JSON.stringify(saas)).toContain('"movements"');
		expect(payments).toMatchObject({ metric: expect.stringContaining('payment') });
	});

	it('Dashboard returns the page as html and as a binary .html file, with a text digest', async () => {
		const [item] = await metric('dashboard');

		expect(String(item.json.html)).toMatch(/^<!DOCTYPE html>/i);
		expect(String(item.json.html)).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']https?:/i);
		expect(typeof item.json.digest).toBe('string');
		expect(String(item.json.digest).length).toBeGreaterThan(20);
		expect(item.binary?.data).toMatchObject({ fileName: 'stripe-dashboard.html', mimeType: 'text/html', fileExtension: 'html' });
		expect(Buffer.from(item.binary!.data.data, 'base64').toString('utf8')).toBe(item.json.html);
	});
});
