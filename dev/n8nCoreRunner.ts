/**
 * Runs this package's nodes in-process through n8n-core's real execution engine, the way n8n's own
 * `NodeTestHarness` (packages/core/nodes-testing) does: a `Workflow` of an input node feeding the
 * node under test, executed by `WorkflowExecute.processRunExecutionData`. Parameter defaults and
 * expressions, `getCredentials`, `httpRequestWithAuthentication` (with our credential's
 * `authenticate`), real HTTP, continueOnFail and pairedItem handling are therefore n8n's own code.
 *
 * Stubbed here, because they belong to the n8n server (packages/cli), not to n8n-core:
 * - credential storage and encryption: `HarnessCredentialsHelper` hands out plain data;
 * - the processed-data database behind `checkProcessedAndRecord`: `InMemoryDeduplicator`;
 * - the webhook HTTP server: `TriggerHarness` builds the contexts the server would build.
 */
import { createHash } from 'crypto';

import { DataDeduplicationService, ExecutionLifecycleHooks, HookContext, WebhookContext, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	type DeduplicationItemTypes,
	type DeduplicationScope,
	type ICheckProcessedContextData,
	type ICheckProcessedOptions,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IDataDeduplicator,
	type IDataObject,
	type IDeduplicationOutput,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentials,
	type INodeExecutionData,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type INodeTypeDescription,
	type IWebhookData,
	type IWebhookResponseData,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type WebhookSetupMethodNames,
	type WebhookType,
	type WorkflowActivateMode,
} from 'n8n-workflow';

import { StripeRestrictedKeyApi } from '../credentials/StripeRestrictedKeyApi.credentials';

// n8n-core logs every node error through its ErrorReporter; the error reaches the test anyway.
// Run with N8N_LOG_LEVEL=debug to see the engine's log. (Jest gives each test file its own env.)
process.env.N8N_LOG_LEVEL ??= 'silent';

/** n8n prefixes a community node's name with its package name. */
const PACKAGE_NAME = 'n8n-nodes-stripe-lifecycle';
const INPUT_NODE_TYPE = `${PACKAGE_NAME}-harness.input`;
const INPUT_NODE_NAME = 'Input';
/** The node's name in the workflow; n8n keys node static data as `node:<name>`. */
export const NODE_UNDER_TEST = 'Node Under Test';
const WORKFLOW_ID = 'harness-workflow';
/** Fixed so that getNodeWebhookUrl and node-scoped deduplication stay stable across runs. */
const NODE_ID = 'node-under-test';
const WEBHOOK_ID = '00000000-0000-4000-8000-000000000001';
export const WEBHOOK_BASE_URL = 'https://n8n.example.test/webhook';

/** Every credential type the package ships, so a node can only use what n8n would load. */
const CREDENTIAL_TYPES: ICredentialType[] = [new StripeRestrictedKeyApi()];

export type CredentialsInput = Record<string, ICredentialDataDecryptedObject>;

interface NodeSetup {
	node: INodeType;
	parameters?: INodeParameters;
	/** Keyed by credential type name, e.g. `{ stripeRestrictedKeyApi: emulatorKeyCredential(emulator, key) }` (dev/credentials.ts). */
	credentials?: CredentialsInput;
}

export interface RunNodeOptions extends NodeSetup {
	/** Items the node receives on its first input; plain objects become `{ json }`. Defaults to one empty item, as after a Manual Trigger. */
	input?: Array<INodeExecutionData | IDataObject>;
	continueOnFail?: boolean;
	/** What `getExecutionId()` returns; every execution in n8n has its own. Defaults to '1'. */
	executionId?: string;
}

/**
 * Stands in for n8n's upstream nodes: it emits the test's items unchanged, so the node under test
 * sees a real parent node (for `$('Input')`, `$json` and paired items).
 */
class HarnessInput implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Harness Input',
		name: INPUT_NODE_TYPE,
		group: ['input'],
		version: 1,
		description: 'Emits the items the test supplies',
		defaults: { name: INPUT_NODE_NAME },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

class HarnessNodeTypes implements INodeTypes {
	private readonly types: Record<string, INodeType>;

