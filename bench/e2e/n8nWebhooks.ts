/**
 * End to end in one real n8n: signed Stripe events posted to an active workflow, from the request
 * to the finished execution. Ours (Stripe Lifecycle Trigger → No Operation) against the floor, n8n's
 * bare Webhook node (POST, respond immediately → No Operation) on the same instance, with the same
 * bytes and headers. n8n's built-in Stripe Trigger would be a third column, but it cannot be pointed
 * at the emulator (see BUILT_IN_NOT_MEASURED).
 *
 * The floor is not a like-for-like trigger: n8n 2.40.7 lets its own Webhook node (v2+, static
 * parameters) skip the expression isolate in the webhook phase (live-webhooks.js,
 * webhookPhaseNeedsIsolate); every other trigger node, ours and the built-in Stripe Trigger alike,
 * takes one from a pool of N8N_EXPRESSION_ENGINE_POOL_SIZE (1) and cold-starts another when it is busy.
 *
 * Per event, latency = the execution's stoppedAt (n8n's record, ms) − Date.now() just before its
 * request was sent; events/s = events ÷ (last stoppedAt − first request). Executions are matched to
 * requests by event id, read from the execution data after the timed part.
 */
import { randomUUID } from 'node:crypto';

import type { IDataObject, IRunData } from 'n8n-workflow';
import Stripe from 'stripe';

import { runScenario, startEmulator, type RunningEmulator } from '../../emulator';
import { N8N_START_TIMEOUT_MS, startN8n, TRIGGER, type N8nInstance, type WorkflowDefinition } from '../../dev/n8n';
import { runPool, settleExecutions, triggerWorkflow } from '../../dev/n8n/load';
import { emulatorKeyCredential } from '../../dev/credentials';
import { spread, type Spread } from '../stats';

export interface N8nWebhookSettings {
	/** Measured runs; one warm-up run of the same size comes first and is not counted. */
	runs: number;
	eventsPerRun: number;
	/** Requests in flight at once. */
	concurrency: number;
	/** Added to the harness's n8n environment, e.g. { N8N_EXPRESSION_ENGINE: 'legacy' } for a second configuration; none by default. */
	n8nEnv?: Record<string, string>;
}

export type N8nWebhookContender = 'Stripe Lifecycle Trigger' | 'Webhook node (floor)' | 'Stripe Trigger (built-in)';

export interface N8nWebhookFigures {
	eventsPerSecond: Spread;
	p50Ms: Spread;
	p99Ms: Spread;
	/** Successful executions per run; always eventsPerRun, as a run that misses one throws. */
	executions: Spread;
}

export interface N8nWebhookRow {
	contender: N8nWebhookContender;
	eventType: string;
	bodyBytes: number;
	eventsPerRun: number;
	concurrency: number;
	/** The n8n settings that matter here, defaults overridden by `n8nEnv`, e.g. `DB_TYPE=sqlite, …`. */
	n8nSetup: string;
	/** Absent when the contender was not measured; `notMeasured` says why. */
	figures?: N8nWebhookFigures;
	/** Ours only, per run: p50 and p99 ours ÷ floor, events/s floor ÷ ours (target ≤ 1.10 each). */
	overFloor?: { p50: Spread; p99: Spread; eventsPerSecond: Spread };
	notMeasured?: string;
}

/** n8n 2.40.7's defaults that shape these figures; the harness changes none of them. */
const N8N_DEFAULTS: Record<string, string> = {
	EXECUTIONS_MODE: 'regular',
	DB_TYPE: 'sqlite',
	DB_SQLITE_POOL_SIZE: '3',
	N8N_CONCURRENCY_PRODUCTION_LIMIT: '-1',
	EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
	N8N_EXPRESSION_ENGINE: 'vm',
	N8N_EXPRESSION_ENGINE_POOL_SIZE: '1',
};

export const BUILT_IN_NOT_MEASURED =
	'n8n-nodes-base.stripeTrigger registers its webhook endpoint at a hardcoded https://api.stripe.com/v1 (nodes/Stripe/helpers.js stripeApiRequest) and its stripeApi credential has no base URL, so it cannot be activated against the emulator without a proxy or DNS override';

/** An event whose activity carries the customer's email, so the trigger does no Stripe read per event. */
const EVENT_TYPE = 'invoice.payment_failed';
const ACTIVITY = 'invoice.payment_failed';
const WEBHOOK_NODE = 'Webhook';
/** Each execution's data is read once, after the timed part, a few at a time. */
const READ_CONCURRENCY = 4;

