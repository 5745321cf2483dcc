/**
 * The emulator's demo SaaS account, ready for the Stripe Lifecycle node: one seed per test file.
 *
 * Time: the emulator's clock is frozen at DEMO_NOW, and the node reads "now" only through
 * `epochNow()` (nodes/shared/lifecycle/time.ts), which is pointed at the emulator's clock here.
 * So audience boundaries ("a trial ending in exactly 3 days"), backfill windows and the Events
 * API's 30 days are measured from the same instant the emulator built the data at, to the second.
 * The transport's rate limiter and retries keep real time (they measure waits, not dates).
 */
import * as time from '../../../nodes/shared/lifecycle/time';
import { startEmulator, seedDemoAccount, type Permissions, type RunningEmulator, type SeedSummary } from '../../../emulator';
import type { CredentialsInput } from '../../../dev/n8nCoreRunner';
import { emulatorKeyCredential } from '../../../dev/credentials';

/** 2026-11-15T12:00:00Z: a fixed instant, so the seeded account is the same on every run. */
export const DEMO_NOW = Date.UTC(2026, 10, 15, 12) / 1000;
export const DAY = 86_400;

/** Exactly the permissions README.md ("Create the restricted key") documents: Read on what is read, Write on webhooks. */
export const DOCUMENTED_PERMISSIONS: Permissions = {
	charges: 'read',
	coupons: 'read',
	customers: 'read',
	disputes: 'read',
	events: 'read',
	invoices: 'read',
	prices: 'read',
	products: 'read',
	refunds: 'read',
	subscriptions: 'read',
	webhook_endpoints: 'write',
};

export interface DemoAccount {
	emulator: RunningEmulator;
	summary: SeedSummary;
	/** A restricted key with the documented permissions (or the ones given), as the node's credential. */
	credentials(permissions?: Permissions): CredentialsInput;
	close(): Promise<void>;
}

export async function startDemoAccount({ customers = 200, events }: { customers?: number; events?: 'all' | 'recent' | 'none' } = {}): Promise<DemoAccount> {
	const emulator = await startEmulator({ now: DEMO_NOW });
	const summary = seedDemoAccount(emulator, { customers, events });
	const clock = jest.spyOn(time, 'epochNow').mockImplementation(() => emulator.now());
	return {
		emulator,
		summary,
		credentials: (permissions = DOCUMENTED_PERMISSIONS) => ({
			stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.createRestrictedKey(permissions)),
		}),
		close: async () => {
			clock.mockRestore();
			await emulator.close();
		},
	};
}

/** How many requests went to each path (query strings excluded), from the emulator's request log. */
export function requestsByPath(emulator: RunningEmulator): Map<string, number> {
	const counts = new Map<string, number>();
	for (const entry of emulator.requestLog()) counts.set(entry.path, (counts.get(entry.path) ?? 0) + 1);
	return counts;
}
