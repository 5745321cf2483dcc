import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './package';
import { cleanNpmEnv, runCommand } from './run-command';

/** The n8n release the package is tested against; bump together with the n8n-workflow devDependency. */
export const N8N_VERSION = '2.40.7';
/** n8n 2.x requires Node >= 22; the system Node is 20, so n8n runs on a private Node 24. */
const NODE_MAJOR = '24';
/** How long a start may take when it must install first: on a fresh machine Node 24 and n8n take about 4 minutes. */
export const N8N_START_TIMEOUT_MS = 15 * 60_000;

const LOCK_POLL_MS = 1000;
/** A lock dir without a pid file older than this was left by a process that died right after mkdir. */
const PIDLESS_LOCK_STALE_MS = 60_000;

export interface N8nRuntime {
	/** The Node 24 binary n8n must run on. */
	nodeBinary: string;
	/** Directory of that binary, to put first on n8n's PATH: n8n spawns its task runner as plain `node`. */
	nodeBinDir: string;
	/** n8n's CLI entry point (`node_modules/n8n/bin/n8n`), started with `nodeBinary`. */
	n8nEntryPoint: string;
}

export function progress(message: string): void {
	process.stderr.write(`[n8n e2e] ${message}\n`);
}

function cacheDirectory(): string {
	const cacheDir = resolve(process.env.N8N_CACHE_DIR ?? join(homedir(), '.cache', 'n8n-stripe-lifecycle'));
	const fromRepo = relative(REPO_ROOT, cacheDir);
	if (fromRepo === '' || (!fromRepo.startsWith('..') && !isAbsolute(fromRepo))) {
		throw new Error(`N8N_CACHE_DIR (${cacheDir}) must be outside the repository: npm pack and eslint would walk into it`);
	}
	return cacheDir;
}

function nodePackageName(): string {
	if (process.platform === 'win32') throw new Error('The n8n e2e harness supports Linux and macOS only');
	return `node-${process.platform}-${process.arch}`;
}

function runtimePaths(cacheDir: string) {
	const nodeDir = join(cacheDir, `node${NODE_MAJOR}`);
	const nodePackageDir = join(nodeDir, 'node_modules', nodePackageName());
	const n8nDir = join(cacheDir, `n8n-${N8N_VERSION}`);
	return {
		nodeDir,
		nodePackageDir,
		nodeBinDir: join(nodePackageDir, 'bin'),
		nodeBinary: join(nodePackageDir, 'bin', 'node'),
		n8nDir,
		n8nEntryPoint: join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n'),
		// Markers are written last, so a directory without one is a half-finished install to redo.
		nodeMarker: join(nodeDir, '.install-complete'),
		n8nMarker: join(n8nDir, '.install-complete'),
	};
}
type RuntimePaths = ReturnType<typeof runtimePaths>;

function isInstalled(paths: RuntimePaths): boolean {
	return existsSync(paths.nodeMarker) && existsSync(paths.n8nMarker);
}

function lockHolderIsGone(lockDir: string): boolean {
	let pid: number;
	try {
		pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
	} catch {
		try {
			return Date.now() - statSync(lockDir).mtimeMs > PIDLESS_LOCK_STALE_MS;
		} catch {
			return false; // released while we looked
		}
	}
	try {
		process.kill(pid, 0);
		return false;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'ESRCH';
	}
}

