import { NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import type Stripe from 'stripe';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { StripeLifecycleTrigger } from '../../nodes/StripeLifecycleTrigger/StripeLifecycleTrigger.node';
import { StripePlaybook } from '../../nodes/StripePlaybook/StripePlaybook.node';
import { toActivities } from '../../nodes/shared/lifecycle/activities';
import type { Activity, ActivityName } from '../../nodes/shared/lifecycle/types';
import { runScenario, startEmulator, type RunningEmulator, type ScenarioName } from '../../emulator';
import { deduplicationStore, runNode, TriggerHarness } from '../../dev/n8nCoreRunner';
import { emulatorKeyCredential } from '../../dev/credentials';

/**
 * The Stripe Playbook node in n8n-core's engine against the Stripe emulator: activities made by
 * the core from the emulator's own events (what the trigger emits), profiles from the Stripe
 * Lifecycle node's audiences, the harness's deduplication store behind the guard, and the
 * emulator's request log to count what each item costs.
 */

const BRAND = 'Acme';
/** A fixed clock: trial and retry dates in the mails do not depend on when the test runs. */
const START = Date.UTC(2026, 9, 1, 9) / 1000;

let emulator: RunningEmulator;

beforeAll(async () => {
	// After the last retry the invoice stays open (not cancelled), so the fourth attempt can still be dunned.
	emulator = await startEmulator({ now: START, billing: { afterFinalFailure: 'past_due' } });
});

afterAll(async () => {
	await emulator.close();
});

beforeEach(() => {
	emulator.reset();
	deduplicationStore.clear();
});

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────

interface StepRun {
	send: INodeExecutionData[];
	skip: INodeExecutionData[];
	/** Stripe API requests the node made, as `GET /path?expand…`. */
	requests: string[];
}

async function runStep(
	step: string,
	input: Array<Activity | IDataObject>,
	options: { parameters?: INodeParameters; apiKey?: string; continueOnFail?: boolean; executionId?: string } = {},
): Promise<StepRun> {
	emulator.clearRequestLog();
	const [send, skip] = await runNode({
		node: new StripePlaybook(),
		parameters: { step, brandName: BRAND, productUrl: 'https://app.acme.test', ...options.parameters },
		credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, options.apiKey ?? emulator.keys.secretTest) },
		input: input as IDataObject[],
		continueOnFail: options.continueOnFail,
		executionId: options.executionId,
	});
	const requests = emulator.requestLog().map((entry) => `${entry.method} ${entry.path}${entry.queryKeys.length ? `?${entry.queryKeys.join('&')}` : ''}`);
	return { send, skip, requests };
}

/** The activities the trigger would emit for these events, of one kind. */
function activitiesOf(events: Stripe.Event[], name: ActivityName): Activity[] {
	return events.flatMap((event) => toActivities(event)).filter((activity) => activity.activity === name);
}

function scenarioActivity(scenario: ScenarioName, name: ActivityName, customer?: string): Activity {
	// The last one: a recovery scenario pays the first invoice before the recovered one.
	const activity = activitiesOf(runScenario(emulator, scenario, { customer }).events, name).pop();
	if (!activity) throw new Error(`The ${scenario} scenario emitted no ${name} activity`);
	return activity;
}

/** Everything the emulator emitted from `first` on, as activities of one kind. */
function emittedSince(first: number, name: ActivityName): Activity[] {
	return activitiesOf(emulator.eventLog().slice(first), name);
}

function newCustomer(fields: { email?: string; name?: string; metadata?: Record<string, string> } = {}): Stripe.Customer {
	const customer = emulator.createCustomer({ email: 'ada@example.com', name: 'Ada Lovelace', ...fields });
	emulator.setCard(customer.id, 'succeeds');
	return customer;
}

function proPrice(): Stripe.Price {
	const product = emulator.createProduct({ name: 'Pro' });
	return emulator.createPrice({ product: product.id, currency: 'usd', unit_amount: 4900, recurring: { interval: 'month' } });
}

function reasons(items: INodeExecutionData[]): unknown[] {
	return items.map((item) => item.json.reason);
}

// ── Send: one fitting item per step ──────────────────────────────────────────────────────────

