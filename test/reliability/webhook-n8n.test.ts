/**
 * The Stripe Lifecycle Trigger in one real n8n (SQLite) under what production throws at it, with the
 * emulator as Stripe: hostile requests, a delivery storm, downtime while Stripe retries, activation
 * churn and a SIGKILL in the middle of an activation; at the end every log and execution record is
 * searched for secrets. Behaviour is asserted; timings and memory are recorded in .tmp/reliability.json.
 *
 * The tests share one n8n and run in order (each builds on the executions the previous left).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type Stripe from 'stripe';

import { startEmulator, type RunningEmulator } from '../../emulator';
import { importActive, N8N_START_TIMEOUT_MS, startN8n, type CredentialReference, type N8nInstance } from '../../dev/n8n';
import { hostileRequest, send, type HostileContext } from './hostile';
import { countBy, eventIdsOf, FULL, pidListeningOn, portOf, recordFigures, RETRY_SCHEDULE_MS, rssMb, STORM_CONCURRENCY } from './support';
import { allExecutions, runPool, settleExecutions, sleep, triggerWorkflow } from '../../dev/n8n/load';
import { emulatorKeyCredential } from '../../dev/credentials';

jest.setTimeout(10 * 60_000);

/**
 * The issue asks for at least 10,000 (the full run); n8n checks each signed request in the trigger, which
 * costs tens of milliseconds on two shared cores, so the default run of `npm test` sends 1,000.
 */
const HOSTILE_REQUESTS = FULL ? 10_000 : 1_000;
const HOSTILE_CONCURRENCY = 32;
/** The 1,000 in the full run; 250 keep `npm test` near its time budget (the 1,000 took almost 4 minutes). */
const STORM_EVENTS = FULL ? 1000 : 250;
const STORM_DUPLICATE_SHARE = 0.2;
const DOWNTIME_EVENTS = 50;
/** Real activate/deactivate cycles through n8n's REST API; the in-process suite runs 100 of the trigger's own. */
const CHURN_CYCLES = FULL ? 100 : 10;
/**
 * What the second half of the hostile run may add to n8n's memory once the first half has
 * warmed it up. Growth in proportion to the load would be a leak; the first half's growth is
 * allocator and JIT warm-up with 10 MB bodies in flight, recorded but not judged. Measured: about
 * 290 MB for the first 500 requests, 130 MB for the second; a leak of half a megabyte per request
 * would pass the limit.
 */
const RSS_GROWTH_LIMIT_MB = 250;
/**
 * n8n 2.40.7's defaults: an outbox record of a publication that a process claimed and then died on is
 * claimed again once its lease has run out (N8N_WORKFLOW_PUBLICATION_OUTBOX_LEASE_SECONDS, 120 s), at the
 * next outbox poll (N8N_WORKFLOW_PUBLICATION_OUTBOX_POLL_INTERVAL_MS, 15 s). The margin is this busy machine.
 */
const PUBLICATION_LEASE_MS = 120_000;
const OUTBOX_POLL_MS = 15_000;
const SETTLE_MARGIN_MS = 60_000;
/** With no endpoint wanting the event, the emulator delivers nothing; this bounds the wait for it. */
const FIRST_DELIVERY_TIMEOUT_MS = 30_000;

let stripe: RunningEmulator;
let n8n: N8nInstance;
let userFolder: string;
let credential: CredentialReference;
let workflowId: string;
/** Every signing secret an endpoint ever had, kept for the final secrets search. */
const webhookSecrets = new Set<string>();

function endpoints(): Stripe.WebhookEndpoint[] {
	return stripe.dataset().webhookEndpoints.values();
}

function rememberSecrets(): void {
	for (const endpoint of endpoints()) {
		const secret = stripe.dataset().webhookSecrets.get(endpoint.id);
		if (secret) webhookSecrets.add(secret);
	}
}

/** Creates customers while deliveries are held, so they leave together; returns their customer.created events. */
function createCustomers(count: number, label: string): Stripe.Event[] {
	const first = stripe.eventLog().length;
	for (let i = 0; i < count; i++) stripe.createCustomer({ email: `${label}-${i}@reliability.test`, name: `${label} ${i}` });
	return stripe.eventLog().slice(first).filter((event) => event.type === 'customer.created');
}

beforeAll(async () => {
	stripe = await startEmulator({ retrySchedule: RETRY_SCHEDULE_MS, seed: 11 });
	// Our own folder (the harness keeps folders it was given), so the event-bus log files can be searched at the end.
	userFolder = mkdtempSync(join(tmpdir(), 'n8n-reliability-'));
	n8n = await startN8n({ userFolder });
	credential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe emulator', emulatorKeyCredential(stripe, stripe.keys.secretTest));
	const { workflow } = triggerWorkflow(credential, ['customer.created']);
	workflowId = await importActive(n8n, workflow);
	rememberSecrets();
}, N8N_START_TIMEOUT_MS);