/** mkdir is atomic, so the directory is the lock; the pid inside lets a waiter break the lock of a crashed installer. */
async function withInstallLock<T>(cacheDir: string, task: () => Promise<T>): Promise<T> {
	const lockDir = join(cacheDir, 'install.lock');
	let announcedWait = false;
	for (;;) {
		try {
			mkdirSync(lockDir);
			writeFileSync(join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		if (lockHolderIsGone(lockDir)) {
			progress(`removing stale install lock ${lockDir}`);
			rmSync(lockDir, { recursive: true, force: true });
			continue;
		}
		if (!announcedWait) {
			progress('another process is installing n8n; waiting for it');
			announcedWait = true;
		}
		await new Promise((done) => setTimeout(done, LOCK_POLL_MS));
	}
	try {
		return await task();
	} finally {
		rmSync(lockDir, { recursive: true, force: true });
	}
}

async function installNode(paths: RuntimePaths): Promise<void> {
	rmSync(paths.nodeDir, { recursive: true, force: true });
	mkdirSync(paths.nodeDir, { recursive: true });
	const logFile = join(paths.nodeDir, 'install.log');
	progress(`installing Node ${NODE_MAJOR} (npm package ${nodePackageName()}) into ${paths.nodeDir}`);
	await runCommand('npm', ['install', '--prefix', paths.nodeDir, `${nodePackageName()}@${NODE_MAJOR}`, '--no-audit', '--no-fund'], {
		cwd: paths.nodeDir,
		env: cleanNpmEnv(),
		logFile,
	});
	const version = (await runCommand(paths.nodeBinary, ['--version'], { cwd: paths.nodeDir })).trim();
	if (!version.startsWith(`v${NODE_MAJOR}.`)) throw new Error(`${paths.nodeBinary} reports ${version}, expected v${NODE_MAJOR}.x`);
	writeFileSync(paths.nodeMarker, `${version}\n`);
}

async function installN8n(paths: RuntimePaths): Promise<void> {
	rmSync(paths.n8nDir, { recursive: true, force: true });
	mkdirSync(paths.n8nDir, { recursive: true });
	writeFileSync(join(paths.n8nDir, 'package.json'), JSON.stringify({ name: 'n8n-runtime', private: true }));
	const logFile = join(paths.n8nDir, 'install.log');
	// npm runs on Node 24 (first on PATH) so engine checks and the native rebuild target the Node that runs n8n.
	const env = cleanNpmEnv(paths.nodeBinDir);
	progress(`installing n8n@${N8N_VERSION} into ${paths.n8nDir} (about 2-3 minutes; log: ${logFile})`);
	// Install scripts stay off: several of n8n's optional native modules try to download prebuilt binaries.
	await runCommand('npm', ['install', `n8n@${N8N_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund'], {
		cwd: paths.n8nDir,
		env,
		logFile,
	});
	progress('building sqlite3 against Node 24 headers (about 1 minute)');
	// sqlite3 is the one native module n8n cannot start without; the Node package ships the headers node-gyp needs.
	await runCommand('npm', ['rebuild', 'sqlite3', `--nodedir=${paths.nodePackageDir}`], { cwd: paths.n8nDir, env, logFile });
	await runCommand(paths.nodeBinary, ['-e', "require('sqlite3')"], { cwd: paths.n8nDir, env });
	writeFileSync(paths.n8nMarker, `${N8N_VERSION}\n`);
}

/**
 * Makes sure Node 24 and n8n are installed in the cache and returns how to run them. Idempotent and
 * safe to call from several processes at once; the first call on a fresh machine takes about 4 minutes.
 */
export async function ensureN8n(): Promise<N8nRuntime> {
	const cacheDir = cacheDirectory();
	const paths = runtimePaths(cacheDir);
	if (!isInstalled(paths)) {
		mkdirSync(cacheDir, { recursive: true });
		await withInstallLock(cacheDir, async () => {
			// Re-checked under the lock: a process we waited for may have finished the install.
			if (isInstalled(paths)) return;
			const startedAt = Date.now();
			if (!existsSync(paths.nodeMarker)) await installNode(paths);
			if (!existsSync(paths.n8nMarker)) await installN8n(paths);
			progress(`n8n runtime installed in ${Math.round((Date.now() - startedAt) / 1000)} s`);
		});
	}
	return { nodeBinary: paths.nodeBinary, nodeBinDir: paths.nodeBinDir, n8nEntryPoint: paths.n8nEntryPoint };
}
