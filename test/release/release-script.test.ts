/**
 * `npm run release` (scripts/release.mjs) in a throwaway clone with a bare "origin": what it
 * pushes on success, and that every refusal leaves the repository and the remote as they were.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../dev/n8n/package';
import { cleanNpmEnv } from '../../dev/n8n/run-command';

const RELEASE_SCRIPT = join(REPO_ROOT, 'scripts', 'release.mjs');
const IDENTITY = { GIT_AUTHOR_NAME: 'Release Test', GIT_AUTHOR_EMAIL: 'release@example.com', GIT_COMMITTER_NAME: 'Release Test', GIT_COMMITTER_EMAIL: 'release@example.com' };
const CHANGELOG = '# Changelog\n\n## Unreleased\n\n### Nodes\n- Something new.\n';

let root: string;
let clone: string;
let origin: string;
/** build and prepublishOnly append their names here, outside the clone, so the tree stays clean. */
let checksLog: string;

function git(cwd: string, ...args: string[]): string {
	return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...IDENTITY } }).trim();
}

function commitAll(message: string): void {
	git(clone, 'add', '--all');
	git(clone, 'commit', '--quiet', '-m', message);
}

function release(...args: string[]): { status: number; output: string } {
	try {
		const output = execFileSync(process.execPath, [RELEASE_SCRIPT, ...args], { cwd: clone, encoding: 'utf8', stdio: 'pipe', env: { ...cleanNpmEnv(), ...IDENTITY, CHECKS_LOG: checksLog } });
		return { status: 0, output };
	} catch (error) {
		const failed = error as { status: number; stdout: string; stderr: string };
		return { status: failed.status, output: failed.stdout + failed.stderr };
	}
}

/** A package whose build and prepublishOnly log that they ran; `prepublishOnly` replaces the latter. */
function writePackage(prepublishOnly?: string): void {
	const logRun = (name: string) => `node -e "require('fs').appendFileSync(process.env.CHECKS_LOG, '${name} ')"`;
	const scripts = { build: logRun('build'), prepublishOnly: prepublishOnly ?? logRun('prepublishOnly') };
	writeFileSync(join(clone, 'package.json'), `${JSON.stringify({ name: 'release-test', version: '0.1.0', private: true, scripts }, null, 2)}\n`);
}

function remoteTags(): string {
	return git(origin, 'tag', '--list');
}

beforeEach(() => {
	root = mkdtempSync(join(tmpdir(), 'release-test-'));
	origin = join(root, 'origin.git');
	clone = join(root, 'clone');
	checksLog = join(root, 'checks.log');
	writeFileSync(checksLog, '');
	git(root, 'init', '--quiet', '--bare', origin);
	git(root, 'clone', '--quiet', origin, clone);
	writePackage();
	writeFileSync(join(clone, 'CHANGELOG.md'), CHANGELOG);
	commitAll('Initial');
	git(clone, 'push', '--quiet', 'origin', 'HEAD');
});

afterEach(() => {
	rmSync(root, { recursive: true, force: true });
});