interface Contender {
	name: N8nWebhookContender;
	url: string;
	workflowId: string;
	/** The event id a finished execution ran on. */
	eventIdOf: (runData: IRunData) => string | undefined;
}

interface Sample {
	eventsPerSecond: number;
	p50Ms: number;
	p99Ms: number;
	executions: number;
}

function floorWorkflow(path: string): WorkflowDefinition {
	return {
		name: `bench webhook floor ${path.slice(0, 8)}`,
		nodes: [
			{
				id: randomUUID(),
				name: WEBHOOK_NODE,
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: path,
				parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
			},
			{ id: randomUUID(), name: 'No Operation', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [200, 0], parameters: {} },
		],
		connections: { [WEBHOOK_NODE]: { main: [[{ node: 'No Operation', type: 'main', index: 0 }]] } },
	};
}

/** A real invoice.payment_failed from the emulator's own billing, with the customer it belongs to. */
function sampleEvent(stripe: RunningEmulator): Stripe.Event {
	const { events } = runScenario(stripe, 'payment_failed');
	const event = events.find((candidate) => candidate.type === EVENT_TYPE);
	if (!event) throw new Error(`The payment_failed scenario emitted no ${EVENT_TYPE} event`);
	return event;
}

/** The run's bodies, as the emulator serializes a delivery (indented), each with its own event id. */
function bodiesFor(event: Stripe.Event, run: number, count: number): Array<{ id: string; payload: string }> {
	return Array.from({ length: count }, (_, index) => {
		const id = `evt_bench${String(run).padStart(3, '0')}e2e${String(index).padStart(9, '0')}`;
		return { id, payload: JSON.stringify({ ...event, id }, null, 2) };
	});
}