afterAll(async () => {
	await n8n?.stop();
	await stripe?.close();
	if (userFolder) rmSync(userFolder, { recursive: true, force: true });
});

describe('the trigger in a real n8n', () => {
	it(`answers ${HOSTILE_REQUESTS} hostile requests without one execution, stays healthy and keeps its memory`, async () => {
		const [endpoint] = endpoints();
		const [delivered] = createCustomers(1, 'baseline');
		await stripe.settleDeliveries();
		await n8n.waitForExecutions(workflowId, 1);
		const executionsBefore = (await allExecutions(n8n, workflowId)).length;
		const pid = pidListeningOn(portOf(n8n));
		const rssBefore = rssMb(pid);
		const context: HostileContext = {
			secret: stripe.dataset().webhookSecrets.get(endpoint.id)!,
			deliveredEvent: stripe.dataset().events.get(delivered.id)!,
			now: () => Math.floor(Date.now() / 1000),
		};
		const agent = new http.Agent({ keepAlive: true, maxSockets: HOSTILE_CONCURRENCY });
		const statusesByKind = new Map<string, Map<string, number>>();
		let peakRss = rssBefore;
		const startedAt = Date.now();

		// Two equal halves: the first warms n8n's allocator up with the 10 MB bodies, the second
		// shows whether memory keeps growing with the load (a leak) or stays on its plateau.
		const half = Math.floor(HOSTILE_REQUESTS / 2);
		const attack = async (index: number) => {
			const request = hostileRequest(index, context);
			const answer = await send(endpoint.url, request, agent);
			const byStatus = statusesByKind.get(request.kind) ?? new Map<string, number>();
			const key = answer.status === null ? `network error: ${answer.error}` : String(answer.status);
			byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
			statusesByKind.set(request.kind, byStatus);
			if (index % 500 === 0) peakRss = Math.max(peakRss, rssMb(pid));
		};
		await runPool(half, HOSTILE_CONCURRENCY, attack);
		await sleep(3000);
		const rssAfterFirstHalf = rssMb(pid);
		await runPool(HOSTILE_REQUESTS - half, HOSTILE_CONCURRENCY, (index) => attack(half + index));
		agent.destroy();
		const seconds = (Date.now() - startedAt) / 1000;
		// Give n8n's GC a moment after the 10 MB bodies; the figure is what stays, not the peak.
		await sleep(3000);
		const rssAfter = rssMb(pid);
		const health = await fetch(`${n8n.url}/healthz/readiness`);
		const executionsAfter = (await allExecutions(n8n, workflowId)).length;
		const table = Object.fromEntries([...statusesByKind].map(([kind, byStatus]) => [kind, Object.fromEntries(byStatus)]));
		process.stdout.write(`[reliability] hostile statuses by kind: ${JSON.stringify(table, null, 1)}\n`);
		const answers = [...statusesByKind.values()].flatMap((byStatus) => [...byStatus]);
		const count = (match: (status: string) => boolean) => answers.filter(([status]) => match(status)).reduce((sum, [, n]) => sum + n, 0);

		expect(executionsAfter).toBe(executionsBefore);
		expect(health.status).toBe(200);
		// Every request got an HTTP answer, none of them a server error.
		expect(count((status) => status.startsWith('network') || status.startsWith('5'))).toBe(0);
		// Forgeries are refused: nothing signed with a guessed secret, stale or unsigned is ever 2xx.
		for (const kind of ['forged signature', 'stale signature', 'missing signature', '10 MB body (forged signature)']) {
			expect(Object.keys(table[kind] ?? { missing: 1 }).filter((status) => status.startsWith('2'))).toEqual([]);
		}
		expect(rssAfter - rssAfterFirstHalf).toBeLessThan(RSS_GROWTH_LIMIT_MB);
		recordFigures({
			scenario: '1. Hostile webhook input',
			load: `${HOSTILE_REQUESTS} requests, ${HOSTILE_CONCURRENCY} concurrent, ${Object.keys(table).length} kinds`,
			faults: 'forged/stale/replayed/missing/duplicated signatures, non-JSON, truncated, 10 MB, wrong content types, unicode/controls, wrong methods',
			result: 'passed',
			figures: {
				requests: HOSTILE_REQUESTS,
				newExecutions: executionsAfter - executionsBefore,
				answered2xx: count((status) => status.startsWith('2')),
				answered4xx: count((status) => status.startsWith('4')),
				answered5xxOrNetworkError: count((status) => status.startsWith('5') || status.startsWith('network')),
				requestsPerSecond: Math.round(HOSTILE_REQUESTS / seconds),
				rssBeforeMb: rssBefore,
				rssAfterFirstHalfMb: rssAfterFirstHalf,
				rssPeakSampledMb: peakRss,
				rssAfterMb: rssAfter,
			},
		});
	});

	it(`runs exactly one execution per distinct event in a storm of ${STORM_EVENTS} events with ${STORM_DUPLICATE_SHARE * 100}% duplicates, shuffled, ${STORM_CONCURRENCY} at a time`, async () => {
		const executionsBefore = await allExecutions(n8n, workflowId);
		stripe.holdDeliveries();
		const events = createCustomers(STORM_EVENTS, 'storm');
		// Duplicates as Stripe sends them: the same event id again (a retry racing the first attempt).
		const duplicated = events.filter((_event, index) => index % Math.round(1 / STORM_DUPLICATE_SHARE) === 0);
		for (const event of duplicated) stripe.redeliverEvent(event.id);
		const startedAt = Date.now();
		// The emulator delivers through Node's global agent: its socket limit is the storm's concurrency.
		const unbounded = http.globalAgent.maxSockets;
		http.globalAgent.maxSockets = STORM_CONCURRENCY;
		const released = stripe.releaseDeliveries('shuffle');
		await stripe.settleDeliveries().finally(() => (http.globalAgent.maxSockets = unbounded));
		const deliveredSeconds = (Date.now() - startedAt) / 1000;
		const executions = await settleExecutions(n8n, workflowId, executionsBefore.length + events.length);
		const known = new Set(executionsBefore.map((execution) => execution.id));
		const fresh = executions.filter((execution) => !known.has(execution.id));
		const perEvent = countBy(await eventIdsOf(n8n, fresh));
		const deliveries = stripe.deliveryLog().filter((delivery) => events.some((event) => event.id === delivery.eventId));
		const acknowledged = new Set(deliveries.filter((delivery) => delivery.status === 200).map((delivery) => delivery.eventId));

		expect(released).toBe(events.length + duplicated.length);
		expect(fresh.filter((execution) => execution.status !== 'success')).toEqual([]);
		// Exactly one execution per distinct event, and no event missing.
		expect([...perEvent.keys()].sort()).toEqual(events.map((event) => event.id).sort());
		expect([...perEvent.values()].filter((n) => n !== 1)).toEqual([]);
		// Every event was finally acknowledged to Stripe, so none will be retried for days.
		expect(acknowledged.size).toBe(events.length);
		recordFigures({
			scenario: '2. Delivery storm (single n8n, SQLite)',
			load: `${events.length} distinct events + ${duplicated.length} duplicates, shuffled, ${STORM_CONCURRENCY} in flight`,
			faults: 'duplicates, out of order',
			result: 'passed',
			figures: {
				deliveries: deliveries.length,
				non2xxDeliveries: deliveries.filter((delivery) => delivery.status !== 200).length,
				executions: fresh.length,
				distinctEventsExecuted: perEvent.size,
				eventsExecutedTwice: [...perEvent.values()].filter((n) => n > 1).length,
				secondsUntilAllAcknowledged: Math.round(deliveredSeconds),
			},
		});
	});

	it('loses no event while n8n is down and Stripe keeps retrying, and runs each once after the restart', async () => {
		const executionsBefore = await allExecutions(n8n, workflowId);
		let events: Stripe.Event[] = [];
		let downSeconds = 0;

		await n8n.restart(async () => {
			const stoppedAt = Date.now();
			events = createCustomers(DOWNTIME_EVENTS, 'downtime');
			// Down long enough that every event's first attempt (and maybe a retry) failed against the dead port.
			while (new Set(stripe.deliveryLog().filter((delivery) => delivery.status === null).map((delivery) => delivery.eventId)).size < events.length) {
				await sleep(200);
			}
			await sleep(3000);
			downSeconds = (Date.now() - stoppedAt) / 1000;
		});
		await stripe.settleDeliveries();
		const executions = await settleExecutions(n8n, workflowId, executionsBefore.length + events.length);
		const known = new Set(executionsBefore.map((execution) => execution.id));
		const perEvent = countBy(await eventIdsOf(n8n, executions.filter((execution) => !known.has(execution.id))));
		const deliveries = stripe.deliveryLog().filter((delivery) => events.some((event) => event.id === delivery.eventId));
		rememberSecrets();

		expect([...perEvent.keys()].sort()).toEqual(events.map((event) => event.id).sort());
		expect([...perEvent.values()].filter((n) => n !== 1)).toEqual([]);
		expect(new Set(deliveries.filter((delivery) => delivery.status === 200).map((delivery) => delivery.eventId)).size).toBe(events.length);
		// The endpoint survived the restart: n8n re-registered the trigger by adopting it, not by adding another.
		expect(endpoints()).toHaveLength(1);
		recordFigures({
			scenario: '3. Downtime with Stripe retries (single n8n)',
			load: `${events.length} events emitted while n8n was stopped`,
			faults: `n8n stopped ${Math.round(downSeconds)} s; retries after ${RETRY_SCHEDULE_MS.map((ms) => ms / 1000).join('/')} s`,
			result: 'passed',
			figures: {
				events: events.length,
				failedAttempts: deliveries.filter((delivery) => delivery.status !== 200).length,
				maxAttemptsForOneEvent: Math.max(...deliveries.map((delivery) => delivery.attempt)),
				executions: [...perEvent.values()].reduce((sum, n) => sum + n, 0),
				lost: events.length - perEvent.size,
			},
		});
	});

	it(`leaves exactly one endpoint after each of ${CHURN_CYCLES} deactivate/activate cycles`, async () => {
		let maxEndpoints = 0;
		for (let cycle = 0; cycle < CHURN_CYCLES; cycle++) {
			await n8n.deactivateWorkflow(workflowId);
			expect(endpoints()).toEqual([]);
			await n8n.activateWorkflow(workflowId);
			maxEndpoints = Math.max(maxEndpoints, endpoints().length);
			expect(endpoints()).toHaveLength(1);
			rememberSecrets();
		}
		recordFigures({
			scenario: '5. Lifecycle churn (real n8n)',
			load: `${CHURN_CYCLES} deactivate/activate cycles through n8n's REST API`,
			faults: 'none',
			result: 'passed',
			figures: { cycles: CHURN_CYCLES, maxEndpointsAfterAnyCycle: maxEndpoints, endpointsAfterLastCycle: endpoints().length },
		});
	});

	// Full run only: n8n needs its two-minute publication lease to notice the killed activation.
	(FULL ? it : it.skip)('recovers from a SIGKILL in the middle of an activation with exactly one working endpoint', async () => {
		await n8n.deactivateWorkflow(workflowId);
		// The create call hangs for 3 s, so the kill lands while n8n waits for Stripe to answer it.
		stripe.addFault({ kind: 'latency', latencyMs: 3000, count: 1, method: 'POST', pathPrefix: '/v1/webhook_endpoints' });
		const { versionId } = await n8n.rest<{ versionId: string }>('GET', `/workflows/${workflowId}`);
		const requestsBefore = stripe.requestLog().length;
		await n8n.rest('POST', `/workflows/${workflowId}/activate`, { versionId });
		// The emulator logs a request when it arrives, so this sees the create while it still hangs.
		while (!stripe.requestLog().slice(requestsBefore).some((entry) => entry.method === 'POST' && entry.path === '/v1/webhook_endpoints')) await sleep(50);
		await n8n.kill();
		const killedAt = Date.now();
		// Whatever Stripe did with the hanging create happens now, while n8n is dead: a possible orphan.
		await sleep(3500);
		rememberSecrets();
		const endpointsWhileKilled = endpoints().map((endpoint) => endpoint.id);
		await n8n.restart();
		const afterRestart = await publication();

		// The killed process holds n8n's claim on this publication until its lease runs out; n8n then
		// applies it again by itself. An unpublish/publish before that only queues behind the claim.
		const settled = await settledPublication(killedAt + PUBLICATION_LEASE_MS + OUTBOX_POLL_MS + SETTLE_MARGIN_MS);
		const secondsFromKillToSettled = Math.round((Date.now() - killedAt) / 1000);
		// n8n had stored the webhook before the trigger's create() was cut off, so the re-applied
		// publication counts the trigger as registered and never calls it: no signing secret in n8n.
		const afterLease = await deliverOneEvent('after-lease');
		const warnedNoSecret = n8n.logs().includes('Stripe Lifecycle Trigger has no signing secret');
		let userAction = 'none';
		if (afterLease.executions === 0) {
			userAction = 'unpublish, wait until unpublished, publish';
			await n8n.deactivateWorkflow(workflowId);
			await n8n.activateWorkflow(workflowId);
		}
		rememberSecrets();
		const endpointsAfterRecovery = endpoints();
		const afterRecovery = await deliverOneEvent('after-recovery');
		const record = (result: 'passed' | 'failed') =>
			recordFigures({
				scenario: '5. SIGKILL mid-activation (real n8n)',
				load: 'one activation killed with SIGKILL, n8n restarted',
				faults: 'SIGKILL while POST /v1/webhook_endpoints hangs 3 s',
				result,
				figures: {
					endpointsWhileKilled: endpointsWhileKilled.length,
					publicationAfterRestart: afterRestart.status,
					publicationAfterLease: settled.status,
					secondsFromKillToSettled,
					firstDeliveryAfterLease: String(afterLease.firstDeliveryStatus),
					executionsAfterLease: afterLease.executions,
					triggerWarnedNoSigningSecret: warnedNoSecret ? 'yes' : 'no',
					userAction,
					endpointsAfterRecovery: endpointsAfterRecovery.length,
					orphansLeft: endpointsAfterRecovery.filter((endpoint) => endpointsWhileKilled.includes(endpoint.id)).length,
					executionsOfANewEvent: afterRecovery.executions,
				},
			});
		// Recorded before the assertions too, so a failing run still leaves its figures.
		record('failed');

		expect(afterRestart.status).toBe('in_progress');
		expect(settled).toMatchObject({ status: 'published', liveVersionId: versionId });
		expect(endpointsAfterRecovery).toHaveLength(1);
		expect(endpointsAfterRecovery[0].metadata).toMatchObject({ workflow_id: workflowId });
		// The killed process's endpoint is gone: n8n never learned its signing secret.
		expect(endpointsWhileKilled).not.toContain(endpointsAfterRecovery[0].id);
		// The surviving endpoint is the one n8n verifies with: a new event runs once.
		expect(afterRecovery.executions).toBe(1);
		record('passed');
	});

	it('leaves no API key, webhook secret or token in any log, execution record or node output', async () => {
		const executions = await allExecutions(n8n, workflowId);
		const records: string[] = [];
		await runPool(executions.length, 8, async (index) => {
			records.push(JSON.stringify(await n8n.getExecution(executions[index].id)));
		});
		const n8nFolder = join(userFolder, '.n8n');
		// n8n's event bus writes its own log files next to the database.
		const logFiles = readdirSync(n8nFolder).filter((name) => name.endsWith('.log')).map((name) => readFileSync(join(n8nFolder, name), 'utf8'));
		const haystacks = { 'n8n stdout/stderr': n8n.logs(), 'execution records': records.join('\n'), 'event-bus log files': logFiles.join('\n') };
		const secrets = [stripe.keys.secretTest, ...webhookSecrets];
		const found = Object.entries(haystacks).flatMap(([where, text]) => secrets.filter((secret) => text.includes(secret)).map((secret) => `${where}: ${secret.slice(0, 8)}…`));

		expect(webhookSecrets.size).toBeGreaterThan(CHURN_CYCLES);
		expect(found).toEqual([]);
		recordFigures({
			scenario: '7. Secrets (single n8n)',
			load: `${executions.length} execution records, ${Math.round(n8n.logs().length / 1024)} KB of n8n output, ${logFiles.length} event-bus log files`,
			faults: 'everything above',
			result: 'passed',
			figures: { secretsSearched: secrets.length, executionRecords: executions.length, leaks: found.length },
		});
	});
});

