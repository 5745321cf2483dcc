// n8n's own gate for community packages: @n8n/scan-community-package lints a package's source
// and its published tarball. Its CLI only downloads from the public registry, so this runs the
// same analysis on our `npm pack` output and on the source, and fails on any finding — warnings
// included, which the scanner itself lets through.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import glob from 'fast-glob';
import {
	analyzePackage,
	buildScanConfig,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'stripe-lifecycle-scan-'));

async function countWarnings(dir, patterns) {
	const eslint = new ESLint({ cwd: dir, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: await buildScanConfig() });
	const files = glob.sync(patterns, { cwd: dir, absolute: true, ignore: ['node_modules/**', '**/package-lock.json'] });
	const results = await eslint.lintFiles(files);
	const formatter = await eslint.loadFormatter('stylish');
	return { warnings: results.reduce((sum, result) => sum + result.warningCount, 0), report: await formatter.format(results) };
}

let failed = false;
try {
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
	const unpacked = join(work, 'package');
	mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', join(work, tarball), '-C', unpacked, '--strip-components=1']);

	for (const [label, dir, patterns] of [
		['source', root, SOURCE_FILE_PATTERNS],
		['tarball', unpacked, ['**/*.js', 'package.json']],
	]) {
		const result = await analyzePackage(dir, patterns);
		const { warnings, report } = await countWarnings(dir, patterns);
		if (!result.passed || warnings > 0) {
			failed = true;
			console.error(`n8n community-package scan of the ${label} failed: ${result.message ?? `${warnings} warning(s)`}`);
			console.error(result.details ?? report);
		} else {
			console.log(`n8n community-package scan of the ${label}: passed`);
		}
	}
} finally {
	rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
