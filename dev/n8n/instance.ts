import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
	ExecutionStatus,
	ICredentialDataDecryptedObject,
	IConnections,
	INode,
	IRunExecutionData,
	IWorkflowSettings,
} from 'n8n-workflow';
import { parseFlatted } from './flatted';
import { ensureN8n, progress, type N8nRuntime } from './install';
import { packPackage, REPO_ROOT } from './package';
import { cleanNpmEnv, runCommand } from './run-command';

export interface StartN8nOptions {
	/** Added to (and overriding) the harness's environment, e.g. DB_TYPE=postgresdb or EXECUTIONS_MODE=queue. */
	env?: Record<string, string>;
	/** The package tarball installed into `.n8n/nodes`; defaults to packing this repository. */
	tarball?: string;
	/**
	 * false: install nothing, the caller keeps the package in `nodesDirectory(userFolder)/node_modules`
	 * itself (`npm run dev`'s watch build writes it there). Default true.
	 */
	installPackage?: boolean;
	/** How long n8n may take to report ready, per start. */
	startTimeoutMs?: number;
	/** Port for the editor and webhooks (e.g. a fixed one for `npm run dev`); a free one by default. */
	port?: number;
	/**
	 * Use this user folder instead of a fresh temp one, and keep it: stop() deletes only folders the harness
	 * created, so the owner, credentials and workflows survive into the next start (`npm run dev`).
	 */
	userFolder?: string;
	/** The owner account: set up on first start, logged in on later starts of a kept user folder. */
	owner?: N8nOwner;
}

export interface N8nOwner {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export interface WorkflowDefinition {
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowSettings;
}

export interface CredentialReference {
	id: string;
	name: string;
	type: string;
}

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	status: ExecutionStatus;
	mode: string;
	startedAt: string | null;
	stoppedAt: string | null;
}

export interface ExecutionDetails extends ExecutionSummary {
	finished: boolean;
	/** Decoded from the flatted string n8n stores. */
	data: IRunExecutionData;
}

export interface N8nInstance {
	/** Base URL without trailing slash, e.g. http://127.0.0.1:41234. */
	readonly url: string;
	/** SIGTERM, waits for n8n and its task runner to exit, then deletes the user folder (unless it was given). Call it in afterAll. */
	stop(): Promise<void>;
	/** SIGKILL to n8n's whole process group, keeping the user folder: a crash, for recovery tests. */
	kill(): Promise<void>;
	/**
	 * Stops n8n gracefully if it runs, starts it again on the same port and user folder, and logs in.
	 * Published workflows come back through n8n's own reconciler, which runs after n8n reports ready,
	 * so a webhook may answer 404 "not registered" for a moment after this resolves.
	 * `whileStopped` runs between the stop and the start: downtime, e.g. Stripe delivering to a dead port.
	 */
	restart(whileStopped?: () => Promise<void>): Promise<void>;
	/** Everything n8n wrote to stdout and stderr since the first start, e.g. to assert no secret leaked. */
	logs(): string;
	/** Authenticated call to n8n's internal REST API; `path` is relative to /rest. Returns the unwrapped `data`. */
	rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
	/** A GET as the logged-in browser would send it, with every cookie n8n set (e.g. OAuth's browser binding). */
	browse(url: string): Promise<Response>;
	createCredential(type: string, name: string, data: ICredentialDataDecryptedObject): Promise<CredentialReference>;
	/** Creates the workflow (inactive) and returns its id. */
	importWorkflow(workflow: WorkflowDefinition): Promise<string>;
	/** Publishes the workflow's current version and waits until n8n reports its triggers live. */
	activateWorkflow(workflowId: string): Promise<void>;
	/** Unpublishes the workflow and waits until its triggers are gone. */
	deactivateWorkflow(workflowId: string): Promise<void>;
	/**
	 * Runs the stored workflow from `triggerNode` as the editor's *Execute workflow* button does: a manual
	 * execution in this n8n process (unlike `runCli(['execute', …])`, whose process exits when its
	 * execution ends, taking any sub-workflow it started without waiting along). Resolves with the id once
	 * it started.
	 */
	runManually(workflowId: string, triggerNode: string): Promise<string>;
	/** The workflow's executions, oldest first. */
	listExecutions(workflowId: string): Promise<ExecutionSummary[]>;
	getExecution(executionId: string): Promise<ExecutionDetails>;
	/** Waits until the workflow has at least `count` finished executions and returns them, oldest first. */
	waitForExecutions(workflowId: string, count: number, timeoutMs?: number): Promise<ExecutionSummary[]>;
	/** Names of all loaded node types, e.g. `n8n-nodes-base.webhook`. */
	nodeTypes(): Promise<string[]>;
	/** The full descriptions the editor loads (/types/nodes.json lists a versioned node once per version). */
	typeDescriptions<T = { name: string }>(file: 'nodes' | 'credentials'): Promise<T[]>;
	/** Names of all loaded credential types. */
	credentialTypes(): Promise<string[]>;
	/** Production URL of an active workflow's Webhook node with this path. */
	webhookUrl(path: string): string;
	/** Test URL, live only while the editor listens for a test event. */
	testWebhookUrl(path: string): string;
	/**
	 * Runs an n8n CLI command (e.g. `import:workflow --input=file.json`, `execute --id=…`) against this instance's
	 * user folder and database, and resolves with its stdout; rejects with the output's tail on a non-zero exit.
	 */
	runCli(args: string[]): Promise<string>;
	/**
	 * Starts another n8n process of this instance for queue mode (`worker`, or `webhook` for a webhook
	 * processor) with the same user folder, database, encryption key and environment plus `env`, on its own
	 * free port (the webhook server's, or the worker's health check), and waits until it reports ready.
	 * stop() stops these first. Needs the instance started with DB_TYPE=postgresdb and EXECUTIONS_MODE=queue.
	 */
	startProcess(command: 'worker' | 'webhook', env?: Record<string, string>): Promise<N8nExtraProcess>;
}

