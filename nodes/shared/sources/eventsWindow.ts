import { DAY_SECONDS, epochNow } from '../lifecycle/time';

/** Stripe keeps events for 30 days; inside that window history is exact, before it objects tell it. */
export const EVENTS_RETENTION_SECONDS = 30 * DAY_SECONDS;

/**
 * Where exact event history for a window starting at `from` begins, `margin` inside the 30 days
 * for a reader that reaches its oldest events only after a while (Stripe keeps deleting them).
 */
export function exactHistoryFrom(from: number, margin = 0): number {
	return Math.max(from, epochNow() - EVENTS_RETENTION_SECONDS + margin);
}

/** Whether Stripe may already have deleted events of history that was meant to begin at `eventsFrom`. */
export function eventsPastRetention(eventsFrom: number): boolean {
	return epochNow() - EVENTS_RETENTION_SECONDS > eventsFrom;
}
