/**
 * Strings (Stripe ids; emails and names in customerContacts.ts) numbered 0, 1, 2… in the order they
 * were first added, kept in typed arrays outside V8's heap. A sync's index holds an id for every
 * customer of the account (docs/SYNC.md, "Memory"): as strings in a Map they weighed about 70 bytes
 * each and, being live heap, raised the point at which V8 collects garbage, so the garbage of every
 * batch grew with the account too. Here a string costs its characters (2 bytes each), 4 bytes for
 * where it starts and 8 to 16 bytes of hash table, none of it on the heap.
 */

/** No number: an empty hash slot, an id never added, or (for the tables' users) no value at all. */
export const NONE = -1;

export class IdTable {
	/** The ids' characters, one after the other. */
	private chars = new Uint16Array(1024);
	/** Where id n starts in `chars`; id n ends where id n + 1 starts. */
	private starts = new Int32Array(257);
	/** Open addressing, linear probing: an id's number, or NONE. Kept at most half full. */
	private slots = new Int32Array(512).fill(NONE);
	private count = 0;

	get size(): number {
		return this.count;
	}

	/** The number of `id`, or NONE when it was never added. */
	find(id: string): number {
		const slot = this.slotOf(id);
		return this.slots[slot];
	}

	/** The number of `id`, added now if it is new. */
	add(id: string): number {
		let slot = this.slotOf(id);
		if (this.slots[slot] !== NONE) return this.slots[slot];
		if (2 * (this.count + 1) > this.slots.length) {
			this.rehash(this.slots.length * 2);
			slot = this.slotOf(id);
		}
		const number = this.count++;
		const start = this.starts[number];
		this.starts = grown(this.starts, number + 2);
		this.chars = grown(this.chars, start + id.length);
		for (let index = 0; index < id.length; index++) this.chars[start + index] = id.charCodeAt(index);
		this.starts[number + 1] = start + id.length;
		this.slots[slot] = number;
		return number;
	}

	/** The id numbered `number`. */
	get(number: number): string {
		return String.fromCharCode(...this.chars.subarray(this.starts[number], this.starts[number + 1]));
	}

	/** Where `id` is in `slots`, or the empty slot where it would go. */
	private slotOf(id: string): number {
		const mask = this.slots.length - 1;
		for (let slot = hash(id) & mask; ; slot = (slot + 1) & mask) {
			const number = this.slots[slot];
			if (number === NONE || this.holds(number, id)) return slot;
		}
	}

	private holds(number: number, id: string): boolean {
		const start = this.starts[number];
		if (this.starts[number + 1] - start !== id.length) return false;
		for (let index = 0; index < id.length; index++) if (this.chars[start + index] !== id.charCodeAt(index)) return false;
		return true;
	}

	private rehash(capacity: number): void {
		this.slots = new Int32Array(capacity).fill(NONE);
		const mask = capacity - 1;
		for (let number = 0; number < this.count; number++) {
			let slot = hash(this.get(number)) & mask;
			while (this.slots[slot] !== NONE) slot = (slot + 1) & mask;
			this.slots[slot] = number;
		}
	}
}

/** FNV-1a over the UTF-16 code units. */
function hash(id: string): number {
	let value = 0x811c9dc5;
	for (let index = 0; index < id.length; index++) value = Math.imul(value ^ id.charCodeAt(index), 0x01000193);
	return value >>> 0;
}

/** `array`, or a copy twice as long (or `length`, if longer), when it is shorter than `length`. */
export function grown<T extends Uint16Array | Int32Array | Float64Array>(array: T, length: number): T {
	if (array.length >= length) return array;
	const larger = new (array.constructor as new (length: number) => T)(Math.max(length, array.length * 2));
	larger.set(array);
	return larger;
}
