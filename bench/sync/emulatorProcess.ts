/**
 * The seeded emulator in its own process, so the RSS measured for the node process or for n8n never
 * includes it (at 100k customers the emulator alone holds well over a gigabyte). Driven over IPC:
 *
 *   fork(emulatorProcess.js, ['<EmulatorJob as JSON>']) → sends EmulatorReady; then answers
 *   'reset' (clears the request log and object count) and 'stats' (EmulatorStats since the reset).
 *
 * Objects are what the emulator's request log says each list page carried: what the client really
 * read, pages read twice included, which is what the ceiling (100 objects per call) is about.
 */
import { seedDemoAccount, startEmulator } from '../../emulator';

export interface EmulatorJob {
	customers: number;
	latencyMs: number;
	/** The emulator's clock, in Unix seconds. */
	now: number;
}

export interface EmulatorReady {
	url: string;
	apiKey: string;
	/** Customers not deleted: what a full profile sync must store. */
	customers: number;
	seedSeconds: number;
}

export interface EmulatorStats {
	calls: number;
	rateLimited: number;
	/** Neither a success nor a 429 (which clients retry by design). */
	failed: number;
	objects: number;
	/** Calls and objects per list path, to tell which lists read pages that are not full. */
	byPath: Record<string, { calls: number; objects: number }>;
}

export type EmulatorRequest = 'reset' | 'stats';

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2]) as EmulatorJob;
	const emulator = await startEmulator({ rateLimit: true, now: job.now });
	const seeding = performance.now();
	seedDemoAccount(emulator, { customers: job.customers, events: 'recent' });
	const seedSeconds = (performance.now() - seeding) / 1000;
	emulator.addFault({ kind: 'latency', latencyMs: job.latencyMs, rate: 1 });
	const customers = emulator
		.dataset()
		.customers.values()
		.filter((customer) => !customer.deleted).length;
	process.on('message', (request: EmulatorRequest) => {
		if (request === 'reset') {
			emulator.clearRequestLog();
			process.send!('reset');
			return;
		}
		const log = emulator.requestLog();
		const byPath: EmulatorStats['byPath'] = {};
		for (const entry of log) {
			const path = (byPath[entry.path] ??= { calls: 0, objects: 0 });
			path.calls++;
			path.objects += entry.listed ?? 0;
		}
		const stats: EmulatorStats = {
			calls: log.length,
			rateLimited: log.filter((entry) => entry.status === 429).length,
			failed: log.filter((entry) => entry.status === null || (entry.status >= 400 && entry.status !== 429)).length,
			objects: log.reduce((sum, entry) => sum + (entry.listed ?? 0), 0),
			byPath,
		};
		process.send!(stats);
	});
	// The parent going away ends this process too: nothing else would stop it.
	process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
	const ready: EmulatorReady = { url: emulator.url, apiKey: emulator.keys.secretTest, customers, seedSeconds };
	process.send!(ready);
}

void main();
