/**
 * Static checks on templates/*.json that need no n8n: what `n8n import:workflow` and the editor
 * require of a file, plus the package's own promises (sticky notes, our credential on our nodes).
 * test/e2e/templates.test.ts imports the same files into a real n8n.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	connectionPairs,
	nodeNamed,
	PACKAGE_CREDENTIAL_TYPE,
	PACKAGE_NODE_PREFIX,
	readTemplate,
	readTemplates,
	TEMPLATES_DIR,
	templateFileNames,
	type TemplateWorkflow,
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

/** Names of the nodes `name` feeds, over all its outputs. */
function targetsOf(workflow: TemplateWorkflow, name: string): string[] {
	return connectionPairs(workflow.connections)
		.filter(([from]) => from === name)
		.map(([, to]) => to);
}

describe.each(['06-initial-sync-postgres.json', '06-initial-sync-hubspot.json'])('%s, a batched, resumable sync', (file) => {
	const workflow = readTemplate(file);
	const notes = workflow.nodes
		.filter((node) => node.type === 'n8n-nodes-base.stickyNote')
		.map((node) => String(node.parameters.content))
		.join('\n');

	it('starts from its manual trigger or from its own call for the next batch, both through Settings', () => {
		expect(nodeNamed(workflow, 'Start or resume the sync').type).toBe('n8n-nodes-base.manualTrigger');
		expect(nodeNamed(workflow, 'Next batch')).toMatchObject({ type: 'n8n-nodes-base.executeWorkflowTrigger', parameters: { inputSource: 'passthrough' } });
		expect(targetsOf(workflow, 'Start or resume the sync')).toEqual(['Settings']);
		expect(targetsOf(workflow, 'Next batch')).toEqual(['Settings']);
	});

	it('reads one batch per execution, its size from Settings and its cursor from the stored state', () => {
		const batched = workflow.nodes.filter((node) => node.type.startsWith(PACKAGE_NODE_PREFIX));

		expect(batched.length).toBeGreaterThan(0);
		for (const node of batched) {
			expect({ node: node.name, inBatches: node.parameters.inBatches, batchSize: node.parameters.batchSize, returnAll: node.parameters.returnAll }).toEqual({
				node: node.name,
				inBatches: true,
				batchSize: "={{ $('Settings').first().json.batchSize }}",
				returnAll: undefined,
			});
			expect(node.parameters.cursor).toMatch(/^=\{\{.*\$json\.cursor.*\}\}$/);
		}
	});

	it('calls itself for the next batch without waiting, only when the sync is not done', () => {
		const next = nodeNamed(workflow, 'Run the next batch');

		expect(next).toMatchObject({
			type: 'n8n-nodes-base.executeWorkflow',
			parameters: { workflowId: { __rl: true, mode: 'id', value: '={{ $workflow.id }}' }, mode: 'once', options: { waitForSubWorkflow: false } },
		});
		// Only the true output of "More to do?" leads to it.
		expect(workflow.connections['More to do?'].main).toEqual([[{ node: 'Run the next batch', type: 'main', index: 0 }]]);
		expect(connectionPairs(workflow.connections).filter(([, to]) => to === 'Run the next batch')).toEqual([['More to do?', 'Run the next batch']]);
	});

	it('keeps failed executions only, and says so, how to see progress and that it must be published', () => {
		expect(workflow.settings).toMatchObject({ executionOrder: 'v1', saveDataSuccessExecution: 'none', saveDataErrorExecution: 'all' });
		expect(notes).toMatch(/Save successful production executions/);
		expect(notes).toMatch(/\*\*Publish\*\*/);
		expect(notes).toMatch(/rows_done/);
		expect(notes).toMatch(/estimated_total/);
	});
});

