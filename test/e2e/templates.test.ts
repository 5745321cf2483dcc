/**
 * The templates in templates/ as users get them: imported with n8n's own CLI into a real n8n 2.40.7
 * (with this package installed from its tarball), checked against the node and credential types that
 * n8n loaded, and run end to end against the Stripe emulator, a local SMTP inbox and the local
 * PostgreSQL. One n8n serves the whole file.
 *
 * Waits are shortened the way the templates document it: the Settings node's `waitUnit` becomes
 * `seconds` in the copy the test imports; nothing else in a template is changed, except that the
 * digest's Slack node is disabled (there is no Slack to post to) and the router test disables the
 * welcome workflow's own Stripe trigger, as the router's sticky note tells users to.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INode, INodeTypeDescription } from 'n8n-workflow';
import { runScenario, startEmulator, type RunningEmulator } from '../../emulator';
import { N8N_START_TIMEOUT_MS, startN8n, type CredentialReference, type N8nInstance } from '../../dev/n8n';
import { startInbox, type Inbox } from '../../dev/smtpInbox';
import { configured, PACKAGE_NODE_PREFIX, readTemplates, TEMPLATES_DIR, type TemplateWorkflow } from '../templates/templateFiles';
import { POSTGRES_CREDENTIAL, sql } from './support/postgres';
import { databaseNow, NEXT_BATCH_NODE, POSTGRES_SYNC, START_NODE, waitForNoRunningBatch, waitForSyncDone } from './support/initialSync';
import { emulatorKeyCredential } from '../../dev/credentials';

const FLOW_TIMEOUT_MS = 180_000;

let n8n: N8nInstance;
let stripe: RunningEmulator;
let inbox: Inbox;
let stripeCredential: CredentialReference;
const dashboardLogin = { user: 'founder', password: `pw-${randomBytes(8).toString('hex')}` };
const schema = `templates_e2e_${randomBytes(4).toString('hex')}`;
const digestRecipient = `digest-${randomBytes(4).toString('hex')}@example.com`;
const importDir = mkdtempSync(join(tmpdir(), 'templates-e2e-'));

/** Imports the workflows with `n8n import:workflow --separate`, the way the templates README describes. */
async function cliImport(workflows: TemplateWorkflow[]): Promise<void> {
	const dir = mkdtempSync(join(importDir, 'batch-'));
	workflows.forEach((workflow, index) => writeFileSync(join(dir, `${index}.json`), JSON.stringify(workflow)));
	await n8n.runCli(['import:workflow', '--separate', `--input=${dir}`]);
}

async function whileActive<T>(workflowIds: string[], act: () => Promise<T>): Promise<T> {
	const activated: string[] = [];
	try {
		for (const id of workflowIds) {
			await n8n.activateWorkflow(id);
			activated.push(id);
		}
		return await act();
	} finally {
		for (const id of activated.reverse()) await n8n.deactivateWorkflow(id);
	}
}

function newCustomer(purpose: string) {
	const email = `${purpose}-${randomBytes(4).toString('hex')}@example.com`;
	return stripe.createCustomer({ email, name: `${purpose} Tester` });
}

/**
 * A sync covers what was created up to the second it starts, by n8n's clock. advanceClock moves
 * only the emulator's clock ahead, which Stripe's never is: wait until n8n's has caught up, so
 * what the emulator just created is as old as it would be at Stripe when the sync starts.
 */
async function untilClocksAgree(): Promise<void> {
	const aheadMs = (stripe.now() + 1) * 1000 - Date.now();
	if (aheadMs > 10_000) throw new Error(`the emulator's clock is ${aheadMs} ms ahead of n8n's; a sync test cannot wait that long`);
	if (aheadMs > 0) await new Promise((done) => setTimeout(done, aheadMs));
}

/** Output `index` of a node in the last run of an execution. */
async function nodeOutput(executionId: string, nodeName: string, index = 0) {
	const details = await n8n.getExecution(executionId);
	const runs = details.data.resultData.runData[nodeName] ?? [];
	return runs.at(-1)?.data?.main[index]?.map((item) => item.json) ?? [];
}

