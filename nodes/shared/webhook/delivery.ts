import type Stripe from 'stripe';

import { isSelected, readEvent } from '../lifecycle/activities';
import type { Activity, ActivityName } from '../lifecycle/types';
import type { DeliveryDeduplicator } from './dedupe';
import { verifyStripeSignature } from './signature';

/**
 * What the trigger does with one POST from Stripe, decided without n8n so every branch is
 * testable: verify, parse, guard mode, de-duplicate, normalize, filter. Anything that is not
 * an execution is still answered, so Stripe never retries an event we chose to drop.
 */
export interface Delivery {
	rawBody: Buffer | string | undefined;
	signatureHeader: string | string[] | undefined;
}

export interface DeliverySettings {
	secret: string;
	keyMode: 'test' | 'live';
	selected: ReadonlySet<ActivityName>;
	deduplicator: DeliveryDeduplicator;
	toleranceSeconds?: number;
	includeRaw?: boolean;
	now?: number;
}

export type DeliveryOutcome =
	| { kind: 'execute'; status: 200; activities: Activity[]; event: Stripe.Event }
	| { kind: 'acknowledge'; status: 200; reason: 'duplicate' | 'mode_mismatch' | 'not_selected'; eventId: string }
	/** `log`, when set, is for n8n's log: the sender is misconfigured, not hostile, and someone must act. */
	| { kind: 'reject'; status: 400 | 401; reason: string; log?: string };

const THIN_EVENT_REASON =
	'This endpoint sends thin events (v2.core.event), which carry no object to act on. The Stripe Lifecycle Trigger needs snapshot events: create a webhook endpoint with snapshot events in Stripe and paste its signing secret.';

export function handleDelivery(delivery: Delivery, settings: DeliverySettings): DeliveryOutcome {
	// Express may repeat a header; Stripe sends one, so several means the request was tampered with.
	if (Array.isArray(delivery.signatureHeader)) {
		return { kind: 'reject', status: 401, reason: 'The request has more than one Stripe-Signature header.' };
	}
	if (delivery.rawBody === undefined) {
		return { kind: 'reject', status: 400, reason: 'The request has no body.' };
	}
	const check = verifyStripeSignature(delivery.rawBody, delivery.signatureHeader, settings.secret, {
		toleranceSeconds: settings.toleranceSeconds,
		now: settings.now,
	});
	if (!check.valid) return { kind: 'reject', status: 401, reason: check.message };

	const body = parseJson(delivery.rawBody);
	// A thin-events destination signs like a webhook endpoint, so its secret verifies; its events only name an object.
	if (isThinEvent(body)) {
		return {
			kind: 'reject',
			status: 400,
			reason: THIN_EVENT_REASON,
			log: `Stripe Lifecycle Trigger received thin event ${String(body.id).slice(0, 100)} from a Stripe event destination with thin payloads and answered 400. In the Stripe Dashboard (Developers → Webhooks) create an endpoint for this URL with snapshot events and paste its signing secret into the trigger, or let the trigger register its endpoint automatically.`,
		};
	}
	const event = asEvent(body);
	if (!event) return { kind: 'reject', status: 400, reason: 'The body is not a Stripe event in JSON.' };

	// A test-mode event reaching a live workflow (or the reverse) is acknowledged, never run.
	if (event.livemode !== (settings.keyMode === 'live')) {
		return { kind: 'acknowledge', status: 200, reason: 'mode_mismatch', eventId: event.id };
	}
	// A payload that cannot be read is acknowledged and passed on as `stripe.event`, never retried for days.
	const activities = readEvent(event, { includeRaw: settings.includeRaw }).filter((activity) => isSelected(activity, settings.selected));
	if (activities.length === 0) return { kind: 'acknowledge', status: 200, reason: 'not_selected', eventId: event.id };
	// Recorded last: a rejected or dropped delivery must not hide a later valid retry of the event.
	if (!settings.deduplicator.firstDelivery(event.id, settings.now)) {
		return { kind: 'acknowledge', status: 200, reason: 'duplicate', eventId: event.id };
	}
	return { kind: 'execute', status: 200, activities, event };
}

function parseJson(rawBody: Buffer | string): unknown {
	try {
		return JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')) as unknown;
	} catch {
		return undefined;
	}
}

function isThinEvent(body: unknown): body is { object: 'v2.core.event'; id: unknown } {
	return typeof body === 'object' && body !== null && (body as { object?: unknown }).object === 'v2.core.event';
}

function asEvent(body: unknown): Stripe.Event | undefined {
	const event = body as Partial<Stripe.Event> | null | undefined;
	if (
		!event ||
		typeof event !== 'object' ||
		event.object !== 'event' ||
		typeof event.id !== 'string' ||
		typeof event.type !== 'string' ||
		typeof event.data?.object !== 'object' ||
		event.data.object === null
	) {
		return undefined;
	}
	return event as Stripe.Event;
}