describe('06-initial-sync-postgres.json', () => {
	const workflow = readTemplate('06-initial-sync-postgres.json');
	const query = (name: string) => String(nodeNamed(workflow, name).parameters.query);

	it('creates the state table with the cursor and the progress', () => {
		expect(query('Create tables if missing')).toMatch(
			/CREATE TABLE IF NOT EXISTS [^\n]+?\.stripe_sync_state \(\s*name text PRIMARY KEY, cursor text, rows_done bigint[^,]*, estimated_total bigint, percent numeric,\s*done boolean[^,]*, started_at timestamptz[^,]*, updated_at timestamptz/,
		);
	});

	it.each([
		['Store profiles and cursor', 'stripe_customers', 'profiles'],
		['Store activities and cursor', 'stripe_activities', 'activities'],
	])('%s writes the batch and its cursor in one statement, so they commit together', (name, table, state) => {
		const statement = query(name);
		const node = nodeNamed(workflow, name);

		expect(statement).not.toContain(';');
		expect(statement).toContain(`INSERT INTO {{ $('Settings').first().json.schema }}.${table}`);
		expect(statement).toMatch(/jsonb_array_elements\(\$1::jsonb\)/);
		expect(statement).toMatch(new RegExp(`UPDATE [^\\n]+?\\.stripe_sync_state\\s+SET cursor = \\$2, rows_done = \\$3, estimated_total = \\$4, percent = \\$5, done = \\$6[^]*WHERE name = '${state}'`));
		expect((node.parameters.options as { queryReplacement: string }).queryReplacement).toBe(
			"={{ [$json.rowsJson, $json.cursor ?? null, $json.progress.rowsDone, $json.progress.estimatedTotal ?? null, $json.progress.percent ?? null, $json.done, $('Read the sync state').first().json.cursor] }}",
		);
		// The batch's rows arrive as one JSON text: n8n's expression sandbox copies it whole instead of field by field (docs/SYNC.md, "Rows As").
		const batchNode = name === 'Store profiles and cursor' ? 'Get a batch of customer profiles' : 'Get a batch of activities';
		expect(nodeNamed(workflow, batchNode).parameters).toMatchObject({ inBatches: true, rowsAs: 'jsonText' });
		// Compare and set: only while the stored cursor is still the one the batch was read from (test/templates/syncStatePostgres.test.ts runs it).
		expect(statement).toMatch(new RegExp(`WHERE name = '${state}' AND NOT done AND coalesce\\(cursor, ''\\) = \\$7`));
		expect(statement).toMatch(/WHERE EXISTS \(SELECT FROM claimed\)/);
	});

	it('walks profiles first, then activities, restarts a finished sync only when started by hand, and routes nothing when there is nothing to do', () => {
		const read = query('Read the sync state');

		expect(read).toMatch(/WHERE \{\{ \$\('Start or resume the sync'\)\.isExecuted \}\} AND \(SELECT bool_and\(done\) FROM [^\n]+?\.stripe_sync_state/);
		expect(read).toMatch(/ORDER BY name = 'activities'\s+LIMIT 1/);
		// A Switch without a fallback output: the `success` item n8n's Postgres node gives for no row goes nowhere.
		expect(nodeNamed(workflow, 'Profiles or activities?')).toMatchObject({ type: 'n8n-nodes-base.switch', parameters: { options: {} } });
		expect(workflow.connections['Profiles or activities?'].main).toEqual([
			[{ node: 'Get a batch of customer profiles', type: 'main', index: 0 }],
			[{ node: 'Get a batch of activities', type: 'main', index: 0 }],
		]);
		const rules = (nodeNamed(workflow, 'Profiles or activities?').parameters.rules as { values: Array<{ conditions: { conditions: Array<{ leftValue: string; rightValue: string }> } }> }).values;
		expect(rules.map((rule) => rule.conditions.conditions.map(({ leftValue, rightValue }) => [leftValue, rightValue]))).toEqual([
			[['={{ $json.name }}', 'profiles']],
			[['={{ $json.name }}', 'activities']],
		]);
	});
});

describe('06-initial-sync-hubspot.json', () => {
	const workflow = readTemplate('06-initial-sync-hubspot.json');

	it('keeps its cursor in an n8n data table it creates and names, so users need no database and no ids', () => {
		const table = { __rl: true, mode: 'name', value: 'stripe_hubspot_sync' };

		expect(nodeNamed(workflow, 'Create the cursor table if missing').parameters).toMatchObject({ resource: 'table', operation: 'create', tableName: 'stripe_hubspot_sync', options: { createIfNotExists: true } });
		expect(nodeNamed(workflow, 'Read the cursor')).toMatchObject({ alwaysOutputData: true, parameters: { operation: 'get', dataTableId: table } });
		expect(nodeNamed(workflow, 'Store the cursor')).toMatchObject({ executeOnce: true, parameters: { operation: 'upsert', dataTableId: table } });
	});

	it('goes on from a finished sync only when started by hand: a batch the one before it started stops', () => {
		expect(workflow.connections['Read the cursor'].main).toEqual([[{ node: 'Anything to do?', type: 'main', index: 0 }]]);
		expect(workflow.connections['Anything to do?'].main).toEqual([[{ node: 'Get a batch of customer profiles', type: 'main', index: 0 }]]);
		expect(nodeNamed(workflow, 'Anything to do?').parameters).toMatchObject({
			conditions: { conditions: [{ leftValue: "={{ $('Start or resume the sync').isExecuted || $json.done !== true }}", operator: { type: 'boolean', operation: 'true' } }] },
		});
	});

	it('stores the cursor once per batch, after every contact of the batch was written or when there was none', () => {
		// The merge waits for the contacts branch (input 0) and gets the batch itself (input 1) even when that branch is empty.
		expect(workflow.connections['Create or update contact'].main).toEqual([[{ node: 'Wait for the contacts', type: 'main', index: 0 }]]);
		expect(workflow.connections['Get a batch of customer profiles'].main[0]).toEqual(
			expect.arrayContaining([
				{ node: 'Split out the customers', type: 'main', index: 0 },
				{ node: 'Wait for the contacts', type: 'main', index: 1 },
			]),
		);
		expect(nodeNamed(workflow, 'Wait for the contacts').type).toBe('n8n-nodes-base.merge');
		expect(connectionPairs(workflow.connections).filter(([, to]) => to === 'Store the cursor')).toEqual([['Wait for the contacts', 'Store the cursor']]);
	});
});
