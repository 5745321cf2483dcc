/**
 * The GitHub workflows: CI runs what .ci/run runs, and a version tag publishes to npm with a
 * provenance statement only after that CI passed, with the one permission provenance needs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../dev/n8n/package';
import { parse as parseYaml } from 'yaml';

interface Step {
	name?: string;
	uses?: string;
	run?: string;
	with?: Record<string, string | number>;
	env?: Record<string, string>;
}

interface Job {
	'runs-on'?: string;
	container?: string;
	services?: Record<string, { image: string; env?: Record<string, string> }>;
	permissions?: Record<string, string>;
	needs?: string | string[];
	uses?: string;
	steps?: Step[];
}

interface Workflow {
	on: Record<string, { branches?: string[]; tags?: string[] } | null>;
	permissions?: Record<string, string>;
	jobs: Record<string, Job>;
}

function readWorkflow(file: string): Workflow {
	return parseYaml(readFileSync(join(REPO_ROOT, '.github', 'workflows', file), 'utf8')) as unknown as Workflow;
}

function readRepoFile(path: string): string {
	return readFileSync(join(REPO_ROOT, path), 'utf8');
}

const ci = readWorkflow('ci.yml');
const publish = readWorkflow('publish.yml');
const ciJob = ci.jobs.test;
const ciSteps = ciJob.steps ?? [];
const publishJob = publish.jobs.publish;
const publishSteps = publishJob.steps ?? [];

function indexOfStep(steps: Step[], matches: (step: Step) => boolean, what: string): number {
	const index = steps.findIndex(matches);
	if (index === -1) throw new Error(`no step ${what}`);
	return index;
}

const usesAction = (action: string) => (step: Step) => step.uses?.split('@')[0] === action;
const runs = (command: string) => (step: Step) => step.run === command;

describe('ci.yml', () => {
	it('runs on pushes to main, on pull requests, and when publish.yml calls it', () => {
		expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
		expect(ci.on.push).toEqual({ branches: ['main'] });
	});

	it('reads the repository and nothing more', () => {
		expect(ci.permissions).toEqual({ contents: 'read' });
		expect(ciJob.permissions).toBeUndefined();
	});

	it('has what .ci/run provides: Debian with its Chromium, and PostgreSQL with trust auth', () => {
		expect(ciJob.container).toMatch(/bookworm|debian/);
		const chromium = ciSteps[indexOfStep(ciSteps, (step) => /apt-get install\b.*\bchromium\b/.test(step.run ?? ''), 'installing chromium')];
		expect(chromium.run).toContain('apt-get update');
		const postgres = ciJob.services?.postgres;
		expect(postgres?.image).toMatch(/^postgres:/);
		expect(postgres?.env).toMatchObject({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_USER: 'root', POSTGRES_DB: 'test' });
		// test/e2e/templates.test.ts reads PGHOST; in a container job the service is reached by its name.
		expect(ciSteps.find(runs('npm test'))?.env).toEqual({ PGHOST: 'postgres' });
	});

	it("runs exactly .ci/run's commands, npm ci then npm test, after checkout and Node setup", () => {
		const ciRunCommands = readRepoFile('.ci/run')
			.split('\n')
			.filter((line) => /^npm /.test(line));
		expect(ciRunCommands).toEqual(['npm ci', 'npm test']);
		const npmCommands = ciSteps.filter((step) => /^npm\b/.test(step.run ?? '')).map((step) => step.run);
		expect(npmCommands).toEqual(ciRunCommands);

		const checkout = indexOfStep(ciSteps, usesAction('actions/checkout'), 'actions/checkout');
		const setupNode = indexOfStep(ciSteps, usesAction('actions/setup-node'), 'actions/setup-node');
		const install = indexOfStep(ciSteps, runs('npm ci'), 'npm ci');
		expect(checkout).toBeLessThan(setupNode);
		expect(setupNode).toBeLessThan(install);
		expect(install).toBeLessThan(indexOfStep(ciSteps, runs('npm test'), 'npm test'));
	});

	it('keeps the n8n the e2e tests install between runs', () => {
		const cache = ciSteps[indexOfStep(ciSteps, usesAction('actions/cache'), 'actions/cache')];
		expect(cache.with?.path).toBe('~/.cache/n8n-stripe-lifecycle');
		expect(cache.with?.key).toEqual(expect.stringContaining("hashFiles('package-lock.json')"));
		expect(ciSteps.indexOf(cache)).toBeLessThan(indexOfStep(ciSteps, runs('npm test'), 'npm test'));
	});
});

describe('publish.yml', () => {
	const publishCommand = () => publishSteps[indexOfStep(publishSteps, (step) => /^npm publish\b/.test(step.run ?? ''), 'npm publish')].run ?? '';

	it('runs on version tags only', () => {
		expect(publish.on).toEqual({ push: { tags: ['v*'] } });
	});

	it('publishes only after ci.yml passed for the same commit', () => {
		const [testJob, ...others] = Object.entries(publish.jobs).filter(([, job]) => job.uses !== undefined);
		expect(others).toEqual([]);
		expect(testJob[1].uses).toBe('./.github/workflows/ci.yml');
		expect(publishJob.needs).toBe(testJob[0]);
	});

	it('lets only the publishing job mint the OIDC token provenance is signed with', () => {
		expect(publish.permissions).toEqual({ contents: 'read' });
		expect(publishJob.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
		const otherJobs = Object.entries(publish.jobs).filter(([name]) => name !== 'publish');
		expect(otherJobs.filter(([, job]) => job.permissions?.['id-token'] !== undefined)).toEqual([]);
	});

	it('builds from a clean install, then publishes with provenance and public access', () => {
		const order = [
			indexOfStep(publishSteps, usesAction('actions/checkout'), 'actions/checkout'),
			indexOfStep(publishSteps, usesAction('actions/setup-node'), 'actions/setup-node'),
			indexOfStep(publishSteps, runs('npm ci'), 'npm ci'),
			indexOfStep(publishSteps, runs('npm run build'), 'npm run build'),
			indexOfStep(publishSteps, (step) => /^npm publish\b/.test(step.run ?? ''), 'npm publish'),
		];
		expect([...order].sort((a, b) => a - b)).toEqual(order);
		expect(publishCommand().split(' ')).toEqual(expect.arrayContaining(['--provenance', '--access', 'public']));
	});

	it('sets up npm for the public registry, on the Node version CI tested', () => {
		const setupNode = publishSteps[indexOfStep(publishSteps, usesAction('actions/setup-node'), 'actions/setup-node')];
		expect(setupNode.with?.['registry-url']).toBe('https://registry.npmjs.org');
		const ciSetupNode = ciSteps[indexOfStep(ciSteps, usesAction('actions/setup-node'), 'actions/setup-node')];
		expect(setupNode.with?.['node-version']).toBe(ciSetupNode.with?.['node-version']);
	});

	it('refuses a tag that does not name the version in package.json', () => {
		const check = indexOfStep(publishSteps, (step) => (step.run ?? '').includes('$GITHUB_REF_NAME') && (step.run ?? '').includes('package.json'), 'comparing the tag with package.json');
		expect(check).toBeLessThan(indexOfStep(publishSteps, (step) => /^npm publish\b/.test(step.run ?? ''), 'npm publish'));
	});

	it("runs prepublishOnly (lint and n8n's scanner) although .npmrc turns install scripts off", () => {
		const manifest = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
		expect(manifest.scripts.prepublishOnly).toBe('npm run lint && npm run scan');
		if (/^ignore-scripts\s*=\s*true$/m.test(readRepoFile('.npmrc'))) {
			expect(publishCommand().split(' ')).toContain('--ignore-scripts=false');
		}
	});
});
