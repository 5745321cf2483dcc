import { grown, IdTable, NONE } from './idTable';

export interface Contact {
	email: string | null;
	name: string | null;
}

/**
 * Customer id → email and name, for the backfill's activities whose object does not carry them
 * (docs/SYNC.md, "Memory"). A sync keeps one for every customer of the account, so ids and texts
 * are kept in typed arrays outside V8's heap (idTable.ts), where they do not raise the point at
 * which V8 collects each batch's garbage.
 */
export class CustomerContacts {
	private readonly customers = new IdTable();
	private readonly texts = new IdTable();
	/** Per customer number: its email's and its name's text numbers, or NONE. */
	private refs = new Int32Array(512);

	get size(): number {
		return this.customers.size;
	}

	set(customerId: string, contact: Contact): void {
		const customer = this.customers.add(customerId);
		this.refs = grown(this.refs, 2 * (customer + 1));
		this.refs[2 * customer] = contact.email === null ? NONE : this.texts.add(contact.email);
		this.refs[2 * customer + 1] = contact.name === null ? NONE : this.texts.add(contact.name);
	}

	get(customerId: string): Contact | undefined {
		const customer = this.customers.find(customerId);
		if (customer === NONE) return undefined;
		const text = (ref: number) => (ref === NONE ? null : this.texts.get(ref));
		return { email: text(this.refs[2 * customer]), name: text(this.refs[2 * customer + 1]) };
	}
}
