/**
 * The nodes in n8n-core's real engine (in process, no n8n server) against the emulator, where faults
 * and volume are cheap to produce: a fifth of Stripe calls failing during activation, backfill,
 * profiles and playbook context fetches; a hundred activation cycles; and hostile values in every
 * Stripe field a customer controls, through profiles, mails and the dashboard.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import type Stripe from 'stripe';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { StripeLifecycleTrigger } from '../../nodes/StripeLifecycleTrigger/StripeLifecycleTrigger.node';
import { StripePlaybook } from '../../nodes/StripePlaybook/StripePlaybook.node';
import { toActivities } from '../../nodes/shared/lifecycle/activities';
import { startEmulator, type FaultRule, type RunningEmulator } from '../../emulator';
import { startDemoAccount, type DemoAccount } from '../integration/support/demoAccount';
import { runNode, TriggerHarness, type CredentialsInput } from '../../dev/n8nCoreRunner';
import { FULL, recordFigures } from './support';
import { emulatorKeyCredential } from '../../dev/credentials';

// Retries back off for half a second and more; every faulted run is a calm run's worth of retries.
jest.setTimeout(10 * 60_000);

/**
 * About 20% of requests fail: 429s, 500s and dropped connections. A request that never answers costs
 * the transport's 30 s timeout, so timeouts are added (twice per run) only in the full run.
 */
const FAULTS: FaultRule[] = [
	{ kind: 'rate_limit', rate: 0.07 },
	{ kind: 'server_error', rate: 0.07 },
	{ kind: 'drop', rate: 0.06 },
	...(FULL ? [{ kind: 'timeout' as const, count: 2 }] : []),
];
const FAULT_LABEL = `20%: 7% 429, 7% 500, 6% dropped connections${FULL ? ', 2 timeouts per run' : ''}`;
const ACTIVATION_ROUNDS = 30;
const CHURN_CYCLES = 100;

/**
 * `withTimeouts: false` leaves the full run's timeouts out: a test of many rounds takes them in its
 * first round only, or 30 rounds would wait out 120 timeouts (an hour) instead of two.
 */
function injectFaults(emulator: RunningEmulator, { withTimeouts = true } = {}): void {
	for (const rule of FAULTS) if (withTimeouts || rule.kind !== 'timeout') emulator.addFault({ ...rule });
}

/** Requests the emulator answered with an injected failure (or never answered). */
function injected(emulator: RunningEmulator): number {
	return emulator.requestLog().filter((entry) => entry.fault !== null && entry.fault !== 'latency').length;
}

/** A user-facing error must say what happened in words, and never carry the key. */
function expectClearError(error: unknown, apiKey: string): string {
	const message = error instanceof Error ? `${error.message} ${(error as { description?: string }).description ?? ''}` : String(error);
	expect(message).not.toMatch(/\[object Object\]|undefined|^\s*$/);
	expect(message).not.toContain(apiKey);
	return message;
}

