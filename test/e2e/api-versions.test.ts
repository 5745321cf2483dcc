/**
 * Stripe payloads of an older API version reaching the trigger inside a real n8n. A webhook
 * endpoint created by hand gets the account's default version; with a 2020-03-02 default, real
 * payloads once answered 500 ("discounts is not iterable", no top-level currency) and Stripe
 * would have retried them for three days. Here they are answered 2xx and run as activities, and
 * a payload nothing can read runs once as a `stripe.event` activity.
 */
import { randomUUID } from 'node:crypto';

import Stripe from 'stripe';
import type { IDataObject } from 'n8n-workflow';

import { runScenario, type RunningEmulator } from '../../emulator';
import { corpusOf, nativeEvent, nativeSubscription } from '../fixtures/apiVersions';
import { chain, nodeOutput, noOperationNode, triggerNode, TRIGGER, type N8nInstance } from '../../dev/n8n';
import { useStack } from '../support/stack';
import { emulatorKeyCredential } from '../../dev/credentials';

const OLD_VERSION = '2020-03-02';

let n8n: N8nInstance;
let stripe: RunningEmulator;

useStack((started) => ({ n8n, stripe } = started));

async function activitiesOf(executionId: string): Promise<IDataObject[]> {
	return (await nodeOutput(n8n, executionId, TRIGGER))[0] ?? [];
}

describe('Stripe Lifecycle Trigger in n8n, on an endpoint of API version 2020-03-02', () => {
	it('answers 2xx to 2020-era payloads and runs their activities, and runs an unreadable one as stripe.event', async () => {
		// Created by hand in the Dashboard, without an API version, on an account still at 2020-03-02.
		stripe.setDefaultApiVersion(OLD_VERSION);
		const webhookId = randomUUID();
		const dashboard = new Stripe(stripe.keys.secretTest, { host: '127.0.0.1', port: stripe.port, protocol: 'http', maxNetworkRetries: 0 });
		const endpoint = await dashboard.webhookEndpoints.create({
			url: n8n.webhookUrl(`${webhookId}/webhook`),
			enabled_events: ['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'customer.subscription.trial_will_end'],
		});
		const credential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe emulator', emulatorKeyCredential(stripe, stripe.keys.secretTest));
		const trigger = triggerNode(credential, webhookId, {
			categories: ['trial', 'subscription'],
			activities: [],
			webhookRegistration: 'manual',
			signingSecret: endpoint.secret ?? '',
			fetchCustomer: false,
		});
		const workflowId = await n8n.importWorkflow(chain('e2e api versions', [trigger, noOperationNode()]));
		await n8n.activateWorkflow(workflowId);

		// Stripe's own 2020-03-02 example subscription, created and then deleted, signed as Stripe signs.
		const corpus = corpusOf(OLD_VERSION);
		const now = Math.floor(Date.now() / 1000);
		const replayed = [
			nativeEvent(corpus, 'customer.subscription.created', nativeSubscription(corpus, { status: 'active' }), { id: 'evt_2020_created', created: now }),
			nativeEvent(corpus, 'customer.subscription.deleted', nativeSubscription(corpus, { status: 'canceled', canceled_at: now, ended_at: now }), { id: 'evt_2020_deleted', created: now }),
			{ ...nativeEvent(corpus, 'customer.subscription.updated', {}, { id: 'evt_2020_unreadable', created: now }), data: { object: { object: 'subscription', id: 'sub_x', customer: 'cus_x' } } },
		];
		const statuses: number[] = [];
		for (const event of replayed) {
			const payload = JSON.stringify(event, null, 2);
			const answer = await fetch(endpoint.url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: endpoint.secret! }) },
				body: payload,
			});
			statuses.push(answer.status);
		}
		expect(statuses).toEqual([200, 200, 200]);

		// And the emulator's own deliveries to the same endpoint, rendered in 2020-03-02.
		const trial = runScenario(stripe, 'trial_started');
		await stripe.settleDeliveries();
		expect(stripe.deliveryLog().map((delivery) => delivery.status)).toEqual([200]);

		const executions = await n8n.waitForExecutions(workflowId, replayed.length + 1);
		expect(executions.map((execution) => execution.status)).toEqual(executions.map(() => 'success'));
		const activities = (await Promise.all(executions.map((execution) => activitiesOf(execution.id)))).flat();
		const byEvent = (eventId: string) => activities.filter((activity) => activity.eventId === eventId);
		expect(byEvent('evt_2020_created')).toEqual([
			expect.objectContaining({ activity: 'subscription.started', customer: expect.objectContaining({ id: 'cus_1' }), amount: expect.objectContaining({ minor: 4000, currency: 'eur' }) }),
		]);
		expect(byEvent('evt_2020_deleted')).toEqual([expect.objectContaining({ activity: 'subscription.cancelled', subscription: expect.objectContaining({ id: 'sub_1', currency: 'eur' }) })]);
		expect(byEvent('evt_2020_unreadable')).toEqual([
			expect.objectContaining({ activity: 'stripe.event', category: 'event', warnings: [expect.stringContaining(`(API version ${OLD_VERSION}) could not be read`)] }),
		]);
		const started = trial.events.find((event) => event.type === 'customer.subscription.created')!;
		expect(byEvent(started.id)).toEqual([expect.objectContaining({ activity: 'trial.started', customer: expect.objectContaining({ id: trial.customer.id }) })]);
		// Logged once, without the signing secret.
		expect(n8n.logs().split('evt_2020_unreadable on unread').length - 1).toBe(1);
		expect(n8n.logs()).not.toContain(endpoint.secret!);

		await n8n.deactivateWorkflow(workflowId);
	});
});
