/**
 * Static checks on templates/*.json that need no n8n: what `n8n import:workflow` and the editor
 * require of a file, plus the package's own promises (sticky notes, our credential on our nodes).
 * test/e2e/templates.test.ts imports the same files into a real n8n.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	connectionPairs,
	PACKAGE_CREDENTIAL_TYPE,
	PACKAGE_NODE_PREFIX,
	readTemplate,
	readTemplates,
	TEMPLATES_DIR,
	templateFileNames,
} from './templateFiles';

const templates = readTemplates();

describe('templates/', () => {
	it('holds the templates the README lists, and the README lists every template', () => {
		const readme = readFileSync(join(TEMPLATES_DIR, 'README.md'), 'utf8');
		const files = templateFileNames();

		expect(files.length).toBeGreaterThanOrEqual(10);
		for (const file of files) expect(readme).toContain(`(${file})`);
	});

	it('gives every template a unique workflow id and name, so a CLI import of all of them creates one workflow each', () => {
		const ids = templates.map(({ workflow }) => workflow.id);
		const names = templates.map(({ workflow }) => workflow.name);

		expect(new Set(ids).size).toBe(templates.length);
		expect(new Set(names).size).toBe(templates.length);
		// n8n rejects workflow ids longer than 21 characters (isWorkflowIdValid).
		for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{1,21}$/);
	});
});

describe.each(templates.map(({ file, workflow }) => [file, workflow] as const))('%s', (_file, workflow) => {
	it('has a name, nodes with unique names and ids, and connections', () => {
		expect(workflow.name).toEqual(expect.any(String));
		expect(workflow.nodes.length).toBeGreaterThan(1);
		expect(workflow.connections).toEqual(expect.any(Object));
		const names = workflow.nodes.map((node) => node.name);
		expect(new Set(names).size).toBe(names.length);
		const ids = workflow.nodes.map((node) => node.id);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('connects only nodes that exist, and every working node is connected', () => {
		const names = new Set(workflow.nodes.map((node) => node.name));
		const pairs = connectionPairs(workflow.connections);

		for (const [from, to] of pairs) {
			expect(names).toContain(from);
			expect(names).toContain(to);
		}
		const connected = new Set(pairs.flat());
		const loose = workflow.nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote' && !connected.has(node.name));
		expect(loose.map((node) => node.name)).toEqual([]);
	});

	it('tells the user what to set in at least one sticky note', () => {
		const notes = workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');

		expect(notes.length).toBeGreaterThanOrEqual(1);
		expect(notes.map((note) => String(note.parameters.content)).join('\n')).toMatch(/set up|settings/i);
	});

	it("references this package's credential type on every node of this package", () => {
		const ours = workflow.nodes.filter((node) => node.type.startsWith(PACKAGE_NODE_PREFIX));

		for (const node of ours) {
			expect({ node: node.name, credentials: Object.keys(node.credentials ?? {}) }).toEqual({ node: node.name, credentials: [PACKAGE_CREDENTIAL_TYPE] });
		}
	});

	it('references credentials by name only, so `n8n import:workflow` links the credential of that name and type', () => {
		for (const node of workflow.nodes) {
			for (const credential of Object.values(node.credentials ?? {})) {
				expect(credential).toEqual({ id: null, name: expect.any(String) });
			}
		}
	});
});

describe('09-dashboard-page.json', () => {
	it('forbids framing with X-Frame-Options, and sets no Content-Security-Policy header, which n8n would drop', () => {
		const respond = readTemplate('09-dashboard-page.json').nodes.find((node) => node.type === 'n8n-nodes-base.respondToWebhook')!;
		const { entries } = (respond.parameters.options as { responseHeaders: { entries: Array<{ name: string; value: string }> } }).responseHeaders;
		const headers = new Map(entries.map((header) => [header.name.toLowerCase(), header.value]));

		expect(headers.get('x-frame-options')).toBe('DENY');
		// n8n 2.40.7 drops this header from workflows with a warning per request; the page carries its own policy.
		expect(headers.has('content-security-policy')).toBe(false);
	});
});
