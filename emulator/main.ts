/**
 * `npm run emulator`: the Stripe emulator as its own process, so workflows can be built and tried
 * without a Stripe account (point a credential's Custom API Base URL at it). Ctrl-C stops it.
 * `npm run emulator -- --help` lists the options; README "The Stripe emulator" says what it does.
 */
import { SCENARIOS, seedDemoAccount, startEmulator, type EmulatorOptions, type SeedOptions } from './index';

const DEFAULT_PORT = 12111;

export const USAGE = `Usage: npm run emulator -- [options]

  --seed-demo               seed a demo SaaS account (300 customers, 120 days of history)
  --customers <n>           demo account size (default 300)
  --days <n>                days of demo history (default 120)
  --seed <n>                seed for ids and demo data, so runs repeat (default 42)
  --port <n>                port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host <address>          address to listen on (default 127.0.0.1)
  --key-test <sk_test_…>    fixed test-mode secret key (default: a new one each start)
  --key-live <sk_live_…>    fixed live-mode secret key
  --retry-schedule <ms,…>   delays between webhook delivery attempts (default 500,2000,8000,30000)
  --rate-limit              answer 429 past Stripe's per-second limits (25 test, 100 live)
  --help                    this text`;

export interface EmulatorCommand {
	emulator: EmulatorOptions;
	/** Absent without --seed-demo. */
	demo?: SeedOptions;
}

/** A command line the emulator cannot run: the message names the argument, the usage follows it. */
export class UsageError extends Error {}

const FLAGS = new Set(['seed-demo', 'rate-limit', 'help']);
const VALUES = new Set(['customers', 'days', 'seed', 'port', 'host', 'key-test', 'key-live', 'retry-schedule']);

/** The options of a command line, or 'help'; throws a message naming the argument that is wrong. */
export function parseEmulatorArguments(argv: string[]): EmulatorCommand | 'help' {
	const args = new Map<string, string | true>();
	for (let i = 0; i < argv.length; i++) {
		const name = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
		if (name !== undefined && FLAGS.has(name)) args.set(name, true);
		else if (name !== undefined && VALUES.has(name)) {
			const value = argv[++i];
			if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
			args.set(name, value);
		} else throw new UsageError(`Unknown argument ${argv[i]}`);
	}
	if (args.has('help')) return 'help';
	const text = (name: string) => args.get(name) as string | undefined;
	const whole = (name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
		const value = text(name);
		if (value === undefined) return undefined;
		const parsed = Number(value);
		if (!/^\d+$/.test(value) || parsed < min || parsed > max) throw new UsageError(`--${name} ${value} is not a whole number from ${min} to ${max}`);
		return parsed;
	};
	const key = (name: string, prefix: string): string | undefined => {
		const value = text(name);
		// The package tells test from live data by the key's prefix, so a key must say which it is.
		if (value !== undefined && !new RegExp(`^${prefix}[A-Za-z0-9]+$`).test(value)) throw new UsageError(`--${name} must look like ${prefix}… (letters and digits after the prefix)`);
		return value;
	};
	const seed = whole('seed', 0);
	const customers = whole('customers', 1);
	const days = whole('days', 1);
	const retrySchedule = text('retry-schedule')?.split(',').map((delay) => {
		if (!/^\d+$/.test(delay)) throw new UsageError(`--retry-schedule ${text('retry-schedule')} is not a list of milliseconds like 500,2000,8000`);
		return Number(delay);
	});
	return {
		emulator: {
			port: whole('port', 0, 65535) ?? DEFAULT_PORT,
			host: text('host'),
			seed,
			keys: { secretTest: key('key-test', 'sk_test_'), secretLive: key('key-live', 'sk_live_') },
			retrySchedule,
			rateLimit: args.has('rate-limit'),
		},
		demo: args.has('seed-demo') ? { customers, days, seed } : undefined,
	};
}

/** How to drive a running emulator from a shell: the control API and the Stripe API itself. */
export function controlExamples(url: string, apiKey: string): string[] {
	return [
		`  EMU=${url}`,
		'  curl -X POST $EMU/_emulator/scenarios/trial_started             # a new customer starts a trial',
		'  curl -X POST $EMU/_emulator/scenarios/payment_failed -d \'{"customer":"cus_…"}\'   # for one customer',
		'  curl -X POST $EMU/_emulator/clock/advance -d \'{"days":3}\'         # renewals, trial ends and retries fall due',
		'  curl -X POST $EMU/_emulator/events/evt_…/redeliver -d \'{"times":2}\'   # send an event again (duplicates)',
		'  curl $EMU/_emulator/deliveries                                   # what was delivered, and the answers',
		`  curl -u ${apiKey}: "$EMU/v1/customers?limit=3"   # the Stripe API itself`,
		'',
		`  scenarios: ${SCENARIOS.join(', ')}`,
	];
}

async function run(argv: string[]): Promise<void> {
	const command = parseEmulatorArguments(argv);
	if (command === 'help') {
		process.stdout.write(`${USAGE}\n`);
		return;
	}
	const emulator = await startEmulator(command.emulator).catch((error: NodeJS.ErrnoException) => {
		const where = `${command.emulator.host ?? '127.0.0.1'}:${command.emulator.port}`;
		if (error.code === 'EADDRINUSE') throw new Error(`${where} is in use: stop what holds it or pass --port <another>`);
		throw new Error(`cannot listen on ${where} (${error.code ?? error.message}): check --host and --port`);
	});
	const seeded = command.demo ? seedDemoAccount(emulator, command.demo) : undefined;
	const lines = [
		`Stripe emulator at ${emulator.url}, API version ${emulator.apiVersion}, account ${emulator.account.id}`,
		seeded
			? `  demo account: ${seeded.customers} customers, ${seeded.subscriptions.active ?? 0} active and ${seeded.subscriptions.trialing ?? 0} trialing subscriptions, ${seeded.events} events`
			: '  empty account (--seed-demo fills it)',
		`  test secret key ${emulator.keys.secretTest}`,
		`  live secret key ${emulator.keys.secretLive}`,
		'',
		'In n8n: a Stripe Restricted Key API credential with one of these keys, Custom API Base URL on and',
		`API Base URL ${emulator.url}. Publishing a Stripe Lifecycle Trigger registers its webhook here. Then:`,
		'',
		...controlExamples(emulator.url, emulator.keys.secretTest),
		'',
		'Ctrl-C stops it.',
		'',
	];
	process.stdout.write(lines.join('\n'));
	const stop = (): void => {
		void emulator.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

if (require.main === module) {
	run(process.argv.slice(2)).catch((error: Error) => {
		// What was wrong and how to fix it; a stack trace would bury it.
		process.stderr.write(`[emulator] ${error.message}\n${error instanceof UsageError ? `\n${USAGE}\n` : ''}`);
		process.exit(1);
	});
}