describe('Send: each step composes a mail for a fitting item', () => {
	it('welcome: a trial start names only the customer id, so one GET reads the subscription with customer and product', async () => {
		const trial = scenarioActivity('trial_started', 'trial.started');
		expect(trial.customer.email).toBeNull();

		const { send, skip, requests } = await runStep('welcome', [trial]);

		expect(skip).toEqual([]);
		expect(send).toHaveLength(1);
		expect(send[0].json).toMatchObject({
			step: 'welcome',
			to: expect.stringMatching(/^scenario\.\d+@example\.com$/),
			toName: expect.stringMatching(/^Scenario Customer/),
			subject: expect.stringContaining(BRAND),
			customerId: trial.customer.id,
			dedupeKey: `playbook:welcome:${trial.customer.id}`,
			locale: 'en-US',
			fields: expect.objectContaining({ planName: 'Emulator SaaS', productUrl: 'https://app.acme.test/' }),
		});
		expect(send[0].json.html).toContain('<!DOCTYPE html>');
		expect(send[0].json.text).toContain('Scenario');
		expect(send[0].pairedItem).toEqual({ item: 0 });
		expect(requests).toEqual([`GET /v1/subscriptions/${trial.subscription!.id}?expand[0]&expand[1]`]);
	});

	it('trial_ending: re-reads the subscription once and sends while it is still trialing', async () => {
		const customer = newCustomer();
		emulator.createSubscription({ customer: customer.id, items: [{ price: proPrice().id }], trialDays: 14 });
		const first = emulator.eventLog().length;
		emulator.advanceClock({ days: 12 });
		const [ending] = emittedSince(first, 'trial.ending');

		const { send, requests } = await runStep('trial_ending', [ending]);

		expect(send.map((item) => item.json.to)).toEqual(['ada@example.com']);
		// 14 days after START, shown in the workflow's zone (the harness runs in UTC).
		expect(send[0].json.fields).toMatchObject({ trialEndDate: 'October 15, 2026', planName: 'Pro', firstName: 'Ada' });
		expect(requests).toHaveLength(1);
	});

	it('trial_converted, plan_changed, cancellation_winback and payment_recovered each send with one request', async () => {
		const cases: Array<[string, ScenarioName, ActivityName]> = [
			['trial_converted', 'trial_converted', 'trial.converted'],
			['plan_changed', 'upgrade', 'subscription.changed'],
			['cancellation_winback', 'cancel_scheduled', 'subscription.cancel_scheduled'],
			['payment_recovered', 'payment_recovered', 'invoice.paid'],
		];
		for (const [step, scenario, name] of cases) {
			const activity = scenarioActivity(scenario, name);
			const { send, skip, requests } = await runStep(step, [activity]);
			expect({ step, skip: reasons(skip), sent: send.length, requests: requests.length }).toEqual({ step, skip: [], sent: 1, requests: 1 });
			expect(send[0].json.to).toMatch(/@example\.com$/);
		}
	});

	it('payment_failed: reads the current invoice with its customer in one GET and links the hosted invoice', async () => {
		const failed = scenarioActivity('payment_failed', 'invoice.payment_failed');

		const { send, requests } = await runStep('payment_failed', [failed]);

		expect(send).toHaveLength(1);
		expect(send[0].json.fields).toMatchObject({ attemptCount: '1', invoiceUrl: failed.invoice!.hostedInvoiceUrl });
		expect(send[0].json.dedupeKey).toBe(`playbook:payment_failed:${failed.customer.id}:${failed.invoice!.id}:attempt_1`);
		expect(requests).toEqual([`GET /v1/invoices/${failed.invoice!.id}?expand[0]`]);
	});

	it('receipt: two paid invoices of one customer cost one customer read between them', async () => {
		const customer = newCustomer();
		emulator.createSubscription({ customer: customer.id, items: [{ price: proPrice().id }] });
		emulator.advanceClock({ days: 32 });
		const receipts = activitiesOf(emulator.eventLog(), 'invoice.paid');
		expect(receipts).toHaveLength(2);

		const { send, requests } = await runStep('receipt', receipts);

		expect(send.map((item) => [item.json.to, item.pairedItem])).toEqual([
			['ada@example.com', { item: 0 }],
			['ada@example.com', { item: 1 }],
		]);
		// Two invoices, so two guard keys: each payment gets its own receipt.
		expect(new Set(send.map((item) => item.json.dedupeKey)).size).toBe(2);
		expect(requests).toEqual([`GET /v1/customers/${customer.id}`]);
	});

	it('takes audience profiles: a trialing profile needs no request, a past_due one reads its subscription\'s latest invoice', async () => {
		const trialing = newCustomer({ email: 'trial@example.com' });
		emulator.createSubscription({ customer: trialing.id, items: [{ price: proPrice().id }], trialDays: 14 });
		const pastDue = newCustomer({ email: 'late@example.com' });
		const late = emulator.createSubscription({ customer: pastDue.id, items: [{ price: proPrice().id }], status: 'past_due' });
		const members = async (audience: string) =>
			(await runNode({
				node: new StripeLifecycle(),
				parameters: { resource: 'audience', operation: 'getMembers', audience },
				credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.keys.secretTest) },
			}))[0].map((item) => item.json);

		const trialRun = await runStep('trial_ending', await members('trialing'));
		expect(trialRun.send.map((item) => item.json.to)).toEqual(['trial@example.com']);
		expect(trialRun.requests).toEqual([]);

		const dunningRun = await runStep('payment_failed', await members('past_due'));
		expect(dunningRun.send.map((item) => item.json.to)).toEqual(['late@example.com']);
		expect(dunningRun.requests).toEqual([`GET /v1/subscriptions/${late.id}?expand[0]`]);
	});
});

