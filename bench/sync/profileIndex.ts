/**
 * What the profile index of a batched sync weighs per customer (docs/SYNC.md, "Memory"): the
 * seeded account's subscriptions, charges and paid invoices, each a fresh copy as the transport
 * parses it from JSON, added to one ProfileBuilder; memory after GC before and after, per customer:
 * V8's heap and the typed arrays outside it (lifecycle/customerLedgers.ts), each given.
 * The index is what grows with account size in bench section 6.
 *
 *   tsc -p tsconfig.tools.json && node --expose-gc .tmp/tools/bench/sync/profileIndex.js [customers...]
 */
import { seedDemoAccount, startEmulator } from '../../emulator';
import { ProfileBuilder } from '../../nodes/shared/lifecycle/profiles';

function settled(): { heap: number; outside: number } {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('run node with --expose-gc: the heap is measured after a full collection');
	gc();
	const { heapUsed, arrayBuffers } = process.memoryUsage();
	return { heap: heapUsed, outside: arrayBuffers };
}

async function measure(customers: number): Promise<void> {
	const emulator = await startEmulator({});
	try {
		const seeded = seedDemoAccount(emulator, { customers, events: 'none' });
		const dataset = emulator.dataset();
		const parsed = <T>(object: T): T => JSON.parse(JSON.stringify(object)) as T;
		const addAll = (index: Pick<ProfileBuilder, 'addSubscription' | 'addCharge' | 'addInvoice'>) => {
			for (const subscription of dataset.subscriptions.values()) index.addSubscription(parsed(subscription));
			for (const charge of dataset.charges.values()) index.addCharge(parsed(charge));
			for (const invoice of dataset.invoices.values()) if (invoice.status === 'paid') index.addInvoice(parsed(invoice));
		};
		// Walked once before the first measurement: the emulator keeps what its first walk builds (14 MB of heap at 100,000 customers), which is not the index's.
		addAll({ addSubscription: () => undefined, addCharge: () => undefined, addInvoice: () => undefined });
		const before = settled();
		const index = new ProfileBuilder();
		addAll(index);
		const after = settled();
		const [heap, outside] = [after.heap - before.heap, after.outside - before.outside];
		const bytes = heap + outside;
		// Used after the measurement, so the index is alive when it is taken.
		const customer = dataset.customers.values().find((candidate) => !candidate.deleted);
		const sample = customer && !customer.deleted ? index.profile(parsed(customer)).status : 'none';
		console.log(
			`${seeded.customers.toLocaleString('en-US')} customers (${dataset.subscriptions.values().length.toLocaleString('en-US')} subscriptions, ${seeded.charges.toLocaleString('en-US')} charges, ${seeded.invoices.toLocaleString('en-US')} invoices): ` +
				`index ${(bytes / 2 ** 20).toFixed(1)} MB (heap ${(heap / 2 ** 20).toFixed(1)} MB, outside it ${(outside / 2 ** 20).toFixed(1)} MB), ${Math.round(bytes / seeded.customers)} bytes per customer (first customer: ${sample})`,
		);
	} finally {
		await emulator.close();
	}
}

async function main(): Promise<void> {
	const sizes = process.argv.slice(2).map(Number);
	for (const customers of sizes.length ? sizes : [10_000, 100_000]) await measure(customers);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
