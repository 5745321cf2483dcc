// Rebuilds test/fixtures/api-versions/<version>.json from the history of Stripe's stripe/openapi
// repository: each snapshot of openapi/fixtures3.json holds Stripe's example objects as the spec
// of that day rendered them, so a few snapshots give real object shapes of older API versions.
// Only the objects the lifecycle code reads are kept. Not run by tests; run it by hand:
//
//   git clone https://github.com/stripe/openapi /tmp/stripe-openapi   (full history)
//   STRIPE_OPENAPI_GIT=/tmp/stripe-openapi/.git node scripts/api-version-corpus.mjs
//
// Why each commit is that version (docs/API_VERSIONS.md repeats it): where the snapshot still
// holds spec3.json or spec3.yaml, its info.version is read and checked; later snapshots are
// dated by the stripe-node release that pinned the version and was generated from them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SNAPSHOTS = [
	{ version: '2019-12-03', commit: 'd236f11f48b54c0179d2fa8a355398e3f6df6c8c', evidence: 'spec3.json info.version' },
	{ version: '2020-03-02', commit: '84af9b11f480afd9974bb57e34ab501c3b7fda80', evidence: 'spec3.json info.version' },
	{ version: '2020-08-27', commit: 'e0123a38b40c8d840b4c0469ac0ee1650b6bfea3', evidence: 'spec3.json info.version' },
	{ version: '2022-11-15', commit: 'a1e2bbd3fdc47d78f13c9eab12a9390c8ceafe49', evidence: 'spec3.yaml info.version' },
	{
		version: '2023-10-16',
		commit: '1846fe4e75212f3efa2c45d03cee3668d3466b16',
		evidence: 'dated 2024-01-19, between stripe-node 14.0.0 (pinned 2023-10-16) and 15.0.0 (2024-04-10); product still has `features`, renamed in 2024-04-10',
	},
	{ version: '2024-06-20', commit: '45d8fdda57a19ca9fa9f7dbb2ed8d1bc76489073', evidence: 'tag v1230, the spec stripe-node 16.9.0 (pinned 2024-06-20) was generated from' },
	{ version: '2025-03-31.basil', commit: 'e732b866bb585e1d6470cfbc64cff42ee7ef2200', evidence: 'tag v1642, OPENAPI_VERSION of stripe-node 18.0.0 (pinned 2025-03-31.basil)' },
	{ version: '2026-07-29.dahlia', commit: 'f0758b15a2cf53779d699452f4ab07d11076af0f', evidence: 'fixture update of the "Update OpenAPI for 2026-07-29.dahlia" release; same file as emulator/fixtures/stripe-objects.json' },
];

const RESOURCES = [
	'subscription',
	'subscription_item',
	'plan',
	'price',
	'product',
	'coupon',
	'discount',
	'invoice',
	'invoice_payment',
	'payment_intent',
	'charge',
	'refund',
	'dispute',
	'customer',
];

const gitDir = process.env.STRIPE_OPENAPI_GIT;
if (!gitDir) {
	console.error('Set STRIPE_OPENAPI_GIT to the git directory of a full clone of https://github.com/stripe/openapi');
	process.exit(2);
}
const git = (...args) =>
	execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
const out = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'api-versions');
mkdirSync(out, { recursive: true });

/** info.version of the snapshot's spec, when the snapshot still has it; null when it does not. */
function specVersion(commit) {
	for (const [path, pattern] of [
		['openapi/spec3.json', /"version":\s*"([^"]+)"/],
		['openapi/spec3.yaml', /^ {2}version: '?([^'\n]+)'?$/m],
	]) {
		try {
			const match = pattern.exec(git('show', `${commit}:${path}`));
			if (match) return match[1];
		} catch {
			// Large blobs may be missing from a partial clone; the evidence then stands alone.
		}
	}
	return null;
}

for (const snapshot of SNAPSHOTS) {
	const read = specVersion(snapshot.commit);
	if (read !== null && read !== snapshot.version) throw new Error(`${snapshot.commit}: spec says ${read}, table says ${snapshot.version}`);
	const all = JSON.parse(git('show', `${snapshot.commit}:openapi/fixtures3.json`)).resources;
	const resources = Object.fromEntries(RESOURCES.filter((name) => name in all).map((name) => [name, all[name]]));
	const date = git('log', '-1', '--format=%cs', snapshot.commit).trim();
	const corpus = {
		apiVersion: snapshot.version,
		source: { repository: 'https://github.com/stripe/openapi', path: 'openapi/fixtures3.json', commit: snapshot.commit, date, evidence: snapshot.evidence },
		resources,
	};
	writeFileSync(join(out, `${snapshot.version}.json`), `${JSON.stringify(corpus, null, '\t')}\n`);
	console.log(`${snapshot.version}: ${Object.keys(resources).length} objects from ${snapshot.commit.slice(0, 10)} (${date})`);
}
