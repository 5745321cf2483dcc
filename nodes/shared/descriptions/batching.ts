import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { parameterError } from '../execution/errors';
import { nextBatch, type BatchedSource, type BatchRequest } from '../sources/batches';
import { CursorError } from '../sources/syncCursor';
import type { StripeApi } from '../transport/resources';

export const DEFAULT_BATCH_SIZE = 1000;
export const MAX_BATCH_SIZE = 10_000;

/** The fields of a listing that can run as a batched sync (docs/SYNC.md). */
export function batchingProperties(show: Record<string, string[]>): INodeProperties[] {
	const inBatches = { show: { ...show, inBatches: [true] } };
	return [
		{
			displayName: 'Output in Batches',
			name: 'inBatches',
			type: 'boolean',
			default: false,
			description:
				'Whether to return one batch per execution, as one item holding the rows and the cursor of the next batch, so that accounts of any size sync in bounded memory. See the initial-sync templates.',
			displayOptions: { show },
		},
		{
			displayName: 'Batch Size',
			name: 'batchSize',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_BATCH_SIZE, numberPrecision: 0 },
			default: DEFAULT_BATCH_SIZE,
			description: 'How many rows one batch holds: at most this many customers read for profiles and audiences, about this many activities for the backfill',
			displayOptions: inBatches,
		},
		{
			displayName: 'Cursor',
			name: 'cursor',
			type: 'string',
			default: '',
			description: 'Empty to start a new sync; otherwise the `cursor` field of the previous batch, unchanged',
			displayOptions: inBatches,
		},
		{
			displayName: 'Rows As',
			name: 'rowsAs',
			type: 'options',
			options: [
				{ name: 'Objects', value: 'objects', description: 'The rows as objects in `rows`, for Split Out and nodes that map fields' },
				{
					name: 'JSON Text',
					value: 'jsonText',
					description:
						"The rows as one JSON array in `rowsJson`, for a database's JSON parameter (PostgreSQL: jsonb_array_elements($1::jsonb)); n8n's expression sandbox then copies one text instead of reading every field of every row",
				},
			],
			default: 'objects',
			displayOptions: inBatches,
		},
		{
			displayName: 'Read Ahead',
			name: 'readAhead',
			type: 'boolean',
			default: true,
			description:
				'Whether to start reading the next batch while n8n stores this one, so that the next execution in this n8n process finds it ready. Turn off in queue mode with several workers: a batch read ahead on one worker is read again when the next execution runs on another.',
			displayOptions: inBatches,
		},
	];
}

/** The batch asked for, or null when the node runs unbatched. */
export function readBatchRequest(context: IExecuteFunctions, itemIndex: number): BatchRequest | null {
	if (context.getNodeParameter('inBatches', itemIndex, false) !== true) return null;
	const batchSize = Number(context.getNodeParameter('batchSize', itemIndex, DEFAULT_BATCH_SIZE));
	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
		throw parameterError(context, `Batch Size must be a whole number from 1 to ${MAX_BATCH_SIZE}, not ${batchSize}`, `Set Batch Size between 1 and ${MAX_BATCH_SIZE}; an expression must return a whole number.`, itemIndex);
	}
	const cursor = context.getNodeParameter('cursor', itemIndex, '');
	if (cursor !== null && cursor !== undefined && typeof cursor !== 'string') {
		throw parameterError(context, `Cursor must be text, not ${typeof cursor}`, 'Map the `cursor` field of the previous batch into Cursor, or leave it empty to start a new sync.', itemIndex);
	}
	return { batchSize, cursor: cursor ?? '', readAhead: context.getNodeParameter('readAhead', itemIndex, true) !== false };
}

/** The next batch as the one item the node returns for it. */
export async function batchItem<Row>(
	context: IExecuteFunctions,
	itemIndex: number,
	stripe: StripeApi,
	source: BatchedSource<Row, unknown>,
	request: BatchRequest,
	row: (value: Row) => IDataObject = (value) => value as unknown as IDataObject,
): Promise<{ json: IDataObject }> {
	const rowsAs = context.getNodeParameter('rowsAs', itemIndex, 'objects');
	if (rowsAs !== 'objects' && rowsAs !== 'jsonText') {
		throw parameterError(context, `Rows As must be objects or jsonText, not ${JSON.stringify(rowsAs)}`, 'Pick Objects or JSON Text under Rows As; an expression must return objects or jsonText.', itemIndex);
	}
	// Stripe's errors become node errors where every operation's do (shared/execution/perItem.ts).
	const { warnings, rows, ...batch } = await nextBatch(stripe, source, request).catch((error: unknown) => {
		throw error instanceof CursorError ? parameterError(context, error.message, error.fix, itemIndex) : error;
	});
	// n8n 2.x evaluates expressions in an isolate that fetches an object field by field from the host, so a
	// store's JSON.stringify($json.rows) costs one call into n8n per field of every row (docs/SYNC.md, "Rows As").
	const shaped = rowsAs === 'jsonText' ? { rowsJson: JSON.stringify(rows.map(row)) } : { rows: rows.map(row) };
	return { json: { ...shaped, ...batch, ...(warnings.length ? { warnings } : {}) } };
}