	constructor(nodeUnderTest: INodeType) {
		this.types = {
			[INPUT_NODE_TYPE]: new HarnessInput(),
			[nodeTypeName(nodeUnderTest)]: nodeUnderTest,
		};
	}

	getByName(nodeType: string): INodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`Unknown node type "${nodeType}" in the test harness`);
		return type;
	}

	getByNameAndVersion(nodeType: string): INodeType {
		return this.getByName(nodeType);
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/**
 * n8n's server-side CredentialsHelper without the database: returns the test's plain credential
 * data (resolved against the credential type's properties, as n8n does) and lets the credential
 * type authenticate each request.
 */
class HarnessCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly credentials: CredentialsInput) {
		super();
	}

	getParentTypes(name: string): string[] {
		return credentialType(name).extends ?? [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = credentialType(typeName);
		if (authenticate === undefined) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		// Generic (declarative) authenticate needs n8n's expression resolution against $credentials;
		// no credential in this package uses it, so fail loudly rather than send unauthenticated.
		throw new Error(`The test harness does not support generic authenticate (credential "${typeName}")`);
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('The test harness stores no encrypted credentials');
	}

	async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, _nodeCredentials: unknown, type: string): Promise<ICredentialDataDecryptedObject> {
		const data = this.credentials[type];
		if (!data) throw new Error(`No "${type}" credential was given to the test harness`);
		// As n8n's CredentialsHelper.applyDefaultsAndOverwrites: defaults filled in, and fields their
		// displayOptions hide are dropped (the API Base URL counts only with its toggle on).
		return NodeHelpers.getNodeParameters(credentialType(type).properties, data as INodeParameters, true, false, null, null) as ICredentialDataDecryptedObject;
	}

	async updateCredentials(): Promise<void> {
		throw new Error('The test harness cannot update credentials');
	}

	async updateCredentialsOauthTokenData(): Promise<void> {
		throw new Error('The test harness cannot update credentials');
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return credentialType(type).properties;
	}
}

/**
 * The server's processed-data store (packages/cli DeduplicationHelper) kept in memory, with the
 * same rules: per workflow and scope, "entries" remembers values up to maxEntries, the "latest"
 * modes remember only the highest number or date seen.
 */
export class InMemoryDeduplicator implements IDataDeduplicator {
	private readonly store = new Map<string, { mode: ICheckProcessedOptions['mode']; entries: string[]; latest?: DeduplicationItemTypes }>();

	async checkProcessedAndRecord(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		contextData: ICheckProcessedContextData,
		options: ICheckProcessedOptions,
	): Promise<IDeduplicationOutput> {
		const key = storeKey(scope, contextData);
		const existing = this.store.get(key);
		if (existing && existing.mode !== options.mode) {
			throw new Error('Deduplication data was originally saved with an incompatible setting of the ‘Keep Items Where’ parameter.');
		}
		const record = existing ?? { mode: options.mode, entries: [] };
		const output: IDeduplicationOutput = { new: [], processed: [] };
		if (options.mode === 'entries') {
			for (const item of items) {
				const hash = createHash('md5').update(item.toString()).digest('base64');
				// Like the server, a first call records everything as new, even repeats within it.
				if (existing && record.entries.includes(hash)) {
					output.processed.push(item);
				} else {
					output.new.push(item);
					record.entries.push(hash);
				}
			}
			if (options.maxEntries) record.entries.splice(0, Math.max(0, record.entries.length - options.maxEntries));
		} else {
			// Every item is compared with the value stored before this call, as the server does.
			const stored = record.latest;
			for (const item of items) {
				const isNew = stored === undefined || isGreater(options.mode, item, stored);
				(isNew ? output.new : output.processed).push(item);
				if (record.latest === undefined || isGreater(options.mode, item, record.latest)) record.latest = item;
			}
		}
		this.store.set(key, record);
		return output;
	}

	async removeProcessed(
		items: DeduplicationItemTypes[],
		scope: DeduplicationScope,
		contextData: ICheckProcessedContextData,
	): Promise<void> {
		const record = this.store.get(storeKey(scope, contextData));
		if (!record) return;
		const hashes = new Set(items.map((item) => createHash('md5').update(item.toString()).digest('base64')));
		record.entries = record.entries.filter((entry) => !hashes.has(entry));
	}