describe('npm run release', () => {
	it('runs the publish checks, names the version in package.json and CHANGELOG.md, and pushes the commit with its tag', () => {
		const result = release('patch');
		expect(result).toMatchObject({ status: 0 });

		expect(readFileSync(checksLog, 'utf8')).toBe('build prepublishOnly ');
		expect(JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')).version).toBe('0.1.1');
		const today = new Date().toISOString().slice(0, 10);
		expect(readFileSync(join(clone, 'CHANGELOG.md'), 'utf8')).toBe(`# Changelog\n\n## Unreleased\n\n## 0.1.1 - ${today}\n\n### Nodes\n- Something new.\n`);
		expect(git(clone, 'status', '--porcelain')).toBe('');
		expect(git(clone, 'log', '-1', '--format=%s')).toBe('Release 0.1.1');
		// The tag the publish workflow starts on, on the commit that names the version, on the remote.
		expect(remoteTags()).toBe('v0.1.1');
		expect(git(origin, 'rev-parse', 'v0.1.1^{commit}')).toBe(git(clone, 'rev-parse', 'HEAD'));
		expect(git(origin, 'rev-parse', 'HEAD')).toBe(git(clone, 'rev-parse', 'HEAD'));
	});

	it('releases the version package.json already names the first time', () => {
		expect(release('0.1.0')).toMatchObject({ status: 0 });
		expect(remoteTags()).toBe('v0.1.0');
	});

	describe('refuses, changing nothing here or on the remote,', () => {
		let headBefore: string;

		beforeEach(() => {
			headBefore = git(clone, 'rev-parse', 'HEAD');
		});

		/** Commits the setup of one refusal and publishes it, so that it becomes what must stay unchanged. */
		function commitAndPush(message: string): void {
			commitAll(message);
			headBefore = git(clone, 'rev-parse', 'HEAD');
			git(clone, 'push', '--quiet', 'origin', 'HEAD');
		}

		function expectNothingChanged(): void {
			expect(git(clone, 'rev-parse', 'HEAD')).toBe(headBefore);
			expect(git(origin, 'rev-parse', 'HEAD')).toBe(headBefore);
			expect(git(clone, 'tag', '--list')).toBe('');
			expect(remoteTags()).toBe('');
			expect(JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')).version).toBe('0.1.0');
		}

		it('without a version', () => {
			const result = release();
			expect(result.status).toBe(1);
			expect(result.output).toContain('usage: npm run release -- <patch|minor|major|x.y.z>');
			expectNothingChanged();
		});

		it('with uncommitted changes', () => {
			writeFileSync(join(clone, 'notes.txt'), 'draft');
			const result = release('patch');
			expect(result.status).toBe(1);
			expect(result.output).toContain('uncommitted changes');
			expect(readFileSync(checksLog, 'utf8')).toBe('');
			rmSync(join(clone, 'notes.txt'));
			expectNothingChanged();
		});

		it('when CHANGELOG.md has nothing under Unreleased', () => {
			writeFileSync(join(clone, 'CHANGELOG.md'), '# Changelog\n\n## Unreleased\n\n## 0.1.0 - 2026-01-01\n\n- Old.\n');
			commitAndPush('Empty changelog');
			const result = release('patch');
			expect(result.status).toBe(1);
			expect(result.output).toContain('nothing under "## Unreleased"');
			expectNothingChanged();
		});

		it('when a publish check fails', () => {
			writePackage('node -e "process.exit(3)"');
			commitAndPush('Failing check');
			const result = release('patch');
			expect(result.status).toBe(1);
			expect(result.output).toContain('npm run prepublishOnly failed');
			expectNothingChanged();
		});

		it('when the version is already tagged', () => {
			git(clone, 'tag', 'v0.1.1');
			const result = release('patch');
			expect(result.status).toBe(1);
			expect(result.output).toContain('tag v0.1.1 already exists');
			expect(git(clone, 'rev-parse', 'HEAD')).toBe(headBefore);
			expect(git(clone, 'status', '--porcelain')).toBe('');
			expect(remoteTags()).toBe('');
		});

		it('when the push is rejected, undoing its commit and tag', () => {
			// Someone else pushed first: the release commit would not fast-forward the remote.
			const other = join(root, 'other');
			git(root, 'clone', '--quiet', origin, other);
			writeFileSync(join(other, 'other.txt'), 'theirs');
			git(other, 'add', '--all');
			git(other, 'commit', '--quiet', '-m', 'Theirs');
			git(other, 'push', '--quiet', 'origin', 'HEAD');
			const remoteHead = git(origin, 'rev-parse', 'HEAD');

			const result = release('patch');
			expect(result.status).toBe(1);
			expect(result.output).toContain('git push failed, nothing was released');
			expect(git(clone, 'rev-parse', 'HEAD')).toBe(headBefore);
			expect(git(clone, 'status', '--porcelain')).toBe('');
			expect(git(clone, 'tag', '--list')).toBe('');
			expect(git(origin, 'rev-parse', 'HEAD')).toBe(remoteHead);
			expect(remoteTags()).toBe('');
		});
	});
});
