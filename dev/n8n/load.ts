/**
 * What load tests and benchmarks drive a real n8n with: a bounded request pool, a trigger workflow,
 * and every execution of a workflow (past the REST page size).
 */
import { randomUUID } from 'node:crypto';

import type { INodeParameters } from 'n8n-workflow';

import type { CredentialReference, ExecutionSummary, N8nInstance, WorkflowDefinition } from './instance';
import { chain, noOperationNode, triggerNode } from './workflows';

/** Runs `task(i)` for i < count with at most `concurrency` in flight: load without unbounded sockets. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
	let next = 0;
	const lane = async (): Promise<void> => {
		while (next < count) await task(next++);
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Every execution of the workflow, oldest first. Pages go by id with both `firstId` and `lastId`
 * set: with either missing, n8n orders finished executions by start time, which an id cursor cannot
 * page through once executions start out of id order (queue mode: 10 of 230 were skipped).
 */
export async function allExecutions(n8n: N8nInstance, workflowId: string): Promise<ExecutionSummary[]> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const all: ExecutionSummary[] = [];
	// PostgreSQL's integer maximum: execution ids are int4 there.
	let lastId = '2147483647';
	for (;;) {
		const page = await n8n.rest<{ results: ExecutionSummary[] }>('GET', `/executions?filter=${filter}&limit=100&firstId=0&lastId=${lastId}`);
		if (page.results.length === 0) break;
		all.push(...page.results);
		lastId = String(Math.min(...page.results.map((execution) => Number(execution.id))));
	}
	return [...new Map(all.map((execution) => [execution.id, execution])).values()].sort((a, b) => Number(a.id) - Number(b.id));
}

const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

/** Waits until the workflow has `count` finished executions, or returns what there is once nothing changed for `quietMs`. */
export async function settleExecutions(n8n: N8nInstance, workflowId: string, count: number, quietMs = 10_000): Promise<ExecutionSummary[]> {
	let seen = -1;
	let changedAt = Date.now();
	for (;;) {
		const executions = await allExecutions(n8n, workflowId);
		const finished = executions.filter((execution) => FINISHED.has(execution.status));
		if (finished.length >= count && finished.length === executions.length) return executions;
		if (executions.length !== seen) {
			seen = executions.length;
			changedAt = Date.now();
		} else if (Date.now() - changedAt > quietMs) return executions;
		await sleep(500);
	}
}

/** A trigger on the given activities followed by `next` nodes (a No Operation by default). */
export function triggerWorkflow(
	credential: CredentialReference,
	activities: string[],
	next: WorkflowDefinition['nodes'] = [noOperationNode()],
	triggerOptions: INodeParameters = {},
): { workflow: WorkflowDefinition; webhookId: string } {
	const webhookId = randomUUID();
	const trigger = triggerNode(credential, webhookId, { categories: [], activities, options: triggerOptions });
	return { webhookId, workflow: chain(`reliability ${activities.join(',')} ${webhookId.slice(0, 8)}`, [trigger, ...next]) };
}
