/**
 * A 429 storm: the emulator answers ~30% of requests with Stripe's rate_limit error (and adds
 * latency to all), while the node lists profiles and backfills activities. The transport's
 * retries must give exactly the same objects as a calm run: none missing, none twice.
 */
import type { INodeParameters } from 'n8n-workflow';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { startDemoAccount, type DemoAccount } from './support/demoAccount';
import { runNode } from '../../dev/n8nCoreRunner';

// Retries back off for half a second and more; a storm takes a while on purpose.
jest.setTimeout(180_000);

let demo: DemoAccount;

beforeAll(async () => {
	demo = await startDemoAccount({ customers: 200 });
});

afterAll(async () => {
	await demo.close();
});

afterEach(() => demo.emulator.clearFaults());

const OPERATIONS: Array<[string, INodeParameters, (json: Record<string, unknown>) => string]> = [
	['Get Many Profiles', { resource: 'customer', operation: 'getMany', returnAll: true }, (json) => String(json.id)],
	['the 90-day backfill', { resource: 'activity', operation: 'getMany', days: 90 }, (json) => `${String(json.activity)} ${String(json.dedupeKey)}`],
];

async function keysOf(parameters: INodeParameters, key: (json: Record<string, unknown>) => string): Promise<string[]> {
	const [items] = await runNode({ node: new StripeLifecycle(), parameters: { ...parameters, options: { requestsPerSecond: 100 } }, credentials: demo.credentials() });
	return items.map((item) => key(item.json));
}

describe('under a storm of 429s', () => {
	it.each(OPERATIONS)('%s returns exactly what a calm run returns', async (_name, parameters, key) => {
		const calm = await keysOf(parameters, key);
		demo.emulator.clearRequestLog();
		demo.emulator.addFault({ kind: 'rate_limit', rate: 0.3 });
		demo.emulator.addFault({ kind: 'latency', rate: 1, latencyMs: 15 });

		const stormy = await keysOf(parameters, key);

		expect(new Set(stormy).size).toBe(stormy.length);
		expect([...stormy].sort()).toEqual([...calm].sort());
		const log = demo.emulator.requestLog();
		const rateLimited = log.filter((entry) => entry.status === 429 && entry.fault === 'rate_limit');
		// The storm really hit: about 30% of requests, each retried until it succeeded.
		expect(rateLimited.length).toBeGreaterThan(log.length * 0.15);
		expect(log.filter((entry) => entry.status === 200).length).toBe(log.length - rateLimited.length);
	});
});