function percentile(sorted: number[], share: number): number {
	return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

/**
 * Posts the bodies `concurrency` at a time, waits for every execution, and reads which event each ran.
 * Missing, failed or unmatched executions make the run an error rather than a figure.
 */
async function measure(n8n: N8nInstance, contender: Contender, bodies: Array<{ id: string; payload: string }>, secret: string, concurrency: number): Promise<Sample> {
	// Signed once per run, so the timestamps stay well inside the trigger's 300 s tolerance.
	const timestamp = Math.floor(Date.now() / 1000);
	const requests = bodies.map(({ payload }) => ({
		'Content-Type': 'application/json; charset=utf-8',
		'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
		'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }),
	}));
	const sentAt = new Map<string, number>();
	const refused: string[] = [];
	await runPool(bodies.length, concurrency, async (index) => {
		sentAt.set(bodies[index].id, Date.now());
		const response = await fetch(contender.url, { method: 'POST', headers: requests[index], body: bodies[index].payload });
		const answer = await response.text();
		if (response.status !== 200) refused.push(`${response.status} ${answer.slice(0, 200)}`);
	});
	if (refused.length) throw new Error(`${contender.name}: ${refused.length} of ${bodies.length} requests were refused, e.g. ${refused[0]}`);

	const executions = await settleExecutions(n8n, contender.workflowId, bodies.length);
	const failed = executions.filter((execution) => execution.status !== 'success');
	if (executions.length !== bodies.length || failed.length) {
		throw new Error(`${contender.name}: ${executions.length} executions (${failed.length} not successful) for ${bodies.length} events`);
	}
	const finishedAt = new Map<string, number>();
	await runPool(executions.length, READ_CONCURRENCY, async (index) => {
		const execution = executions[index];
		const details = await n8n.getExecution(execution.id);
		const eventId = contender.eventIdOf(details.data.resultData.runData);
		if (!eventId || !sentAt.has(eventId) || finishedAt.has(eventId) || !execution.stoppedAt) {
			throw new Error(`${contender.name}: execution ${execution.id} ran on ${eventId ?? 'no event'}, not on one new event of this run`);
		}
		finishedAt.set(eventId, Date.parse(execution.stoppedAt));
	});
	// Each run starts from an empty executions list, so listing and the database stay the same size.
	await n8n.rest('POST', '/executions/delete', { ids: executions.map((execution) => execution.id) });

	const latencies = bodies.map(({ id }) => finishedAt.get(id)! - sentAt.get(id)!).sort((a, b) => a - b);
	const firstSent = Math.min(...sentAt.values());
	const lastFinished = Math.max(...finishedAt.values());
	return {
		eventsPerSecond: bodies.length / ((lastFinished - firstSent) / 1000),
		p50Ms: percentile(latencies, 0.5),
		p99Ms: percentile(latencies, 0.99),
		executions: executions.length,
	};
}

function figuresOf(samples: Sample[]): N8nWebhookFigures {
	return {
		eventsPerSecond: spread(samples.map((sample) => sample.eventsPerSecond)),
		p50Ms: spread(samples.map((sample) => sample.p50Ms)),
		p99Ms: spread(samples.map((sample) => sample.p99Ms)),
		executions: spread(samples.map((sample) => sample.executions)),
	};
}

export async function runN8nWebhookBenchmark(settings: N8nWebhookSettings, log: (line: string) => void): Promise<N8nWebhookRow[]> {
	const stripe = await startEmulator({});
	let n8n: N8nInstance | undefined;
	try {
		// Before any endpoint exists, so the emulator delivers nothing of its own to n8n.
		const event = sampleEvent(stripe);
		n8n = await startN8n({ env: settings.n8nEnv, startTimeoutMs: N8N_START_TIMEOUT_MS });
		const credential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe emulator', emulatorKeyCredential(stripe, stripe.keys.secretTest));
		const trigger = triggerWorkflow(credential, [ACTIVITY]);
		const triggerWorkflowId = await n8n.importWorkflow({ ...trigger.workflow, name: `bench ${ACTIVITY} ${trigger.webhookId.slice(0, 8)}` });
		await n8n.activateWorkflow(triggerWorkflowId);
		const [endpoint] = stripe.dataset().webhookEndpoints.values();
		const secret = stripe.dataset().webhookSecrets.get(endpoint.id);
		if (!secret) throw new Error('Activating the trigger registered no endpoint with a signing secret in the emulator');
		const floorPath = randomUUID();
		const floorWorkflowId = await n8n.importWorkflow(floorWorkflow(floorPath));
		await n8n.activateWorkflow(floorWorkflowId);

		const ours: Contender = {
			name: 'Stripe Lifecycle Trigger',
			url: endpoint.url,
			workflowId: triggerWorkflowId,
			eventIdOf: (runData) => {
				const json = runData[TRIGGER]?.[0]?.data?.main[0]?.[0]?.json;
				return json ? String(json.eventId) : undefined;
			},
		};
		const floor: Contender = {
			name: 'Webhook node (floor)',
			url: n8n.webhookUrl(floorPath),
			workflowId: floorWorkflowId,
			eventIdOf: (runData) => {
				const body = runData[WEBHOOK_NODE]?.[0]?.data?.main[0]?.[0]?.json.body as IDataObject | undefined;
				return body ? String(body.id) : undefined;
			},
		};

		const samples = new Map<N8nWebhookContender, Sample[]>([
			[ours.name, []],
			[floor.name, []],
		]);
		for (let run = 0; run <= settings.runs; run++) {
			const bodies = bodiesFor(event, run, settings.eventsPerRun);
			// Alternating who goes first, so neither always meets the machine after the other's load.
			const order = run % 2 === 0 ? [ours, floor] : [floor, ours];
			const line: string[] = [];
			for (const contender of order) {
				const sample = await measure(n8n, contender, bodies, secret, settings.concurrency);
				if (run > 0) samples.get(contender.name)!.push(sample);
				line.push(`${contender.name} ${sample.eventsPerSecond.toFixed(1)} events/s, p50 ${sample.p50Ms} ms, p99 ${sample.p99Ms} ms`);
			}
			log(`  ${run === 0 ? 'warm-up' : `run ${run}/${settings.runs}`}: ${line.join('; ')}`);
		}

		const ourSamples = samples.get(ours.name)!;
		const floorSamples = samples.get(floor.name)!;
		const common = {
			eventType: EVENT_TYPE,
			bodyBytes: Buffer.byteLength(bodiesFor(event, 0, 1)[0].payload),
			eventsPerRun: settings.eventsPerRun,
			concurrency: settings.concurrency,
			n8nSetup: Object.entries({ ...N8N_DEFAULTS, ...settings.n8nEnv })
				.map(([name, value]) => `${name}=${value}`)
				.join(', '),
		};
		return [
			{
				...common,
				contender: ours.name,
				figures: figuresOf(ourSamples),
				overFloor: {
					p50: spread(ourSamples.map((sample, i) => sample.p50Ms / floorSamples[i].p50Ms)),
					p99: spread(ourSamples.map((sample, i) => sample.p99Ms / floorSamples[i].p99Ms)),
					eventsPerSecond: spread(ourSamples.map((sample, i) => floorSamples[i].eventsPerSecond / sample.eventsPerSecond)),
				},
			},
			{ ...common, contender: floor.name, figures: figuresOf(floorSamples) },
			{ ...common, contender: 'Stripe Trigger (built-in)', notMeasured: BUILT_IN_NOT_MEASURED },
		];
	} finally {
		await n8n?.stop();
		await stripe.close();
	}
}
