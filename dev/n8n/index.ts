/** Test bed that runs the packed package inside a real n8n; see startN8n(). */
export { ensureN8n, N8N_START_TIMEOUT_MS, N8N_VERSION, type N8nRuntime } from './install';
export {
	startN8n,
	nodesDirectory,
	N8nRestError,
	type CredentialReference,
	type ExecutionDetails,
	type ExecutionSummary,
	type N8nExtraProcess,
	type N8nInstance,
	type N8nOwner,
	type StartN8nOptions,
	type WorkflowDefinition,
} from './instance';
export { declaredTypes, packedFiles, packPackage } from './package';
export { parseFlatted } from './flatted';
export {
	chain,
	importActive,
	lifecycleNode,
	nodeOutput,
	noOperationNode,
	playbookNode,
	sendEmailNode,
	triggerNode,
	webhookNode,
	PLAYBOOK,
	SEND_EMAIL,
	TRIGGER,
} from './workflows';
