/**
 * Stripe reads request parameters as PHP/Rails-style form fields, in the query string for GET
 * and DELETE and in an application/x-www-form-urlencoded body for POST:
 * `metadata[key]=v`, `expand[]=data.customer`, `items[0][price]=price_1`, `created[gte]=1`.
 */
export type StripeParamValue =
	| string
	| number
	| boolean
	| null
	| undefined
	| StripeParamValue[]
	| { [key: string]: StripeParamValue };

export type StripeParams = Record<string, StripeParamValue>;

export function encodeStripeParams(params: StripeParams): string {
	const pairs: string[] = [];
	for (const [key, value] of Object.entries(params)) appendPairs(pairs, key, value);
	return pairs.join('&');
}

function appendPairs(pairs: string[], key: string, value: StripeParamValue): void {
	if (value === undefined) return;
	if (value === null) {
		// Stripe clears a field when it receives an empty string.
		pairs.push(`${encode(key)}=`);
	} else if (Array.isArray(value)) {
		// Arrays of scalars use `a[]`, arrays of objects need indices so fields stay grouped.
		value.forEach((entry, index) => {
			const isObject = entry !== null && typeof entry === 'object';
			appendPairs(pairs, isObject ? `${key}[${index}]` : `${key}[]`, entry);
		});
	} else if (typeof value === 'object') {
		for (const [child, childValue] of Object.entries(value)) {
			appendPairs(pairs, `${key}[${child}]`, childValue);
		}
	} else {
		pairs.push(`${encode(key)}=${encode(String(value))}`);
	}
}

/** Brackets stay readable, as in stripe-node; everything else is percent-encoded. */
function encode(text: string): string {
	return encodeURIComponent(text).replace(/%5B/g, '[').replace(/%5D/g, ']');
}
