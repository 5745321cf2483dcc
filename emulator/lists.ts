/**
 * Stripe list semantics: cursor pagination (limit, starting_after, ending_before, has_more),
 * `created` range filters and `expand[]`, shared by every list and retrieve route.
 */
import type Stripe from 'stripe';
import { invalidRequest } from './errors';
import type { FormObject, FormValue } from './form';
import type { Collection, Dataset } from './store';

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

/** `created=N` or `created[gte|gt|lte|lt]=N`. */
export function createdMatcher(value: FormValue | undefined): (created: number) => boolean {
	if (value === undefined) return () => true;
	if (typeof value === 'string') {
		const exact = Number(value);
		return (created) => created === exact;
	}
	const range = value as Record<string, string>;
	const bound = (key: string): number | undefined => (range[key] === undefined ? undefined : Number(range[key]));
	const gt = bound('gt');
	const gte = bound('gte');
	const lt = bound('lt');
	const lte = bound('lte');
	return (created) =>
		(gt === undefined || created > gt) &&
		(gte === undefined || created >= gte) &&
		(lt === undefined || created < lt) &&
		(lte === undefined || created <= lte);
}

/**
 * One page of `items` (already filtered, newest first). Cursors are positioned by the cursor
 * object's (created, id), so a cursor outside the filter still works as on Stripe.
 */
export function paginate<T extends { id: string }>(
	items: T[],
	collection: Collection<T>,
	params: FormObject,
	url: string,
	noun: string,
	createdOf: (item: T) => number,
): ListPage<T> {
	const limit = parseLimit(params);
	const startingAfter = params.starting_after as string | undefined;
	const endingBefore = params.ending_before as string | undefined;
	const isAfter = (item: T, cursorCreated: number, cursorId: string): boolean => {
		const created = createdOf(item);
		return created < cursorCreated || (created === cursorCreated && item.id < cursorId);
	};
	const cursorCreated = (param: string, id: string): number => {
		const created = collection.createdOf(id);
		if (created === undefined) throw invalidRequest(`No such ${noun}: '${id}'`, param, 'resource_missing', 404);
		return created;
	};
	if (endingBefore) {
		const created = cursorCreated('ending_before', endingBefore);
		const before = items.filter((item) => !isAfter(item, created, endingBefore) && item.id !== endingBefore);
		const data = before.slice(Math.max(before.length - limit, 0));
		return { object: 'list', data, has_more: before.length > limit, url };
	}
	let start = 0;
	if (startingAfter) {
		const created = cursorCreated('starting_after', startingAfter);
		start = items.findIndex((item) => isAfter(item, created, startingAfter));
		if (start === -1) start = items.length;
	}
	const data = items.slice(start, start + limit);
	return { object: 'list', data, has_more: start + limit < items.length, url };
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

/** Customers' `subscriptions` is not an id but a list Stripe includes on request. */
function customerSubscriptions(dataset: Dataset, customer: Stripe.Customer): ListPage<Stripe.Subscription> {
	const data = dataset.subscriptions
		.values()
		.filter((sub) => sub.customer === customer.id && sub.status !== 'canceled' && sub.status !== 'incomplete_expired');
	return { object: 'list', data, has_more: false, url: `/v1/customers/${customer.id}/subscriptions` };
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
		if (key === 'subscriptions' && copy.object === 'customer' && !copy.deleted) {
			copy.subscriptions = expandValue(dataset, customerSubscriptions(dataset, copy as unknown as Stripe.Customer), subtree, childPath);
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
