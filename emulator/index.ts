/**
 * A strict, stateful Stripe API emulator for tests, benchmarks, end-to-end runs and `npm run dev`.
 *
 *   const stripe = await startEmulator();
 *   new Stripe(stripe.keys.secretTest, { host: '127.0.0.1', port: stripe.port, protocol: 'http' });
 */
import type { AddressInfo } from 'node:net';
import { StripeEmulator, type EmulatorOptions } from './emulator';
import { createHttpServer } from './server';

export { StripeEmulator } from './emulator';
export type { EmulatorOptions, RequestLogEntry, Scope } from './emulator';
export type { FaultKind, FaultRule } from './faults';
export type { Access, Permissions, PermissionResource } from './keys';
export { PERMISSION_NAMES } from './keys';
export { runScenario, SCENARIOS, type ScenarioName, type ScenarioResult } from './scenarios';
export { seedDemoAccount, summarize, type SeedOptions, type SeedSummary } from './seed';
export { PINNED_API_VERSION } from './spec-additions';
export { SUPPORTED_EVENT_TYPES, type DeliveryRecord } from './webhooks';
export { encodeForm } from './form';

export interface RunningEmulator extends StripeEmulator {
	readonly port: number;
	close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 (a free port unless `port` is given). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
	const emulator = new StripeEmulator(options);
	const server = createHttpServer(emulator);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	emulator.url = `http://${options.host ?? '127.0.0.1'}:${port}`;
	return Object.assign(emulator, {
		port,
		close: async (): Promise<void> => {
			emulator.webhooks.stop();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	});
}
