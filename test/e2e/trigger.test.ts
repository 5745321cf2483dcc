/**
 * The Stripe Lifecycle Trigger inside a real n8n, with the Stripe emulator as Stripe: activation
 * registers the endpoint at n8n's production webhook URL, the emulator delivers signed events to
 * n8n over HTTP, and every lifecycle step becomes exactly one execution.
 *
 * The emulator signs a pretty-printed JSON body, so a signature only verifies over the bytes as
 * sent: these executions prove that n8n 2.40.7 hands webhook() `req.rawBody`, not a re-serialized body.
 */
import { randomUUID } from 'node:crypto';

import Stripe from 'stripe';
import type { IDataObject } from 'n8n-workflow';

import { runScenario, type RunningEmulator, type ScenarioName } from '../../emulator';
import { chain, nodeOutput, noOperationNode, triggerNode, TRIGGER, type N8nInstance } from '../../dev/n8n';
import { useStack } from '../support/stack';
import { emulatorKeyCredential } from '../../dev/credentials';

/** The activities the workflow listens to; anything else the emulator delivers must be acknowledged without an execution. */
const SELECTED_ACTIVITIES = ['trial.started', 'trial.converted', 'invoice.payment_failed', 'charge.refunded'];

let n8n: N8nInstance;
let stripe: RunningEmulator;

useStack((started) => ({ n8n, stripe } = started));

/** Activities the trigger emitted in one execution. */
async function activitiesOf(executionId: string): Promise<IDataObject[]> {
	return (await nodeOutput(n8n, executionId, TRIGGER))[0] ?? [];
}

/** A workflow of the trigger (listening to `activities`) and a No Operation node, imported into n8n. */
async function importTriggerWorkflow(name: string, activities: string[], credential: { id: string; name: string }): Promise<{ workflowId: string; webhookId: string }> {
	const webhookId = randomUUID();
	const workflowId = await n8n.importWorkflow(chain(name, [triggerNode(credential, webhookId, { categories: [], activities }), noOperationNode()]));
	return { workflowId, webhookId };
}

describe('Stripe Lifecycle Trigger in n8n', () => {
	it('registers one endpoint, runs one execution per lifecycle step, ignores replays and forgeries, and cleans up', async () => {
		const credential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe emulator', emulatorKeyCredential(stripe, stripe.keys.secretTest));
		const { workflowId, webhookId } = await importTriggerWorkflow('e2e lifecycle trigger', SELECTED_ACTIVITIES, credential);
		const productionUrl = n8n.webhookUrl(`${webhookId}/webhook`);

		await n8n.activateWorkflow(workflowId);

		const [endpoint] = stripe.dataset().webhookEndpoints.values();
		expect(stripe.dataset().webhookEndpoints.values()).toHaveLength(1);
		expect(endpoint).toMatchObject({
			url: productionUrl,
			enabled_events: ['charge.refunded', 'customer.subscription.created', 'customer.subscription.updated', 'invoice.payment_failed'],
			metadata: expect.objectContaining({ workflow_id: workflowId, webhook_kind: 'production' }),
		});

		// One customer through a trial, its conversion, a failed renewal and a refund; each step also
		// emits events the workflow did not select (past_due, the customer, invoices), which must not run.
		const trial = runScenario(stripe, 'trial_started');
		const customer = trial.customer.id;
		const steps: ScenarioName[] = ['trial_converted', 'payment_failed', 'refund'];
		for (const step of steps) runScenario(stripe, step, { customer });
		await stripe.settleDeliveries();
		const executions = await n8n.waitForExecutions(workflowId, SELECTED_ACTIVITIES.length);

		const runs = await Promise.all(executions.map((execution) => activitiesOf(execution.id)));
		expect(executions.map((execution) => execution.status)).toEqual(SELECTED_ACTIVITIES.map(() => 'success'));
		expect(runs.map((activities) => activities.map((activity) => activity.activity)).flat().sort()).toEqual([...SELECTED_ACTIVITIES].sort());
		for (const [activity] of runs) expect(activity.customer).toEqual({ id: customer, email: trial.customer.email, name: trial.customer.name });
		const amountOf = (name: string) => runs.flat().find((activity) => activity.activity === name)?.amount;
		expect(amountOf('invoice.payment_failed')).toMatchObject({ minor: 2900, currency: 'usd', value: 29 });
		expect(amountOf('charge.refunded')).toMatchObject({ minor: 2900, currency: 'usd', value: 29 });
		// Every delivery, selected or not, was answered 2xx, so Stripe retries none of them.
		expect(stripe.deliveryLog().filter((delivery) => delivery.status !== 200)).toEqual([]);

		// Stripe's "Resend" of the trial start, twice, and a POST signed with a guessed secret.
		const trialStarted = trial.events.find((event) => event.type === 'customer.subscription.created')!;
		stripe.redeliverEvent(trialStarted.id, { times: 2 });
		await stripe.settleDeliveries();
		const payload = JSON.stringify(trialStarted);
		const forged = await fetch(productionUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_guessed' }) },
			body: payload,
		});

		expect(forged.status).toBe(401);
		expect(stripe.deliveryLog().filter((delivery) => delivery.eventId === trialStarted.id).map((delivery) => delivery.status)).toEqual([200, 200, 200]);
		// Answered requests that started an execution would already be listed (n8n stores it before answering).
		expect(await n8n.listExecutions(workflowId)).toHaveLength(SELECTED_ACTIVITIES.length);

		await n8n.deactivateWorkflow(workflowId);

		expect(stripe.dataset().webhookEndpoints.values()).toEqual([]);
		expect(n8n.logs()).not.toContain(stripe.keys.secretTest);
	});

	it('runs the event at once, with a warning, when Stripe answers the customer read with 429 and Retry-After: 3600', async () => {
		const credential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe emulator (rate limited)', emulatorKeyCredential(stripe, stripe.keys.secretTest));
		const { workflowId } = await importTriggerWorkflow('e2e trigger under a rate limit', ['trial.started'], credential);
		await n8n.activateWorkflow(workflowId);
		stripe.addFault({ kind: 'rate_limit', rate: 1, retryAfterSeconds: 3600, method: 'GET', pathPrefix: '/v1/customers/' });

		const trial = runScenario(stripe, 'trial_started');
		await stripe.settleDeliveries();
		stripe.clearFaults();
		const [execution] = await n8n.waitForExecutions(workflowId, 1);

		const started = trial.events.find((event) => event.type === 'customer.subscription.created')!;
		// Answered on the first attempt: the trigger did not sit out the Retry-After (the emulator, like Stripe, gives up after 10 s).
		expect(stripe.deliveryLog().filter((delivery) => delivery.eventId === started.id).map((delivery) => delivery.status)).toEqual([200]);
		expect(execution.status).toBe('success');
		expect(await activitiesOf(execution.id)).toEqual([
			expect.objectContaining({
				activity: 'trial.started',
				eventId: started.id,
				customer: expect.objectContaining({ id: trial.customer.id, email: null }),
				warnings: [expect.stringContaining("Could not fetch the customer's email and name: Stripe's rate limit was still exceeded")],
			}),
		]);

		await n8n.deactivateWorkflow(workflowId);
	});
});