/** A worker or webhook processor started by startProcess(). */
export interface N8nExtraProcess {
	readonly command: 'worker' | 'webhook';
	/** Base URL of its HTTP server: the webhook server, or the worker's health check. */
	readonly url: string;
	/** SIGTERM and wait (graceful); SIGKILL after the stop timeout. */
	stop(): Promise<void>;
	/** SIGKILL to its process group: a crash. */
	kill(): Promise<void>;
	logs(): string;
}

export class N8nRestError extends Error {
	constructor(
		readonly method: string,
		readonly path: string,
		readonly status: number,
		readonly body: string,
	) {
		super(`n8n ${method} ${path} answered ${status}: ${body.slice(0, 500)}`);
	}
}

const DEFAULT_START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 250;
const DEFAULT_EXECUTIONS_TIMEOUT_MS = 30_000;
const PUBLICATION_TIMEOUT_MS = 30_000;
const TYPES_REWRITE_TIMEOUT_MS = 10_000;
const LOG_TAIL_CHARS = 3000;
const FINISHED_STATUSES: ReadonlySet<ExecutionStatus> = new Set<ExecutionStatus>(['success', 'error', 'crashed', 'canceled']);
/** Inherited variables that would silently change the n8n under test (a CI's DB_TYPE, jest's NODE_ENV=test). */
const INHERITED_ENV_TO_DROP = /^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|NODE_ENV$|NODE_OPTIONS$)/;

/** Starts a Node script (n8n, a watch build) and kills it with its children if the process that started it
 * dies; see the script's header. From the repository, not __dirname: tsc does not copy it next to the
 * harness compiled for `npm run dev`. */
export const WATCHDOG = join(REPO_ROOT, 'dev', 'n8n', 'n8n-watchdog.cjs');

function signalProcessGroup(processGroup: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-processGroup, signal);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
	}
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function freeLoopbackPort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}

interface PublicationStatus {
	status: 'not_published' | 'in_progress' | 'published' | 'partial' | 'failed';
	liveVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage: string | null }>;
}

/**
 * One n8n command (`start`, `worker`, `webhook`) under the watchdog in its own process group, its output
 * collected, ready once `readinessUrl` answers 2xx.
 */
class SupervisedN8n {
	private child: ChildProcess | undefined;
	private exited: Promise<void> = Promise.resolve();

