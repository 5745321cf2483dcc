/**
 * Stripe's form encoding (application/x-www-form-urlencoded, also used for GET query strings):
 * `a[b][c]=1` nests objects, `arr[]=x` appends, `arr[0][k]=v` addresses array elements.
 * Values stay strings; the spec validator decides what they mean.
 */

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
	[key: string]: FormValue;
}

/** One key of a form body split into its bracket segments: `items[0][price]` → ['items', '0', 'price']. */
function splitKey(key: string): string[] | null {
	const open = key.indexOf('[');
	if (open === -1) return [key];
	const segments = [key.slice(0, open)];
	const rest = key.slice(open);
	const pattern = /\[([^[\]]*)\]/y;
	let consumed = 0;
	while (consumed < rest.length) {
		pattern.lastIndex = consumed;
		const match = pattern.exec(rest);
		if (!match) return null;
		segments.push(match[1]);
		consumed = pattern.lastIndex;
	}
	return segments;
}

export class FormSyntaxError extends Error {
	constructor(readonly key: string) {
		super(`Invalid parameter name: ${key}`);
	}
}

/** Parses a urlencoded string into nested objects/arrays the way Stripe reads it. */
export function parseForm(encoded: string): FormObject {
	const root: FormObject = {};
	if (!encoded) return root;
	// Arrays written with explicit indices may arrive sparse or out of order; remember index → slot.
	const indexSlots = new Map<FormValue[], Map<string, number>>();
	for (const pair of encoded.split('&')) {
		if (!pair) continue;
		const eq = pair.indexOf('=');
		const rawKey = eq === -1 ? pair : pair.slice(0, eq);
		const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
		const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
		const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
		const segments = splitKey(key);
		if (!segments || segments[0] === '') throw new FormSyntaxError(key);
		let container: FormObject | FormValue[] = root;
		for (let i = 0; i < segments.length; i++) {
			const segment = segments[i];
			const last = i === segments.length - 1;
			const nextIsArray = !last && (segments[i + 1] === '' || /^\d+$/.test(segments[i + 1]));
			const fresh = (): FormValue => (last ? value : nextIsArray ? [] : {});
			if (Array.isArray(container)) {
				let slot: number;
				if (segment === '') {
					slot = container.length;
					container.push(fresh());
				} else {
					let slots = indexSlots.get(container);
					if (!slots) indexSlots.set(container, (slots = new Map()));
					const known = slots.get(segment);
					if (known === undefined) {
						slot = container.length;
						slots.set(segment, slot);
						container.push(fresh());
					} else slot = known;
				}
				if (last) container[slot] = value;
				else container = descend(container[slot], key);
			} else {
				if (last) container[segment] = value;
				else {
					if (!(segment in container)) container[segment] = fresh();
					container = descend(container[segment], key);
				}
			}
		}
	}
	return root;
}

function descend(value: FormValue, key: string): FormObject | FormValue[] {
	if (typeof value === 'string') throw new FormSyntaxError(key);
	return value;
}

/** Encodes nested params like stripe-node does (arrays with indices), for tests and clients. */
export function encodeForm(params: Record<string, unknown>): string {
	const parts: string[] = [];
	const walk = (prefix: string, value: unknown): void => {
		if (value === undefined) return;
		if (Array.isArray(value)) value.forEach((item, i) => walk(`${prefix}[${i}]`, item));
		else if (value !== null && typeof value === 'object') {
			for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}[${k}]` : k, v);
		} else parts.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(value === null ? '' : String(value))}`);
	};
	walk('', params);
	return parts.join('&');
}

/** The leaf keys of parsed params in Stripe's bracket notation (`metadata[plan]`, `expand[0]`), for logs. */
export function paramKeys(params: FormObject): string[] {
	const keys: string[] = [];
	const walk = (prefix: string, value: FormValue): void => {
		if (typeof value === 'string') keys.push(prefix);
		else if (Array.isArray(value)) value.forEach((item, i) => walk(`${prefix}[${i}]`, item));
		else for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}[${k}]` : k, v);
	};
	walk('', params);
	return keys;
}
