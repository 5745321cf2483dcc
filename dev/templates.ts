/**
 * Imports the package's workflow templates (templates/*.json, n8n's export format) into the dev n8n,
 * with their credential references pointed at the dev credentials, so each one opens ready to run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INode } from 'n8n-workflow';
import type { CredentialReference, N8nInstance, WorkflowDefinition } from './n8n';

/** Credential type → the dev credential every node of a template that uses that type gets. */
export type DevCredentials = Partial<Record<string, CredentialReference>>;

export interface TemplateImport {
	file: string;
	name: string;
	/** Absent when a workflow of that name already existed and was left as it is. */
	workflowId?: string;
}

/** Points each credential reference whose type has a dev credential at it; other references stay. */
export function withDevCredentials(nodes: INode[], credentials: DevCredentials): INode[] {
	return nodes.map((node) => {
		if (!node.credentials) return node;
		const rewritten = Object.fromEntries(
			Object.entries(node.credentials).map(([type, reference]) => {
				const dev = credentials[type];
				return [type, dev ? { id: dev.id, name: dev.name } : reference];
			}),
		);
		return { ...node, credentials: rewritten };
	});
}

/**
 * Imports every templates/*.json (none is fine) as an inactive workflow. A workflow whose name already
 * exists is skipped, so edits made in the kept dev instance survive a restart; start fresh to re-import.
 */
export async function importTemplates(n8n: N8nInstance, templatesDir: string, credentials: DevCredentials): Promise<TemplateImport[]> {
	let files: string[];
	try {
		files = readdirSync(templatesDir).filter((file) => file.endsWith('.json')).sort();
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw error;
	}
	const existing = new Set((await n8n.rest<Array<{ name: string }>>('GET', '/workflows')).map((workflow) => workflow.name));
	const imports: TemplateImport[] = [];
	for (const file of files) {
		const template = JSON.parse(readFileSync(join(templatesDir, file), 'utf8')) as WorkflowDefinition;
		if (existing.has(template.name)) {
			imports.push({ file, name: template.name });
			continue;
		}
		// Only what POST /workflows accepts: an export's id, tags and meta would be rejected or collide.
		const workflowId = await n8n.importWorkflow({
			name: template.name,
			nodes: withDevCredentials(template.nodes, credentials),
			connections: template.connections,
			settings: template.settings,
		});
		imports.push({ file, name: template.name, workflowId });
	}
	return imports;
}
