/**
 * The workflows the end-to-end, reliability and benchmark suites import into n8n, built from the
 * same nodes, and the reading of what a node output in an execution.
 */
import { randomUUID } from 'node:crypto';

import type { IDataObject, INode, INodeParameters } from 'n8n-workflow';

import type { CredentialReference, N8nInstance, WorkflowDefinition } from './instance';

export const TRIGGER = 'Stripe Lifecycle Trigger';
export const PLAYBOOK = 'Stripe Playbook';
export const SEND_EMAIL = 'Send Email';

type Credential = Pick<CredentialReference, 'id' | 'name'>;

const stripeCredentials = (credential: Credential) => ({ stripeRestrictedKeyApi: { id: credential.id, name: credential.name } });

/** `nodes` one after the other, each into the first input of the next. */
export function chain(name: string, nodes: INode[]): WorkflowDefinition {
	const connections: WorkflowDefinition['connections'] = {};
	for (let i = 0; i + 1 < nodes.length; i++) connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	return { name, nodes, connections };
}

/** A Stripe Lifecycle Trigger; `webhookId` names its webhook URL. */
export function triggerNode(credential: Credential, webhookId: string, parameters: INodeParameters): INode {
	return {
		id: randomUUID(),
		name: TRIGGER,
		type: 'n8n-nodes-stripe-lifecycle.stripeLifecycleTrigger',
		typeVersion: 1,
		position: [0, 0],
		webhookId,
		parameters,
		credentials: stripeCredentials(credential),
	};
}

export function noOperationNode(): INode {
	return { id: randomUUID(), name: 'No Operation', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [200, 0], parameters: {} };
}

export function playbookNode(credential: Credential, parameters: INodeParameters): INode {
	return { id: randomUUID(), name: PLAYBOOK, type: 'n8n-nodes-stripe-lifecycle.stripePlaybook', typeVersion: 1, position: [200, 0], parameters, credentials: stripeCredentials(credential) };
}

/** n8n's Send Email node, mailing the Playbook's Send items: recipient and subject come from the item. */
export function sendEmailNode(smtp: Credential, parameters: INodeParameters): INode {
	return {
		id: randomUUID(),
		name: SEND_EMAIL,
		type: 'n8n-nodes-base.emailSend',
		typeVersion: 2.1,
		position: [400, 0],
		parameters: { toEmail: '={{ $json.to }}', subject: '={{ $json.subject }}', options: { appendAttribution: false }, ...parameters },
		credentials: { smtp: { id: smtp.id, name: smtp.name } },
	};
}

/** A Stripe Lifecycle node with one of the package's credentials (the restricted key unless `credentialType` says). */
export function lifecycleNode(credential: Credential, parameters: INodeParameters, credentialType = 'stripeRestrictedKeyApi'): INode {
	return {
		id: randomUUID(),
		name: 'Stripe Lifecycle',
		type: 'n8n-nodes-stripe-lifecycle.stripeLifecycle',
		typeVersion: 1,
		position: [200, 0],
		parameters,
		credentials: { [credentialType]: { id: credential.id, name: credential.name } },
	};
}

/** A production Webhook that answers with the last node's output. */
export function webhookNode(path: string): INode {
	return {
		id: randomUUID(),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', responseData: 'allEntries', options: {} },
	};
}

/** Imports `workflow` and publishes it; its id. */
export async function importActive(n8n: N8nInstance, workflow: WorkflowDefinition): Promise<string> {
	const workflowId = await n8n.importWorkflow(workflow);
	await n8n.activateWorkflow(workflowId);
	return workflowId;
}

/** The items `node` output in one execution, one list per output. */
export async function nodeOutput(n8n: N8nInstance, executionId: string, node: string): Promise<IDataObject[][]> {
	const details = await n8n.getExecution(executionId);
	return (details.data.resultData.runData[node]?.[0]?.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json));
}