describe('faults against the Stripe API (20% of requests failing)', () => {
	let demo: DemoAccount;

	beforeAll(async () => {
		demo = await startDemoAccount({ customers: 120 });
	});

	afterAll(async () => {
		await demo.close();
	});

	afterEach(() => demo.emulator.clearFaults());

	/** Runs a node calm, then under faults: the faulted result must equal the calm one, or be a clear error. */
	async function calmThenFaulted(name: string, run: (credentials: CredentialsInput) => Promise<string[]>): Promise<void> {
		const credentials = demo.credentials();
		const apiKey = String(credentials.stripeRestrictedKeyApi.apiKey);
		const calm = await run(credentials);
		demo.emulator.clearRequestLog();
		injectFaults(demo.emulator);
		let faulted: string[] | null = null;
		let error: string | null = null;
		try {
			faulted = await run(credentials);
		} catch (caught) {
			error = expectClearError(caught, apiKey);
		}
		const requests = demo.emulator.requestLog().length;

		expect(calm.length).toBeGreaterThan(0);
		if (faulted) {
			expect(new Set(faulted).size).toBe(faulted.length);
			expect([...faulted].sort()).toEqual([...calm].sort());
		}
		recordFigures({
			scenario: `4. API faults: ${name}`,
			load: `${calm.length} objects`,
			faults: FAULT_LABEL,
			result: 'passed',
			figures: {
				objects: calm.length,
				requests,
				injectedFailures: injected(demo.emulator),
				outcome: faulted ? 'exact result' : `clear error: ${error}`,
				missing: faulted ? calm.filter((key) => !faulted.includes(key)).length : 'n/a',
				duplicated: faulted ? faulted.length - new Set(faulted).size : 'n/a',
			},
		});
	}

	async function lifecycle(parameters: INodeParameters, credentials: CredentialsInput, key: (json: IDataObject) => string): Promise<string[]> {
		const [items] = await runNode({ node: new StripeLifecycle(), parameters: { ...parameters, options: { requestsPerSecond: 100 } }, credentials });
		return items.map((item) => key(item.json));
	}

	it('profiles: every customer exactly once, or a clear error', async () => {
		await calmThenFaulted('profiles (Get Many)', (credentials) => lifecycle({ resource: 'customer', operation: 'getMany', returnAll: true }, credentials, (json) => String(json.id)));
	});

	it('backfill: every activity exactly once, or a clear error', async () => {
		await calmThenFaulted('90-day backfill', (credentials) =>
			lifecycle({ resource: 'activity', operation: 'getMany', days: 90 }, credentials, (json) => `${String(json.activity)} ${String(json.dedupeKey)}`),
		);
	});

	it('playbook context fetches: the same mails and skips, or a clear error', async () => {
		// The trial starts of the demo account, as the trigger would emit them.
		const trials = demo.emulator.eventLog().flatMap((event) => toActivities(event)).filter((activity) => activity.activity === 'trial.started').slice(0, 40);
		await calmThenFaulted('playbook context fetches (welcome)', async (credentials) => {
			const [send, skip] = await runNode({
				node: new StripePlaybook(),
				// The guard would turn the second run into "already sent"; this compares context fetches, not the guard.
				parameters: { step: 'welcome', brandName: 'Acme', productUrl: 'https://app.acme.test', guard: false },
				credentials,
				input: trials as unknown as IDataObject[],
			});
			return [...send.map((item) => `send ${String(item.json.to)} ${String(item.json.subject)}`), ...skip.map((item) => `skip ${String(item.json.reason)} ${String(item.json.dedupeKey)}`)];
		});
	});
});

