/**
 * Stripe list semantics: cursor pagination (limit, starting_after, ending_before, has_more),
 * `created` range filters and `expand[]`, shared by every list and retrieve route.
 */
import type Stripe from 'stripe';
import { invalidRequest } from './errors';
import type { FormObject, FormValue } from './form';
import type { Collection, CreatedOrder, Dataset } from './store';
import type { RenderContext } from './versions';

export interface ListPage<T> {
	object: 'list';
	data: T[];
	has_more: boolean;
	url: string;
}

export function parseLimit(params: FormObject): number {
	const raw = params.limit;
	if (raw === undefined) return 10;
	const limit = Number(raw);
	if (limit < 1) throw invalidRequest('This value must be greater than or equal to 1.', 'limit');
	if (limit > 100) throw invalidRequest('This value must be less than or equal to 100.', 'limit');
	return limit;
}

/** What a list request narrows its collection to, besides the cursors and `created`. */
export interface ListQuery<T, K extends string> {
	/** Walk only what an index files under a key (`customer=`), not the whole collection. */
	index?: { name: K; key: string };
	/** Nothing created before this is listed (the Events API's retention). */
	createdFrom?: number;
	/** Tested on each object the walk passes, so it costs the objects skipped until the page is full. */
	keep?: (item: T) => boolean;
}

/** The positions `created=N` or `created[gte|gt|lte|lt]=N` allows, as [from, to) in `order`. */
function createdSpan(order: CreatedOrder, value: FormValue | undefined, createdFrom: number | undefined): [number, number] {
	const bounds: Record<string, string | undefined> = typeof value === 'string' ? { gte: value, lte: value } : ((value ?? {}) as Record<string, string>);
	let from = 0;
	let to = order.size;
	const lower = (isBefore: (created: number) => boolean) => (from = Math.max(from, order.partition(isBefore)));
	const upper = (isBefore: (created: number) => boolean) => (to = Math.min(to, order.partition(isBefore)));
	if (createdFrom !== undefined) lower((created) => created < createdFrom);
	if (bounds.gte !== undefined) lower((created) => created < Number(bounds.gte));
	if (bounds.gt !== undefined) lower((created) => created <= Number(bounds.gt));
	if (bounds.lte !== undefined) upper((created) => created <= Number(bounds.lte));
	if (bounds.lt !== undefined) upper((created) => created < Number(bounds.lt));
	return [from, to];
}

/**
 * One page, newest first. Cursors are positioned by the cursor object's (created, id), so a cursor
 * outside the filter still works as on Stripe. A page costs O(log n) to find where it starts, then
 * one step per object it passes: those it returns and those `keep` skips.
 */
export function listPage<T extends { id: string }, K extends string>(
	collection: Collection<T, K>,
	params: FormObject,
	url: string,
	noun: string,
	query: ListQuery<T, K> = {},
): ListPage<T> {
	const limit = parseLimit(params);
	const startingAfter = params.starting_after as string | undefined;
	const endingBefore = params.ending_before as string | undefined;
	const cursorCreated = (param: string, id: string): number => {
		const created = collection.createdOf(id);
		if (created === undefined) throw invalidRequest(`No such ${noun}: '${id}'`, param, 'resource_missing', 404);
		return created;
	};
	const order = collection.ordered(query.index);
	let [from, to] = createdSpan(order, params.created, query.createdFrom);
	const keep = query.keep ?? (() => true);
	const found: T[] = [];
	const visit = (position: number): boolean => {
		const item = collection.get(order.idAt(position))!;
		if (keep(item)) found.push(item);
		return found.length > limit;
	};
	if (endingBefore) {
		// The `limit` objects just newer than the cursor: walk up from it, then turn the page around.
		const created = cursorCreated('ending_before', endingBefore);
		from = Math.max(from, order.partition((c, id) => c < created || (c === created && id <= endingBefore)));
		for (let position = from; position < to && !visit(position); position++);
		const data = found.slice(0, limit).reverse();
		return { object: 'list', data, has_more: found.length > limit, url };
	}
	if (startingAfter) {
		const created = cursorCreated('starting_after', startingAfter);
		to = Math.min(to, order.partition((c, id) => c < created || (c === created && id < startingAfter)));
	}
	for (let position = to - 1; position >= from && !visit(position); position--);
	return { object: 'list', data: found.slice(0, limit), has_more: found.length > limit, url };
}

