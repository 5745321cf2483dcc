import {
	DEFAULT_RETENTION_SECONDS,
	DeliveryDeduplicator,
	dedupeStoreFor,
	releaseDedupeStore,
} from '../../nodes/shared/webhook/dedupe';

const t0 = 1_760_000_000;
const day = 24 * 60 * 60;

describe('DeliveryDeduplicator', () => {
	it('says yes to the first delivery and no to every repeat', () => {
		const store = new DeliveryDeduplicator();
		expect(store.firstDelivery('evt_1', t0)).toBe(true);
		expect(store.firstDelivery('evt_1', t0)).toBe(false);
		expect(store.firstDelivery('evt_1', t0 + 60)).toBe(false);
		expect(store.firstDelivery('evt_2', t0 + 60)).toBe(true);
	});

	it('catches concurrent deliveries of one event: exactly one of many is first', async () => {
		const store = new DeliveryDeduplicator();
		const results = await Promise.all(
			Array.from({ length: 20 }, async () => {
				await Promise.resolve();
				return store.firstDelivery('evt_concurrent', t0);
			}),
		);
		expect(results.filter(Boolean)).toHaveLength(1);
	});

	it('keeps ids for Stripe’s whole 3-day retry window by default', () => {
		expect(DEFAULT_RETENTION_SECONDS).toBeGreaterThan(3 * day);
		const store = new DeliveryDeduplicator();
		store.firstDelivery('evt_1', t0);
		expect(store.firstDelivery('evt_1', t0 + 3 * day)).toBe(false);
	});

	it('forgets ids once the retention has passed', () => {
		const store = new DeliveryDeduplicator({ retentionSeconds: 100 });
		store.firstDelivery('evt_old', t0);
		store.firstDelivery('evt_young', t0 + 50);
		expect(store.firstDelivery('evt_other', t0 + 100)).toBe(true);
		expect(store.size).toBe(2); // evt_old expired and was dropped
		expect(store.firstDelivery('evt_young', t0 + 149)).toBe(false);
		expect(store.firstDelivery('evt_old', t0 + 150)).toBe(true);
	});

	it('stays within its capacity by forgetting the oldest ids first', () => {
		const store = new DeliveryDeduplicator({ capacity: 3 });
		for (const id of ['a', 'b', 'c', 'd']) store.firstDelivery(id, t0);
		expect(store.size).toBe(3);
		expect(store.firstDelivery('b', t0)).toBe(false);
		expect(store.firstDelivery('d', t0)).toBe(false);
		expect(store.firstDelivery('a', t0)).toBe(true); // evicted, so new again
	});

	it('evicts in the order ids were recorded, counting a forgotten and re-recorded id from its new record', () => {
		const store = new DeliveryDeduplicator({ capacity: 3 });
		for (const id of ['a', 'b', 'c']) store.firstDelivery(id, t0);
		store.forget('a');
		expect(store.firstDelivery('a', t0 + 1)).toBe(true); // now the youngest: b, c, a
		store.firstDelivery('d', t0 + 2); // evicts b: a's first record no longer counts

		expect(store.firstDelivery('b', t0 + 3)).toBe(true); // evicts c
		expect(['a', 'd', 'b'].map((id) => store.firstDelivery(id, t0 + 3))).toEqual([false, false, false]);
		expect(store.firstDelivery('c', t0 + 3)).toBe(true); // evicts a, by its second record
		expect(store.firstDelivery('a', t0 + 3)).toBe(true);
		expect(store.size).toBe(3);
	});

	it('expires only ids older than the retention, in order, across the ring wrapping around', () => {
		const store = new DeliveryDeduplicator({ capacity: 4, retentionSeconds: 10 });
		for (let i = 0; i < 10; i++) store.firstDelivery(`evt_${i}`, t0 + i);
		// Held: evt_6..evt_9 (capacity); at t0 + 17 evt_6 and evt_7 are 10 s or older.
		expect(store.firstDelivery('evt_new', t0 + 17)).toBe(true);
		expect(store.size).toBe(3);
		expect(['evt_8', 'evt_9', 'evt_7'].map((id) => store.firstDelivery(id, t0 + 17))).toEqual([false, false, true]);
	});

	it('handles many ids without growing past the bound', () => {
		const store = new DeliveryDeduplicator({ capacity: 1000 });
		for (let i = 0; i < 10_000; i++) store.firstDelivery(`evt_${i}`, t0 + i);
		expect(store.size).toBe(1000);
		expect(store.firstDelivery('evt_9999', t0 + 10_000)).toBe(false);
		expect(store.firstDelivery('evt_8999', t0 + 10_000)).toBe(true);
	});
});

describe('dedupeStoreFor', () => {
	it('returns one store per webhook key, so two triggers never suppress each other', () => {
		const first = dedupeStoreFor('workflow-1/node-a');
		expect(dedupeStoreFor('workflow-1/node-a')).toBe(first);
		const second = dedupeStoreFor('workflow-2/node-a');
		expect(second).not.toBe(first);
		expect(first.firstDelivery('evt_shared', t0)).toBe(true);
		expect(second.firstDelivery('evt_shared', t0)).toBe(true);
		expect(dedupeStoreFor('workflow-1/node-a').firstDelivery('evt_shared', t0)).toBe(false);
	});

	it('hands out a new, empty store once the old one was released', () => {
		const released = dedupeStoreFor('workflow-3/node-a');
		released.firstDelivery('evt_1', t0);

		releaseDedupeStore('workflow-3/node-a');

		const fresh = dedupeStoreFor('workflow-3/node-a');
		expect(fresh).not.toBe(released);
		expect(fresh.size).toBe(0);
	});
});
