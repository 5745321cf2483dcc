/**
 * The emulator on a large seeded account: how long seeding takes, the heap and RSS it leaves, and
 * what one list page (limit 100) costs at the head of a list, deep in it (starting_after at its
 * middle), in a week-long created range (inside the Events API's 30 days for events) and filtered by customer (or by type, for events). Each
 * page is fetched over HTTP like a client would, so the figures include validation and JSON.
 *
 *   tsc -p tsconfig.tools.json && node --expose-gc .tmp/tools/bench/emulator/lists.js [customers] [all|recent|none]
 */
import { seedDemoAccount, startEmulator, type RunningEmulator } from '../../emulator';
import { spread, formatSpread } from '../stats';

const DAY = 86400;
const REPEATS = 15;

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

function settledMemory(): { heapMb: number; rssMb: number } {
	(globalThis as { gc?: () => void }).gc?.();
	const usage = process.memoryUsage();
	return { heapMb: mb(usage.heapUsed), rssMb: mb(usage.rss) };
}

async function pageMs(emulator: RunningEmulator, path: string): Promise<{ ms: number; count: number }> {
	const started = performance.now();
	const response = await fetch(`${emulator.url}${path}`, { headers: { Authorization: `Bearer ${emulator.keys.secretTest}` } });
	const body = (await response.json()) as { data?: unknown[]; error?: { message: string } };
	if (!response.ok) throw new Error(`${path} answered ${response.status}: ${body.error?.message}`);
	return { ms: performance.now() - started, count: body.data!.length };
}

async function main(): Promise<void> {
	const customers = Number(process.argv[2] ?? 100000);
	const events = (process.argv[3] ?? 'all') as 'all' | 'recent' | 'none';
	const emulator = await startEmulator();
	try {
		const before = settledMemory();
		const seeding = performance.now();
		const summary = seedDemoAccount(emulator, { customers, events });
		const seedSeconds = (performance.now() - seeding) / 1000;
		const after = settledMemory();
		console.log(`${customers.toLocaleString('en-US')} customers, events ${events}: seeded in ${seedSeconds.toFixed(1)} s`);
		console.log(`  ${summary.invoices} invoices, ${summary.charges} charges, ${Object.values(summary.subscriptions).reduce((a, b) => a + b, 0)} subscriptions, ${summary.events} events`);
		console.log(`  heap ${after.heapMb} MB (${before.heapMb} MB before seeding), RSS ${after.rssMb} MB (${before.rssMb} MB before)`);

		const dataset = emulator.dataset();
		const now = emulator.now();
		const names = ['customers', 'subscriptions', 'invoices', 'charges', 'events'] as const;
		// Each list's first page after seeding, before anything here reads the dataset: it pays for
		// whatever the first read builds (the old Collection sorted every id on it).
		const first = new Map<string, number>();
		const seeded = names.filter((name) => dataset[name].size > 0);
		for (const name of seeded) first.set(name, (await pageMs(emulator, `/v1/${name}?limit=100`)).ms);
		// The seed spans 120 days; the Events API keeps 30, so events get a range and a middle inside those.
		const week = (daysAgo: number) => `created[gte]=${now - daysAgo * DAY}&created[lt]=${now - (daysAgo - 7) * DAY}`;
		// A customer from the middle of the account with an active subscription, so it has invoices and charges.
		const active = dataset.subscriptions.values().filter((sub) => sub.status === 'active');
		const customer = active[Math.floor(active.length / 2)].customer as string;
		const lists: Record<(typeof names)[number], { range: string; filter: string; middleFrom?: number }> = {
			customers: { range: week(60), filter: `email=${encodeURIComponent((dataset.customers.get(customer) as { email: string }).email)}` },
			subscriptions: { range: week(60), filter: `customer=${customer}` },
			invoices: { range: week(60), filter: `customer=${customer}` },
			charges: { range: week(60), filter: `customer=${customer}` },
			events: { range: week(20), filter: 'type=customer.subscription.deleted', middleFrom: now - 30 * DAY },
		};
		console.log(`  one page, limit 100, ms: the first after seeding; then median (min–max) of ${REPEATS} after a warm-up, [items on the page]`);
		console.log(`  ${'list'.padEnd(14)} ${'first'.padEnd(9)} ${['head', 'deep starting_after', 'created range (7 days)', 'filter'].map((title) => title.padEnd(24)).join(' ')}`);
		for (const name of seeded) {
			const list = lists[name];
			const listed = (dataset[name].values() as Array<{ id: string; created: number }>).filter((item) => list.middleFrom === undefined || item.created >= list.middleFrom);
			const deep = `starting_after=${listed[Math.floor(listed.length / 2)].id}`;
			const cells: string[] = [];
			for (const query of ['', deep, list.range, list.filter]) {
				const path = `/v1/${name}?limit=100&${query}`;
				const { count } = await pageMs(emulator, path);
				const ms: number[] = [];
				for (let i = 0; i < REPEATS; i++) ms.push((await pageMs(emulator, path)).ms);
				cells.push(`${formatSpread(spread(ms), 1)} [${count}]`.padEnd(24));
			}
			console.log(`  ${name.padEnd(14)} ${first.get(name)!.toFixed(1).padEnd(9)} ${cells.join(' ')} (${list.filter.split('=')[0]})`);
		}
	} finally {
		await emulator.close();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