/** `expand[]` values as given, whether sent as `expand[]=a` or `expand[0]=a`. */
export function expandPaths(params: FormObject): string[] {
	const raw = params.expand;
	if (raw === undefined) return [];
	return (Array.isArray(raw) ? raw : [raw]).filter((value): value is string => typeof value === 'string');
}

interface ExpandTree {
	[key: string]: ExpandTree;
}

/** `listPrefix`: on lists the leading `data.` addresses the items and does not count as a level. */
function toTree(paths: string[], listPrefix = false): ExpandTree {
	const tree: ExpandTree = {};
	for (const path of paths) {
		const segments = path.split('.');
		if (segments.length - (listPrefix && segments[0] === 'data' ? 1 : 0) > 4) {
			throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, 'expand');
		}
		let node = tree;
		for (const segment of segments) node = node[segment] ??= {};
	}
	return tree;
}

/**
 * Lists Stripe includes in an object only on request (`expand[]`), by object kind and property: a
 * customer's current subscriptions, and (since 2022-11-15, docs.stripe.com/changelog/2022-11-15)
 * a charge's refunds, newest first. `asOf` leaves out what was created after it.
 */
const INCLUDED_ON_REQUEST: Record<string, Record<string, (dataset: Dataset, id: string, asOf?: number) => ListPage<unknown>>> = {
	customer: {
		subscriptions: (dataset, id) => ({
			object: 'list',
			data: dataset.subscriptions.valuesOf('customer', id).filter((sub) => sub.status !== 'canceled' && sub.status !== 'incomplete_expired'),
			has_more: false,
			url: `/v1/customers/${id}/subscriptions`,
		}),
	},
	charge: {
		refunds: (dataset, id, asOf = Number.POSITIVE_INFINITY) => ({
			object: 'list',
			data: dataset.refunds.valuesOf('charge', id).filter((refund) => refund.created <= asOf),
			has_more: false,
			url: `/v1/charges/${id}/refunds`,
		}),
	},
};

/**
 * What rendering an event in an older API version reads: objects by id, and a charge's refunds,
 * which versions before 2022-11-15 included in every charge, as they were when the event happened.
 */
export function renderContext(dataset: Dataset, event: Stripe.Event): RenderContext {
	return {
		lookup: (id) => dataset.lookup(id) as Record<string, unknown> | undefined,
		refunds: (charge) => INCLUDED_ON_REQUEST.charge.refunds(dataset, charge, event.created) as unknown as Record<string, unknown>,
	};
}

function expandValue(dataset: Dataset, value: unknown, tree: ExpandTree, path: string): unknown {
	if (Array.isArray(value)) return value.map((item) => expandValue(dataset, item, tree, path));
	if (typeof value === 'string') {
		const resolved = dataset.lookup(value);
		if (resolved === undefined) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
		return expandValue(dataset, resolved, tree, path);
	}
	if (value === null || typeof value !== 'object') return value;
	if (Object.keys(tree).length === 0) return value;
	const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
	for (const [key, subtree] of Object.entries(tree)) {
		const childPath = path ? `${path}.${key}` : key;
		const included = copy.deleted ? undefined : INCLUDED_ON_REQUEST[copy.object as string]?.[key];
		if (included) {
			copy[key] = expandValue(dataset, included(dataset, copy.id as string), subtree, childPath);
			continue;
		}
		if (!(key in copy)) throw invalidRequest(`This property cannot be expanded (${childPath}).`, 'expand');
		copy[key] = expandValue(dataset, copy[key], subtree, childPath);
	}
	return copy;
}

/** Applies `expand[]` to one object without touching the stored value. */
export function expandObject<T>(dataset: Dataset, object: T, paths: string[]): T {
	if (paths.length === 0) return object;
	return expandValue(dataset, object, toTree(paths), '') as T;
}

/** Applies `expand[]` (paths start with `data.`) to a list page. */
export function expandList<T>(dataset: Dataset, page: ListPage<T>, paths: string[]): ListPage<T> {
	if (paths.length === 0) return page;
	const tree = toTree(paths, true);
	const itemTree = tree.data;
	const other = Object.keys(tree).filter((key) => key !== 'data');
	if (other.length > 0) throw invalidRequest(`This property cannot be expanded (${other[0]}).`, 'expand');
	return { ...page, data: page.data.map((item) => expandValue(dataset, item, itemTree, '') as T) };
}
