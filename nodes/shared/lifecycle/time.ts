import { DateTime } from 'luxon';

export const DAY_SECONDS = 86_400;

/** Stripe timestamps are epoch seconds; activities and profiles carry ISO 8601 in UTC. */
export function isoFromEpoch(seconds: number | null | undefined): string | null {
	if (seconds === null || seconds === undefined) return null;
	return DateTime.fromSeconds(seconds, { zone: 'utc' }).toISO({ suppressMilliseconds: true });
}

export function epochNow(): number {
	return Math.floor(Date.now() / 1000);
}

/** Whole days from `from` to `to` (epoch seconds), rounded up so "ends in 2.1 days" reads as 3. */
export function daysBetween(from: number, to: number): number {
	return Math.ceil((to - from) / DAY_SECONDS);
}

/** A date for people, in a locale and an IANA time zone (invalid zones fall back to UTC). */
export function formatDate(seconds: number, locale = 'en-US', zone = 'UTC'): string {
	let date = DateTime.fromSeconds(seconds, { zone });
	if (!date.isValid) date = DateTime.fromSeconds(seconds, { zone: 'utc' });
	return date.setLocale(locale).toLocaleString(DateTime.DATE_FULL);
}
