/**
 * The welcome playbook as a user wires it, in a real n8n: Stripe Lifecycle Trigger (trials) →
 * Stripe Playbook (welcome) → n8n's own Send Email node, delivering to a real SMTP server started
 * here. The emulator is Stripe. What arrives at the SMTP server is what a customer would read.
 *
 * Two layers stop a second mail: the trigger drops a redelivered event id (in process memory), and
 * the Playbook's guard, kept in n8n's deduplication store, stops a new event for a customer who was
 * already welcomed (also when a re-activated trigger runs an old event again). Both are shown, counted at the SMTP server. A customer email that would add a
 * recipient through Send Email's To field (a header line, a list) reaches Skip, and no SMTP envelope.
 */
import { randomUUID } from 'node:crypto';

import { runScenario, type RunningEmulator } from '../../emulator';
import { chain, nodeOutput, playbookNode, PLAYBOOK, sendEmailNode, triggerNode, type N8nInstance } from '../../dev/n8n';
import { useStack } from '../support/stack';
import { emulatorKeyCredential } from '../../dev/credentials';
import { startInbox, type Inbox } from '../../dev/smtpInbox';

const FROM = 'Anna from Acme <anna@acme.test>';

let n8n: N8nInstance;
let stripe: RunningEmulator;
let inbox: Inbox;

useStack((started) => ({ n8n, stripe } = started));

beforeAll(async () => {
	inbox = await startInbox();
});

afterAll(async () => {
	await inbox?.close();
});

/** Waits for the workflow's `count`-th execution and checks that the Playbook sent its item to Skip as already_sent. */
async function expectSkippedAsAlreadySent(workflowId: string, count: number, customerId: string): Promise<void> {
	const executions = await n8n.waitForExecutions(workflowId, count);
	const latest = executions.reduce((a, b) => (Number(b.id) > Number(a.id) ? b : a));
	const [send, skip] = await nodeOutput(n8n, latest.id, PLAYBOOK);
	expect(latest.status).toBe('success');
	expect(send).toEqual([]);
	expect(skip).toEqual([expect.objectContaining({ reason: 'already_sent', dedupeKey: `playbook:welcome:${customerId}` })]);
}

/** Trigger (trials) → Stripe Playbook (welcome) → Send Email to the local SMTP server, imported and active. */
async function activeWelcomeWorkflow(name: string): Promise<string> {
	const stripeCredential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe emulator', emulatorKeyCredential(stripe, stripe.keys.secretTest));
	const smtpCredential = await n8n.createCredential('smtp', 'Local SMTP', {
		user: '',
		password: '',
		host: '127.0.0.1',
		port: inbox.port,
		secure: false,
		disableStartTls: true,
	});
	// Only the Send output is wired; Skip items end at the Playbook.
	const workflowId = await n8n.importWorkflow(
		chain(name, [
			triggerNode(stripeCredential, randomUUID(), { categories: ['trial'], activities: [] }),
			playbookNode(stripeCredential, { step: 'welcome', brandName: 'Acme', senderName: 'Anna', productUrl: 'https://app.acme.test' }),
			sendEmailNode(smtpCredential, { fromEmail: FROM, emailFormat: 'both', text: '={{ $json.text }}', html: '={{ $json.html }}' }),
		]),
	);
	await n8n.activateWorkflow(workflowId);
	return workflowId;
}

describe('welcome playbook: trigger → Stripe Playbook → Send Email over SMTP', () => {
	it('mails a new trial once, and never again for a redelivery, a re-activation or a second trial of the customer', async () => {
		const workflowId = await activeWelcomeWorkflow('e2e welcome playbook');

		// A trial start: the subscription event names the customer by id only, so the Playbook reads the email.
		const trial = runScenario(stripe, 'trial_started');
		await stripe.settleDeliveries();
		const [first] = await n8n.waitForExecutions(workflowId, 1);

		expect(first.status).toBe('success');
		expect(inbox.mails()).toHaveLength(1);
		const [mail] = inbox.mails();
		expect(mail.from).toMatch(/^"?Anna from Acme"? <anna@acme\.test>$/);
		expect(mail.to).toEqual([trial.customer.email!.toLowerCase()]);
		expect(mail.subject).toContain('Acme');
		expect(mail.text).toContain(`Hi ${trial.customer.name!.split(' ')[0]},`);
		expect(mail.text).toContain('Anna');
		expect(mail.html).toContain('<table role="presentation"');
		expect(mail.html).toContain('href="https://app.acme.test/"');

		// Stripe's "Resend" of the trial start: the trigger already knows the event id, no execution.
		const created = trial.events.find((event) => event.type === 'customer.subscription.created')!;
		stripe.redeliverEvent(created.id);
		await stripe.settleDeliveries();
		expect(await n8n.listExecutions(workflowId)).toHaveLength(1);

		// Re-activation registers a new endpoint and a new delivery memory (the old one is freed with the
		// old endpoint, which Stripe no longer retries to): the same event sent to it again runs, and the
		// Playbook's guard in n8n's deduplication store (SQLite) sends it to Skip as already_sent.
		await n8n.deactivateWorkflow(workflowId);
		await n8n.activateWorkflow(workflowId);
		stripe.redeliverEvent(created.id);
		await stripe.settleDeliveries();
		expect(stripe.deliveryLog().filter((delivery) => delivery.eventId === created.id).map((delivery) => delivery.status)).toEqual([200, 200, 200]);
		await expectSkippedAsAlreadySent(workflowId, 2, trial.customer.id);

		// A second trial of the same customer is a new event the trigger passes on; the guard skips it too.
		runScenario(stripe, 'trial_started', { customer: trial.customer.id });
		await stripe.settleDeliveries();
		await expectSkippedAsAlreadySent(workflowId, 3, trial.customer.id);
		expect(inbox.mails()).toHaveLength(1);
		expect(await n8n.listExecutions(workflowId)).toHaveLength(3);
	});

	it('skips a customer whose email would add a recipient, and the SMTP server receives nothing for it', async () => {
		const workflowId = await activeWelcomeWorkflow('e2e welcome playbook, hostile recipients');
		const mailsBefore = inbox.mails().length;
		// Emails a payer can type at checkout: a header line, and a list the mail node reads as two recipients.
		const customers = ['victim@example.com\r\nBcc: attacker@evil.example', 'victim@example.com, attacker@evil.example'].map(
			(email) => stripe.createCustomer({ email, name: 'Victim' }).id,
		);
		for (const customer of customers) runScenario(stripe, 'trial_started', { customer });
		await stripe.settleDeliveries();
		const executions = await n8n.waitForExecutions(workflowId, customers.length);
		const outputs = await Promise.all(executions.map((execution) => nodeOutput(n8n, execution.id, PLAYBOOK)));

		expect(executions.map((execution) => execution.status)).toEqual(customers.map(() => 'success'));
		expect(outputs.map(([send]) => send)).toEqual(customers.map(() => []));
		expect(outputs.map(([, skip]) => skip.map((item) => [item.reason, item.customerId])).sort()).toEqual(
			customers.map((customer) => [['invalid_email', customer]]).sort(),
		);
		expect(inbox.mailsTo('attacker@evil.example')).toEqual([]);
		expect(inbox.mailsTo('victim@example.com')).toEqual([]);
		expect(inbox.mails()).toHaveLength(mailsBefore);
	});
});
