import { createHmac, randomUUID, timingSafeEqual } from 'crypto';

/**
 * The cursor a batched listing hands out with each batch (docs/SYNC.md). It is opaque to users
 * but is only JSON underneath, signed with a key derived from the credential, so a cursor that was
 * edited, cut short, or made with another Stripe account is refused instead of silently syncing
 * the wrong rows. It also names the settings it was made with: continuing a sync with other
 * filters would leave a store holding rows of two different syncs.
 */

/** 2: a profiles sync walks its customers in time slices (docs/SYNC.md). */
const FORMAT = 2;

/** Where a sync stands; `position` belongs to the source that walks the lists. */
export interface SyncState<Position> {
	/** What is synced, e.g. `profiles`; a cursor of one kind is refused by another. */
	kind: string;
	/** Digest of the settings that shape the rows. */
	scope: string;
	/** One sync from its first batch to its last; names its cached join index (syncIndex.ts). */
	syncId: string;
	/** Epoch seconds when the first batch ran: the sync covers the account as it was then. */
	startedAt: number;
	rowsDone: number;
	position: Position;
}

/** A cursor the node cannot continue from; `fix` tells the user what to do instead. */
export class CursorError extends Error {
	constructor(
		message: string,
		readonly fix: string,
	) {
		super(message);
		this.name = 'CursorError';
	}
}

const START_OVER = 'Clear the Cursor field (or store an empty cursor) to start a new sync from the beginning; rows already written are upserted again, not duplicated.';

export function newSync<Position>(kind: string, scope: string, startedAt: number, position: Position): SyncState<Position> {
	return { kind, scope, syncId: randomUUID(), startedAt, rowsDone: 0, position };
}

export function encodeCursor(state: SyncState<unknown>, key: Buffer): string {
	const body = Buffer.from(JSON.stringify({ v: FORMAT, ...state })).toString('base64url');
	return `${body}.${sign(body, key)}`;
}

/** The state a cursor carries, after checking it was made by this account for this kind and scope. */
export function decodeCursor<Position>(cursor: string, key: Buffer, expected: { kind: string; scope: string }): SyncState<Position> {
	const [body, signature, ...rest] = cursor.trim().split('.');
	if (!body || !signature || rest.length > 0) {
		throw new CursorError('The cursor is not one this node made: it should be two parts joined by a dot', `Paste the whole \`cursor\` value of the previous batch, unchanged. ${START_OVER}`);
	}
	const expectedSignature = Buffer.from(sign(body, key));
	const given = Buffer.from(signature);
	if (given.length !== expectedSignature.length || !timingSafeEqual(given, expectedSignature)) {
		throw new CursorError(
			'The cursor was changed, cut short, or made with another Stripe credential',
			`Use the \`cursor\` of the previous batch as it was output, with the same Stripe credential. ${START_OVER}`,
		);
	}
	const state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SyncState<Position> & { v: number };
	if (state.v !== FORMAT) {
		throw new CursorError(`The cursor was made by a version of this node that wrote cursor format ${state.v}`, START_OVER);
	}
	if (state.kind !== expected.kind) {
		throw new CursorError(`The cursor belongs to a ${state.kind} sync, not to this ${expected.kind} operation`, `Give each operation the cursor its own previous batch returned. ${START_OVER}`);
	}
	if (state.scope !== expected.scope) {
		throw new CursorError(
			'The cursor was made with other settings (filters, audience, days or options) than this node has now',
			`Set the node back to the settings the sync started with, or start a new sync. ${START_OVER}`,
		);
	}
	return { kind: state.kind, scope: state.scope, syncId: state.syncId, startedAt: state.startedAt, rowsDone: state.rowsDone, position: state.position };
}

/** A digest of the settings that shape a sync's rows, so a cursor can be matched to them. */
export function scopeDigest(settings: unknown): string {
	return createHmac('sha256', 'stripe-lifecycle scope').update(JSON.stringify(settings)).digest('base64url').slice(0, 16);
}

function sign(body: string, key: Buffer): string {
	return createHmac('sha256', key).update(body).digest('base64url');
}
