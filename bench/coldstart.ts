/**
 * Cold start: how long a new contributor waits. A fresh `git clone` of the committed HEAD, then
 * `npm ci`, then either `npm test` (until it passes) or `npm run dev` (until it prints "Dev stack
 * ready"). "First run" gives npm and the n8n install cache empty directories of their own, as on a
 * new machine; "warm" is a second fresh clone that reuses both caches the first run filled.
 *
 * Minutes per run, so one run per cell: the figures are single measurements, stated as such.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

export type ColdStartPath = 'npm test' | 'npm run dev';
export type ColdStartCache = 'first run' | 'warm';

export interface ColdStartRow {
	path: ColdStartPath;
	cache: ColdStartCache;
	npmCiSeconds: number;
	/** `npm test` to its exit, or `npm run dev` to "Dev stack ready". */
	commandSeconds: number;
	totalSeconds: number;
	/** npm test's exit code, or 0 when dev reported ready. */
	exitCode: number;
	/** Jest's summary line, or dev's ready line. */
	summary: string;
	loadAverageAtStart: number;
}

export interface ColdStartSettings {
	repoDir: string;
	paths: ColdStartPath[];
}

interface Timed {
	seconds: number;
	exitCode: number;
	output: string;
}

/** Runs a command to its end, or until `readyWhen` matches its output (then stops it with SIGINT). */
function timed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, readyWhen?: RegExp): Promise<Timed> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
		let output = '';
		let ready = false;
		const onData = (chunk: Buffer) => {
			output = (output + chunk.toString()).slice(-200_000);
			if (readyWhen && !ready && readyWhen.test(output)) {
				ready = true;
				const seconds = (performance.now() - started) / 1000;
				child.once('exit', () => resolve({ seconds, exitCode: 0, output }));
				process.kill(-child.pid!, 'SIGINT');
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('error', reject);
		child.on('exit', (code) => {
			if (!ready) resolve({ seconds: (performance.now() - started) / 1000, exitCode: code ?? 1, output });
		});
	});
}

async function oneColdStart(repoDir: string, path: ColdStartPath, cache: ColdStartCache, caches: { npm: string; n8n: string }, log: (line: string) => void): Promise<ColdStartRow> {
	const workDir = mkdtempSync(join(os.tmpdir(), 'coldstart-'));
	const clone = join(workDir, 'clone');
	try {
		const env = { ...process.env, npm_config_cache: caches.npm, N8N_CACHE_DIR: caches.n8n, CI: '1' };
		const cloned = await timed('git', ['clone', '--quiet', '--no-local', repoDir, clone], workDir, env);
		if (cloned.exitCode !== 0) throw new Error(`git clone failed: ${cloned.output.slice(-2000)}`);
		const loadAverageAtStart = Math.round(os.loadavg()[0] * 100) / 100;
		const ci = await timed('npm', ['ci'], clone, env);
		if (ci.exitCode !== 0) throw new Error(`npm ci failed: ${ci.output.slice(-2000)}`);
		log(`  ${path}, ${cache}: npm ci ${ci.seconds.toFixed(0)} s`);
		const command =
			path === 'npm test'
				? await timed('npm', ['test'], clone, env)
				: await timed('npm', ['run', 'dev'], clone, env, /Dev stack ready in \d+ s/);
		const summary =
			path === 'npm test'
				? (/^Tests:.*$/m.exec(command.output)?.[0] ?? command.output.slice(-500)).trim()
				: (/Dev stack ready in \d+ s/.exec(command.output)?.[0] ?? command.output.slice(-500)).trim();
		log(`  ${path}, ${cache}: ${path} ${command.seconds.toFixed(0)} s, exit ${command.exitCode}: ${summary}`);
		return {
			path,
			cache,
			npmCiSeconds: ci.seconds,
			commandSeconds: command.seconds,
			totalSeconds: ci.seconds + command.seconds,
			exitCode: command.exitCode,
			summary,
			loadAverageAtStart,
		};
	} finally {
		rmSync(workDir, { recursive: true, force: true });
	}
}

export async function runColdStartBenchmark(settings: ColdStartSettings, log: (line: string) => void): Promise<ColdStartRow[]> {
	const rows: ColdStartRow[] = [];
	for (const path of settings.paths) {
		// Each path starts from empty caches so its first run pays for every download itself.
		const cacheDir = mkdtempSync(join(os.tmpdir(), 'coldstart-cache-'));
		const caches = { npm: join(cacheDir, 'npm'), n8n: join(cacheDir, 'n8n') };
		try {
			for (const cache of ['first run', 'warm'] as const) rows.push(await oneColdStart(settings.repoDir, path, cache, caches, log));
		} finally {
			rmSync(cacheDir, { recursive: true, force: true });
		}
	}
	return rows;
}
