import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { cleanNpmEnv, runCommand } from './run-command';

/**
 * The nearest folder above this file with a package.json: the repository both when ts-jest runs the
 * source and when `npm run dev` runs the harness compiled into .tmp/ (which holds no package.json).
 */
function findRepoRoot(): string {
	for (let folder = __dirname; ; folder = dirname(folder)) {
		if (existsSync(join(folder, 'package.json'))) return folder;
		if (dirname(folder) === folder) throw new Error(`no package.json above ${__dirname}`);
	}
}

export const REPO_ROOT = findRepoRoot();

interface PackageManifest {
	name: string;
	n8n: { credentials: string[]; nodes: string[] };
}

export function readPackageManifest(): PackageManifest {
	return JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as PackageManifest;
}

/**
 * n8n names a type after the `name` in its description, which by n8n's convention is the file's base name
 * with a lower-case first letter: dist/nodes/StripeLifecycle/StripeLifecycle.node.js → stripeLifecycle.
 */
function typeNameFromFile(file: string, suffix: '.node.js' | '.credentials.js'): string {
	const base = basename(file, suffix);
	return base.charAt(0).toLowerCase() + base.slice(1);
}

/** The node types (`<package>.<name>`) and credential types the manifest promises n8n. */
export function declaredTypes(): { nodeTypes: string[]; credentialTypes: string[] } {
	const manifest = readPackageManifest();
	return {
		nodeTypes: manifest.n8n.nodes.map((file) => `${manifest.name}.${typeNameFromFile(file, '.node.js')}`),
		credentialTypes: manifest.n8n.credentials.map((file) => typeNameFromFile(file, '.credentials.js')),
	};
}

interface NpmPackResult {
	filename: string;
	files: Array<{ path: string }>;
}

const PACK_DIR_PREFIX = 'n8n-e2e-pack-';

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Each test process packs into a directory named after its pid. Jest never delivers 'exit' to test code,
 * so a process cannot delete its own; instead each run deletes those of processes that are gone.
 */
function packDirectoryForThisProcess(): string {
	for (const entry of readdirSync(tmpdir())) {
		const pid = Number(entry.slice(PACK_DIR_PREFIX.length));
		if (entry.startsWith(PACK_DIR_PREFIX) && Number.isInteger(pid) && pid !== process.pid && !isRunning(pid)) {
			rmSync(join(tmpdir(), entry), { recursive: true, force: true });
		}
	}
	const directory = join(tmpdir(), `${PACK_DIR_PREFIX}${process.pid}`);
	mkdirSync(directory, { recursive: true });
	return directory;
}

/**
 * Runs `npm pack --json` with the given arguments in the repository, which must already be built:
 * a tarball without the compiled files still installs, and n8n then silently loads nothing.
 */
async function npmPack(args: string[]): Promise<NpmPackResult> {
	const output = await runCommand('npm', ['pack', '--json', ...args], { cwd: REPO_ROOT, env: cleanNpmEnv() });
	const [result] = JSON.parse(output) as NpmPackResult[];
	const packed = new Set(result.files.map((file) => file.path));
	const { n8n } = readPackageManifest();
	const missing = [...n8n.credentials, ...n8n.nodes].filter((file) => !packed.has(file));
	if (missing.length > 0) {
		throw new Error(`npm pack left out ${missing.join(', ')}: run \`npm run build\` first`);
	}
	return result;
}

/** The paths `npm publish` would put in the package, without writing a tarball. */
export async function packedFiles(): Promise<string[]> {
	return (await npmPack(['--dry-run'])).files.map((file) => file.path);
}

let packedTarball: Promise<string> | undefined;

/**
 * `npm pack`s the repository into a temp dir and returns the tarball path.
 * Packed once per process: every n8n instance in a test file installs the same tarball.
 */
export function packPackage(): Promise<string> {
	packedTarball ??= (async () => {
		const destination = packDirectoryForThisProcess();
		const result = await npmPack(['--pack-destination', destination]);
		return join(destination, result.filename);
	})();
	return packedTarball;
}
