/**
 * Decodes the `flatted` format n8n stores execution data in (the REST API returns it as is).
 * The payload is a JSON array of "slots"; slot 0 is the root. Inside any object or array of a slot,
 * every string is the decimal index of another slot, which lets the format represent shared and
 * circular references. Slots that are plain strings are the actual string values.
 * Written here instead of depending on the `flatted` package, which this repository does not ship.
 */
export function parseFlatted(text: string): unknown {
	const slots = JSON.parse(text) as unknown[];
	const revived = new Map<number, unknown>();

	const revive = (index: number): unknown => {
		if (revived.has(index)) return revived.get(index);
		const slot = slots[index];
		if (slot === null || typeof slot !== 'object') return slot;
		const output: Record<string, unknown> | unknown[] = Array.isArray(slot) ? [] : {};
		// Registered before descending so that cycles resolve to the same object.
		revived.set(index, output);
		for (const [key, value] of Object.entries(slot)) {
			(output as Record<string, unknown>)[key] = typeof value === 'string' ? revive(Number(value)) : value;
		}
		return output;
	};

	return revive(0);
}