// ── Skip: every reason ───────────────────────────────────────────────────────────────────────

describe('Skip: each reason leaves on the Skip output with the item', () => {
	it('step_not_applicable: an activity the step does not answer, without any request', async () => {
		const paid = scenarioActivity('payment_recovered', 'invoice.paid');

		const { send, skip, requests } = await runStep('welcome', [paid]);

		expect(send).toEqual([]);
		expect(skip).toEqual([
			{
				json: {
					step: 'welcome',
					reason: 'step_not_applicable',
					message: expect.stringContaining('does not answer invoice.paid'),
					customerId: paid.customer.id,
					dedupeKey: null,
					item: paid,
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(requests).toEqual([]);
	});

	it('no_email: a customer without an address', async () => {
		const customer = emulator.createCustomer({ name: 'No Mail' });
		const trial = scenarioActivity('trial_started', 'trial.started', customer.id);

		const { skip, requests } = await runStep('welcome', [trial]);

		expect(reasons(skip)).toEqual(['no_email']);
		expect(requests).toHaveLength(1);
	});

	it('not_trialing: a trial_will_end whose trial has converted since', async () => {
		const customer = newCustomer();
		emulator.createSubscription({ customer: customer.id, items: [{ price: proPrice().id }], trialDays: 14 });
		const first = emulator.eventLog().length;
		emulator.advanceClock({ days: 12 });
		const [ending] = emittedSince(first, 'trial.ending');
		emulator.advanceClock({ days: 3 });

		expect(reasons((await runStep('trial_ending', [ending])).skip)).toEqual(['not_trialing']);
	});

	it('invoice_paid: a failed payment that was recovered before the step ran', async () => {
		const failed = scenarioActivity('payment_failed', 'invoice.payment_failed');
		runScenario(emulator, 'payment_recovered', { customer: failed.customer.id! });

		expect(reasons((await runStep('payment_failed', [failed])).skip)).toEqual(['invoice_paid']);
	});

	it('not_cancelling: a scheduled cancellation undone before the step ran', async () => {
		const scheduled = scenarioActivity('cancel_scheduled', 'subscription.cancel_scheduled');
		runScenario(emulator, 'reactivate', { customer: scheduled.customer.id! });

		expect(reasons((await runStep('cancellation_winback', [scheduled])).skip)).toEqual(['not_cancelling']);
	});

	it('opted_out: the default metadata key, or the one configured; an empty key turns the check off', async () => {
		const optedOut = newCustomer({ metadata: { email_opt_out: 'true', no_lifecycle_mail: 'yes' } });
		const trial = scenarioActivity('trial_started', 'trial.started', optedOut.id);

		expect(reasons((await runStep('welcome', [trial])).skip)).toEqual(['opted_out']);
		expect(reasons((await runStep('welcome', [trial], { parameters: { optOutMetadataKey: 'no_lifecycle_mail', guard: false } })).skip)).toEqual(['opted_out']);
		expect((await runStep('welcome', [trial], { parameters: { optOutMetadataKey: '', guard: false } })).send).toHaveLength(1);
	});

	it('test_mode: a test-mode item in a workflow with a live key, before any request, unless the option is off', async () => {
		const trial = scenarioActivity('trial_started', 'trial.started');
		expect(trial.livemode).toBe(false);

		const live = await runStep('welcome', [trial], { apiKey: emulator.keys.secretLive });
		expect(reasons(live.skip)).toEqual(['test_mode']);
		expect(live.requests).toEqual([]);

		// With the option off the item is processed: the live key then looks for a test-mode object and finds none.
		const processed = await runStep('welcome', [trial], { apiKey: emulator.keys.secretLive, parameters: { skipTestMode: false }, continueOnFail: true });
		expect(processed.skip.map((item) => item.json.error)).toEqual([expect.stringContaining('No such subscription')]);
	});
});

// ── Guard ─────────────────────────────────────────────────────────────────────────────────────

describe('guard: once per customer and step, in n8n\'s deduplication store', () => {
	it('skips the same activity the second time as already_sent, and sends again with the guard off', async () => {
		const trial = scenarioActivity('trial_started', 'trial.started');

		const first = await runStep('welcome', [trial]);
		const replay = await runStep('welcome', [trial]);

		expect(first.send).toHaveLength(1);
		expect(replay.send).toEqual([]);
		expect(replay.skip[0].json).toMatchObject({ reason: 'already_sent', dedupeKey: `playbook:welcome:${trial.customer.id}` });
		expect((await runStep('welcome', [trial], { parameters: { guard: false } })).send).toHaveLength(1);
	});

	it('holds within one execution: two trial starts of one customer mail once', async () => {
		const customer = newCustomer();
		const price = proPrice();
		const first = emulator.eventLog().length;
		emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }], trialDays: 14 });
		emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }], trialDays: 14 });
		const trials = emittedSince(first, 'trial.started');
		expect(trials).toHaveLength(2);

		const { send, skip } = await runStep('welcome', trials);

		expect(send.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect(skip.map((item) => [item.json.reason, item.pairedItem])).toEqual([['already_sent', { item: 1 }]]);
	});

	it('dunning: attempts 1, 2 and 4 of one invoice each send once, with escalating subjects', async () => {
		const customer = newCustomer();
		emulator.createSubscription({ customer: customer.id, items: [{ price: proPrice().id }] });
		emulator.setCard(customer.id, 'declines');
		const subjects: unknown[] = [];
		// The renewal fails after a month, then Smart Retries try again after 3, 5 and 7 days. Each
		// failure runs when it happens, as the trigger would run it (the step reads the invoice as
		// it is now), and once more as a replay; attempt 3 is left out to show the guard is per attempt.
		for (const [attempt, days] of [[1, 31], [2, 3], [3, 5], [4, 7]] as const) {
			const seen = emulator.eventLog().length;
			emulator.advanceClock({ days });
			if (attempt === 3) continue;
			const [failure] = emittedSince(seen, 'invoice.payment_failed');
			const sent = await runStep('payment_failed', [failure]);
			const replayed = await runStep('payment_failed', [failure]);
			expect(sent.send.map((item) => item.json.dedupeKey)).toEqual([`playbook:payment_failed:${customer.id}:${failure.invoice!.id}:attempt_${attempt}`]);
			expect(reasons(replayed.skip)).toEqual(['already_sent']);
			subjects.push(sent.send[0].json.subject);
		}
		expect(new Set(subjects).size).toBe(3);
	});
});

