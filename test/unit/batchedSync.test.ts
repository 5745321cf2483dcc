import { createHmac } from 'crypto';

import { slicesOf } from '../../nodes/shared/sources/walk';
import { StripeApiError } from '../../nodes/shared/transport/errors';
import type { StripeList } from '../../nodes/shared/transport/stripeClient';
import { decodeCursor, encodeCursor, newSync, CursorError } from '../../nodes/shared/sources/syncCursor';
import { heldIndexes, INDEX_IDLE_MS, MAX_INDEXES, syncIndex } from '../../nodes/shared/sources/syncIndex';
import { advance, pageAfter, WALK_START, type WalkPosition } from '../../nodes/shared/sources/walk';

const key = Buffer.from('k'.repeat(32));

describe('sync cursors', () => {
	const state = newSync('profiles', 'scope-a', 1_700_000_000, { after: 'cus_1' });

	it('round-trip with the same key, kind and scope', () => {
		expect(decodeCursor(encodeCursor(state, key), key, { kind: 'profiles', scope: 'scope-a' })).toEqual(state);
	});

	it.each([
		['another key', (cursor: string) => [cursor, Buffer.from('x'.repeat(32)), 'profiles', 'scope-a'] as const, /another Stripe credential/],
		['another kind', (cursor: string) => [cursor, key, 'activities', 'scope-a'] as const, /belongs to a profiles sync/],
		['another scope', (cursor: string) => [cursor, key, 'profiles', 'scope-b'] as const, /other settings/],
		['a cut cursor', (cursor: string) => [cursor.slice(0, -3), key, 'profiles', 'scope-a'] as const, /another Stripe credential/],
		['no signature', (cursor: string) => [cursor.split('.')[0], key, 'profiles', 'scope-a'] as const, /not one this node made/],
	])('refuses %s with a fix', (_label, args, message) => {
		const [cursor, withKey, kind, scope] = args(encodeCursor(state, key));
		let caught: unknown;
		try {
			decodeCursor(cursor, withKey, { kind, scope });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(CursorError);
		expect((caught as CursorError).message).toMatch(message);
		expect((caught as CursorError).fix).toMatch(/start a new sync/);
	});

	it('refuses a cursor of an earlier cursor format, correctly signed, since its position reads differently', () => {
		// Format 1 kept a profiles sync's walk as one position; format 2 as time slices.
		const body = Buffer.from(JSON.stringify({ v: 1, ...state })).toString('base64url');
		const cursor = `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;

		expect(() => decodeCursor(cursor, key, { kind: 'profiles', scope: 'scope-a' })).toThrow('The cursor was made by a version of this node that wrote cursor format 1');
	});
});

describe('sync indexes', () => {
	it('builds once per key, shares a build in flight, and forgets the least recently used past the cap', async () => {
		let builds = 0;
		const build = async () => ++builds;
		const [a, b] = await Promise.all([syncIndex('k0', build, () => 0), syncIndex('k0', build, () => 0)]);
		expect([a, b, builds]).toEqual([1, 1, 1]);
		for (let i = 1; i <= MAX_INDEXES; i++) await syncIndex(`k${i}`, build, () => i);
		expect(heldIndexes()).toBe(MAX_INDEXES);
		await syncIndex('k0', build, () => 10);
		expect(builds).toBe(MAX_INDEXES + 2);
	});

	it('drops an index idle for longer than INDEX_IDLE_MS, and one whose build failed', async () => {
		await syncIndex('idle', async () => 'first', () => 1_000);
		expect(await syncIndex('idle', async () => 'second', () => 1_000 + INDEX_IDLE_MS + 1)).toBe('second');
		await expect(syncIndex('failing', async () => Promise.reject(new Error('down')), () => 0)).rejects.toThrow('down');
		expect(await syncIndex('failing', async () => 'recovered', () => 0)).toBe('recovered');
	});
	it('keeps an index being built however long it takes, though other syncs ask meanwhile', async () => {
		let now = 0;
		const clock = () => now;
		let finish!: (value: string) => void;
		const slow = syncIndex('long build', async () => await new Promise<string>((resolve) => (finish = resolve)), clock);
		// Another sync's batch eleven minutes into the build.
		now = INDEX_IDLE_MS + 60_000;
		await syncIndex('other sync', async () => 'other', clock);
		finish('built once');
		expect(await slow).toBe('built once');
		expect(await syncIndex('long build', async () => 'built again', clock)).toBe('built once');
	});

	it('forgets a failed build that two batches shared, so the next batch builds again', async () => {
		let fail!: (error: Error) => void;
		const shared = async () => await new Promise<string>((_resolve, reject) => (fail = reject));
		const first = syncIndex('shared failure', shared, () => 0);
		const second = syncIndex('shared failure', shared, () => 0);
		fail(new Error('Stripe answered 500'));
		await expect(first).rejects.toThrow('500');
		await expect(second).rejects.toThrow('500');
		expect(await syncIndex('shared failure', async () => 'recovered', () => 0)).toBe('recovered');
	});

	it('keeps an index whose build took longer than INDEX_IDLE_MS for the batch right after it', async () => {
		let now = 0;
		const clock = () => now;
		const first = syncIndex('slow', async () => {
			await new Promise((resolve) => setImmediate(resolve));
			// The account was large: the build ended 11 minutes after it began.
			now = INDEX_IDLE_MS + 60_000;
			return 'built once';
		}, clock);
		expect(await first).toBe('built once');
		now += 30_000;
		expect(await syncIndex('slow', async () => 'built again', clock)).toBe('built once');
	});
});

describe('walks that outlive an execution', () => {
	/** Objects newest first, as Stripe lists them, with Stripe's refusal of a cursor whose object is gone. */
	function list(objects: Array<{ id: string; created: number }>, gone: Set<string>) {
		return {
			async page(params: { limit?: number; starting_after?: string; created?: { lte?: number } }): Promise<StripeList<{ id: string; created: number }>> {
				if (params.starting_after && gone.has(params.starting_after)) {
					throw new StripeApiError(`No such customer: '${params.starting_after}'`, '', 404, { code: 'resource_missing' });
				}
				const live = objects.filter((object) => !gone.has(object.id) && (params.created?.lte === undefined || object.created <= params.created.lte));
				const start = params.starting_after ? live.findIndex((object) => object.id === params.starting_after) + 1 : 0;
				const data = live.slice(start, start + (params.limit ?? 10));
				return { object: 'list', data, has_more: start + data.length < live.length, url: '/v1/customers' };
			},
		};
	}

	it('goes on by time, without repeats, when the object it stopped at was deleted', async () => {
		const objects = [
			{ id: 'cus_e', created: 50 },
			{ id: 'cus_d', created: 40 },
			{ id: 'cus_c', created: 40 },
			{ id: 'cus_b', created: 40 },
			{ id: 'cus_a', created: 10 },
		];
		const gone = new Set<string>();
		const source = list(objects, gone);
		let position: WalkPosition = WALK_START;
		const seen: string[] = [];
		const take = async (limit: number) => {
			const page = await pageAfter(source, {}, position, limit);
			for (const object of page.data) {
				seen.push(object.id);
				position = advance(position, object);
			}
		};
		await take(3);
		expect(position).toMatchObject({ after: 'cus_c', afterCreated: 40, tie: ['cus_d', 'cus_c'] });
		gone.add('cus_c');
		await take(5);
		expect(seen).toEqual(['cus_e', 'cus_d', 'cus_c', 'cus_b', 'cus_a']);
	});

	it('goes on past a whole page of objects created in the second it stopped in, when that object was deleted', async () => {
		// 150 customers in one second, then 50 older: more than a page of the tie.
		const objects = [
			...Array.from({ length: 150 }, (_, i) => ({ id: `cus_t${String(i).padStart(3, '0')}`, created: 40 })),
			...Array.from({ length: 50 }, (_, i) => ({ id: `cus_o${String(i).padStart(3, '0')}`, created: 30 - i })),
		];
		const gone = new Set<string>();
		const source = list(objects, gone);
		let position: WalkPosition = WALK_START;
		const seen = new Set<string>();
		const take = async (limit: number) => {
			const page = await pageAfter(source, {}, position, limit);
			for (const object of page.data) {
				seen.add(object.id);
				position = advance(position, object);
			}
			if (!page.has_more) position = { ...position, done: true };
		};
		await take(100);
		await take(20);
		// The tie holds the first 100 of that second; the walk stopped at the 120th, now deleted.
		expect(position).toMatchObject({ after: 'cus_t119', tie: expect.arrayContaining(['cus_t000', 'cus_t099']) });
		gone.add('cus_t119');
		for (let pages = 0; !position.done; pages++) {
			if (pages > 5) throw new Error('the walk does not end');
			await take(100);
		}
		expect(seen.size).toBe(200);
	});

	it('passes on any other failure', async () => {
		const failing = { page: async () => Promise.reject(new StripeApiError('Rate limited', '', 429)) };
		await expect(pageAfter(failing, {}, advance(WALK_START, { id: 'cus_x', created: 1 }), 10)).rejects.toThrow('Rate limited');
	});
});

describe('the slices a list is walked in', () => {
	it('cover its range exactly, end to end, without overlap', () => {
		const slices = slicesOf({ gte: 1_000, lt: 1_000 + 90 * 86_400 + 1 }, 4);
		expect(slices).toHaveLength(4);
		expect(slices[0].gte).toBe(1_000);
		expect(slices.at(-1)!.lt).toBe(1_000 + 90 * 86_400 + 1);
		for (let i = 1; i < slices.length; i++) expect(slices[i].gte).toBe(slices[i - 1].lt);
		expect(slices.every((slice) => slice.lt > slice.gte! && slice.after === null && !slice.done)).toBe(true);
	});

	it('are one for a range without a start, and no more than its seconds', () => {
		expect(slicesOf({ lt: 500 }, 4)).toEqual([expect.objectContaining({ lt: 500, after: null })]);
		expect(slicesOf({ gte: 10, lt: 12 }, 4).map((slice) => [slice.gte, slice.lt])).toEqual([[10, 11], [11, 12]]);
	});
});
