/** The importable workflows in templates/, read as users import them. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { IConnections, INode } from 'n8n-workflow';

export const TEMPLATES_DIR = resolve(__dirname, '..', '..', 'templates');
export const PACKAGE_NODE_PREFIX = 'n8n-nodes-stripe-lifecycle.';
export const PACKAGE_CREDENTIAL_TYPE = 'stripeRestrictedKeyApi';

export interface TemplateWorkflow {
	id: string;
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: Record<string, unknown>;
}

export interface TemplateFile {
	file: string;
	workflow: TemplateWorkflow;
}

export function templateFileNames(): string[] {
	return readdirSync(TEMPLATES_DIR)
		.filter((name) => name.endsWith('.json'))
		.sort();
}

export function readTemplate(file: string): TemplateWorkflow {
	return JSON.parse(readFileSync(join(TEMPLATES_DIR, file), 'utf8')) as TemplateWorkflow;
}

export function readTemplates(): TemplateFile[] {
	return templateFileNames().map((file) => ({ file, workflow: readTemplate(file) }));
}

/** Every connection as [from node, to node], over all outputs. */
export function connectionPairs(connections: IConnections): Array<[string, string]> {
	const pairs: Array<[string, string]> = [];
	for (const [from, byType] of Object.entries(connections)) {
		for (const outputs of Object.values(byType)) {
			for (const output of outputs ?? []) {
				for (const target of output ?? []) pairs.push([from, target.node]);
			}
		}
	}
	return pairs;
}

/** The node named `name` in `workflow`; fails the test when there is none. */
export function nodeNamed(workflow: TemplateWorkflow, name: string): INode {
	const node = workflow.nodes.find((candidate) => candidate.name === name);
	if (!node) throw new Error(`${workflow.name} has no node ${name}`);
	return node;
}

export interface TemplateVariant {
	settings?: Record<string, string | number>;
	disable?: string[];
}

/** The template as a user would have it after filling in its Settings node (and disabling the named nodes). */
export function configured(file: string, variant: TemplateVariant): TemplateWorkflow {
	const workflow = readTemplate(file);
	for (const node of workflow.nodes) {
		if (variant.disable?.includes(node.name)) node.disabled = true;
		if (node.name !== 'Settings' || !variant.settings) continue;
		const assignments = (node.parameters.assignments as { assignments: Array<{ name: string; value: unknown }> }).assignments;
		for (const [name, value] of Object.entries(variant.settings)) {
			const assignment = assignments.find((entry) => entry.name === name);
			if (!assignment) throw new Error(`${file} has no setting ${name}`);
			assignment.value = value;
		}
	}
	return workflow;
}