	constructor(
		private readonly runtime: N8nRuntime,
		private readonly userFolder: string,
		private readonly command: string,
		private readonly env: NodeJS.ProcessEnv,
		private readonly readinessUrl: string,
		private readonly startTimeoutMs: number,
		private readonly output: string[],
	) {}

	async start(): Promise<void> {
		const child = spawn(this.runtime.nodeBinary, [WATCHDOG, this.runtime.n8nEntryPoint, this.command], {
			cwd: this.userFolder,
			env: this.env,
			// Own process group, so kill() also reaches the task runner n8n spawns.
			detached: true,
			// stdin stays open for the watchdog: it ends only when this process dies.
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		this.child = child;
		const processGroup = child.pid;
		if (processGroup === undefined) throw new Error(`could not start ${this.runtime.nodeBinary}`);
		this.exited = new Promise((done) =>
			child.once('exit', () => {
				child.stdin?.destroy();
				// Whatever of the group is left (a task runner orphaned by SIGKILL) must not outlive the instance.
				signalProcessGroup(processGroup, 'SIGKILL');
				done();
			}),
		);
		for (const stream of [child.stdout, child.stderr]) {
			// Decoded per stream, so a character split across two chunks is not garbled.
			stream?.setEncoding('utf8').on('data', (text: string) => this.output.push(text));
		}
		await this.waitUntilReady(child);
	}

	private async waitUntilReady(child: ChildProcess): Promise<void> {
		const deadline = Date.now() + this.startTimeoutMs;
		while (Date.now() < deadline) {
			if (child.exitCode !== null || child.signalCode !== null) {
				throw new Error(`n8n ${this.command} exited while starting (${child.exitCode ?? child.signalCode}):\n${this.logTail()}`);
			}
			try {
				// Readiness (DB migrated and every REST controller mounted), not /healthz, which answers during migrations.
				if ((await fetch(this.readinessUrl)).ok) return;
			} catch {
				// not listening yet
			}
			await sleep(POLL_INTERVAL_MS);
		}
		throw new Error(`n8n ${this.command} was not ready within ${this.startTimeoutMs} ms:\n${this.logTail()}`);
	}

	private logTail(): string {
		return this.output.join('').slice(-LOG_TAIL_CHARS);
	}

	async stop(): Promise<void> {
		const child = this.child;
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		child.kill('SIGTERM');
		let stopTimer: NodeJS.Timeout | undefined;
		const stopped = await Promise.race([
			this.exited.then(() => true),
			new Promise<boolean>((done) => (stopTimer = setTimeout(() => done(false), STOP_TIMEOUT_MS))),
		]);
		clearTimeout(stopTimer);
		if (!stopped) {
			progress(`n8n ${this.command} did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM; killing it`);
			await this.kill();
		}
	}

	async kill(): Promise<void> {
		const child = this.child;
		if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
		signalProcessGroup(child.pid, 'SIGKILL');
		await this.exited;
	}
}

class N8nProcess implements N8nInstance {
	readonly url: string;
	/** n8n 2.x binds the auth cookie to this header (a hash in the JWT) and rejects requests without it. */
	private readonly browserId = randomBytes(16).toString('hex');
	/** Every cookie n8n set, by name: the session and, during OAuth, the browser binding. */
	private readonly cookies = new Map<string, string>();
	private readonly output: string[] = [];
	private readonly main: SupervisedN8n;
	private readonly extraProcesses: SupervisedN8n[] = [];

	constructor(
		private readonly runtime: N8nRuntime,
		private readonly userFolder: string,
		private readonly ownsUserFolder: boolean,
		private readonly owner: N8nOwner,
		private readonly env: NodeJS.ProcessEnv,
		port: number,
		private readonly startTimeoutMs: number,
	) {
		this.url = `http://127.0.0.1:${port}`;
		this.main = new SupervisedN8n(runtime, userFolder, 'start', env, `${this.url}/healthz/readiness`, startTimeoutMs, this.output);
	}

	start(): Promise<void> {
		return this.main.start();
	}

	/** Creates the owner unless a kept user folder already has one. */
	async setUpOwner(): Promise<void> {
		const settings = await this.rest<{ userManagement: { showSetupOnFirstLoad?: boolean } }>('GET', '/settings');
		if (settings.userManagement.showSetupOnFirstLoad === false) return;
		await this.rest('POST', '/owner/setup', this.owner);
	}

	async login(): Promise<void> {
		await this.rest('POST', '/login', { emailOrLdapLoginId: this.owner.email, password: this.owner.password });
	}

	async stop(): Promise<void> {
		await this.stopProcess();
		if (this.ownsUserFolder) rmSync(this.userFolder, { recursive: true, force: true });
	}

	/** Workers and webhook processors first: they need the main process's database and queue to shut down cleanly. */
	private async stopProcess(): Promise<void> {
		await Promise.all(this.extraProcesses.splice(0).map((extra) => extra.stop()));
		await this.main.stop();
	}

	async kill(): Promise<void> {
		await this.main.kill();
	}

	async restart(whileStopped?: () => Promise<void>): Promise<void> {
		await this.stopProcess();
		await whileStopped?.();
		await this.start();
		await this.login();
	}

	logs(): string {
		return this.output.join('');
	}

	private async request(url: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
		const response = await fetch(url, {
			method: init.method ?? 'GET',
			headers: {
				'content-type': 'application/json',
				'browser-id': this.browserId,
				...(this.cookies.size ? { cookie: [...this.cookies.values()].join('; ') } : {}),
			},
			body: init.body === undefined ? undefined : JSON.stringify(init.body),
		});
		// Login and owner setup issue the session cookie (n8n refreshes it later); OAuth adds its binding cookie.
		for (const setCookie of response.headers.getSetCookie()) {
			const pair = setCookie.split(';')[0];
			this.cookies.set(pair.split('=')[0], pair);
		}
		return response;
	}

	async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		const response = await this.request(`${this.url}/rest${path}`, { method, body });
		const text = await response.text();
		if (!response.ok) throw new N8nRestError(method, path, response.status, text);
		return (text ? (JSON.parse(text) as { data: T }).data : undefined) as T;
	}

	async browse(url: string): Promise<Response> {
		return await this.request(url);
	}

	async createCredential(type: string, name: string, data: ICredentialDataDecryptedObject): Promise<CredentialReference> {
		const created = await this.rest<CredentialReference>('POST', '/credentials', { type, name, data });
		return { id: created.id, name: created.name, type: created.type };
	}

	async importWorkflow(workflow: WorkflowDefinition): Promise<string> {
		const created = await this.rest<{ id: string }>('POST', '/workflows', {
			...workflow,
			settings: workflow.settings ?? { executionOrder: 'v1' },
		});
		return created.id;
	}

	/**
	 * n8n 2.x "publishes" a version (POST /activate needs the versionId) and, with its default publication
	 * service, registers the triggers asynchronously: a webhook can 404 for a moment after /activate returns.
	 */
	async activateWorkflow(workflowId: string): Promise<void> {
		const { versionId } = await this.rest<{ versionId: string }>('GET', `/workflows/${workflowId}`);
		await this.rest('POST', `/workflows/${workflowId}/activate`, { versionId });
		await this.waitForPublication(workflowId, (publication) => {
			if (publication.status === 'partial' || publication.status === 'failed') {
				const errors = publication.triggers.map((trigger) => trigger.errorMessage).filter(Boolean);
				throw new Error(`activating workflow ${workflowId} ${publication.status}: ${errors.join('; ')}`);
			}
			return publication.status === 'published' && publication.liveVersionId === versionId;
		});
	}

	async deactivateWorkflow(workflowId: string): Promise<void> {
		await this.rest('POST', `/workflows/${workflowId}/deactivate`, {});
		await this.waitForPublication(workflowId, (publication) => publication.status === 'not_published');
	}

	private async waitForPublication(workflowId: string, isSettled: (publication: PublicationStatus) => boolean): Promise<void> {
		const deadline = Date.now() + PUBLICATION_TIMEOUT_MS;
		let publication: PublicationStatus | undefined;
		while (Date.now() < deadline) {
			try {
				publication = await this.rest<PublicationStatus>('GET', `/workflows/${workflowId}/publication-status`);
			} catch (error) {
				// With N8N_USE_WORKFLOW_PUBLICATION_SERVICE=false activation is synchronous and this endpoint is 404.
				if (error instanceof N8nRestError && error.status === 404) return;
				throw error;
			}
			if (isSettled(publication)) return;
			await sleep(POLL_INTERVAL_MS);
		}
		throw new Error(`workflow ${workflowId} publication did not settle: ${JSON.stringify(publication)}`);
	}

	async runManually(workflowId: string, triggerNode: string): Promise<string> {
		const started = await this.rest<{ executionId: string }>('POST', `/workflows/${workflowId}/run`, { triggerToStartFrom: { name: triggerNode } });
		return started.executionId;
	}

	async listExecutions(workflowId: string): Promise<ExecutionSummary[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const page = await this.rest<{ results: ExecutionSummary[] }>('GET', `/executions?filter=${filter}&limit=250`);
		return page.results.sort((a, b) => Number(a.id) - Number(b.id));
	}

	async getExecution(executionId: string): Promise<ExecutionDetails> {
		const stored = await this.rest<Omit<ExecutionDetails, 'data'> & { data: string }>('GET', `/executions/${executionId}`);
		return { ...stored, data: parseFlatted(stored.data) as IRunExecutionData };
	}

	async waitForExecutions(workflowId: string, count: number, timeoutMs = DEFAULT_EXECUTIONS_TIMEOUT_MS): Promise<ExecutionSummary[]> {
		const deadline = Date.now() + timeoutMs;
		let finished: ExecutionSummary[] = [];
		while (Date.now() < deadline) {
			finished = (await this.listExecutions(workflowId)).filter((execution) => FINISHED_STATUSES.has(execution.status));
			if (finished.length >= count) return finished;
			await sleep(POLL_INTERVAL_MS);
		}
		throw new Error(`workflow ${workflowId} has ${finished.length} finished executions after ${timeoutMs} ms, expected ${count}`);
	}

	async typeDescriptions<T = { name: string }>(file: 'nodes' | 'credentials'): Promise<T[]> {
		// n8n serves these as static files that its FrontendService.writeStaticJSON rewrites in place (truncate,
		// then stream; not write-and-rename) after start and on every hot reload, so a read in that window can get
		// a cut-off file: read again until it parses, as the editor's next load would.
		const deadline = Date.now() + TYPES_REWRITE_TIMEOUT_MS;
		for (;;) {
			const response = await this.request(`${this.url}/types/${file}.json`);
			const text = await response.text();
			if (!response.ok) throw new N8nRestError('GET', `/types/${file}.json`, response.status, text);
			try {
				return JSON.parse(text) as T[];
			} catch (error) {
				if (!(error instanceof SyntaxError) || Date.now() >= deadline) throw error;
				await sleep(POLL_INTERVAL_MS);
			}
		}
	}

	private async typeNames(file: 'nodes' | 'credentials'): Promise<string[]> {
		const types = await this.typeDescriptions(file);
		// nodes.json lists a versioned node once per version.
		return [...new Set(types.map((type) => type.name))];
	}

	nodeTypes(): Promise<string[]> {
		return this.typeNames('nodes');
	}

	credentialTypes(): Promise<string[]> {
		return this.typeNames('credentials');
	}

	webhookUrl(path: string): string {
		return `${this.url}/webhook/${path}`;
	}

	testWebhookUrl(path: string): string {
		return `${this.url}/webhook-test/${path}`;
	}

	async runCli(args: string[]): Promise<string> {
		// Commands that run workflows (execute) start their own task-runner broker; the instance holds its port.
		const env = { ...this.env, N8N_RUNNERS_BROKER_PORT: String(await freeLoopbackPort()) };
		return await runCommand(this.runtime.nodeBinary, [this.runtime.n8nEntryPoint, ...args], { cwd: this.userFolder, env });
	}

	async startProcess(command: 'worker' | 'webhook', env: Record<string, string> = {}): Promise<N8nExtraProcess> {
		const port = await freeLoopbackPort();
		const url = `http://127.0.0.1:${port}`;
		const output: string[] = [];
		const extra = new SupervisedN8n(
			this.runtime,
			this.userFolder,
			command,
			{
				...this.env,
				// The webhook server listens on N8N_PORT; a worker answers health checks on its own port.
				N8N_PORT: String(port),
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(port),
				N8N_RUNNERS_BROKER_PORT: String(await freeLoopbackPort()),
				...env,
			},
			`${url}/healthz/readiness`,
			this.startTimeoutMs,
			output,
		);
		this.extraProcesses.push(extra);
		await extra.start();
		return { command, url, stop: () => extra.stop(), kill: () => extra.kill(), logs: () => output.join('') };
	}
}

function n8nEnvironment(runtime: N8nRuntime, userFolder: string, port: number, brokerPort: number, extra: Record<string, string>): NodeJS.ProcessEnv {
	const inherited = Object.fromEntries(Object.entries(cleanNpmEnv(runtime.nodeBinDir)).filter(([key]) => !INHERITED_ENV_TO_DROP.test(key)));
	return {
		...inherited,
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `http://127.0.0.1:${port}/`,
		DB_TYPE: 'sqlite',
		// Everything that would call n8n's cloud: the machine has no internet, and tests must not phone home.
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DISABLED_MODULES: 'mcp-registry',
		// Loads packages found in .n8n/nodes/node_modules; never reinstall from the registry.
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		// The JS task runner runs as a child process talking to a broker on its own port (fixed 5679 by default).
		N8N_RUNNERS_MODE: 'internal',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		// No Python runner is installed; without this n8n tries to start one and logs an error.
		N8N_PYTHON_ENABLED: 'false',
		...extra,
	};
}

/** Where n8n looks for community packages (in its node_modules) in this user folder. */
export function nodesDirectory(userFolder: string): string {
	return join(userFolder, '.n8n', 'nodes');
}

/** Installs the tarball the way n8n's docs describe a manual community-node install. */
async function installPackageIntoUserFolder(userFolder: string, tarball: string): Promise<void> {
	const nodesDir = nodesDirectory(userFolder);
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }));
	// --legacy-peer-deps: npm would otherwise install the peer n8n-workflow (130 packages, 140 MB) next to the
	// package, which would then load that copy instead of n8n's own (its error classes fail n8n's instanceof
	// checks). n8n's in-app installer avoids the same by deleting peerDependencies before `npm install`.
	await runCommand('npm', ['install', tarball, '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund'], {
		cwd: nodesDir,
		env: cleanNpmEnv(),
	});
}