	async clearAllProcessedItems(scope: DeduplicationScope, contextData: ICheckProcessedContextData): Promise<void> {
		this.store.delete(storeKey(scope, contextData));
	}

	async getProcessedDataCount(scope: DeduplicationScope, contextData: ICheckProcessedContextData, options: ICheckProcessedOptions): Promise<number> {
		return options.mode === 'entries' ? (this.store.get(storeKey(scope, contextData))?.entries.length ?? 0) : 0;
	}

	/** Forgets everything, e.g. in `beforeEach`. */
	clear(): void {
		this.store.clear();
	}
}

/**
 * n8n-core reaches the store only through this process-wide singleton, which may be initialised
 * once; Jest gives every test file a fresh module registry, so each file gets its own store.
 */
export const deduplicationStore = new InMemoryDeduplicator();
void DataDeduplicationService.init(deduplicationStore);

/**
 * Runs the node as the second node of a workflow, after an input node that emits `input`.
 * Resolves with the node's items per output; rejects with the error n8n records for the node
 * (a NodeApiError or NodeOperationError when the node throws one).
 */
export async function runNode(options: RunNodeOptions): Promise<INodeExecutionData[][]> {
	const input = (options.input ?? [{}]).map((item) => (isExecutionData(item) ? item : { json: item }));
	const thrown: unknown[] = [];
	const workflow = buildWorkflow(
		{ ...options, node: observeErrors(options.node, thrown) },
		{ continueOnFail: options.continueOnFail, withInput: true },
	);
	const additionalData = buildAdditionalData(options.credentials ?? {}, options.executionId);
	const workflowData: IWorkflowBase = {
		id: WORKFLOW_ID,
		name: workflow.name ?? WORKFLOW_ID,
		active: false,
		activeVersionId: null,
		isArchived: false,
		nodes: Object.values(workflow.nodes),
		connections: workflow.connectionsBySourceNode,
		createdAt: new Date(),
		updatedAt: new Date(),
	};
	additionalData.hooks = new ExecutionLifecycleHooks('manual', additionalData.executionId ?? '1', workflowData);

	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: workflow.getNode(INPUT_NODE_NAME)!, data: { main: [input] }, source: null }],
		},
	});

	const run = await new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
	const { error, runData } = run.data.resultData;
	// A node that failed but continues on fail still has output (n8n passes its input through).
	const output = runData[NODE_UNDER_TEST]?.[0]?.data?.main;
	if (output) return output.map((items) => items ?? []);
	// n8n records a plain copy of the error; the instance the node threw keeps its class for assertions.
	if (thrown.length > 0) throw thrown[thrown.length - 1];
	if (error) throw Object.assign(new Error(error.message), error);
	throw new Error(`n8n did not run "${NODE_UNDER_TEST}"`);
}

/**
 * The node itself, except that whatever its execute() throws is also kept for the caller.
 * Object.create keeps every other member, including n8n's class-node tag, as the node's own.
 */
function observeErrors(node: INodeType, thrown: unknown[]): INodeType {
	const { execute } = node;
	if (!execute) return node;
	const observed: INodeType = Object.create(node);
	observed.execute = async function (this: IExecuteFunctions, ...args: Parameters<typeof execute>) {
		try {
			return await execute.apply(this, args);
		} catch (error) {
			thrown.push(error);
			throw error;
		}
	};
	return observed;
}

/** What a fake express request needs for n8n's webhook context and a Stripe signature check. */
export interface WebhookRequest {
	method?: IHttpRequestMethods;
	headers?: Record<string, string>;
	/** The exact bytes Stripe signed; `body` defaults to their JSON parse. */
	rawBody: Buffer;
	body?: unknown;
	query?: IDataObject;
}

export interface RecordedResponse {
	statusCode: number;
	headers: Record<string, string>;
	body: unknown;
	ended: boolean;
}

export interface WebhookRun {
	result: IWebhookResponseData;
	/** What the node wrote through `getResponseObject()`, for nodes that answer the request themselves. */
	response: RecordedResponse;
}

/**
 * A trigger node inside one long-lived workflow, as n8n keeps it while active: webhook methods and
 * webhook calls share the workflow's static data, which `staticData` exposes.
 */
