import { StripeApiError } from '../../emulator/errors';
import type { FormObject } from '../../emulator/form';
import { listPage, type ListQuery } from '../../emulator/lists';
import { Collection, Random } from '../../emulator/store';

interface Item {
	id: string;
	created: number;
	customer: string | null;
	flag: boolean;
}

const CUSTOMERS = ['cus_a', 'cus_b', 'cus_c', 'cus_d'];

/** The semantics listPage must keep, written the obvious O(n) way: sort, filter, then cut. */
function referencePage(items: Map<string, Item>, params: FormObject, query: ListQuery<Item, 'customer'>): { ids: string[]; hasMore: boolean } {
	const limit = params.limit === undefined ? 10 : Number(params.limit);
	const range = (typeof params.created === 'string' ? { gte: params.created, lte: params.created } : (params.created ?? {})) as Record<string, string | undefined>;
	const inRange = (created: number) =>
		(range.gte === undefined || created >= Number(range.gte)) &&
		(range.gt === undefined || created > Number(range.gt)) &&
		(range.lte === undefined || created <= Number(range.lte)) &&
		(range.lt === undefined || created < Number(range.lt)) &&
		(query.createdFrom === undefined || created >= query.createdFrom);
	const newestFirst = [...items.values()]
		.filter((item) => (!query.index || item.customer === query.index.key) && inRange(item.created) && (query.keep ?? (() => true))(item))
		.sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
	const cursor = (id: string) => {
		const item = items.get(id);
		if (!item) throw new Error(`missing ${id}`);
		return item;
	};
	const newer = (item: Item, than: Item) => item.created > than.created || (item.created === than.created && item.id > than.id);
	if (params.ending_before !== undefined) {
		const at = cursor(params.ending_before as string);
		const before = newestFirst.filter((item) => newer(item, at));
		return { ids: before.slice(Math.max(before.length - limit, 0)).map((item) => item.id), hasMore: before.length > limit };
	}
	const after = params.starting_after === undefined ? newestFirst : newestFirst.filter((item) => newer(cursor(params.starting_after as string), item));
	return { ids: after.slice(0, limit).map((item) => item.id), hasMore: after.length > limit };
}

const page = (collection: Collection<Item, 'customer'>, params: FormObject, query: ListQuery<Item, 'customer'> = {}) => {
	const result = listPage(collection, params, '/v1/items', 'item', query);
	return { ids: result.data.map((item) => item.id), hasMore: result.has_more };
};

/** Random items with `created` over `seconds` (ties when few), inserted in random order; `step` below 1 makes fractions. */
function randomItems(random: Random, count: number, seconds: number, step = 1): Item[] {
	return Array.from({ length: count }, (_, i) => ({
		id: `it_${random.int(0, 1e9).toString(36)}${i}`,
		created: 1000 + random.int(0, seconds / step) * step,
		customer: random.chance(0.1) ? null : random.pick(CUSTOMERS),
		flag: random.chance(0.3),
	}));
}

function randomParams(random: Random, ids: string[], base: number, seconds: number): FormObject {
	const params: FormObject = { limit: String(random.int(1, 12)) };
	const second = () => String(base + random.int(-1, seconds + 1));
	const shape = random.int(0, 5);
	if (shape === 1) params.created = second();
	else if (shape >= 2) {
		const range: Record<string, string> = {};
		for (const key of ['gt', 'gte', 'lt', 'lte']) if (random.chance(0.4)) range[key] = second();
		params.created = range;
	}
	const cursor = random.int(0, 3);
	if (cursor === 1) params.starting_after = random.pick(ids);
	else if (cursor === 2) params.ending_before = random.pick(ids);
	return params;
}

function randomQuery(random: Random, base: number, seconds: number): ListQuery<Item, 'customer'> {
	return {
		...(random.chance(0.4) ? { index: { name: 'customer' as const, key: random.pick([...CUSTOMERS, 'cus_none']) } } : {}),
		...(random.chance(0.3) ? { keep: (item: Item) => item.flag } : {}),
		...(random.chance(0.2) ? { createdFrom: base + random.int(0, seconds) } : {}),
	};
}

const newCollection = () => new Collection<Item, 'customer'>({ customer: (item) => item.customer });

