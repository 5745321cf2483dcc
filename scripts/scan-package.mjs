// n8n's own gate for community packages: @n8n/scan-community-package lints a package's source
// and its published tarball. Its CLI only downloads from the public registry, so this runs the
// same analysis (its ESLint config, over the files it picks) on our `npm pack` output and on the
// source, and fails on any finding — warnings included, which the scanner itself lets through.
// ESLint expands the scanner's glob patterns itself, so no glob package is needed here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { buildScanConfig, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'stripe-lifecycle-scan-'));
// What the scanner lints in a downloaded tarball: the compiled code and the manifest.
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

async function scan(label, dir, patterns) {
	const eslint = new ESLint({ cwd: dir, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: await buildScanConfig() });
	const results = await eslint.lintFiles(patterns);
	const findings = results.reduce((sum, result) => sum + result.errorCount + result.warningCount, 0);
	if (findings === 0) {
		console.log(`n8n community-package scan of the ${label}: passed (${results.length} files)`);
		return true;
	}
	console.error(`n8n community-package scan of the ${label} failed with ${findings} finding(s):`);
	console.error(await (await eslint.loadFormatter('stylish')).format(results));
	return false;
}

let passed = false;
try {
	// Without the npm_config_* of a calling npm: under `npm publish --dry-run` (prepublishOnly) the
	// inherited dry-run would make this pack write no tarball.
	const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_config_')));
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8', env }).trim().split('\n').pop();
	const unpacked = join(work, 'package');
	mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', join(work, tarball), '-C', unpacked, '--strip-components=1']);

	const source = await scan('source', root, SOURCE_FILE_PATTERNS);
	const packed = await scan('tarball', unpacked, TARBALL_FILE_PATTERNS);
	passed = source && packed;
} finally {
	rmSync(work, { recursive: true, force: true });
}
process.exit(passed ? 0 : 1);
