import { parseRateTable } from '../../nodes/shared/lifecycle/rates';

describe('parseRateTable', () => {
	it('reads CODE=rate lists separated by commas, semicolons or lines, in any case', () => {
		expect(parseRateTable('USD', 'EUR=1.08, jpy: 0.0067;\nGBP=1.27')).toEqual({ currency: 'usd', rates: { eur: 1.08, jpy: 0.0067, gbp: 1.27 } });
	});

	it('reads a rate written with or without a leading zero', () => {
		expect(parseRateTable('usd', 'EUR=.5, GBP=1.25, JPY=7')).toEqual({ currency: 'usd', rates: { eur: 0.5, gbp: 1.25, jpy: 7 } });
	});

	// Shapes that make a backtracking number pattern such as [0-9]*\.?[0-9]+$ run for minutes; jest's per-test timeout is the bound.
	it.each([
		['digits', `EUR=${'1'.repeat(1024 * 1024)}x`],
		['decimals', `EUR=0.${'0'.repeat(1024 * 1024)}x`],
	])('rejects a megabyte of %s that does not end as a number at once', (_what, text) => {
		const result = parseRateTable('usd', text);
		expect('error' in result && result.error).toMatch(/write each as CODE=rate/);
	});

	it('accepts an empty list', () => {
		expect(parseRateTable('eur', ' ')).toEqual({ currency: 'eur', rates: {} });
	});

	it.each([
		['US', 'EUR=1', /"US" is not a three-letter currency code/],
		['usd', 'EUR=', /Cannot read the rate "EUR="/],
		['usd', 'EUR=-1', /Cannot read the rate "EUR=-1"/],
		['usd', 'EUR=0', /Cannot read the rate "EUR=0"/],
		['usd', 'euro=1.1', /write each as CODE=rate/],
		['usd', 'EUR=1.', /Cannot read the rate "EUR=1."/],
		['usd', 'EUR=1.0.8', /Cannot read the rate "EUR=1.0.8"/],
	])('rejects %p / %p with a message saying how to write it', (currency, text, message) => {
		const result = parseRateTable(currency, text);
		expect('error' in result && result.error).toMatch(message);
	});
});
