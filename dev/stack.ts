/**
 * The `npm run dev` stack in one process: the Stripe emulator seeded with the demo account (or a real
 * Stripe test account), a local mail inbox, and n8n with the package from a watch build (reloaded on
 * change, see watchBuild.ts), a kept user folder, the dev owner, credentials pointing at both, and
 * the templates imported.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REQUIRED_PERMISSIONS } from '../nodes/shared/transport/permissions';
import { PERMISSION_NAMES, seedDemoAccount, startEmulator, type Permissions, type PermissionResource, type RunningEmulator, type SeedSummary } from '../emulator';
import { ensureN8n, nodesDirectory, startN8n, type CredentialReference, type N8nInstance, type N8nOwner } from './n8n';
import { readPackageManifest, REPO_ROOT } from './n8n/package';
import { emulatorKeyCredential } from './credentials';
import { startInbox, type Inbox } from './inbox';
import { importTemplates, type TemplateImport } from './templates';
import { startWatchBuild } from './watchBuild';

export interface DevStackOptions {
	/** A free one when absent. */
	n8nPort?: number;
	emulatorPort: number;
	inboxPort: number;
	smtpPort: number;
	/** A real Stripe key (rk_test_…): no emulator, the credential points at api.stripe.com. */
	stripeApiKey?: string;
	/** Public base URL for n8n's webhooks (a tunnel), needed for a real Stripe account to reach them. */
	webhookUrl?: string;
	/** Deletes the kept n8n user folder first: new owner, credentials and template imports. */
	fresh: boolean;
	/** Kept across runs; DEV_USER_FOLDER by default. */
	userFolder?: string;
	/** The package's sources the watch build compiles: the repository by default, a copy in tests. */
	packageRoot?: string;
	log: (message: string) => void;
}

export interface DevStack {
	n8n: N8nInstance;
	/** n8n's log file (also `N8N_LOG_FILE_LOCATION`). */
	n8nLog: string;
	/** The folder n8n loads the package from, which the watch build writes. */
	packageDir: string;
	/** Null when the stack uses a real Stripe account. */
	emulator: RunningEmulator | null;
	seeded: SeedSummary | null;
	inbox: Inbox;
	stripeCredential: CredentialReference;
	smtpCredential: CredentialReference;
	stripeApiKey: string;
	webhookUrl?: string;
	templates: TemplateImport[];
	/** Stops n8n (keeping its user folder), the emulator and the inbox. */
	stop(): Promise<void>;
}

/** Kept across runs (gitignored), so the owner, credentials and workflows survive a restart. */
export const DEV_USER_FOLDER = join(REPO_ROOT, '.n8n-dev');
/** A local, loopback-only instance: a fixed login is easier for a newcomer than a generated one. */
export const DEV_OWNER: N8nOwner = { email: 'dev@example.com', password: 'StripeDev-2026', firstName: 'Dev', lastName: 'Owner' };
/** Fixed, so curl examples and workflows keep working after a restart; only the emulator knows it. */
export const EMULATOR_SECRET_KEY = 'sk_test_51DevEmulatorSecretKeyForLocalDevelopmentOnly';
export const EMULATOR_RESTRICTED_KEY = 'rk_test_51DevEmulatorRestrictedKeyForLocalDevelopmentOnly';
/** Webhook retries after 1 s, 5 s and 15 s instead of Stripe's 3 days, so a failed delivery is seen quickly. */
const DEV_RETRY_SCHEDULE = [1000, 5000, 15000];
const DEMO_SEED = 42;
const STRIPE_CREDENTIAL_NAME = 'Stripe (dev)';
const SMTP_CREDENTIAL_NAME = 'SMTP (dev inbox)';

/** The documented permission list (README, credential notice) as emulator permission rows: exactly those. */
export function documentedPermissions(): Permissions {
	const resources = Object.entries(PERMISSION_NAMES) as Array<[PermissionResource, string]>;
	const permissions: Permissions = {};
	for (const { permission } of REQUIRED_PERMISSIONS) {
		const [, name, access] = /^rak_(\w+)_(read|write)$/.exec(permission) ?? [];
		const resource = resources.find(([, stripeName]) => stripeName === name)?.[0];
		if (!resource) throw new Error(`The emulator has no permission row for ${permission}`);
		permissions[resource] = access as 'read' | 'write';
	}
	return permissions;
}

