/**
 * Runs the emulator as its own process (for `npm run dev` and the end-to-end tests). Compile with
 * tsc, then:
 *
 *   node <outDir>/emulator/cli.js [--port 12111] [--seed-demo] [--customers 300] [--days 120]
 *        [--seed 42] [--key-test sk_test_…] [--key-live sk_live_…] [--retry-schedule 500,2000]
 *        [--rate-limit]
 *
 * It prints one JSON line {"url","keys","apiVersion","account"} to stdout, then logs to stderr.
 */
import { startEmulator, seedDemoAccount } from './index';

function parseArgs(argv: string[]): Map<string, string | true> {
	const args = new Map<string, string | true>();
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith('--')) throw new Error(`Unexpected argument: ${arg}`);
		const next = argv[i + 1];
		if (next !== undefined && !next.startsWith('--')) {
			args.set(arg.slice(2), next);
			i++;
		} else args.set(arg.slice(2), true);
	}
	return args;
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const text = (name: string): string | undefined => {
		const value = args.get(name);
		return typeof value === 'string' ? value : undefined;
	};
	const number = (name: string): number | undefined => (text(name) === undefined ? undefined : Number(text(name)));
	const emulator = await startEmulator({
		port: number('port') ?? 12111,
		host: text('host'),
		seed: number('seed'),
		keys: { secretTest: text('key-test'), secretLive: text('key-live') },
		retrySchedule: text('retry-schedule')?.split(',').map(Number),
		rateLimit: args.has('rate-limit'),
	});
	if (args.has('seed-demo')) {
		const started = Date.now();
		const summary = seedDemoAccount(emulator, { customers: number('customers'), days: number('days'), seed: number('seed') });
		process.stderr.write(`seeded demo account in ${Date.now() - started} ms: ${JSON.stringify(summary)}\n`);
	}
	process.stdout.write(
		JSON.stringify({ url: emulator.url, keys: emulator.keys, apiVersion: emulator.apiVersion, account: emulator.account.id }) + '\n',
	);
	process.stderr.write(`Stripe emulator listening on ${emulator.url} (control API: ${emulator.url}/_emulator/info)\n`);
	const stop = (): void => {
		void emulator.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: Error) => {
	process.stderr.write(`${error.stack ?? error.message}\n`);
	process.exit(1);
});
