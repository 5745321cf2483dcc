import { epochNow } from '../lifecycle/time';
import type { StripeApi } from '../transport/resources';
import { KeptPromises } from './keptPromises';
import { forgetIndex } from './syncIndex';
import { decodeCursor, encodeCursor, newSync, scopeDigest, type SyncState } from './syncCursor';

/**
 * One batch of a batched listing (docs/SYNC.md): the rows, the cursor of the next batch and how far
 * the sync has come. Each n8n execution holds one batch, whatever the size of the account.
 */
export interface BatchOutput<Row> {
	rows: Row[];
	/** Null once the sync is done. */
	cursor: string | null;
	done: boolean;
	progress: { rowsDone: number; estimatedTotal: number | null; percent: number | null };
	warnings: string[];
}

export interface BatchRequest {
	/** Empty for the first batch; else the `cursor` of the previous one. */
	cursor: string;
	batchSize: number;
	/** Start reading the next batch once this one is handed out (see readAhead below). */
	readAhead?: boolean;
}

/** What a source's walk did in one batch. */
export interface BatchStep<Row, Position> {
	rows: Row[];
	position: Position;
	done: boolean;
	/** How much of the walk is behind it, 0 to 1, or null when the source cannot tell. */
	walked: number | null;
	warnings?: string[];
}

export interface BatchedSource<Row, Position> {
	/** Names the sync, e.g. `profiles`: a cursor of one kind is refused by another. */
	kind: string;
	/** The settings that shape the rows; a cursor made with other settings is refused. */
	settings: unknown;
	/** The position of a new sync's first batch. */
	start(startedAt: number): Position | Promise<Position>;
	step(sync: SyncState<Position>, batchSize: number): Promise<BatchStep<Row, Position>>;
}

/** The key a sync's join index is cached under (syncIndex.ts). */
export function indexKey(sync: SyncState<unknown>): string {
	return `${sync.kind}|${sync.syncId}`;
}

/** Runs the next batch of `source`, from the request's cursor or from the start. */
export async function nextBatch<Row, Position>(
	stripe: StripeApi,
	source: BatchedSource<Row, Position>,
	request: BatchRequest,
): Promise<BatchOutput<Row>> {
	const expected = { kind: source.kind, scope: scopeDigest(source.settings) };
	let sync: SyncState<Position>;
	if (request.cursor.trim()) {
		sync = decodeCursor<Position>(request.cursor, stripe.cursorKey, expected);
	} else {
		const startedAt = epochNow();
		sync = newSync(expected.kind, expected.scope, startedAt, await source.start(startedAt));
	}
	const ready = request.cursor.trim() ? await takeReadAhead<Row, Position>(request.cursor, request.batchSize) : null;
	const step = ready ?? (await source.step(sync, request.batchSize));
	const rowsDone = sync.rowsDone + step.rows.length;
	if (step.done) forgetIndex(indexKey(sync));
	const walked = step.done ? 1 : step.walked;
	const next = { ...sync, rowsDone, position: step.position };
	const cursor = step.done ? null : encodeCursor(next, stripe.cursorKey);
	if (cursor !== null && request.readAhead) startReadAhead(cursor, request.batchSize, () => source.step(next, request.batchSize));
	return {
		rows: step.rows,
		cursor,
		done: step.done,
		progress: {
			rowsDone,
			estimatedTotal: walked === null || walked <= 0 ? null : Math.max(rowsDone, Math.round(rowsDone / walked)),
			percent: walked === null ? null : Math.round(walked * 1000) / 10,
		},
		warnings: step.warnings ?? [],
	};
}

/**
 * Batches read ahead, by the cursor and batch size that will ask for them. Between two batches n8n
 * stores the rows and starts the next execution, and Stripe sits idle: a third of the template
 * sync's time at 2,000 customers. Reading the next batch meanwhile hides that. The next execution
 * in this process takes it ready; one that runs elsewhere (a queue-mode worker, n8n restarted) reads
 * its batch itself, so the rows never depend on it. A read ahead that fails is dropped quietly: the
 * execution that asks for that batch reads it again and reports the failure. Kept a minute after
 * the read ends, four at most.
 */
const readAheads = new KeptPromises<BatchStep<unknown, unknown> | null>(60_000, 4);

function startReadAhead<Row, Position>(cursor: string, batchSize: number, read: () => Promise<BatchStep<Row, Position>>): void {
	readAheads.keep(`${batchSize}|${cursor}`, async () => await read().catch(() => null));
}

async function takeReadAhead<Row, Position>(cursor: string, batchSize: number): Promise<BatchStep<Row, Position> | null> {
	return ((await readAheads.take(`${batchSize}|${cursor}`)) ?? null) as BatchStep<Row, Position> | null;
}
