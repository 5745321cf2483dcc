/**
 * Events and their webhook delivery. Every state change becomes a `Stripe.Event` stored for the
 * Events API and queued for each matching enabled endpoint; deliveries are signed the way Stripe
 * signs them, retried on non-2xx or network errors along a configurable schedule, and logged.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import Stripe from 'stripe';
import type { Dataset, IdFactory, Clock, Store } from './store';
import { renderEvent } from './versions';
import { renderContext } from './lists';

/** Event types the emulator emits; also what `enabled_events` may name besides `*`. */
export const SUPPORTED_EVENT_TYPES = [
	'charge.dispute.created',
	'charge.failed',
	'charge.refunded',
	'charge.succeeded',
	'coupon.created',
	'customer.created',
	'customer.deleted',
	'customer.subscription.created',
	'customer.subscription.deleted',
	'customer.subscription.paused',
	'customer.subscription.resumed',
	'customer.subscription.trial_will_end',
	'customer.subscription.updated',
	'customer.updated',
	'invoice.created',
	'invoice.finalized',
	'invoice.marked_uncollectible',
	'invoice.paid',
	'invoice.payment_action_required',
	'invoice.payment_failed',
	'invoice.payment_succeeded',
	'invoice.upcoming',
	'invoice.voided',
	'price.created',
	'product.created',
	'refund.created',
] as const satisfies readonly Stripe.Event.Type[];

export type EventType = (typeof SUPPORTED_EVENT_TYPES)[number];

/** The Events API keeps 30 days. */
export const EVENT_RETENTION_SECONDS = 30 * 86400;

export interface RequestContext {
	id: string | null;
	idempotencyKey: string | null;
}

export const AUTOMATIC: RequestContext = { id: null, idempotencyKey: null };

export interface DeliveryRecord {
	eventId: string;
	eventType: string;
	endpointId: string;
	url: string;
	attempt: number;
	/** HTTP status, or null on a network error / timeout. */
	status: number | null;
	error: string | null;
	startedAt: number;
	finishedAt: number;
	/** When the next attempt is due (ms epoch), or null when done or out of attempts. */
	nextAttemptAt: number | null;
}

export interface WebhookOptions {
	/** The account's default API version now: events are created in it, and sent in it to endpoints without their own. */
	defaultApiVersion(): string;
	/** Delays (ms) before each retry after a failed attempt; Stripe spreads them over 3 days. */
	retrySchedule: number[];
	/** How long one delivery may take before it counts as failed. */
	deliveryTimeoutMs: number;
}

interface Delivery {
	event: Stripe.Event;
	/** The event as this endpoint receives it, in its API version. */
	payload: string;
	dataset: Dataset;
	endpointId: string;
	attempt: number;
}

export class Webhooks {
	/** Every event emitted, in emission order (the emulator's own log, for tests to compare). */
	readonly emitted: Array<{ event: Stripe.Event; mode: Dataset['mode']; account: string }> = [];
	readonly deliveries: DeliveryRecord[] = [];
	/** While false (bulk seeding), events are stored but not queued for delivery. */
	deliver = true;
	/** Events older than this (epoch seconds) are neither stored nor delivered; seeding uses it to skip history. */
	recordFrom = Number.NEGATIVE_INFINITY;
	private held: Delivery[] | null = null;
	private inFlight = 0;
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly sockets = new Set<http.ClientRequest>();
	private idleWaiters: Array<() => void> = [];

	constructor(
		private readonly store: Store,
		private readonly ids: IdFactory,
		private readonly clock: Clock,
		private readonly options: WebhookOptions,
	) {}

	/** Whether an event at `at` would be stored (lets callers skip building what nobody keeps). */
	records(at: number): boolean {
		return at >= this.recordFrom;
	}

