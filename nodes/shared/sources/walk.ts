import type Stripe from 'stripe';

import { StripeApiError } from '../transport/errors';
import type { StripeList } from '../transport/stripeClient';

/**
 * A position in one list walk that outlives the execution (it travels in a sync cursor, see
 * syncCursor.ts): Stripe's own cursor, the object it names, and what to do when that object is gone.
 */
export interface WalkPosition {
	/** The last object handed out; the walk goes on after it. Null before the first. */
	after: string | null;
	/** Its `created`, to go on by time once it has been deleted (Stripe then refuses it as a cursor). */
	afterCreated: number | null;
	/** Objects handed out in that second, skipped when going on by time (at most TIE_LIMIT). */
	tie: string[];
	done: boolean;
}

/** More objects than this created in one second would make the cursor long; past it, going on by time may repeat some. */
const TIE_LIMIT = 100;

export const WALK_START: WalkPosition = { after: null, afterCreated: null, tie: [], done: false };

interface Pager<T, P> {
	page(params: P): Promise<StripeList<T>>;
}

/**
 * The next page of a walk: after Stripe's cursor while its object exists, else by time (objects
 * of the position's last second or older), the ones already handed out in that second left out.
 */
export async function pageAfter<T extends { id: string }, P extends { created?: Stripe.RangeQueryParam | number }>(
	list: Pager<T, P>,
	params: P,
	position: WalkPosition,
	limit: number,
): Promise<StripeList<T>> {
	if (position.after === null) return await list.page({ ...params, limit });
	const next = await list.page({ ...params, limit, starting_after: position.after }).catch((error: unknown) => {
		if (error instanceof StripeApiError && error.details.code === 'resource_missing') return null;
		throw error;
	});
	if (next) return next;
	const created = { ...(typeof params.created === 'object' ? params.created : {}), lte: position.afterCreated ?? undefined };
	// The page may begin with the tie's objects; asking for that many more keeps the batch full.
	const byTime = { ...params, created, limit: Math.min(100, limit + position.tie.length) };
	const untied = (listed: StripeList<T>) => listed.data.filter((object) => !position.tie.includes(object.id));
	let page = await list.page(byTime);
	let data = untied(page);
	// A full page of the tie (100 objects in one second) says nothing new yet; an empty page with
	// has_more would end the caller's walk, so go on past the page's last object, which exists.
	while (data.length === 0 && page.has_more && page.data.length > 0) {
		page = await list.page({ ...byTime, starting_after: page.data[page.data.length - 1]!.id });
		data = untied(page);
	}
	return { ...page, data };
}

/** The position after handing out `object`; what a caller keeps beside the walk (a slice's range) stays. */
export function advance<Position extends WalkPosition>(position: Position, object: { id: string; created: number }): Position {
	const tie = object.created === position.afterCreated ? position.tie : [];
	return {
		...position,
		after: object.id,
		afterCreated: object.created,
		tie: tie.length < TIE_LIMIT ? [...tie, object.id] : tie,
		done: false,
	};
}

/** A part of a list's `created` range: `gte` absent means from its first object. */
export interface TimeRange {
	gte?: number;
	lt: number;
}

/** A part of a list's `created` range, walked newest first on its own. */
export interface SliceWalk extends WalkPosition, TimeRange {}

/**
 * A list is walked in this many slices of its time range at once. One walk has one request in
 * flight and waits out each answer's latency: when only the events were left to read, a batch
 * kept 19 of the 25 requests per second Stripe allows busy.
 */
export const SLICES = 4;

/** `range` cut into `count` slices of equal time, oldest first (one when it has no start: subscriptions). */
export function slicesOf(range: TimeRange, count: number): SliceWalk[] {
	if (range.gte === undefined) return [{ ...WALK_START, lt: range.lt }];
	const start = range.gte;
	const span = range.lt - start;
	const n = Math.max(1, Math.min(count, span));
	return Array.from({ length: n }, (_, i) => ({ ...WALK_START, gte: start + Math.floor((i * span) / n), lt: start + Math.floor(((i + 1) * span) / n) }));
}

/** One slice of a list, walked by a loop of its own; its position is kept in `walks[slice]`. */
export interface SliceLoop<T> {
	walks: SliceWalk[];
	slice: number;
	/** The page of `limit` objects after `position`, within the slice's `created` range. */
	read(created: Stripe.RangeQueryParam, position: WalkPosition, limit: number): Promise<StripeList<T>>;
	/** Each object read, in the slice's order (newest first). */
	take(object: T): void;
}

/**
 * Walks slices at once, each by a loop that asks its next page as soon as the last one is read, so
 * requests follow each other as fast as the rate limit lets them. `room` says how many objects the
 * next request may ask for, given how many are asked and still in flight; at 0 that loop ends.
 * Loops start in the order given, each claiming its first page before the next starts. Once one
 * slice has failed the others stop asking and the walk fails: the cursor it started from stays valid.
 */
export async function walkSlices<T extends { id: string; created: number }>(loops: Array<SliceLoop<T>>, room: (asked: number) => number): Promise<void> {
	let asked = 0;
	let failed = false;
	const walk = async ({ walks, slice, read, take }: SliceLoop<T>) => {
		const { gte, lt } = walks[slice];
		const created = gte === undefined ? { lt } : { gte, lt };
		for (;;) {
			const limit = room(asked);
			if (failed || walks[slice].done || limit <= 0) return;
			asked += limit;
			const page = await read(created, walks[slice], limit).finally(() => (asked -= limit));
			for (const object of page.data) {
				take(object);
				walks[slice] = advance(walks[slice], object);
			}
			if (!page.has_more || page.data.length === 0) walks[slice] = { ...walks[slice], done: true };
		}
	};
	await Promise.all(loops.map(async (loop) => await walk(loop).catch((error: unknown) => ((failed = true), Promise.reject(error)))));
}

/** Stripe's largest page: the rate limit counts requests, not objects, so a page of 100 costs what a page of 10 does. */
export const PAGE_LIMIT = 100;

/**
 * How much of a list's slices is walked, by time (each is walked newest first), 0 to 1: the mean
 * over the slices whose start is known (`startOf`, their `gte` unless told) or that are done;
 * null when there are none.
 */
export function slicesWalked(slices: SliceWalk[], startOf = (slice: SliceWalk): number | undefined => slice.gte): number | null {
	const shares: number[] = [];
	for (const slice of slices) {
		const start = startOf(slice);
		if (slice.done) shares.push(1);
		else if (start !== undefined) shares.push(slice.afterCreated === null ? 0 : (slice.lt - slice.afterCreated) / Math.max(1, slice.lt - start));
	}
	return shares.length === 0 ? null : shares.reduce((sum, share) => sum + share, 0) / shares.length;
}