export class TriggerHarness {
	private readonly workflow: Workflow;
	private readonly additionalData: IWorkflowExecuteAdditionalData;

	constructor(private readonly setup: NodeSetup & { staticData?: IDataObject }) {
		this.workflow = buildWorkflow(setup, { withInput: false, staticData: setup.staticData });
		this.additionalData = buildAdditionalData(setup.credentials ?? {});
	}

	get staticData(): IDataObject {
		return this.workflow.staticData;
	}

	get node(): INode {
		return this.workflow.getNode(NODE_UNDER_TEST)!;
	}

	/** Calls `webhookMethods[webhookName][method]` with n8n's IHookFunctions, as on activation. */
	async runWebhookMethod(
		method: WebhookSetupMethodNames,
		options: { webhookName?: WebhookType; activation?: WorkflowActivateMode } = {},
	): Promise<boolean> {
		const webhookName = options.webhookName ?? 'default';
		const fn = this.setup.node.webhookMethods?.[webhookName]?.[method];
		if (!fn) throw new Error(`The node has no webhookMethods.${webhookName}.${method}`);
		const context = new HookContext(
			this.workflow,
			this.node,
			this.additionalData,
			'trigger',
			options.activation ?? 'activate',
			// n8n registers a test webhook ("listen for test event") with activation 'manual' and isTest, which gives it the webhook-test URL.
			{ ...this.webhookData(webhookName), isTest: options.activation === 'manual' },
		);
		return await fn.call(context);
	}

	/** Calls the node's `webhook()` with n8n's IWebhookFunctions over a fake request and response. */
	async runWebhook(request: WebhookRequest, webhookName: WebhookType = 'default'): Promise<WebhookRun> {
		if (!this.setup.node.webhook) throw new Error('The node has no webhook() method');
		const response = fakeResponse();
		const additionalData: IWorkflowExecuteAdditionalData = {
			...this.additionalData,
			httpRequest: fakeRequest(request) as IWorkflowExecuteAdditionalData['httpRequest'],
			httpResponse: response.express as IWorkflowExecuteAdditionalData['httpResponse'],
		};
		const context = new WebhookContext(this.workflow, this.node, additionalData, 'webhook', this.webhookData(webhookName), [], null);
		const result = await this.setup.node.webhook.call(context);
		return { result, response: response.recorded };
	}

	private webhookData(name: WebhookType): IWebhookData {
		const description = this.setup.node.description.webhooks?.find((webhook) => webhook.name === name);
		if (!description) throw new Error(`The node describes no "${name}" webhook`);
		const resolve = (value: string) => String(this.workflow.expression.getSimpleParameterValue(this.node, value, 'trigger', {}));
		return {
			httpMethod: resolve(description.httpMethod) as IHttpRequestMethods,
			node: NODE_UNDER_TEST,
			path: resolve(description.path),
			webhookDescription: description,
			workflowId: WORKFLOW_ID,
			workflowExecuteAdditionalData: this.additionalData,
			webhookId: WEBHOOK_ID,
		};
	}
}

function buildWorkflow(
	setup: NodeSetup,
	options: { withInput: boolean; continueOnFail?: boolean; staticData?: IDataObject },
): Workflow {
	const type = nodeTypeName(setup.node);
	const credentials: INodeCredentials = {};
	for (const name of Object.keys(setup.credentials ?? {})) credentials[name] = { id: `${name}-id`, name };
	const nodeUnderTest: INode = {
		id: NODE_ID,
		name: NODE_UNDER_TEST,
		type,
		typeVersion: maxVersion(setup.node),
		position: [200, 0],
		parameters: setup.parameters ?? {},
		credentials,
		webhookId: WEBHOOK_ID,
		continueOnFail: options.continueOnFail,
	};
	const input: INode = { id: 'input', name: INPUT_NODE_NAME, type: INPUT_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} };
	return new Workflow({
		id: WORKFLOW_ID,
		name: 'Harness',
		nodes: options.withInput ? [input, nodeUnderTest] : [nodeUnderTest],
		connections: options.withInput
			? { [INPUT_NODE_NAME]: { main: [[{ node: NODE_UNDER_TEST, type: NodeConnectionTypes.Main, index: 0 }]] } }
			: {},
		active: !options.withInput,
		nodeTypes: new HarnessNodeTypes(setup.node),
		staticData: options.staticData,
		settings: { executionOrder: 'v1' },
	});
}

