/**
 * The batched sync in its own process, so its maxRSS is the node's alone (the emulator runs in
 * another): Get Many Profiles, then the activity backfill, each in batches, cursor after cursor until
 * done, through n8n-core's real engine, with the template's parameters. Rows are counted and dropped,
 * as a store would write them.
 * Talks to the parent over IPC, which reads the emulator's figures between the phases:
 *
 *   fork(nodeWorker.js, ['<NodeSyncJob as JSON>']) → PhaseResult (profiles); waits for 'next';
 *   → PhaseResult (activities), then exits.
 */
import { once } from 'node:events';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { runNode } from '../../dev/n8nCoreRunner';
import { emulatorKeyCredential } from '../../dev/credentials';

export type SyncPhase = 'profiles' | 'activities';

export interface NodeSyncJob {
	url: string;
	apiKey: string;
	/** The template's node parameters per phase, batch size and days already filled in. */
	parameters: Record<SyncPhase, INodeParameters>;
}

export interface PhaseResult {
	phase: SyncPhase;
	ms: number;
	batches: number;
	rows: number;
	/** This process's peak RSS so far (it only grows), in MB. */
	maxRssMb: number;
	error: string | null;
}

/** Template 06 asks for its rows as JSON text (Rows As, docs/SYNC.md); other settings give objects. */
interface Batch {
	rows?: IDataObject[];
	rowsJson?: string;
	cursor: string | null;
	done: boolean;
}

async function runPhase(job: NodeSyncJob, phase: SyncPhase): Promise<PhaseResult> {
	const started = performance.now();
	let batches = 0;
	let rows = 0;
	let error: string | null = null;
	try {
		let cursor = '';
		for (;;) {
			const [items] = await runNode({
				node: new StripeLifecycle(),
				parameters: { ...job.parameters[phase], cursor },
				credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(job, job.apiKey) },
			});
			const batch = items[0].json as unknown as Batch;
			batches++;
			rows += (batch.rows ?? (JSON.parse(batch.rowsJson ?? '[]') as unknown[])).length;
			if (batch.done || batch.cursor === null) break;
			cursor = batch.cursor;
		}
	} catch (caught) {
		error = caught instanceof Error ? caught.message : String(caught);
	}
	return { phase, ms: performance.now() - started, batches, rows, maxRssMb: process.resourceUsage().maxRSS / 1024, error };
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2]) as NodeSyncJob;
	process.send!(await runPhase(job, 'profiles'));
	await once(process, 'message');
	process.send!(await runPhase(job, 'activities'));
	process.disconnect();
}

void main();
