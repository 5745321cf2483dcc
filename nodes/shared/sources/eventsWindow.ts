import { DAY_SECONDS, epochNow } from '../lifecycle/time';

/** Stripe keeps events for 30 days; inside that window history is exact, before it objects tell it. */
export const EVENTS_RETENTION_SECONDS = 30 * DAY_SECONDS;

/** Where exact event history for a window starting at `from` begins. */
export function exactHistoryFrom(from: number): number {
	return Math.max(from, epochNow() - EVENTS_RETENTION_SECONDS);
}