beforeAll(async () => {
	[stripe, inbox] = await Promise.all([startEmulator(), startInbox()]);
	await sql(`CREATE SCHEMA ${schema}`);
	n8n = await startN8n();
	// Named as the templates name them, so `import:workflow` links them (see templates/README.md).
	stripeCredential = await n8n.createCredential('stripeRestrictedKeyApi', 'Stripe Restricted Key', emulatorKeyCredential(stripe, stripe.keys.secretTest));
	await n8n.createCredential('smtp', 'SMTP account', { user: '', password: '', host: '127.0.0.1', port: inbox.port, secure: false, disableStartTls: true });
	await n8n.createCredential('postgres', 'Postgres account', POSTGRES_CREDENTIAL);
	await n8n.createCredential('httpBasicAuth', 'Dashboard login', dashboardLogin);
}, N8N_START_TIMEOUT_MS);

afterAll(async () => {
	await n8n?.stop();
	await stripe?.close();
	await inbox?.close();
	await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
	rmSync(importDir, { recursive: true, force: true });
});

describe('templates imported with n8n import:workflow', () => {
	const templates = readTemplates();

	it('imports every template file, keeping its id and linking the Stripe credential by name', async () => {
		await n8n.runCli(['import:workflow', '--separate', `--input=${TEMPLATES_DIR}`]);

		for (const { file, workflow } of templates) {
			const stored = await n8n.rest<TemplateWorkflow>('GET', `/workflows/${workflow.id}`);
			expect({ file, name: stored.name, nodes: stored.nodes.length }).toEqual({ file, name: workflow.name, nodes: workflow.nodes.length });
			const ours = stored.nodes.filter((node) => node.type.startsWith(PACKAGE_NODE_PREFIX));
			for (const node of ours) expect({ file, node: node.name, credential: node.credentials?.stripeRestrictedKeyApi?.id }).toEqual({ file, node: node.name, credential: stripeCredential.id });
		}
	});

	it('uses only node types, versions, parameters and credential types this n8n knows', async () => {
		const nodeTypes = await n8n.typeDescriptions<INodeTypeDescription>('nodes');
		const credentialTypes = new Set((await n8n.typeDescriptions('credentials')).map((type) => type.name));
		const descriptionOf = (node: INode) =>
			nodeTypes.find((type) => type.name === node.type && (Array.isArray(type.version) ? type.version : [type.version]).includes(node.typeVersion));

		const problems: string[] = [];
		for (const { file, workflow } of templates) {
			for (const node of workflow.nodes) {
				const where = `${file} › ${node.name}`;
				if (!nodeTypes.some((type) => type.name === node.type)) {
					problems.push(`${where}: unknown node type ${node.type}`);
					continue;
				}
				const description = descriptionOf(node);
				if (!description) {
					problems.push(`${where}: ${node.type} has no version ${node.typeVersion}`);
					continue;
				}
				const parameterNames = new Set(description.properties.map((property) => property.name));
				for (const name of Object.keys(node.parameters)) {
					if (!parameterNames.has(name)) problems.push(`${where}: ${node.type}@${node.typeVersion} has no parameter ${name}`);
				}
				const accepted = new Set((description.credentials ?? []).map((credential) => credential.name));
				for (const type of Object.keys(node.credentials ?? {})) {
					if (!credentialTypes.has(type)) problems.push(`${where}: unknown credential type ${type}`);
					else if (!accepted.has(type)) problems.push(`${where}: ${node.type} does not take credential type ${type}`);
				}
			}
		}
		expect(problems).toEqual([]);
	});
});

