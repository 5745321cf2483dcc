/**
 * The package as `npm run dev`'s n8n loads it: `tsc --watch` of tsconfig.build.json and gulp's icon and
 * codex copies (`gulp watch`), both writing into the package folder of the dev n8n's user folder, where
 * n8n's dev reload (N8N_DEV_RELOAD) watches. A saved source file reaches the editor without a restart.
 *
 * Why not link the repository's dist/ there, as `n8n-node dev` links a package into ~/.n8n/custom: n8n
 * 2.40.7 watches a package folder with inotify, which refuses a symlinked folder and follows no symlink
 * inside one, and it forgets cached modules by that folder's path while Node caches them by their real
 * path. The custom folder does reload, but it renames every node type to `CUSTOM.<name>`, which the
 * templates and a user's workflows do not use. Writing the files where n8n watches avoids both.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { WATCHDOG } from './n8n/instance';

export interface WatchBuild {
	/** Stops both watchers. */
	stop(): Promise<void>;
}

export interface WatchBuildOptions {
	/** The package's sources: tsconfig.build.json, gulpfile.js, package.json, nodes/, credentials/, icons/. */
	packageRoot: string;
	/** The folder n8n loads the package from; emptied first, so deleted sources leave no stale files. */
	packageDir: string;
	log: (message: string) => void;
}

/** tsc's line after each compilation in watch mode. */
const COMPILED = /Found (\d+) errors?\. Watching for file changes\./;
/** gulp's line once the first copy is done and watching begins. */
const ASSETS_COPIED = /Starting 'watchAssets'/;
const FIRST_BUILD_TIMEOUT_MS = 180_000;

interface Watcher {
	/** Resolves after the first build; rejects if it fails or takes too long. */
	ready: Promise<void>;
	stop(): Promise<void>;
}

/** One watcher under the watchdog: its own process group, so stop() reaches it and nothing outlives the dev stack. */
function startWatcher(name: string, script: string, args: string[], options: WatchBuildOptions, env: NodeJS.ProcessEnv, readyLine: RegExp): Watcher {
	const child = spawn(process.execPath, [WATCHDOG, script, ...args], { cwd: options.packageRoot, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
	let output = '';
	let isReady = false;
	let stopping = false;
	const ready = new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`${name} did not finish its first build within ${FIRST_BUILD_TIMEOUT_MS / 1000} s:\n${output.slice(-3000)}`)), FIRST_BUILD_TIMEOUT_MS);
		child.once('exit', (code, signal) => {
			clearTimeout(timer);
			if (!isReady) reject(new Error(`${name} exited (${code ?? signal}) during its first build:\n${output.slice(-3000)}`));
			else if (!stopping) options.log(`[${name}] stopped (${code ?? signal}); restart npm run dev to rebuild on change`);
		});
		for (const stream of [child.stdout, child.stderr]) {
			stream?.setEncoding('utf8').on('data', (text: string) => {
				output = (output + text).slice(-10_000);
				for (const line of text.split('\n')) {
					// Compiler errors and tsc's summary after each build; the rest of tsc's and gulp's output stays out.
					if (/error TS\d+|Found \d+ errors?\./.test(line)) options.log(`[${name}] ${line.trim()}`);
				}
				if (!isReady && readyLine.test(output)) {
					isReady = true;
					clearTimeout(timer);
					resolve();
				}
			});
		}
	});
	const stop = (): Promise<void> => {
		stopping = true;
		if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
		return new Promise((done) => {
			child.once('exit', () => done());
			try {
				process.kill(-child.pid!, 'SIGTERM');
			} catch {
				done(); // already gone
			}
		});
	};
	return { ready, stop };
}

export async function startWatchBuild(options: WatchBuildOptions): Promise<WatchBuild> {
	rmSync(options.packageDir, { recursive: true, force: true });
	mkdirSync(options.packageDir, { recursive: true });
	// n8n reads the package's name, version and `n8n` section (its node and credential files) from here.
	copyFileSync(join(options.packageRoot, 'package.json'), join(options.packageDir, 'package.json'));
	const dist = join(options.packageDir, 'dist');
	const env = { ...process.env, DIST_DIR: dist };
	options.log('compiling the package in watch mode (tsc --watch, gulp watch)');
	const watchers = [
		startWatcher('tsc', require.resolve('typescript/bin/tsc'), ['--watch', '--preserveWatchOutput', '-p', 'tsconfig.build.json', '--outDir', dist], options, env, COMPILED),
		// gulp's exports hide its bin; it sits beside the main file.
		startWatcher('gulp', join(dirname(require.resolve('gulp')), 'bin', 'gulp.js'), ['watch', '--no-color'], options, env, ASSETS_COPIED),
	];
	const stop = async (): Promise<void> => void (await Promise.all(watchers.map((watcher) => watcher.stop())));
	try {
		await Promise.all(watchers.map((watcher) => watcher.ready));
	} catch (error) {
		await stop();
		throw error;
	}
	return { stop };
}
