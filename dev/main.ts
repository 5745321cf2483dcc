/**
 * `npm run dev` after the build: starts the dev stack (see stack.ts), prints how to use it, and stops
 * everything on Ctrl-C. scripts/dev.mjs compiles this into .tmp/tools and calls main().
 *
 * Environment: DEV_N8N_PORT (5678), DEV_EMULATOR_PORT (12111), DEV_INBOX_PORT (12025), DEV_SMTP_PORT
 * (12587); STRIPE_API_KEY=rk_test_… to use a real Stripe test account instead of the emulator;
 * WEBHOOK_URL=https://<tunnel>/ for n8n's public webhook address. Argument --fresh: forget the kept
 * n8n user folder (.n8n-dev/) first.
 */
import { controlExamples } from '../emulator/main';
import { DEV_OWNER, startDevStack, type DevStack } from './stack';

const DUPLICATE_SIGNAL_WINDOW_MS = 2000;

const log = (message: string): void => {
	process.stderr.write(`[dev] ${message}\n`);
};

function port(name: string, fallback: number): number {
	const value = process.env[name];
	if (value === undefined || value === '') return fallback;
	const parsed = Number(value);
	if (!Number.isInteger(parsed) || parsed <= 0 || parsed > 65535) throw new Error(`${name}=${value} is not a port`);
	return parsed;
}

function realStripeKey(): string | undefined {
	const key = process.env.STRIPE_API_KEY?.trim();
	if (!key) return undefined;
	// The dev stack registers webhook endpoints and fires test flows: never point it at live data.
	if (!/^(rk|sk)_test_/.test(key)) throw new Error('STRIPE_API_KEY must be a test-mode key (rk_test_… or sk_test_…)');
	return key;
}

function usage(stack: DevStack, startedAt: number): string {
	const { n8n, emulator, inbox } = stack;
	const lines = [
		'',
		`Dev stack ready in ${Math.round((Date.now() - startedAt) / 1000)} s`,
		'',
		`  n8n editor   ${n8n.url}   login ${DEV_OWNER.email} / ${DEV_OWNER.password}`,
		`  n8n log      ${stack.n8nLog}`,
		`  package      rebuilt and reloaded when a file under nodes/, credentials/ or icons/ is saved`,
		`  credentials  "${stack.stripeCredential.name}" (Stripe Restricted Key API), "${stack.smtpCredential.name}" (SMTP)`,
		`  mail inbox   ${inbox.url}   (SMTP 127.0.0.1:${inbox.smtpPort}, any login)`,
	];
	const imported = stack.templates.filter((template) => template.workflowId).length;
	if (stack.templates.length > 0) {
		lines.push(`  templates    ${imported} imported, ${stack.templates.length - imported} already there (inactive; open them in the editor)`);
	}
	if (emulator) {
		const seeded = stack.seeded;
		const demo = seeded
			? ` (demo account: ${seeded.customers} customers, ${seeded.subscriptions.active ?? 0} active and ${seeded.subscriptions.trialing ?? 0} trialing subscriptions, ${seeded.events} events)`
			: '';
		lines.push(
			`  Stripe       emulator ${emulator.url}${demo}`,
			`               restricted key ${stack.stripeApiKey} (the documented permissions)`,
			`               secret key ${emulator.keys.secretTest}`,
			'',
			'Events reach n8n once a workflow with a Stripe Lifecycle Trigger (credential "Stripe (dev)") is',
			'published: the trigger registers its webhook endpoint in the emulator. Then fire events:',
			'',
			...controlExamples(emulator.url, stack.stripeApiKey),
		);
	} else if (stack.webhookUrl) {
		lines.push(
			'  Stripe       your test account at https://api.stripe.com (STRIPE_API_KEY)',
			'',
			`Triggers register their Stripe webhook endpoints at ${stack.webhookUrl}; keep the tunnel forwarding it to ${n8n.url}.`,
			'Fire events with the Stripe CLI, e.g. `stripe trigger customer.subscription.created`.',
		);
	} else {
		lines.push(
			'  Stripe       your test account at https://api.stripe.com (STRIPE_API_KEY)',
			'',
			`Stripe cannot reach ${n8n.url}. For the trigger's webhook either run a tunnel (e.g. \`cloudflared tunnel`,
			`--url ${n8n.url}\` or \`ngrok http ${new URL(n8n.url).port}\`) and restart with WEBHOOK_URL=https://<tunnel>/, so the`,
			'trigger registers its endpoint at the public address; or set the trigger to manual mode, run',
			'`stripe listen --forward-to <the trigger\'s production webhook URL>` and paste the whsec_… it prints.',
			'Fire events with the Stripe CLI, e.g. `stripe trigger customer.subscription.created`.',
		);
	}
	lines.push('', 'Ctrl-C stops everything. n8n keeps its data in .n8n-dev/ (`npm run dev -- --fresh` resets it).', '');
	return lines.join('\n');
}

/** `startedAt`: when `npm run dev` began, so the time printed includes the build. */
export async function main(argv: string[], startedAt = Date.now()): Promise<void> {
	const unknown = argv.filter((arg) => arg !== '--fresh');
	if (unknown.length > 0) throw new Error(`Unknown argument ${unknown.join(' ')}; the only one is --fresh`);

	let stack: DevStack | undefined;
	let stoppingSince: number | undefined;
	const onSignal = (signal: NodeJS.Signals): void => {
		if (!stack) {
			// Still starting: leaving is enough, n8n's watchdog kills n8n when this process is gone.
			log(`${signal} while starting; exiting`);
			process.exit(130);
		}
		if (stoppingSince !== undefined) {
			// One Ctrl-C arrives twice: from the terminal and forwarded by npm (and by `timeout`). Only a later one forces.
			if (Date.now() - stoppingSince < DUPLICATE_SIGNAL_WINDOW_MS) return;
			log('second signal: killing n8n');
			void stack.n8n.kill().finally(() => process.exit(1));
			return;
		}
		stoppingSince = Date.now();
		log(`${signal}: stopping n8n, the emulator and the inbox`);
		void stack.stop().then(
			() => {
				log('stopped');
				process.exit(0);
			},
			(error: Error) => {
				log(`stopping failed: ${error.message}`);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);

	stack = await startDevStack({
		n8nPort: port('DEV_N8N_PORT', 5678),
		emulatorPort: port('DEV_EMULATOR_PORT', 12111),
		inboxPort: port('DEV_INBOX_PORT', 12025),
		smtpPort: port('DEV_SMTP_PORT', 12587),
		stripeApiKey: realStripeKey(),
		webhookUrl: process.env.WEBHOOK_URL || undefined,
		fresh: argv.includes('--fresh'),
		log,
	});
	process.stdout.write(usage(stack, startedAt) + '\n');
}
