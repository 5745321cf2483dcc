/**
 * One timed listing in its own process, so its peak memory (maxRSS) is its own: either one of our
 * node operations run through n8n-core's real engine, or the anchor, a plain sequential walk over
 * the same lists the way n8n's built-in Stripe node pages (one cursor, limit 100, one call after
 * another, no rate limiter needed because one cursor never reaches it).
 *
 *   node worker.js '<WorkerJob as JSON>'   → prints one WorkerResult as JSON on stdout
 */
import type { INodeParameters } from 'n8n-workflow';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { encodeStripeParams, type StripeParams } from '../../nodes/shared/transport/formEncoding';
import { STRIPE_API_VERSION, type StripeList } from '../../nodes/shared/transport/stripeClient';
import { runNode } from '../../dev/n8nCoreRunner';
import { emulatorKeyCredential } from '../../dev/credentials';

export interface ListSpec {
	path: string;
	params: StripeParams;
}

export type WorkerJob =
	| { kind: 'node'; url: string; apiKey: string; parameters: INodeParameters }
	/** `pagesPerList` caps each list: a single cursor's rate does not depend on how long the list is. */
	| { kind: 'anchor'; url: string; apiKey: string; lists: ListSpec[]; pagesPerList: number };

export interface WorkerResult {
	ms: number;
	/** Items the node returned, or objects the anchor listed. */
	items: number;
	maxRssMb: number;
	error: string | null;
}

async function runAnchor(job: Extract<WorkerJob, { kind: 'anchor' }>): Promise<number> {
	let objects = 0;
	for (const list of job.lists) {
		let startingAfter: string | undefined;
		for (let pages = 0; pages < job.pagesPerList; pages++) {
			const query = encodeStripeParams({ ...list.params, limit: 100, starting_after: startingAfter });
			const response = await fetch(`${job.url}${list.path}?${query}`, {
				headers: { Authorization: `Bearer ${job.apiKey}`, 'Stripe-Version': STRIPE_API_VERSION },
			});
			if (!response.ok) throw new Error(`${list.path} answered ${response.status}: ${await response.text()}`);
			const page = (await response.json()) as StripeList<{ id: string }>;
			objects += page.data.length;
			if (!page.has_more || page.data.length === 0) break;
			startingAfter = page.data[page.data.length - 1].id;
		}
	}
	return objects;
}

async function runOperation(job: Extract<WorkerJob, { kind: 'node' }>): Promise<number> {
	const [items] = await runNode({
		node: new StripeLifecycle(),
		parameters: job.parameters,
		credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(job, job.apiKey) },
	});
	return items.length;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2]) as WorkerJob;
	const started = performance.now();
	let items = 0;
	let error: string | null = null;
	try {
		items = job.kind === 'anchor' ? await runAnchor(job) : await runOperation(job);
	} catch (caught) {
		error = caught instanceof Error ? caught.message : String(caught);
	}
	const result: WorkerResult = {
		ms: performance.now() - started,
		items,
		maxRssMb: process.resourceUsage().maxRSS / 1024,
		error,
	};
	process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
