/**
 * `npm run emulator`: its command line, and the command itself started the way a user starts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import { parseEmulatorArguments, UsageError } from '../../emulator/main';
import { REPO_ROOT } from '../../dev/n8n/package';
import { cleanNpmEnv } from '../../dev/n8n/run-command';

describe('the command line', () => {
	it('starts on 127.0.0.1:12111 with an empty account by default', () => {
		expect(parseEmulatorArguments([])).toEqual({
			emulator: { port: 12111, host: undefined, seed: undefined, keys: { secretTest: undefined, secretLive: undefined }, retrySchedule: undefined, rateLimit: false },
			demo: undefined,
		});
	});

	it('reads every option', () => {
		const argv = ['--seed-demo', '--customers', '20', '--days', '30', '--seed', '7', '--port', '0', '--host', '::1', '--key-test', 'sk_test_Abc123', '--key-live', 'sk_live_Def456', '--retry-schedule', '100,200', '--rate-limit'];
		expect(parseEmulatorArguments(argv)).toEqual({
			emulator: { port: 0, host: '::1', seed: 7, keys: { secretTest: 'sk_test_Abc123', secretLive: 'sk_live_Def456' }, retrySchedule: [100, 200], rateLimit: true },
			demo: { customers: 20, days: 30, seed: 7 },
		});
		expect(parseEmulatorArguments(['--port', '1', '--help'])).toBe('help');
	});

	it.each([
		[['--seed-demo', 'extra'], 'Unknown argument extra'],
		[['--verbose'], 'Unknown argument --verbose'],
		[['--port'], '--port needs a value'],
		[['--customers', '--seed-demo'], '--customers needs a value'],
		[['--port', '70000'], '--port 70000 is not a whole number from 0 to 65535'],
		[['--customers', '0'], '--customers 0 is not a whole number from 1'],
		[['--days', '2.5'], '--days 2.5 is not a whole number'],
		[['--retry-schedule', '500,soon'], '--retry-schedule 500,soon is not a list of milliseconds'],
		[['--key-test', 'sk_live_Abc123'], '--key-test must look like sk_test_…'],
		[['--key-live', 'rk_live_Abc123'], '--key-live must look like sk_live_…'],
	])('refuses %j, naming the argument', (argv, message) => {
		expect(() => parseEmulatorArguments(argv)).toThrow(UsageError);
		expect(() => parseEmulatorArguments(argv)).toThrow(message);
	});
});

describe('npm run emulator', () => {
	let child: ChildProcess | undefined;
	afterEach(() => {
		// A test that failed half-way leaves its own process group (npm, the shell, node) running.
		if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
	});

	it('serves the seeded demo account with the printed key until Ctrl-C', async () => {
		child = spawn('npm', ['run', '--silent', 'emulator', '--', '--port', '0', '--seed-demo', '--customers', '12', '--days', '40'], {
			cwd: REPO_ROOT,
			env: cleanNpmEnv(),
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
		const exited = new Promise<void>((done) => child?.once('exit', () => done()));
		const printed = await new Promise<string>((resolve, reject) => {
			child?.stdout?.on('data', (chunk: Buffer) => {
				output += chunk.toString('utf8');
				if (output.includes('Ctrl-C stops it.')) resolve(output);
			});
			void exited.then(() => reject(new Error(`npm run emulator exited before it was ready:\n${output}`)));
		});
		const url = /Stripe emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
		const key = /test secret key (sk_test_\w+)/.exec(printed)?.[1];
		expect(printed).toContain('demo account: 12 customers');

		const customers = (await (await fetch(`${url}/v1/customers?limit=100`, { headers: { Authorization: `Bearer ${key}` } })).json()) as { data: unknown[] };
		expect(customers.data).toHaveLength(12);
		expect(await (await fetch(`${url}/_emulator/info`)).json()).toMatchObject({ url, keys: { secretTest: key } });

		// Ctrl-C signals the terminal's whole foreground group: npm, its shell and the emulator.
		process.kill(-child.pid!, 'SIGINT');
		await exited;
		await expect(fetch(`${url}/_emulator/info`)).rejects.toThrow();
	}, 120_000);
});