describe('webhook endpoint lifecycle under faults and churn', () => {
	let emulator: RunningEmulator;

	beforeAll(async () => {
		emulator = await startEmulator({ seed: 5 });
	});

	afterAll(async () => {
		await emulator.close();
	});

	beforeEach(() => emulator.reset());

	function trigger(): TriggerHarness {
		return new TriggerHarness({
			node: new StripeLifecycleTrigger(),
			parameters: { categories: ['trial'], activities: [] },
			credentials: { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.keys.secretTest) },
		});
	}

	/** What n8n does per webhook on activation: create only when checkExists says no. */
	async function activate(harness: TriggerHarness, activation: 'activate' | 'update' = 'activate'): Promise<void> {
		if (!(await harness.runWebhookMethod('checkExists', { activation }))) await harness.runWebhookMethod('create', { activation });
	}

	const endpoints = (): Stripe.WebhookEndpoint[] => emulator.dataset().webhookEndpoints.values();

	it(`activation and deactivation under 20% faults: one endpoint or a clear error, never an orphan (${ACTIVATION_ROUNDS} rounds)`, async () => {
		const outcomes = { activated: 0, activationErrors: 0, deactivated: 0, deactivationErrors: 0 };
		const messages = new Set<string>();
		let maxEndpoints = 0;
		for (let round = 0; round < ACTIVATION_ROUNDS; round++) {
			// A new harness each round: n8n lost its static data (a crash), so only the metadata can find our endpoint.
			const harness = trigger();
			injectFaults(emulator, { withTimeouts: round === 0 });
			try {
				await activate(harness);
				outcomes.activated++;
				expect(endpoints()).toHaveLength(1);
			} catch (error) {
				outcomes.activationErrors++;
				messages.add(expectClearError(error, emulator.keys.secretTest).slice(0, 120));
				// The user (or n8n) tries again once Stripe is calm: still exactly one endpoint.
				emulator.clearFaults();
				await activate(harness);
			}
			emulator.clearFaults();
			maxEndpoints = Math.max(maxEndpoints, endpoints().length);
			expect(endpoints()).toHaveLength(1);
			injectFaults(emulator, { withTimeouts: false });
			try {
				await harness.runWebhookMethod('delete');
				outcomes.deactivated++;
			} catch (error) {
				outcomes.deactivationErrors++;
				messages.add(expectClearError(error, emulator.keys.secretTest).slice(0, 120));
				emulator.clearFaults();
				await harness.runWebhookMethod('delete');
			}
			emulator.clearFaults();
			expect(endpoints()).toEqual([]);
		}
		recordFigures({
			scenario: '4. API faults: webhook activation/deactivation',
			load: `${ACTIVATION_ROUNDS} activate + deactivate rounds, static data lost before each`,
			faults: FAULT_LABEL,
			result: 'passed',
			figures: { ...outcomes, injectedFailures: injected(emulator), maxEndpoints, orphansLeft: endpoints().length, errorMessages: [...messages].join(' | ') || 'none' },
		});
	});

	it(`${CHURN_CYCLES} activate / re-publish / deactivate cycles leave exactly the endpoints that should exist`, async () => {
		const harness = trigger();
		let created = 0;
		for (let cycle = 0; cycle < CHURN_CYCLES; cycle++) {
			const before = emulator.requestLog().filter((entry) => entry.method === 'POST' && entry.path === '/v1/webhook_endpoints').length;
			await activate(harness);
			expect(endpoints()).toHaveLength(1);
			// Re-publishing an active workflow runs activation again with mode "update": it must adopt, not add.
			await activate(harness, 'update');
			await activate(harness, 'update');
			expect(endpoints()).toHaveLength(1);
			created += emulator.requestLog().filter((entry) => entry.method === 'POST' && entry.path === '/v1/webhook_endpoints').length - before;
			await harness.runWebhookMethod('delete');
			expect(endpoints()).toEqual([]);
		}
		// One create per activation, none per re-publish.
		expect(created).toBe(CHURN_CYCLES);
		recordFigures({
			scenario: '5. Lifecycle churn (trigger in n8n-core)',
			load: `${CHURN_CYCLES} cycles of activate, 2 re-publishes, deactivate`,
			faults: 'none',
			result: 'passed',
			figures: { cycles: CHURN_CYCLES, endpointsCreated: created, maxEndpoints: 1, endpointsLeft: endpoints().length },
		});
	});
});

