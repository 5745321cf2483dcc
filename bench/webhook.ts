/**
 * What one webhook delivery costs the trigger: `handleDelivery` (signature check, parse, mode
 * guard, normalization, de-duplication) against the floor any receiver pays, one HMAC-SHA256 over
 * `${t}.${body}` plus `JSON.parse`, on the same bytes. Events are real ones from the emulator,
 * padded through `metadata` to 1 KB, 5 KB and 50 KB, each delivery with its own event id. The
 * handler is timed twice: with a de-duplication store below its capacity, and with one full
 * (100,000 ids), where every delivery also evicts the oldest id.
 */
import { createHmac } from 'crypto';
import type Stripe from 'stripe';

import { ACTIVITIES, type ActivityName } from '../nodes/shared/lifecycle/types';
import { DEFAULT_CAPACITY, DeliveryDeduplicator } from '../nodes/shared/webhook/dedupe';
import { handleDelivery } from '../nodes/shared/webhook/delivery';
import { seedDemoAccount, StripeEmulator } from '../emulator';
import { spread, type Spread } from './stats';

const SECRET = 'whsec_benchmark_secret_0123456789abcdef';

export interface WebhookSettings {
	runs: number;
	/** Deliveries per run for a 1 KB event; larger events get proportionally fewer. */
	deliveriesPerKb: number;
}

export interface WebhookRow {
	eventType: string;
	bytes: number;
	deliveries: number;
	handlerMicros: Spread;
	/** The same with the de-duplication store at capacity. */
	handlerAtCapacityMicros: Spread;
	floorMicros: Spread;
	/** handler ÷ floor per run. */
	ratio: Spread;
}

const CASES: Array<{ type: string; bytes: number }> = [
	{ type: 'customer.created', bytes: 1024 },
	{ type: 'charge.succeeded', bytes: 5 * 1024 },
	{ type: 'customer.subscription.updated', bytes: 50 * 1024 },
];

/** One event of each type from a small seeded account, as Stripe would send it. */
function sampleEvents(): Map<string, Stripe.Event> {
	const emulator = new StripeEmulator({});
	seedDemoAccount(emulator, { customers: 30, events: 'all' });
	emulator.webhooks.stop();
	const byType = new Map<string, Stripe.Event>();
	for (const event of emulator.eventLog()) if (!byType.has(event.type)) byType.set(event.type, event);
	return byType;
}

/**
 * Serialized as Stripe does (indented; compact when indentation alone exceeds `bytes`) and padded
 * in `data.object.metadata` to exactly `bytes`.
 */
function paddedBody(event: Stripe.Event, bytes: number, id: string): string {
	const object = event.data.object as unknown as { metadata?: Record<string, string> };
	const withPadding = (padding: string, indent?: number) =>
		JSON.stringify({ ...event, id, data: { ...event.data, object: { ...object, metadata: { ...object.metadata, padding } } } }, null, indent);
	const indent = Buffer.byteLength(withPadding('', 2)) <= bytes ? 2 : undefined;
	return withPadding('x'.repeat(Math.max(0, bytes - Buffer.byteLength(withPadding('', indent)))), indent);
}

interface Delivery {
	body: Buffer;
	text: string;
	header: string;
}

function deliveries(event: Stripe.Event, bytes: number, count: number, t: number): Delivery[] {
	return Array.from({ length: count }, (_, i) => {
		const text = paddedBody(event, bytes, `evt_bench${String(i).padStart(14, '0')}`);
		const signature = createHmac('sha256', SECRET).update(`${t}.${text}`).digest('hex');
		return { body: Buffer.from(text, 'utf8'), text, header: `t=${t},v1=${signature}` };
	});
}

/** A store holding as many ids as it may, none of them a benchmark delivery's. */
function fullDeduplicator(t: number): DeliveryDeduplicator {
	const deduplicator = new DeliveryDeduplicator();
	for (let i = 0; i < DEFAULT_CAPACITY; i++) deduplicator.firstDelivery(`evt_fill${String(i).padStart(13, '0')}`, t);
	return deduplicator;
}

/**
 * The trigger's work for every delivery; ids are new to the store, so each one is a first
 * delivery. A given store is left as full as it was, so one full store serves every run
 * (filling a new one per run would time the collection of the last one's garbage).
 */
function timeHandler(batch: Delivery[], t: number, selected: ReadonlySet<ActivityName>, deduplicator = new DeliveryDeduplicator()): number {
	const ids: string[] = [];
	const started = performance.now();
	for (const delivery of batch) {
		const outcome = handleDelivery({ rawBody: delivery.body, signatureHeader: delivery.header }, { secret: SECRET, keyMode: 'test', selected, deduplicator, now: t });
		if (outcome.kind !== 'execute') throw new Error(`The benchmark delivery was not executed: ${JSON.stringify(outcome)}`);
		ids.push(outcome.event.id);
	}
	const micros = ((performance.now() - started) * 1000) / batch.length;
	for (const id of ids) deduplicator.forget(id);
	return micros;
}

/** The least any verifying receiver does: one HMAC and one parse. */
function timeFloor(batch: Delivery[], t: number): number {
	let sink = 0;
	const started = performance.now();
	for (const delivery of batch) {
		const digest = createHmac('sha256', SECRET).update(`${t}.${delivery.text}`).digest('hex');
		const parsed = JSON.parse(delivery.text) as { id: string };
		sink += digest.length + parsed.id.length;
	}
	const micros = ((performance.now() - started) * 1000) / batch.length;
	if (sink === 0) throw new Error('unreachable: keeps the floor from being optimized away');
	return micros;
}

export function runWebhookBenchmark(settings: WebhookSettings, log: (line: string) => void): WebhookRow[] {
	const events = sampleEvents();
	const selected = new Set(Object.keys(ACTIVITIES) as ActivityName[]);
	const t = Math.floor(Date.now() / 1000);
	const rows: WebhookRow[] = [];
	for (const { type, bytes } of CASES) {
		const event = events.get(type);
		if (!event) throw new Error(`The seeded account emitted no ${type} event`);
		const count = Math.max(200, Math.round((settings.deliveriesPerKb * 1024) / bytes));
		const batch = deliveries(event, bytes, count, t);
		// Warm-up: both paths compiled and caches filled before anything is timed.
		const full = fullDeduplicator(t);
		timeHandler(batch, t, selected);
		timeHandler(batch, t, selected, full);
		timeFloor(batch, t);
		const handler: number[] = [];
		const atCapacity: number[] = [];
		const floor: number[] = [];
		for (let run = 0; run < settings.runs; run++) {
			handler.push(timeHandler(batch, t, selected));
			atCapacity.push(timeHandler(batch, t, selected, full));
			floor.push(timeFloor(batch, t));
		}
		rows.push({
			eventType: type,
			bytes: batch[0].body.length,
			deliveries: count,
			handlerMicros: spread(handler),
			handlerAtCapacityMicros: spread(atCapacity),
			floorMicros: spread(floor),
			ratio: spread(handler.map((value, i) => value / floor[i])),
		});
		log(`  ${type} ${batch[0].body.length} B: handler ${spread(handler).median.toFixed(1)} µs, at capacity ${spread(atCapacity).median.toFixed(1)} µs, floor ${spread(floor).median.toFixed(1)} µs`);
	}
	return rows;
}
