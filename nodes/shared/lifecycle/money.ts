/**
 * Stripe amounts are integers in the currency's minor unit. The exponent is not always 2:
 * Stripe documents zero-decimal and three-decimal currencies separately.
 * https://docs.stripe.com/currencies#zero-decimal
 */
const ZERO_DECIMAL = new Set([
	'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf',
	'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

export interface Money {
	/** Stripe's integer amount in the currency's minor unit. */
	minor: number;
	/** The amount in major units, e.g. 12.5 for 1250 USD cents. */
	value: number;
	/** Lower-case ISO 4217 code as Stripe sends it. */
	currency: string;
	/** Localized text, e.g. "$12.50" or "¥1,250". */
	formatted: string;
}

/** Decimal places Stripe uses for the currency's minor unit. */
export function currencyExponent(currency: string): number {
	const code = currency.toLowerCase();
	if (ZERO_DECIMAL.has(code)) return 0;
	if (THREE_DECIMAL.has(code)) return 3;
	return 2;
}

export function toMajorUnits(minor: number, currency: string): number {
	const exponent = currencyExponent(currency);
	// Rounding to the exponent avoids binary artefacts such as 0.1 + 0.2 leaking into CRM fields.
	return Number((minor / 10 ** exponent).toFixed(exponent));
}

export function toMinorUnits(value: number, currency: string): number {
	return Math.round(value * 10 ** currencyExponent(currency));
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats a minor-unit amount for people, in the given BCP 47 locale (default en-US). */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
	const exponent = currencyExponent(currency);
	const key = `${locale}|${currency}`;
	let formatter = formatters.get(key);
	if (!formatter) {
		formatter = new Intl.NumberFormat(safeLocale(locale), {
			style: 'currency',
			currency: currency.toUpperCase(),
			// Intl's own digits for a currency can differ from Stripe's exponent (e.g. ISK, HUF).
			minimumFractionDigits: exponent,
			maximumFractionDigits: exponent,
		});
		formatters.set(key, formatter);
	}
	return formatter.format(toMajorUnits(minor, currency));
}

export function money(minor: number, currency: string, locale?: string): Money {
	return {
		minor,
		value: toMajorUnits(minor, currency),
		currency: currency.toLowerCase(),
		formatted: formatMoney(minor, currency, locale),
	};
}

/** Stripe's `preferred_locales` may hold tags Intl does not know; fall back rather than throw. */
export function safeLocale(locale: string | undefined | null): string {
	if (!locale) return 'en-US';
	try {
		return Intl.getCanonicalLocales(locale)[0] ?? 'en-US';
	} catch {
		return 'en-US';
	}
}
