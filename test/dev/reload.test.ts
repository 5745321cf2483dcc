/**
 * `npm run dev` reloads the package on change: the dev stack runs on free ports over a copy of the
 * package's sources, a node's description is edited and saved there, and the same running n8n serves
 * the new description to the editor.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8N_START_TIMEOUT_MS } from '../../dev/n8n';
import { REPO_ROOT } from '../../dev/n8n/package';
import { startDevStack, type DevStack } from '../../dev/stack';

const PLAYBOOK = 'n8n-nodes-stripe-lifecycle.stripePlaybook';
const RELOAD_TIMEOUT_MS = 60_000;

let root: string;
let stack: DevStack | undefined;
const log: string[] = [];

beforeAll(async () => {
	root = mkdtempSync(join(tmpdir(), 'dev-reload-'));
	for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'gulpfile.js', 'icons', 'nodes', 'credentials']) {
		cpSync(join(REPO_ROOT, entry), join(root, entry), { recursive: true });
	}
	symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
	stack = await startDevStack({
		emulatorPort: 0,
		inboxPort: 0,
		smtpPort: 0,
		fresh: true,
		userFolder: join(root, '.n8n-dev'),
		packageRoot: root,
		log: (message) => log.push(message),
	});
}, N8N_START_TIMEOUT_MS);

afterAll(async () => {
	await stack?.stop();
	rmSync(root, { recursive: true, force: true });
});

async function playbookDisplayName(): Promise<string | undefined> {
	const types = await stack!.n8n.typeDescriptions<{ name: string; displayName: string }>('nodes');
	return types.find((type) => type.name === PLAYBOOK)?.displayName;
}

it('serves a node description edited and saved in the sources without restarting n8n', async () => {
	expect(await playbookDisplayName()).toBe('Stripe Playbook');

	const source = join(root, 'nodes', 'StripePlaybook', 'StripePlaybook.node.ts');
	const text = readFileSync(source, 'utf8');
	expect(text).toContain("displayName: 'Stripe Playbook',");
	writeFileSync(source, text.replace("displayName: 'Stripe Playbook',", "displayName: 'Stripe Playbook (edited)',"));

	const deadline = Date.now() + RELOAD_TIMEOUT_MS;
	let shown = await playbookDisplayName();
	while (shown !== 'Stripe Playbook (edited)' && Date.now() < deadline) {
		await new Promise((done) => setTimeout(done, 500));
		shown = await playbookDisplayName();
	}
	expect(shown).toBe('Stripe Playbook (edited)');
	// One n8n start, and n8n's own reload did it.
	expect(stack!.n8n.logs().split('Editor is now accessible via').length - 1).toBe(1);
	expect(stack!.n8n.logs()).toContain('Hot reload triggered for n8n-nodes-stripe-lifecycle');
	// The first build and the one the edit started.
	expect(log.filter((line) => /^\[tsc\] .*Found 0 errors\. Watching for file changes\.$/.test(line)).length).toBeGreaterThanOrEqual(2);
}, RELOAD_TIMEOUT_MS + 30_000);