describe('guard across processes: claimed in Stripe', () => {
	const acrossProcesses = { guardAcrossProcesses: true };

	/** What activating the workflow's Stripe Lifecycle Trigger leaves in Stripe: the endpoint that carries the claims. */
	async function activateTrigger(): Promise<string> {
		const trigger = new TriggerHarness({
			node: new StripeLifecycleTrigger(),
			parameters: { categories: ['trial'] },
			credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.keys.secretTest) },
		});
		await trigger.runWebhookMethod('create');
		return [...emulator.dataset().webhookEndpoints.values()][0].id;
	}

	/** Two executions on two processes, each reading n8n's store before the other wrote to it: the lost update. */
	async function race(trial: Activity, parameters: INodeParameters): Promise<[StepRun, StepRun]> {
		const first = await runStep('welcome', [trial], { parameters, executionId: 'execution-1' });
		deduplicationStore.clear();
		const second = await runStep('welcome', [trial], { parameters, executionId: 'execution-2' });
		return [first, second];
	}

	it('sends once when two executions race past n8n\'s store; the other skips as already_sent', async () => {
		const endpointId = await activateTrigger();
		const trial = scenarioActivity('trial_started', 'trial.started');

		const [first, second] = await race(trial, acrossProcesses);

		expect(first.send).toHaveLength(1);
		expect(first.requests).toContain(`POST /v1/webhook_endpoints/${endpointId}`);
		expect(second.send).toEqual([]);
		expect(second.skip.map((item) => item.json)).toEqual([
			expect.objectContaining({ reason: 'already_sent', dedupeKey: `playbook:welcome:${trial.customer.id}`, message: expect.stringContaining('claimed this welcome email in Stripe') }),
		]);
	});

	it('sends twice in the same race with the option off', async () => {
		await activateTrigger();
		const trial = scenarioActivity('trial_started', 'trial.started');

		const [first, second] = await race(trial, {});

		expect([first.send.length, second.send.length]).toEqual([1, 1]);
		expect(second.requests.filter((request) => request.startsWith('POST'))).toEqual([]);
	});

	it('fails without an endpoint of the package, gives the guard entry back, and sends once the trigger is active', async () => {
		const trial = scenarioActivity('trial_started', 'trial.started');

		const error = await runStep('welcome', [trial], { parameters: acrossProcesses, executionId: 'execution-1' }).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe('No webhook endpoint of this package to hold the guard across processes');
		const guardEntries = await deduplicationStore.getProcessedDataCount('workflow', { workflow: { id: 'harness-workflow', active: false } }, { mode: 'entries' });
		expect(guardEntries).toBe(0);

		await activateTrigger();
		const retried = await runStep('welcome', [trial], { parameters: acrossProcesses, executionId: 'execution-2' });
		expect(retried.send).toHaveLength(1);
	});
});