describe('hostile data in Stripe fields', () => {
	let emulator: RunningEmulator;
	const LONG = 'Ω'.repeat(20_000);
	const HOSTILE = {
		name: `<script>alert("name")</script><img src=x onerror=alert(1)> \u202Egnp.exe Ahmad عبد الله ${LONG}`,
		email: 'x"><svg/onload=alert(1)>@hostile.test',
		metadata: { note: '<iframe src="javascript:alert(1)"></iframe>', rtl: '\u202Eevil\u202C', long: 'x'.repeat(500) },
		productName: '</title><script>alert("product")</script>\r\nBcc: all@victims.test',
	};

	beforeAll(async () => {
		emulator = await startEmulator({ seed: 8 });
	});

	afterAll(async () => {
		await emulator.close();
	});

	it('passes through profiles as data, and escapes (or truncates) them in mails and the dashboard', async () => {
		const customer = emulator.createCustomer({ name: HOSTILE.name, email: HOSTILE.email, metadata: HOSTILE.metadata });
		const product = emulator.createProduct({ name: HOSTILE.productName });
		const price = emulator.createPrice({ product: product.id, unit_amount: 2900, currency: 'usd', recurring: { interval: 'month' } });
		const subscription = emulator.createSubscription({ customer: customer.id, items: [{ price: price.id }], trialDays: 14 });
		const credentials = { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.keys.secretTest) };
		const created = emulator.eventLog().find((event) => event.type === 'customer.subscription.created' && (event.data.object as Stripe.Subscription).id === subscription.id)!;
		const trial = toActivities(created).find((activity) => activity.activity === 'trial.started')!;

		const [[profile]] = await runNode({ node: new StripeLifecycle(), parameters: { resource: 'customer', operation: 'getProfile', findBy: 'id', customer: { __rl: true, mode: 'id', value: customer.id } }, credentials });
		const welcome = () => runNode({ node: new StripePlaybook(), parameters: { step: 'welcome', brandName: '<b>Acme</b>', productUrl: 'https://app.acme.test', guard: false }, credentials, input: [trial as unknown as IDataObject] });
		// An email with markup in it is no address to mail: the Playbook skips it rather than hand it to a mail node.
		const [refused, [skipped]] = await welcome();
		emulator.updateCustomer(customer.id, { email: 'hostile@hostile.test' });
		const [[mail]] = await welcome();
		const [[dashboard]] = await runNode({ node: new StripeLifecycle(), parameters: { resource: 'metric', operation: 'dashboard', title: '<script>alert("title")</script>', brandName: '"><img src=x onerror=alert(1)>' }, credentials });
		const dashboardHtml = Buffer.from((dashboard as INodeExecutionData).binary!.data.data, 'base64').toString('utf8');
		const mailHtml = String(mail.json.html);

		// Profiles are JSON data for other nodes: values arrive unchanged (nothing stripped, nothing run).
		expect(profile.json).toMatchObject({ id: customer.id, email: HOSTILE.email, name: HOSTILE.name });
		expect(refused).toEqual([]);
		expect(skipped.json).toMatchObject({ reason: 'invalid_email', customerId: customer.id });
		// HTML output carries no active markup from Stripe fields: the hostile tags appear only as escaped
		// text, so no real tag is a script, image or frame, and no real tag has an event handler or a javascript: URL.
		const activeMarkup = [mailHtml, dashboardHtml].flatMap((html) => activeTags(html));
		expect(activeMarkup).toEqual([]);
		expect(mailHtml).toContain('&lt;script&gt;');
		expect(dashboardHtml).toContain('&lt;script&gt;');
		// A subject is a mail header: no line breaks (header injection), and not 20,000 characters.
		expect(String(mail.json.subject)).not.toMatch(/[\r\n]/);
		// The 20,000-character name is cut to a greeting, not pasted whole into the mail.
		expect(mailHtml).not.toContain(LONG);
		const figures = {
			nameChars: HOSTILE.name.length,
			subjectChars: String(mail.json.subject).length,
			mailHtmlChars: mailHtml.length,
			greetingChars: (/<p[^>]*>([^<]*)/.exec(mailHtml)?.[1] ?? '').length,
			dashboardHtmlChars: dashboardHtml.length,
			activeMarkupFound: activeMarkup.length,
		};
		recordFigures({
			scenario: '8. Hostile data from Stripe fields',
			load: '1 customer: HTML/JS in name, email, metadata, product name, title and brand; RTL override; 20,000-char name',
			faults: 'hostile field values',
			result: 'passed',
			figures,
		});
		expect(figures.subjectChars).toBeLessThan(300);
	});
});

/** Real tags (not escaped text) that would run something in a mail client or browser. */
function activeTags(html: string): string[] {
	return (html.match(/<[a-z][^>]*>/gi) ?? []).filter((tag) => /^<(script|img|iframe|object|embed)\b/i.test(tag) || /\son\w+\s*=|javascript:/i.test(tag));
}