	/**
	 * Records an event for a change of `object`. `previous` holds the old values of the changed
	 * keys (for *.updated); `at` backdates it (seeding history).
	 */
	emit(
		dataset: Dataset,
		type: EventType,
		object: { object: string },
		options: { previous?: Record<string, unknown>; request?: RequestContext; at?: number } = {},
	): Stripe.Event | null {
		const created = options.at ?? this.clock.now();
		if (created < this.recordFrom) return null;
		const endpoints = this.deliver ? this.endpointsFor(dataset, type) : [];
		const request = options.request ?? AUTOMATIC;
		const event = {
			id: this.ids.next('evt'),
			object: 'event',
			api_version: this.options.defaultApiVersion(),
			created,
			data: {
				object,
				...(options.previous ? { previous_attributes: options.previous } : {}),
			},
			livemode: dataset.livemode,
			pending_webhooks: endpoints.length,
			request: { id: request.id, idempotency_key: request.idempotencyKey },
			type,
			...(dataset.connected ? { account: dataset.account } : {}),
		} as unknown as Stripe.Event;
		dataset.events.put(event);
		this.emitted.push({ event, mode: dataset.mode, account: dataset.account });
		for (const endpoint of endpoints) this.enqueue({ event, payload: this.payloadFor(dataset, event, endpoint), dataset, endpointId: endpoint.id, attempt: 1 });
		return event;
	}

	/** The event in the version Stripe sends it to `endpoint`: its own `api_version`, else the account's default. */
	private payloadFor(dataset: Dataset, event: Stripe.Event, endpoint: Stripe.WebhookEndpoint): string {
		const version = endpoint.api_version ?? this.options.defaultApiVersion();
		return JSON.stringify(renderEvent(event, version, renderContext(dataset, event)), null, 2);
	}