describe('templates run end to end', () => {
	beforeAll(async () => {
		await cliImport([
			configured('03-failed-payment-recovery.json', { settings: { waitUnit: 'seconds', firstReminderAfter: 1, finalReminderAfter: 20 } }),
			configured('04-cancellation-winback.json', { settings: { waitUnit: 'seconds', winbackAfter: 1 } }),
			configured('06-initial-sync-postgres.json', { settings: { schema } }),
			// There is no HubSpot to write to: the contact node is disabled and passes its items on.
			configured('06-initial-sync-hubspot.json', { settings: { batchSize: 2 }, disable: ['Create or update contact'] }),
			configured('07-crm-sync-postgres.json', { settings: { schema } }),
			configured('08-daily-metrics-digest.json', { settings: { toEmail: digestRecipient }, disable: ['Post to Slack'] }),
		]);
	}, FLOW_TIMEOUT_MS);

	it('09 serves the dashboard as an HTML page behind its login', async () => {
		await whileActive(['stripeLcDashbrd1'], async () => {
			const url = n8n.webhookUrl('stripe-dashboard');
			const authorization = `Basic ${Buffer.from(`${dashboardLogin.user}:${dashboardLogin.password}`).toString('base64')}`;

			const anonymous = await fetch(url);
			const page = await fetch(url, { headers: { authorization } });

			expect(anonymous.status).toBe(401);
			expect(page.status).toBe(200);
			expect(page.headers.get('content-type')).toMatch(/^text\/html/);
			// No other site may frame it; n8n adds its own sandbox policy, and the page brings its own.
			expect(page.headers.get('x-frame-options')).toBe('DENY');
			const html = await page.text();
			expect(html).toMatch(/^<!doctype html>/i);
			expect(html).toContain('MRR');
			expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
		});
	}, FLOW_TIMEOUT_MS);

	it('08 mails the metrics digest with the dashboard as its HTML body', async () => {
		await n8n.runCli(['execute', '--id=stripeLcDigest01']);

		const [mail] = await inbox.waitForMails(digestRecipient, 1);
		expect(mail.subject).toMatch(/^Acme metrics for \d{4}-\d{2}-\d{2}$/);
		expect(mail.html).toContain('MRR');
		expect(mail.text).toContain('MRR');
	}, FLOW_TIMEOUT_MS);

	it('06 HubSpot walks every customer batch after batch and keeps its cursor in an n8n data table, also across batches without an email', async () => {
		for (let i = 0; i < 3; i++) newCustomer('hubspot');
		// A second later, so they are the newest: the first batch (newest customers first) has no email, and no contact to wait for.
		stripe.advanceClock({ seconds: 1 });
		stripe.createCustomer({ name: 'No Email One' });
		stripe.createCustomer({ name: 'No Email Two' });
		const customers = stripe
			.dataset()
			.customers.values()
			.filter((customer) => !customer.deleted).length;

		await untilClocksAgree();
		await whileActive([HUBSPOT_SYNC], async () => {
			await n8n.runManually(HUBSPOT_SYNC, START_NODE);
			await waitFor(async () => (await hubspotSyncRow())?.done === true, FLOW_TIMEOUT_MS);
			await waitForNoRunningBatch(n8n, HUBSPOT_SYNC, FLOW_TIMEOUT_MS);
			const finished = await hubspotSyncRow();

			// As n8n reruns a waiting batch when it starts: from "Next batch", it finds the sync done and stops instead of starting it again.
			await n8n.runManually(HUBSPOT_SYNC, NEXT_BATCH_NODE);
			await waitForNoRunningBatch(n8n, HUBSPOT_SYNC, FLOW_TIMEOUT_MS);
			expect(await hubspotSyncRow()).toEqual(finished);
		});

		expect(await hubspotSyncRow()).toMatchObject({ name: 'profiles', done: true, rows_done: customers, estimated_total: customers, percent: 100 });
		expect(customers).toBeGreaterThan(4);
		expect((await n8n.listExecutions(HUBSPOT_SYNC)).filter((execution) => execution.status === 'error')).toEqual([]);
	}, FLOW_TIMEOUT_MS);

	describe('PostgreSQL', () => {
		it('06 creates the tables and writes every customer profile and the recent activities, batch after batch', async () => {
			const customer = newCustomer('sync');
			runScenario(stripe, 'trial_started', { customer: customer.id });
			await untilClocksAgree();

			// As its sticky note says: published, so that each batch can start the next, then run once.
			await whileActive([POSTGRES_SYNC], async () => {
				const since = await databaseNow();
				await waitForSyncDone(n8n, schema, since, await n8n.runManually(POSTGRES_SYNC, START_NODE), FLOW_TIMEOUT_MS);
				expect(await sql(`SELECT status || ' ' || coalesce(email, '') FROM ${schema}.stripe_customers WHERE id = '${customer.id}'`)).toEqual([`trialing ${customer.email}`]);
				const activities = await sql(`SELECT activity FROM ${schema}.stripe_activities WHERE customer_id = '${customer.id}'`);
				expect(activities).toContain('trial.started');

				// A finished sync run again starts a new one, which upserts instead of duplicating.
				const again = await databaseNow();
				await waitForSyncDone(n8n, schema, again, await n8n.runManually(POSTGRES_SYNC, START_NODE), FLOW_TIMEOUT_MS);
			});
			expect(await sql(`SELECT count(*) FROM ${schema}.stripe_customers WHERE id = '${customer.id}'`)).toEqual(['1']);
		}, FLOW_TIMEOUT_MS);

		// Runs on the tables template 06 created above, as its sticky note tells users to.
		it('07 stores each new activity and refreshes the customer row', async () => {
			const customer = newCustomer('crm');
			await whileActive(['stripeLcCrmPg001'], async () => {
				runScenario(stripe, 'trial_started', { customer: customer.id });
				await stripe.settleDeliveries();
				await n8n.waitForExecutions('stripeLcCrmPg001', 1);
				runScenario(stripe, 'trial_converted', { customer: customer.id });
				await stripe.settleDeliveries();
				// Each activity is its own execution and they finish in any order: wait for the conversion's row too.
				await waitFor(async () => (await sql(`SELECT status FROM ${schema}.stripe_customers WHERE id = '${customer.id}'`)).join() === 'active');
				await waitFor(async () => (await sql(`SELECT activity FROM ${schema}.stripe_activities WHERE customer_id = '${customer.id}'`)).includes('trial.converted'));
			});

			const activities = await sql(`SELECT activity FROM ${schema}.stripe_activities WHERE customer_id = '${customer.id}' ORDER BY occurred_at, activity`);
			expect(activities).toEqual(expect.arrayContaining(['trial.started', 'trial.converted']));
		}, FLOW_TIMEOUT_MS);
	});

	it('01 welcomes a customer who starts a trial, once', async () => {
		const customer = newCustomer('welcome');

		await whileActive(['stripeLcWelcome1'], async () => {
			const { events } = runScenario(stripe, 'trial_started', { customer: customer.id });
			await inbox.waitForMails(customer.email!, 1);
			// Stripe retries deliveries; the playbook's guard keeps it to one mail.
			const trialStart = events.find((event) => event.type === 'customer.subscription.created')!;
			stripe.redeliverEvent(trialStart.id);
			await stripe.settleDeliveries();
		});

		const mails = inbox.mailsTo(customer.email!);
		expect(mails).toHaveLength(1);
		expect(mails[0].html).toContain('Acme');
	}, FLOW_TIMEOUT_MS);

	it('02 reminds a trialing customer that the trial ends soon', async () => {
		const customer = newCustomer('trial-ending');

		await whileActive(['stripeLcTrialEnd'], async () => {
			// A two-day trial: Stripe's three-day notice is due at once.
			stripe.createSubscription({ customer: customer.id, items: [{ price: monthlyPrice() }], trialDays: 2 });
			stripe.advanceClock({ seconds: 1 });
			const [mail] = await inbox.waitForMails(customer.email!, 1);
			expect(mail.subject).toMatch(/trial/i);
		});
	}, FLOW_TIMEOUT_MS);

	it('03 sends the dunning email and a reminder, and stops once the invoice is paid', async () => {
		const customer = newCustomer('dunning');

		await whileActive(['stripeLcDunning1'], async () => {
			runScenario(stripe, 'payment_failed', { customer: customer.id });
			await inbox.waitForMails(customer.email!, 2);
			runScenario(stripe, 'payment_recovered', { customer: customer.id });
			const [execution] = await n8n.waitForExecutions('stripeLcDunning1', 1, FLOW_TIMEOUT_MS);
			const skipped = await nodeOutput(execution.id, 'Still unpaid? Compose final notice', 1);
			expect(skipped).toEqual([expect.objectContaining({ reason: 'invoice_paid' })]);
		});
		expect(inbox.mailsTo(customer.email!)).toHaveLength(2);
	}, FLOW_TIMEOUT_MS);

	it('10 sends the trial-ending email to the audience "trial ending soon"', async () => {
		const customer = newCustomer('audience');
		stripe.createSubscription({ customer: customer.id, items: [{ price: monthlyPrice() }], trialDays: 2 });

		await n8n.runCli(['execute', '--id=stripeLcAudience']);

		const [mail] = await inbox.waitForMails(customer.email!, 1);
		expect(mail.subject).toMatch(/trial/i);
	}, FLOW_TIMEOUT_MS);

	it('04 sends the win-back offer after the wait', async () => {
		const customer = newCustomer('winback');

		await whileActive(['stripeLcWinBack1'], async () => {
			runScenario(stripe, 'cancel', { customer: customer.id });
			const [mail] = await inbox.waitForMails(customer.email!, 1);
			expect(mail.html).toContain('Acme');
		});
	}, FLOW_TIMEOUT_MS);
	// Last: it replaces the playbooks 01–04 with copies whose own Stripe trigger is disabled.
	it('05 routes a trial start through one trigger to the welcome workflow', async () => {
		const playbooks = ['01-welcome.json', '02-trial-ending.json', '03-failed-payment-recovery.json', '04-cancellation-winback.json'];
		// As the router's sticky note says: each playbook's own trigger disabled, every called workflow published.
		const subWorkflows = playbooks.map((file) => configured(file, { disable: ['Stripe Lifecycle Trigger'] }));
		await cliImport(subWorkflows);
		const customer = newCustomer('router');

		await whileActive([...subWorkflows.map((workflow) => workflow.id), 'stripeLcRouter01'], async () => {
			runScenario(stripe, 'trial_started', { customer: customer.id });
			const [mail] = await inbox.waitForMails(customer.email!, 1);
			expect(mail.subject).toContain('Acme');
		});
		const routed = (await n8n.listExecutions('stripeLcRouter01')).map((execution) => execution.id);
		const welcomeRoutes = await Promise.all(routed.map((id) => nodeOutput(id, 'Route by activity', 0)));
		expect(welcomeRoutes.flat()).toEqual([expect.objectContaining({ activity: 'trial.started', customer: expect.objectContaining({ id: customer.id }) })]);
	}, FLOW_TIMEOUT_MS);
});

const HUBSPOT_SYNC = 'stripeLcSyncHs01';

/** The cursor row template 06 (HubSpot) keeps in its n8n data table, or undefined before its first batch. */
async function hubspotSyncRow(): Promise<Record<string, unknown> | undefined> {
	const tables = await n8n.rest<{ data: Array<{ id: string; name: string; projectId: string }> }>('GET', '/data-tables-global');
	const table = tables.data.find((candidate) => candidate.name === 'stripe_hubspot_sync');
	if (!table) return undefined;
	const rows = await n8n.rest<{ data: Array<Record<string, unknown>> }>('GET', `/projects/${table.projectId}/data-tables/${table.id}/rows`);
	return rows.data.find((row) => row.name === 'profiles');
}

/** A monthly price for subscriptions the scenarios do not create. */
function monthlyPrice(): string {
	const product = stripe.createProduct({ name: 'Templates e2e' });
	return stripe.createPrice({ product: product.id, currency: 'usd', unit_amount: 1900, recurring: { interval: 'month' } }).id;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await condition()) return;
		await new Promise((done) => setTimeout(done, 250));
	}
	throw new Error(`condition not met within ${timeoutMs} ms`);
}