/** Only what n8n-core reads while running a node; the rest belongs to the server and throws if reached. */
function buildAdditionalData(credentials: CredentialsInput, executionId = '1'): IWorkflowExecuteAdditionalData {
	const notInHarness = (what: string) => () => {
		throw new Error(`${what} is not available in the test harness`);
	};
	return {
		credentialsHelper: new HarnessCredentialsHelper(credentials),
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'https://n8n.example.test/rest',
		instanceBaseUrl: 'https://n8n.example.test/',
		formBaseUrl: 'https://n8n.example.test/form',
		formWaitingBaseUrl: 'https://n8n.example.test/form-waiting',
		formTestBaseUrl: 'https://n8n.example.test/form-test',
		webhookBaseUrl: WEBHOOK_BASE_URL,
		webhookWaitingBaseUrl: 'https://n8n.example.test/webhook-waiting',
		webhookTestBaseUrl: 'https://n8n.example.test/webhook-test',
		mcpBaseUrl: 'https://n8n.example.test/mcp',
		mcpTestBaseUrl: 'https://n8n.example.test/mcp-test',
		variables: {},
		executeWorkflow: notInHarness('executeWorkflow'),
		getRunExecutionData: notInHarness('getRunExecutionData'),
		getRuntimeCredential: notInHarness('getRuntimeCredential'),
		startRunnerTask: notInHarness('The task runner'),
		logAiEvent: () => undefined,
	} as unknown as IWorkflowExecuteAdditionalData;
}

function fakeRequest(request: WebhookRequest) {
	const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
	return {
		method: request.method ?? 'POST',
		headers,
		header: (name: string) => headers[name.toLowerCase()],
		rawBody: request.rawBody,
		body: request.body ?? JSON.parse(request.rawBody.toString('utf8')),
		query: request.query ?? {},
		params: {},
	};
}

function fakeResponse() {
	const recorded: RecordedResponse = { statusCode: 200, headers: {}, body: undefined, ended: false };
	const express = {
		status(code: number) {
			recorded.statusCode = code;
			return express;
		},
		setHeader(name: string, value: string) {
			recorded.headers[name.toLowerCase()] = value;
			return express;
		},
		header(name: string, value: string) {
			return express.setHeader(name, value);
		},
		json(body: unknown) {
			recorded.body = body;
			recorded.ended = true;
			return express;
		},
		send(body: unknown) {
			recorded.body = body;
			recorded.ended = true;
			return express;
		},
		end(body?: unknown) {
			if (body !== undefined) recorded.body = body;
			recorded.ended = true;
			return express;
		},
	};
	return { express, recorded };
}

function credentialType(name: string): ICredentialType {
	const type = CREDENTIAL_TYPES.find((candidate) => candidate.name === name);
	if (!type) throw new Error(`Unknown credential type "${name}" in the test harness`);
	return type;
}

function nodeTypeName(node: INodeType): string {
	return `${PACKAGE_NAME}.${node.description.name}`;
}

function maxVersion(node: INodeType): number {
	const { version } = node.description;
	return Array.isArray(version) ? Math.max(...version) : version;
}

function storeKey(scope: DeduplicationScope, contextData: ICheckProcessedContextData): string {
	if (scope === 'node' && !contextData.node) throw new Error("No node information has been provided and so cannot use scope 'node'");
	return `${contextData.workflow.id}|${scope === 'node' ? `n:${contextData.node!.id}` : ''}`;
}

function isGreater(mode: ICheckProcessedOptions['mode'], a: DeduplicationItemTypes, b: DeduplicationItemTypes): boolean {
	const [left, right] = mode === 'latestDate' ? [new Date(a).getTime(), new Date(b).getTime()] : [Number(a), Number(b)];
	if (Number.isNaN(left) || Number.isNaN(right)) throw new Error(`Invalid value for deduplication mode "${mode}"`);
	return left > right;
}

function isExecutionData(item: INodeExecutionData | IDataObject): item is INodeExecutionData {
	return typeof item.json === 'object' && item.json !== null && !Array.isArray(item.json);
}