/**
 * Starts a fresh n8n (own temp user folder, free loopback ports, sqlite; see the options for a fixed port
 * and a kept folder) with this package installed, sets up the owner account and logs in. Callers must `stop()` it (in afterAll); if the test process dies
 * instead, the watchdog kills n8n.
 */
export async function startN8n(options: StartN8nOptions = {}): Promise<N8nInstance> {
	const runtime = await ensureN8n();
	const tarball = options.installPackage === false ? undefined : (options.tarball ?? (await packPackage()));
	const userFolder = options.userFolder ?? mkdtempSync(join(tmpdir(), 'n8n-e2e-'));
	mkdirSync(userFolder, { recursive: true });
	const owner = options.owner ?? {
		email: 'owner@e2e.invalid',
		password: `E2e-${randomBytes(12).toString('hex')}-Pw1`,
		firstName: 'E2E',
		lastName: 'Owner',
	};
	const port = options.port ?? (await freeLoopbackPort());
	let brokerPort = await freeLoopbackPort();
	// Both probes release their port at once, so the second can hand out the first one again.
	while (brokerPort === port) brokerPort = await freeLoopbackPort();
	const env = n8nEnvironment(runtime, userFolder, port, brokerPort, options.env ?? {});
	const instance = new N8nProcess(
		runtime,
		userFolder,
		options.userFolder === undefined,
		owner,
		env,
		port,
		options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
	);
	const startedAt = Date.now();
	try {
		if (tarball) await installPackageIntoUserFolder(userFolder, tarball);
		await instance.start();
		await instance.setUpOwner();
		await instance.login();
	} catch (error) {
		await instance.kill();
		await instance.stop(); // after kill() this only deletes the user folder, if the harness created it
		throw error;
	}
	progress(`n8n ${instance.url} ready in ${Math.round((Date.now() - startedAt) / 1000)} s`);
	return instance;
}