// ── Errors ────────────────────────────────────────────────────────────────────────────────────

describe('errors', () => {
	const notAnActivity = { hello: 'world' };

	it('fails the node on an item that is neither an activity nor a profile', async () => {
		const error = await runStep('welcome', [notAnActivity]).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe('The item is neither a Stripe activity nor a customer profile');
	});

	it('continues on fail with an error item on the Skip output, paired with its input, and goes on with the next item', async () => {
		const trial = scenarioActivity('trial_started', 'trial.started');

		const { send, skip } = await runStep('welcome', [notAnActivity, trial], { continueOnFail: true });

		expect(skip).toEqual([
			{
				json: { error: 'The item is neither a Stripe activity nor a customer profile', description: expect.stringContaining('Stripe Lifecycle Trigger') },
				pairedItem: { item: 0 },
			},
		]);
		expect(send.map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
	});

	it('does not burn the guard when reading Stripe fails: the retried item is sent', async () => {
		const trial = scenarioActivity('trial_started', 'trial.started');
		// A restricted key without Subscriptions: Read makes the context read fail with Stripe's 403.
		const keyWithoutSubscriptions = emulator.createRestrictedKey({ customers: 'read' });

		const failed = await runStep('welcome', [trial], { apiKey: keyWithoutSubscriptions, continueOnFail: true });
		const retried = await runStep('welcome', [trial]);

		expect(failed.skip.map((item) => item.json.error)).toEqual([expect.stringContaining('rak_subscription_read')]);
		expect(retried.send).toHaveLength(1);
	});
});