	/** Enabled endpoints of the platform that want this event: own events, or Connect events for `connect` endpoints. */
	private endpointsFor(dataset: Dataset, type: string): Stripe.WebhookEndpoint[] {
		const platform = this.store.dataset(dataset.mode);
		return platform.webhookEndpoints
			.values()
			.filter(
				(endpoint) =>
					endpoint.status === 'enabled' &&
					(endpoint.application !== null) === dataset.connected &&
					(endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type)),
			);
	}

	/** Sends an event again (Stripe's "Resend"), to one endpoint or all that want it, `times` times. */
	redeliver(dataset: Dataset, eventId: string, options: { endpointId?: string; times?: number } = {}): number {
		const event = dataset.events.get(eventId);
		if (!event) throw new Error(`No such event: '${eventId}'`);
		const platform = this.store.dataset(dataset.mode);
		const endpoints = options.endpointId
			? [platform.webhookEndpoints.get(options.endpointId)].filter((endpoint) => endpoint !== undefined)
			: this.endpointsFor(dataset, event.type);
		let queued = 0;
		for (let i = 0; i < (options.times ?? 1); i++) {
			for (const endpoint of endpoints) {
				this.enqueue({ event, payload: this.payloadFor(dataset, event, endpoint), dataset, endpointId: endpoint.id, attempt: 1 });
				queued++;
			}
		}
		return queued;
	}

	/** Queue deliveries instead of sending, until `release` — to reorder them. */
	hold(): void {
		this.held ??= [];
	}

	/** Sends what `hold` kept, in emission order, reversed, or shuffled by `random`. */
	release(order: 'emitted' | 'reverse' | 'shuffle' = 'emitted', random: () => number = Math.random): number {
		const held = this.held ?? [];
		this.held = null;
		if (order === 'reverse') held.reverse();
		if (order === 'shuffle') {
			for (let i = held.length - 1; i > 0; i--) {
				const j = Math.floor(random() * (i + 1));
				[held[i], held[j]] = [held[j], held[i]];
			}
		}
		for (const delivery of held) this.send(delivery);
		return held.length;
	}

	/** Resolves when nothing is queued, in flight or waiting for a retry. */
	settle(): Promise<void> {
		if (this.isIdle()) return Promise.resolve();
		return new Promise((resolve) => this.idleWaiters.push(resolve));
	}

	/** Cancels retries and open deliveries (emulator shutdown or reset). */
	stop(): void {
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
		for (const request of this.sockets) request.destroy();
		this.sockets.clear();
		this.held = null;
		this.notifyIdle();
	}

	clearLog(): void {
		this.deliveries.length = 0;
		this.emitted.length = 0;
	}

	private isIdle(): boolean {
		return this.inFlight === 0 && this.timers.size === 0 && (this.held === null || this.held.length === 0);
	}

	private notifyIdle(): void {
		if (!this.isIdle()) return;
		const waiters = this.idleWaiters;
		this.idleWaiters = [];
		for (const resolve of waiters) resolve();
	}

	private enqueue(delivery: Delivery): void {
		if (this.held) this.held.push(delivery);
		else this.send(delivery);
	}

	private send(delivery: Delivery): void {
		const endpoint = this.store.dataset(delivery.dataset.mode).webhookEndpoints.get(delivery.endpointId);
		const secret = this.store.dataset(delivery.dataset.mode).webhookSecrets.get(delivery.endpointId);
		if (!endpoint || !secret || endpoint.status !== 'enabled') return this.notifyIdle();
		this.inFlight++;
		const startedAt = Date.now();
		const signature = Stripe.webhooks.generateTestHeaderString({
			payload: delivery.payload,
			secret,
			timestamp: Math.floor(startedAt / 1000),
		});
		const url = new URL(endpoint.url);
		const transport = url.protocol === 'https:' ? https : http;
		let finished = false;
		const finish = (status: number | null, error: string | null): void => {
			if (finished) return;
			finished = true;
			this.sockets.delete(request);
			const ok = status !== null && status >= 200 && status < 300;
			const delay = ok ? undefined : this.options.retrySchedule[delivery.attempt - 1];
			const nextAttemptAt = delay === undefined ? null : Date.now() + delay;
			this.deliveries.push({
				eventId: delivery.event.id,
				eventType: delivery.event.type,
				endpointId: delivery.endpointId,
				url: endpoint.url,
				attempt: delivery.attempt,
				status,
				error,
				startedAt,
				finishedAt: Date.now(),
				nextAttemptAt,
			});
			if (ok) this.markDelivered(delivery);
			else if (delay !== undefined) {
				const timer = setTimeout(() => {
					this.timers.delete(timer);
					this.send({ ...delivery, attempt: delivery.attempt + 1 });
				}, delay);
				this.timers.add(timer);
			}
			this.inFlight--;
			this.notifyIdle();
		};
		const request = transport.request(
			url,
			{
				method: 'POST',
				timeout: this.options.deliveryTimeoutMs,
				headers: {
					'Content-Type': 'application/json; charset=utf-8',
					'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
					'Stripe-Signature': signature,
					'Content-Length': Buffer.byteLength(delivery.payload),
					'Cache-Control': 'no-cache',
					Accept: '*/*; q=0.5, application/xml',
				},
			},
			(response) => {
				response.resume();
				response.on('end', () => finish(response.statusCode ?? null, null));
				response.on('error', (error) => finish(null, error.message));
			},
		);
		request.on('timeout', () => {
			request.destroy();
			finish(null, 'timeout');
		});
		request.on('error', (error) => finish(null, error.message));
		this.sockets.add(request);
		request.end(delivery.payload);
	}

	/** `pending_webhooks` counts endpoints still owed the event. */
	private markDelivered(delivery: Delivery): void {
		const current = delivery.dataset.events.get(delivery.event.id);
		if (current && current.pending_webhooks > 0) {
			delivery.dataset.events.put({ ...current, pending_webhooks: current.pending_webhooks - 1 } as Stripe.Event);
		}
	}
}

/** Deep equality that is cheap for immutable values: unchanged parts are the same reference. */
function sameValue(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	const aKeys = Object.keys(a);
	const bKeys = Object.keys(b);
	if (aKeys.length !== bKeys.length) return false;
	return aKeys.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `data.previous_attributes` of an *.updated event: the old values of the keys that changed.
 * Plain hashes (metadata, cancellation_details) recurse to the changed sub-keys as Stripe does;
 * Stripe objects and lists (`items`) are given whole.
 */
export function previousAttributes(before: object, after: object): Record<string, unknown> | undefined {
	const previous: Record<string, unknown> = {};
	const old = before as Record<string, unknown>;
	const next = after as Record<string, unknown>;
	for (const key of new Set([...Object.keys(old), ...Object.keys(next)])) {
		const a = old[key];
		const b = next[key];
		if (a === b) continue;
		if (isPlainObject(a) && isPlainObject(b) && !('object' in a)) {
			const nested = previousAttributes(a, b);
			if (nested) previous[key] = nested;
		} else if (!sameValue(a, b)) previous[key] = a === undefined ? null : a;
	}
	return Object.keys(previous).length > 0 ? previous : undefined;
}
