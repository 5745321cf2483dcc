import {
	currencyExponent,
	formatMoney,
	money,
	safeLocale,
	toMajorUnits,
	toMinorUnits,
} from '../../nodes/shared/lifecycle/money';

const NBSP = '\u00a0';

describe('currencyExponent', () => {
	it.each([
		['usd', 2],
		['EUR', 2],
		['jpy', 0],
		['KRW', 0],
		['bhd', 3],
		['kwd', 3],
	])('%s has %i decimals', (currency, exponent) => {
		expect(currencyExponent(currency)).toBe(exponent);
	});
});

describe('money', () => {
	it.each([
		// minor, currency, locale, value, formatted
		[1250, 'usd', 'en-US', 12.5, '$12.50'],
		[123456, 'eur', 'de-DE', 1234.56, `1.234,56${NBSP}€`],
		[1250, 'jpy', 'ja-JP', 1250, '￥1,250'],
		[1250, 'jpy', 'en-US', 1250, '¥1,250'],
		[55000, 'krw', 'en-US', 55000, '₩55,000'],
		[1234, 'bhd', 'en-US', 1.234, `BHD${NBSP}1.234`],
		[1234567, 'kwd', 'de-DE', 1234.567, `1.234,567${NBSP}KWD`],
		[1999, 'usd', 'ja-JP', 19.99, '$19.99'],
	])('%i %s in %s', (minor, currency, locale, value, formatted) => {
		expect(money(minor, currency, locale)).toEqual({ minor, value, currency, formatted });
	});

	it('lower-cases the currency as Stripe sends it and defaults to en-US', () => {
		expect(money(500, 'USD')).toEqual({ minor: 500, value: 5, currency: 'usd', formatted: '$5.00' });
	});

	it('formats negative amounts (refunds, credits)', () => {
		expect(formatMoney(-1250, 'usd', 'en-US')).toBe('-$12.50');
	});

	it('falls back to en-US for a locale tag Intl rejects', () => {
		expect(safeLocale('not a locale!')).toBe('en-US');
		expect(formatMoney(1250, 'usd', 'not a locale!')).toBe('$12.50');
		expect(safeLocale(undefined)).toBe('en-US');
	});
});

describe('toMajorUnits / toMinorUnits', () => {
	it('round-trips without binary artefacts', () => {
		expect(toMajorUnits(30, 'usd')).toBe(0.3);
		expect(toMinorUnits(0.1 + 0.2, 'usd')).toBe(30);
		expect(toMinorUnits(1.234, 'kwd')).toBe(1234);
		expect(toMinorUnits(1250, 'jpy')).toBe(1250);
		expect(toMajorUnits(1, 'bhd')).toBe(0.001);
	});
});
