import { parseRateTable } from '../../nodes/shared/lifecycle/rates';

describe('parseRateTable', () => {
	it('reads CODE=rate lists separated by commas, semicolons or lines, in any case', () => {
		expect(parseRateTable('USD', 'EUR=1.08, jpy: 0.0067;\nGBP=1.27')).toEqual({ currency: 'usd', rates: { eur: 1.08, jpy: 0.0067, gbp: 1.27 } });
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
	])('rejects %p / %p with a message saying how to write it', (currency, text, message) => {
		const result = parseRateTable(currency, text);
		expect('error' in result && result.error).toMatch(message);
	});
});
