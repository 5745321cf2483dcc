import type { RateTable } from './types';

/**
 * Reads a rate table written the way people write it, `EUR=1.08, JPY=0.0067`: how many units
 * of the reporting currency one unit of each currency is worth. Returns a message on bad input.
 */
export function parseRateTable(reportingCurrency: string, text: string): RateTable | { error: string } {
	const currency = reportingCurrency.trim().toLowerCase();
	if (!/^[a-z]{3}$/.test(currency)) {
		return { error: `"${reportingCurrency}" is not a three-letter currency code; use e.g. usd` };
	}
	const rates: Record<string, number> = {};
	for (const entry of text.split(/[,;\n]/).map((part) => part.trim()).filter(Boolean)) {
		// The number as digits[.digits] or .digits: one way to match each, so a long entry is read in one pass.
		const match = /^([A-Za-z]{3})\s*[=:]\s*([0-9]+(?:\.[0-9]+)?|\.[0-9]+)$/.exec(entry);
		const rate = match ? Number(match[2]) : NaN;
		if (!match || !(rate > 0)) {
			return { error: `Cannot read the rate "${entry}"; write each as CODE=rate, e.g. EUR=1.08, JPY=0.0067` };
		}
		rates[match[1].toLowerCase()] = rate;
	}
	return { currency, rates };
}