interface Publication {
	status: string;
	liveVersionId: string | null;
}

function publication(): Promise<Publication> {
	return n8n.rest<Publication>('GET', `/workflows/${workflowId}/publication-status`);
}

/** The workflow's publication once n8n has no publication of it in flight, or where it stands at the deadline. */
async function settledPublication(deadline: number): Promise<Publication> {
	let current = await publication();
	while (current.status === 'in_progress' && Date.now() < deadline) {
		await sleep(1000);
		current = await publication();
	}
	return current;
}

/** Emits one customer.created; returns the HTTP status of its first delivery and the executions it started. */
async function deliverOneEvent(label: string): Promise<{ firstDeliveryStatus: number | null; executions: number }> {
	const before = (await allExecutions(n8n, workflowId)).length;
	const [event] = createCustomers(1, label);
	const deadline = Date.now() + FIRST_DELIVERY_TIMEOUT_MS;
	let first = stripe.deliveryLog().find((delivery) => delivery.eventId === event.id);
	while (!first && Date.now() < deadline) {
		await sleep(100);
		first = stripe.deliveryLog().find((delivery) => delivery.eventId === event.id);
	}
	const executions = (await settleExecutions(n8n, workflowId, before + 1)).length - before;
	return { firstDeliveryStatus: first?.status ?? null, executions };
}
