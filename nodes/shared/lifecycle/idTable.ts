/**
 * Strings (Stripe ids; emails and names in customerContacts.ts) numbered 0, 1, 2… in the order they
 * were first added, kept in typed arrays outside V8's heap. A sync's index holds an id for every
 * customer of the account (docs/SYNC.md, "Memory"): as strings in a Map they weighed about 70 bytes
 * each and, being live heap, raised the point at which V8 collects garbage, so the garbage of every
 * batch grew with the account too. Here a string costs its UTF-8 bytes (one per character of an id),
 * 4 bytes for where it starts and 8 to 16 bytes of hash table, none of it on the heap.
 *
 * The bytes go into chunks of a fixed size that are added as they fill, never copied into a larger
 * array: an array that doubles leaves the old one behind until V8's next full collection, and up to
 * half of the new one unused. At 100,000 customers a sync's profile index took 34.0 MB that way and
 * takes 19.4 MB in chunks (docs/SYNC.md, "Memory").
 *
 * UTF-8 is exact for every string Stripe returns; a lone UTF-16 surrogate, which is not Unicode text
 * and which Stripe's JSON does not carry, would come back as U+FFFD.
 */

/** No number: an empty hash slot, an id never added, or (for the tables' users) no value at all. */
export const NONE = -1;

const CHUNK_SHIFT = 16;
const CHUNK_BYTES = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_BYTES - 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class IdTable {
	/** The strings' UTF-8 bytes, one after the other, across chunks of CHUNK_BYTES. */
	private readonly chunks: Uint8Array[] = [];
	/** Where string n starts among the bytes; it ends where string n + 1 starts. */
	private starts = new Int32Array(257);
	/** Open addressing, linear probing: a string's number, or NONE. Kept at most half full. */
	private slots = new Int32Array(512).fill(NONE);
	private count = 0;
	/** The string being looked up, as UTF-8: its first `probeLength` bytes. */
	private probe = new Uint8Array(256);
	private probeLength = 0;

	get size(): number {
		return this.count;
	}

	/** The number of `id`, or NONE when it was never added. */
	find(id: string): number {
		this.encode(id);
		return this.slots[this.slotOfProbe()];
	}

	/** The number of `id`, added now if it is new. */
	add(id: string): number {
		this.encode(id);
		let slot = this.slotOfProbe();
		if (this.slots[slot] !== NONE) return this.slots[slot];
		if (2 * (this.count + 1) > this.slots.length) {
			this.rehash(this.slots.length * 2);
			slot = this.slotOfProbe();
		}
		const number = this.count++;
		const start = this.starts[number];
		this.starts = grown(this.starts, number + 2);
		for (let index = 0; index < this.probeLength; index++) {
			const at = start + index;
			const chunk = at >>> CHUNK_SHIFT;
			if (chunk === this.chunks.length) this.chunks.push(new Uint8Array(CHUNK_BYTES));
			this.chunks[chunk][at & CHUNK_MASK] = this.probe[index];
		}
		this.starts[number + 1] = start + this.probeLength;
		this.slots[slot] = number;
		return number;
	}

	/** The string numbered `number`. */
	get(number: number): string {
		return decoder.decode(this.bytesOf(number));
	}

	/** The bytes of string `number`: where they are kept, or a copy when they span two chunks. */
	private bytesOf(number: number): Uint8Array {
		const start = this.starts[number];
		const end = this.starts[number + 1];
		if (start === end) return new Uint8Array(0);
		const chunk = start >>> CHUNK_SHIFT;
		if (chunk === (end - 1) >>> CHUNK_SHIFT) return this.chunks[chunk].subarray(start & CHUNK_MASK, (start & CHUNK_MASK) + end - start);
		const bytes = new Uint8Array(end - start);
		for (let index = 0; index < bytes.length; index++) bytes[index] = this.byteAt(start + index);
		return bytes;
	}

	/** Puts `id`'s UTF-8 bytes into `probe`. */
	private encode(id: string): void {
		// A character takes at most 3 UTF-8 bytes (a surrogate pair, two characters, takes 4).
		if (this.probe.length < 3 * id.length) this.probe = new Uint8Array(3 * id.length);
		this.probeLength = encoder.encodeInto(id, this.probe).written;
	}

	private byteAt(at: number): number {
		return this.chunks[at >>> CHUNK_SHIFT][at & CHUNK_MASK];
	}

	/** Where the probe is in `slots`, or the empty slot where it would go. */
	private slotOfProbe(): number {
		const mask = this.slots.length - 1;
		for (let slot = hash(this.probe, this.probeLength) & mask; ; slot = (slot + 1) & mask) {
			const number = this.slots[slot];
			if (number === NONE || this.holdsProbe(number)) return slot;
		}
	}

	private holdsProbe(number: number): boolean {
		const start = this.starts[number];
		if (this.starts[number + 1] - start !== this.probeLength) return false;
		for (let index = 0; index < this.probeLength; index++) if (this.byteAt(start + index) !== this.probe[index]) return false;
		return true;
	}

	private rehash(capacity: number): void {
		this.slots = new Int32Array(capacity).fill(NONE);
		const mask = capacity - 1;
		for (let number = 0; number < this.count; number++) {
			const bytes = this.bytesOf(number);
			let slot = hash(bytes, bytes.length) & mask;
			while (this.slots[slot] !== NONE) slot = (slot + 1) & mask;
			this.slots[slot] = number;
		}
	}
}

/** FNV-1a over the first `length` bytes. */
function hash(bytes: Uint8Array, length: number): number {
	let value = 0x811c9dc5;
	for (let index = 0; index < length; index++) value = Math.imul(value ^ bytes[index], 0x01000193);
	return value >>> 0;
}

/** `array`, or a copy twice as long (or `length`, if longer), when it is shorter than `length`. */
export function grown(array: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
	if (array.length >= length) return array;
	const larger = new Int32Array(Math.max(length, array.length * 2));
	larger.set(array);
	return larger;
}
