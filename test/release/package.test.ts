/**
 * What `npm publish` ships and what the repository's own code may import: the package holds the
 * build, the templates and the three documents users read, and nothing loads a package that a
 * fresh `npm ci` might not install.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { packedFiles } from '../../dev/n8n';
import { REPO_ROOT } from '../../dev/n8n/package';

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
	main?: string;
	dependencies?: Record<string, string>;
	devDependencies?: Record<string, string>;
	peerDependencies?: Record<string, string>;
};

const TOP_LEVEL_FILES = ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'];

/** Folders that hold installed, built or generated files rather than the repository's own code. */
const NOT_SOURCE = new Set(['node_modules', 'dist', '.tmp', '.n8n-dev', '.git', 'coverage']);

function sourceFiles(folder: string): string[] {
	return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
		const path = join(folder, entry.name);
		if (entry.isDirectory()) return NOT_SOURCE.has(entry.name) ? [] : sourceFiles(path);
		return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
	});
}

/** `@scope/name/deep/path` → `@scope/name`, `name/deep` → `name`. */
function packageName(specifier: string): string {
	const parts = specifier.split('/');
	return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('the published package', () => {
	let files: string[];

	beforeAll(async () => {
		files = await packedFiles();
	});

	it('holds dist/, templates/, README.md, LICENSE, CHANGELOG.md and package.json, nothing else', () => {
		const elsewhere = files.filter((path) => !path.startsWith('dist/') && !path.startsWith('templates/') && !TOP_LEVEL_FILES.includes(path));
		expect(elsewhere).toEqual([]);
		expect(files).toEqual(expect.arrayContaining(TOP_LEVEL_FILES));
		expect(files.some((path) => path.startsWith('templates/') && path.endsWith('.json'))).toBe(true);
	});

	it("passes n8n's scanner when npm publish --dry-run runs it as prepublishOnly", () => {
		// npm hands its own settings to scripts as npm_config_*; the scanner's npm pack must not inherit dry-run.
		// Jest's NODE_ENV=test is left out: eslint-plugin-n8n-nodes-base checks fake file names under it.
		const env: NodeJS.ProcessEnv = { ...process.env, npm_config_dry_run: 'true' };
		delete env.NODE_ENV;
		const output = execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'scan-package.mjs')], { cwd: REPO_ROOT, env, encoding: 'utf8', stdio: 'pipe' });
		expect(output).toContain('scan of the tarball: passed');
	});

	it('points "main" only at a file it contains', () => {
		// n8n loads the files listed under "n8n" and never reads "main"; one naming a file the package lacks only misleads.
		if (manifest.main !== undefined) expect(files).toContain(manifest.main.replace(/^\.\//, ''));
	});
});

describe("the repository's code", () => {
	it('imports only Node built-ins and packages package.json declares', () => {
		const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies }));
		const undeclared: string[] = [];
		for (const file of sourceFiles(REPO_ROOT)) {
			// TypeScript's own import scanner: it reads import, export-from, require() and import(), and skips strings and comments.
			const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
			for (const { fileName: specifier } of importedFiles) {
				if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
				if (!declared.has(packageName(specifier))) undeclared.push(`${relative(REPO_ROOT, file)} imports ${specifier}`);
			}
		}
		expect(undeclared).toEqual([]);
	});
});

/**
 * The codex categories n8n's node panel knows: n8n's `valid-codex-categories` lint rule
 * (@n8n/eslint-plugin-community-nodes, `utils/codex-taxonomy.ts`) and the node codex reference on
 * docs.n8n.io. An unknown value does not fail; it silently hides the node from the panel's search.
 */
const N8N_CODEX_CATEGORIES = [
	'AI',
	'Analytics',
	'Communication',
	'Core Nodes',
	'Data & Storage',
	'Developer Tools',
	'Development',
	'ECM',
	'Finance & Accounting',
	'HITL',
	'Marketing & Content',
	'Miscellaneous',
	'Productivity',
	'Sales',
	'Utility',
];

describe('codex files', () => {
	const codexFiles = readdirSync(join(REPO_ROOT, 'nodes'), { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.node.json'));

	it.each(codexFiles)('%s uses only categories n8n knows, and not "AI"', (path) => {
		const { categories } = JSON.parse(readFileSync(join(REPO_ROOT, 'nodes', path), 'utf8')) as { categories: string[] };
		expect(categories.length).toBeGreaterThan(0);
		// "AI" is reserved for nodes built on n8n's AI node SDK (n8n's no-ai-codex-category rule).
		expect(categories.filter((category) => category === 'AI' || !N8N_CODEX_CATEGORIES.includes(category))).toEqual([]);
	});
});
