/**
 * Batched output (docs/SYNC.md) against the emulator's demo account: profiles, audience members and
 * the activity backfill, batch after batch with the cursor each batch returns, compared with the
 * same operation run unbatched; the join index is built once per sync and rebuilt after a restart;
 * cursors that were edited, made elsewhere or for other settings are refused with a fix.
 */
import { NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import * as time from '../../nodes/shared/lifecycle/time';
import { heldIndexes } from '../../nodes/shared/sources/syncIndex';
import { requestsByPath, startDemoAccount, type DemoAccount } from './support/demoAccount';
import { runNode } from '../../dev/n8nCoreRunner';

let demo: DemoAccount;
/** One key for every run: a cursor is bound to the credential that made it. */
let credentials: ReturnType<DemoAccount['credentials']>;

beforeAll(async () => {
	demo = await startDemoAccount({ customers: 200, events: 'recent' });
	credentials = demo.credentials();
});

afterAll(async () => {
	await demo.close();
});

beforeEach(() => demo.emulator.clearRequestLog());

interface Batch {
	rows: IDataObject[];
	cursor: string | null;
	done: boolean;
	progress: { rowsDone: number; estimatedTotal: number | null; percent: number | null };
	warnings?: string[];
}

async function run(parameters: INodeParameters, node = new StripeLifecycle()) {
	const [items] = await runNode({ node, parameters, credentials });
	return items;
}

async function batch(parameters: INodeParameters, cursor: string, batchSize: number, node?: StripeLifecycle): Promise<Batch> {
	const items = await run({ ...parameters, inBatches: true, batchSize, cursor }, node);
	expect(items).toHaveLength(1);
	return items[0].json as unknown as Batch;
}

/** Every batch of a sync, from an empty cursor until done; `between` runs after each batch but the last. */
async function sync(parameters: INodeParameters, batchSize: number, between?: (done: Batch[]) => Promise<void> | void): Promise<Batch[]> {
	const batches: Batch[] = [];
	let cursor = '';
	for (let guard = 0; guard < 1000; guard++) {
		const next = await batch(parameters, cursor, batchSize);
		batches.push(next);
		if (next.done) return batches;
		expect(typeof next.cursor).toBe('string');
		cursor = next.cursor!;
		await between?.(batches);
	}
	throw new Error('the sync did not end');
}

const PROFILES = { resource: 'customer', operation: 'getMany' };

/** Resolves once the emulator has logged no new request for 300 ms: a batch read ahead has been read. */
async function requestsSettled(): Promise<void> {
	for (let seen = -1; seen !== demo.emulator.requestLog().length; ) {
		seen = demo.emulator.requestLog().length;
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
}
const BACKFILL_SELECTION = { resource: 'activity', operation: 'getMany', days: 90 };

describe('Customer → Get Many Profiles in batches', () => {
	it('hands out every profile exactly once, as the unbatched operation builds it, newest customer first', async () => {
		const all = (await run({ ...PROFILES, returnAll: true })).map((item) => item.json);
		demo.emulator.clearRequestLog();
		const batches = await sync(PROFILES, 37);
		const rows = batches.flatMap((one) => one.rows);

		expect(rows.map((row) => row.id)).toEqual(all.map((profile) => profile.id));
		expect(rows).toEqual(all);
		expect(batches).toHaveLength(Math.ceil(all.length / 37));
		expect(batches.every((one) => one.rows.length <= 37)).toBe(true);
		// Progress only grows; the last batch says done, with no cursor and every row counted.
		const done = batches.map((one) => one.progress.rowsDone);
		expect(done).toEqual([...done].sort((a, b) => a - b));
		expect(batches.at(-1)).toMatchObject({ done: true, cursor: null, progress: { rowsDone: all.length, estimatedTotal: all.length, percent: 100 } });
		const middle = batches[Math.floor(batches.length / 2)].progress;
		expect(middle.percent).toBeGreaterThan(10);
		expect(middle.percent).toBeLessThan(100);
		expect(middle.estimatedTotal).toBeGreaterThan(all.length / 3);
		expect(middle.estimatedTotal).toBeLessThan(all.length * 3);

		// The joined lists were read once for the whole sync, not once per batch.
		const calls = requestsByPath(demo.emulator);
		const subscriptionPages = Math.ceil(demo.emulator.dataset().subscriptions.size / 100);
		expect(calls.get('/v1/subscriptions')).toBeLessThanOrEqual(subscriptionPages + 20);
		expect(calls.get('/v1/subscriptions')).toBeLessThan(batches.length * subscriptionPages);
		expect(heldIndexes()).toBe(0);
	});

	it('walks the customers of a batch larger than a page in several time slices at once, every profile still exactly once', async () => {
		const all = (await run({ ...PROFILES, returnAll: true })).map((item) => item.json);
		demo.emulator.clearRequestLog();
		const batches = await sync(PROFILES, 150);
		const rows = batches.flatMap((one) => one.rows);
		const byId = (a: IDataObject, b: IDataObject) => String(a.id).localeCompare(String(b.id));

		expect(batches.map((one) => one.rows.length)).toEqual([150, all.length - 150]);
		expect([...rows].sort(byId)).toEqual([...all].sort(byId));
		// Slices are ranges of `created`: every customer page but the oldest slice's names its start.
		const customerPages = demo.emulator.requestLog().filter((entry) => entry.path === '/v1/customers' && entry.queryKeys.includes('created[lt]'));
		expect(customerPages.filter((entry) => entry.queryKeys.includes('created[gte]')).length).toBeGreaterThanOrEqual(3);
		expect(batches.at(-1)).toMatchObject({ done: true, cursor: null, progress: { rowsDone: all.length, percent: 100 } });
	});

	it('reads the next batch ahead while n8n stores this one: the next execution finds it ready, with the same rows', async () => {
		const unread = (await sync({ ...PROFILES, readAhead: false }, 37)).flatMap((one) => one.rows);
		const first = await batch(PROFILES, '', 37);
		await requestsSettled();
		demo.emulator.clearRequestLog();
		// Read Ahead off here only keeps this batch from reading the third.
		const second = await batch({ ...PROFILES, readAhead: false }, first.cursor!, 37);
		expect(demo.emulator.requestLog()).toEqual([]);
		expect([...first.rows, ...second.rows]).toEqual(unread.slice(0, first.rows.length + second.rows.length));
		expect(second.rows).toHaveLength(37);
	});

	it('hands out the same rows as one JSON text with Rows As set to JSON Text, for a database\'s JSON parameter', async () => {
		const first = await batch({ ...PROFILES, readAhead: false }, '', 37);
		const items = await run({ ...PROFILES, readAhead: false, inBatches: true, batchSize: 37, cursor: '', rowsAs: 'jsonText' });
		const { rowsJson, ...rest } = items[0].json as { rowsJson: string };

		expect(typeof rowsJson).toBe('string');
		expect(JSON.parse(rowsJson)).toEqual(first.rows);
		expect(rest).not.toHaveProperty('rows');
		expect(rest).toMatchObject({ cursor: expect.any(String), done: false, progress: first.progress });
	});

	it('refuses a Rows As that is neither Objects nor JSON Text, before reading Stripe', async () => {
		const failure = await runNode({ node: new StripeLifecycle(), parameters: { ...PROFILES, inBatches: true, batchSize: 10, cursor: '', rowsAs: 'csv' }, credentials }).catch((error: unknown) => error);

		expect(failure).toBeInstanceOf(NodeOperationError);
		expect((failure as NodeOperationError).message).toBe('Rows As must be objects or jsonText, not "csv"');
		expect((failure as NodeOperationError).description).toMatch(/Pick Objects or JSON Text/);
		expect(demo.emulator.requestLog()).toEqual([]);
	});

	it('resumes in a process that never saw the sync (n8n restarted) with nothing missing or doubled', async () => {
		const all = (await run({ ...PROFILES, returnAll: true })).map((item) => item.json.id);
		const first = await batch(PROFILES, '', 60);
		let restarted!: typeof StripeLifecycle;
		jest.isolateModules(() => {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			restarted = (require('../../nodes/StripeLifecycle/StripeLifecycle.node') as { StripeLifecycle: typeof StripeLifecycle }).StripeLifecycle;
		});
		demo.emulator.clearRequestLog();
		const rest: IDataObject[] = [];
		let cursor = first.cursor!;
		for (;;) {
			const next = await batch(PROFILES, cursor, 60, new restarted());
			rest.push(...next.rows);
			if (next.done) break;
			cursor = next.cursor!;
		}
		expect([...first.rows, ...rest].map((row) => row.id)).toEqual(all);
		// The new process built its own index once.
		expect(requestsByPath(demo.emulator).get('/v1/subscriptions')).toBeGreaterThan(0);
	});

	it('keeps only profiles of the chosen statuses, and still walks every customer', async () => {
		const parameters = { ...PROFILES, filters: { status: ['trialing', 'past_due'] } };
		const expected = (await run({ ...parameters, returnAll: true })).map((item) => item.json.id);
		const batches = await sync(parameters, 50);
		expect(batches.flatMap((one) => one.rows.map((row) => row.id))).toEqual(expected);
		expect(expected.length).toBeGreaterThan(0);
	});
});

describe('Audience → Get Members in batches', () => {
	it('gives the members the unbatched operation gives', async () => {
		const parameters = { resource: 'audience', operation: 'getMembers', audience: 'active_paying', output: 'members' };
		const expected = (await run(parameters)).map((item) => item.json);
		const members = (await sync(parameters, 45)).flatMap((one) => one.rows);
		expect(members.map((row) => row.id).sort()).toEqual(expected.map((row) => row.id).sort());
		expect(members.every((row) => row.audience === 'active_paying')).toBe(true);
		expect(members.length).toBeGreaterThan(10);
	});
});

describe('Activity → Get Many in batches', () => {
	const BACKFILL = { resource: 'activity', operation: 'getMany', days: 90 };

	it('hands out the backfill: per dedupeKey the last row is the unbatched one, and no key is missing', async () => {
		const expected = new Map((await run(BACKFILL)).map((item) => [item.json.dedupeKey as string, item.json]));
		const batches = await sync(BACKFILL, 120);
		const last = new Map<string, IDataObject>();
		for (const row of batches.flatMap((one) => one.rows)) last.set(row.dedupeKey as string, row);
		expect([...last.keys()].sort()).toEqual([...expected.keys()].sort());
		for (const [key, row] of last) expect(row).toEqual(expected.get(key));
		expect(batches.length).toBeGreaterThan(3);
		// A batch stops near its size: no page is asked for once the pages in flight may fill it.
		expect(Math.max(...batches.map((one) => one.rows.length))).toBeLessThan(120 * 2);
		expect(batches.at(-1)).toMatchObject({ done: true, cursor: null, progress: { percent: 100 } });
	});

	it('reads the catalog and contacts once per sync, and ends a batch whose objects give few rows by objects read', async () => {
		// Only charge activities are kept, but every list is walked: subscriptions of any age give no row.
		// Read Ahead off: each batch's requests are then its own.
		const parameters = { ...BACKFILL, categories: ['charge'], readAhead: false };
		const perBatch: Array<{ objects: number; catalogCalls: number }> = [];
		const record = () => {
			const log = demo.emulator.requestLog();
			const catalog = new Set(['/v1/products', '/v1/coupons']);
			perBatch.push({
				objects: log.filter((entry) => !catalog.has(entry.path) && entry.path !== '/v1/customers').reduce((sum, entry) => sum + (entry.listed ?? 0), 0),
				catalogCalls: log.filter((entry) => catalog.has(entry.path)).length,
			});
			demo.emulator.clearRequestLog();
		};
		await sync(parameters, 30, record);
		record();
		expect(perBatch.length).toBeGreaterThan(3);
		// The first batch builds the joins; no later batch reads them again.
		expect(perBatch[0].catalogCalls).toBeGreaterThan(0);
		expect(perBatch.slice(1).every((batch) => batch.catalogCalls === 0)).toBe(true);
		// 4 objects per row of the batch size, give or take the page that crossed it (pages are at most
		// the batch size); customers are left out of the count as the contacts list reads them too.
		expect(Math.max(...perBatch.map((batch) => batch.objects))).toBeLessThanOrEqual(4 * 30 + 30);
	});

	it('warns once a sync has run so long that Stripe may have deleted the oldest events it was to read', async () => {
		const startedAt = time.epochNow();
		const at = jest.spyOn(time, 'epochNow').mockReturnValue(startedAt);
		try {
			// Read Ahead off: a batch read ahead would be read before the clock moves on.
			const parameters = { ...BACKFILL, readAhead: false };
			const first = await batch(parameters, '', 30);
			// 5 hours on, the margin inside Stripe's 30 days still holds.
			at.mockReturnValue(startedAt + 5 * 3600);
			const second = await batch(parameters, first.cursor!, 30);
			at.mockReturnValue(startedAt + 7 * 3600);
			const third = await batch(parameters, second.cursor!, 30);
			expect(third.done).toBe(false);
			expect([first.warnings ?? [], second.warnings ?? []]).toEqual([[], []]);
			expect(third.warnings).toEqual([expect.stringMatching(/^Stripe deletes events after 30 days, .* activities from .* may be missing\. Start a new sync/)]);
		} finally {
			at.mockRestore();
		}
	});

	it('applies the activity selection to every batch', async () => {
		const parameters = { ...BACKFILL, categories: ['charge'] };
		const rows = (await sync(parameters, 200)).flatMap((one) => one.rows);
		expect(rows.length).toBeGreaterThan(0);
		expect(rows.every((row) => row.category === 'charge')).toBe(true);
	});
});

describe('cursors the node refuses', () => {
	async function refusal(parameters: INodeParameters, cursor: string, withCredentials = credentials): Promise<NodeOperationError> {
		const failure = await runNode({ node: new StripeLifecycle(), parameters: { ...parameters, inBatches: true, batchSize: 10, cursor }, credentials: withCredentials }).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(NodeOperationError);
		return failure as NodeOperationError;
	}

	it('an edited cursor', async () => {
		const { cursor } = await batch(PROFILES, '', 10);
		const [body, signature] = cursor!.split('.');
		const state = JSON.parse(Buffer.from(body, 'base64url').toString());
		const edited = `${Buffer.from(JSON.stringify({ ...state, rowsDone: 0 })).toString('base64url')}.${signature}`;
		const error = await refusal(PROFILES, edited);
		expect(error.message).toMatch(/changed, cut short, or made with another Stripe credential/);
		expect(error.description).toMatch(/Clear the Cursor field/);
		expect((await refusal(PROFILES, cursor!.slice(0, 40))).message).toMatch(/not one this node made/);
	});

	it('a cursor of another credential, of other settings, or of another operation', async () => {
		const { cursor } = await batch(PROFILES, '', 10);
		const other = demo.credentials({ customers: 'read', subscriptions: 'read', charges: 'read', invoices: 'read', products: 'read', coupons: 'read' });
		expect((await refusal(PROFILES, cursor!, other)).message).toMatch(/another Stripe credential/);
		expect((await refusal({ ...PROFILES, filters: { status: ['active'] } }, cursor!)).message).toMatch(/other settings/);
		expect((await refusal({ resource: 'activity', operation: 'getMany', days: 90 }, cursor!)).message).toMatch(/belongs to a profiles sync/);
		const members = { resource: 'audience', operation: 'getMembers', audience: 'active_paying', output: 'members' };
		expect((await refusal(members, cursor!)).message).toBe('The cursor belongs to a profiles sync, not to this audience members operation');
	});

	it('takes the same activity selection picked in another order', async () => {
		const { cursor } = await batch({ ...BACKFILL_SELECTION, categories: ['charge', 'trial'] }, '', 50);
		// Refused, the batch would fail with "made with other settings".
		await expect(batch({ ...BACKFILL_SELECTION, categories: ['trial', 'charge'] }, cursor!, 50)).resolves.toMatchObject({ progress: expect.anything() });
	});

	it('a batch size out of range', async () => {
		const failure = await runNode({ node: new StripeLifecycle(), parameters: { ...PROFILES, inBatches: true, batchSize: 0, cursor: '' }, credentials }).catch((error: unknown) => error);
		expect((failure as Error).message).toMatch(/Batch Size must be a whole number from 1 to 10000/);
	});
});
