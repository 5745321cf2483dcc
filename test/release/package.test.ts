/**
 * What `npm publish` ships and what the repository's own code may import: the package holds the
 * build, the templates and the three documents users read, and nothing loads a package that a
 * fresh `npm ci` might not install.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { packedFiles } from '../n8n';
import { REPO_ROOT } from '../n8n/package';

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

	it('points "main" only at a file it contains', () => {
		// n8n loads the files listed under "n8n"; a "main" naming a missing file breaks require() of the package.
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
