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