describe('list pages from the created index', () => {
	it.each([
		['ties in created, few objects', 60, 5],
		['spread out, past the splice limit', 4000, 3000],
		['heavy ties, past the splice limit', 3000, 40],
		['fractions of seconds, past the splice limit', 3000, 500, 0.25],
	])('match the naive reference over random queries: %s', (_, count, seconds, step = 1) => {
		const random = new Random(count + seconds);
		const collection = newCollection();
		const stored = new Map<string, Item>();
		const items = randomItems(random, count, seconds, step);
		let compared = 0;
		items.forEach((item, i) => {
			collection.put(item);
			stored.set(item.id, item);
			// Queries interleaved with inserts, so merges happen between reads and not only once.
			if (i % Math.ceil(count / 8) !== 0 && i !== count - 1) return;
			if (random.chance(0.3) && stored.size > 1) {
				const gone = random.pick([...stored.keys()]);
				collection.remove(gone);
				stored.delete(gone);
			}
			const ids = [...stored.keys()];
			for (let q = 0; q < 150; q++) {
				const params = randomParams(random, ids, 1000, seconds);
				const query = randomQuery(random, 1000, seconds);
				expect({ params, ...page(collection, params, query) }).toEqual({ params, ...referencePage(stored, params, query) });
				compared++;
			}
		});
		expect(compared).toBeGreaterThan(1000);
		expect(collection.values().map((item) => item.id)).toEqual(referencePage(stored, { limit: String(stored.size) }, {}).ids);
	});

	it('walks every page forward and back over ties without losing or repeating an object', () => {
		const random = new Random(7);
		const collection = newCollection();
		const items = randomItems(random, 500, 3);
		items.forEach((item) => collection.put(item));
		const expected = referencePage(new Map(items.map((item) => [item.id, item])), { limit: '1000' }, {}).ids;
		const forward: string[] = [];
		let params: FormObject = { limit: '7' };
		for (;;) {
			const result = page(collection, params);
			forward.push(...result.ids);
			if (!result.hasMore) break;
			params = { limit: '7', starting_after: result.ids[result.ids.length - 1] };
		}
		expect(forward).toEqual(expected);
		const backward: string[] = [];
		params = { limit: '7', ending_before: expected[expected.length - 1] };
		backward.unshift(expected[expected.length - 1]);
		for (;;) {
			const result = page(collection, params);
			backward.unshift(...result.ids);
			if (!result.hasMore) break;
			params = { limit: '7', ending_before: result.ids[0] };
		}
		expect(backward).toEqual(expected);
	});

	it('places a cursor outside the filter by its created and id, and 404s an unknown one', () => {
		const collection = newCollection();
		const item = (id: string, created: number, customer: string) => collection.put({ id, created, customer, flag: false });
		item('it_1', 100, 'cus_a');
		item('it_2', 200, 'cus_b');
		item('it_3', 300, 'cus_a');
		item('it_4', 400, 'cus_b');
		const byA = { index: { name: 'customer' as const, key: 'cus_a' } };
		expect(page(collection, { starting_after: 'it_4' }, byA).ids).toEqual(['it_3', 'it_1']);
		expect(page(collection, { starting_after: 'it_2' }, byA).ids).toEqual(['it_1']);
		expect(page(collection, { ending_before: 'it_2' }, byA).ids).toEqual(['it_3']);
		expect(page(collection, { starting_after: 'it_3', created: { lte: '100' } }).ids).toEqual(['it_1']);
		for (const param of ['starting_after', 'ending_before']) {
			let error: unknown;
			try {
				page(collection, { [param]: 'it_missing' });
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(StripeApiError);
			expect(error).toMatchObject({ status: 404, body: { code: 'resource_missing', param, message: "No such item: 'it_missing'" } });
		}
	});

	it('moves an object between index keys when its key changes, and keeps created fixed', () => {
		const collection = newCollection();
		collection.put({ id: 'it_1', created: 100, customer: 'cus_a', flag: false });
		collection.put({ id: 'it_2', created: 200, customer: 'cus_a', flag: false });
		collection.put({ id: 'it_1', created: 999, customer: 'cus_b', flag: true });
		expect(collection.valuesOf('customer', 'cus_a').map((item) => item.id)).toEqual(['it_2']);
		expect(collection.valuesOf('customer', 'cus_b').map((item) => item.id)).toEqual(['it_1']);
		expect(collection.createdOf('it_1')).toBe(100);
		expect(collection.values().map((item) => item.id)).toEqual(['it_2', 'it_1']);
		collection.remove('it_1');
		expect(collection.valuesOf('customer', 'cus_b')).toEqual([]);
		expect(collection.createdOf('it_1')).toBeUndefined();
		expect(page(collection, {}, { index: { name: 'customer', key: 'cus_b' } }).ids).toEqual([]);
	});
});
