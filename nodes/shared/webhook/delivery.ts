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
	contentType?: string;
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
	| { kind: 'reject'; status: 400 | 401; reason: string };

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

	const event = parseEvent(delivery.rawBody);
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

function parseEvent(rawBody: Buffer | string): Stripe.Event | undefined {
	let parsed: unknown;
	try {
		parsed = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
	} catch {
		return undefined;
	}
	const event = parsed as Partial<Stripe.Event> | null;
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
