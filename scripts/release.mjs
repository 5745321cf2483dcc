// `npm run release -- <patch|minor|major|x.y.z>`: checks what publishing will check, names the
// version in package.json and CHANGELOG.md, commits, tags v<version> and pushes commit and tag.
// The tag starts .github/workflows/publish.yml, which tests and publishes with a provenance
// statement: n8n verifies community nodes only when GitHub Actions published them, so nothing is
// published from this machine. Runs in the current directory, the package's root under npm run.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const USAGE = 'usage: npm run release -- <patch|minor|major|x.y.z>';
const UNRELEASED = /^## Unreleased\n([\s\S]*?)(?=^## |(?![\s\S]))/m;

function fail(message) {
	console.error(`release: ${message}`);
	process.exit(1);
}

function git(...args) {
	return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function check(script) {
	try {
		execFileSync('npm', ['run', script], { stdio: 'inherit' });
	} catch {
		fail(`npm run ${script} failed (output above): fix it, commit, then release`);
	}
}

const [bump, ...extra] = process.argv.slice(2);
if (extra.length > 0 || !/^(patch|minor|major|\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$/.test(bump ?? '')) fail(USAGE);
if (git('status', '--porcelain') !== '') fail('the working tree has uncommitted changes: commit or stash them, then release');
const changelog = readFileSync('CHANGELOG.md', 'utf8');
if (!UNRELEASED.exec(changelog)?.[1].trim()) fail('CHANGELOG.md has nothing under "## Unreleased": write down what changed, commit, then release');

// A tag cannot be taken back once pushed: fail here rather than in the publish workflow.
check('build');
check('prepublishOnly');

// --allow-same-version: the first release publishes the version package.json already names.
const version = execFileSync('npm', ['version', bump, '--no-git-tag-version', '--allow-same-version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
const tag = `v${version}`;
if (git('tag', '--list', tag) !== '') {
	git('checkout', '--', '.');
	fail(`tag ${tag} already exists: pick another version`);
}
const date = new Date().toISOString().slice(0, 10);
writeFileSync('CHANGELOG.md', changelog.replace(/^## Unreleased$/m, `## Unreleased\n\n## ${version} - ${date}`));

git('add', 'package.json', 'CHANGELOG.md', ...(existsSync('package-lock.json') ? ['package-lock.json'] : []));
git('commit', '--quiet', '-m', `Release ${version}`);
git('tag', '--annotate', tag, '-m', tag);
try {
	git('push', '--atomic', 'origin', 'HEAD', `refs/tags/${tag}`);
} catch (error) {
	// Atomic: neither commit nor tag reached the remote. Undo both so a pull and a rerun start clean.
	git('tag', '--delete', tag);
	git('reset', '--quiet', '--hard', 'HEAD~1');
	fail(`git push failed, nothing was released and the release commit is undone:\n${error.stderr || error.message}`);
}
console.log(`release: pushed ${tag}; .github/workflows/publish.yml tests and publishes it`);