/** Creates the credential, or updates the one of that name a kept user folder already has. */
async function upsertCredential(n8n: N8nInstance, type: string, name: string, data: Record<string, string | number | boolean>): Promise<CredentialReference> {
	const existing = (await n8n.rest<CredentialReference[]>('GET', '/credentials')).find((credential) => credential.type === type && credential.name === name);
	if (!existing) return n8n.createCredential(type, name, data);
	await n8n.rest('PATCH', `/credentials/${existing.id}`, { name, type, data });
	return { id: existing.id, name, type };
}

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
	const { log } = options;
	const stopped: Array<() => Promise<void>> = [];
	const stopAll = async (): Promise<void> => {
		// Reverse order: n8n first, so it does not see its Stripe or SMTP server vanish mid-request.
		for (const stop of stopped.reverse()) await stop().catch((error: Error) => log(`while stopping: ${error.message}`));
	};
	const userFolder = options.userFolder ?? DEV_USER_FOLDER;
	// n8n's own log, besides the harness's in-memory copy, so a newcomer can `tail -f` it.
	const n8nLog = join(userFolder, 'n8n.log');
	const packageDir = join(nodesDirectory(userFolder), 'node_modules', readPackageManifest().name);
	try {
		log('checking the n8n runtime (the first run installs Node 24 and n8n into the cache: about 4 minutes)');
		await ensureN8n();
		if (options.fresh) rmSync(userFolder, { recursive: true, force: true });
		const build = await startWatchBuild({ packageRoot: options.packageRoot ?? REPO_ROOT, packageDir, log });
		stopped.push(build.stop);

		let emulator: RunningEmulator | null = null;
		let seeded: SeedSummary | null = null;
		let stripeApiKey = options.stripeApiKey ?? '';
		if (!options.stripeApiKey) {
			emulator = await startEmulator({
				port: options.emulatorPort,
				seed: DEMO_SEED,
				keys: { secretTest: EMULATOR_SECRET_KEY },
				retrySchedule: DEV_RETRY_SCHEDULE,
			});
			stopped.push(emulator.close);
			emulator.keyRing.create('restricted', 'test', documentedPermissions(), EMULATOR_RESTRICTED_KEY);
			stripeApiKey = EMULATOR_RESTRICTED_KEY;
			log('seeding the demo account (300 customers, 120 days of history)');
			seeded = seedDemoAccount(emulator, { customers: 300, days: 120, seed: DEMO_SEED });
		}

		const inbox = await startInbox({ httpPort: options.inboxPort, smtpPort: options.smtpPort });
		stopped.push(inbox.close);

		log(`starting n8n with the package, reloaded on change (user folder ${userFolder})`);
		const n8n = await startN8n({
			installPackage: false,
			port: options.n8nPort,
			userFolder,
			owner: DEV_OWNER,
			env: {
				// n8n reloads changed nodes only in development mode with N8N_DEV_RELOAD, as `n8n-node dev` runs it.
				NODE_ENV: 'development',
				N8N_DEV_RELOAD: 'true',
				N8N_LOG_OUTPUT: 'console,file',
				N8N_LOG_FILE_LOCATION: n8nLog,
				...(options.webhookUrl ? { WEBHOOK_URL: options.webhookUrl } : {}),
			},
		});
		stopped.push(() => n8n.stop());

		const stripeCredential = await upsertCredential(
			n8n,
			'stripeRestrictedKeyApi',
			STRIPE_CREDENTIAL_NAME,
			// A real account is reached at Stripe's own URL, so the custom URL toggle stays off.
			emulator ? emulatorKeyCredential(emulator, stripeApiKey) : { apiKey: stripeApiKey, accountId: '', customBaseUrl: false },
		);
		const smtpCredential = await upsertCredential(n8n, 'smtp', SMTP_CREDENTIAL_NAME, {
			user: 'dev',
			password: 'dev',
			host: '127.0.0.1',
			port: inbox.smtpPort,
			secure: false,
			disableStartTls: true,
		});
		const templates = await importTemplates(n8n, join(REPO_ROOT, 'templates'), {
			stripeRestrictedKeyApi: stripeCredential,
			smtp: smtpCredential,
		});
		return { n8n, n8nLog, packageDir, emulator, seeded, inbox, stripeCredential, smtpCredential, stripeApiKey, webhookUrl: options.webhookUrl, templates, stop: stopAll };
	} catch (error) {
		await stopAll();
		throw error;
	}
}
