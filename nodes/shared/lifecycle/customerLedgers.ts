import type Stripe from 'stripe';

import { IdTable, NONE } from './idTable';
import type { ProfilePlan } from './types';

/**
 * What profiles.ts keeps of each customer's subscriptions, charges and paid invoices. A sync's
 * index keeps one ledger per customer of the account between batches (docs/SYNC.md, "Memory"), so
 * ledgers live in typed arrays, not objects: one row of numbers per customer holding its counts,
 * its first currency's totals and its first subscription, with text (ids, statuses, currency codes,
 * plans) stored once and referred to by number. Only a second subscription or currency of a
 * customer is kept as objects. Live heap is what sets when V8 next collects garbage, so an index
 * on the heap made every batch's garbage grow with the account as well; these arrays are outside it.
 */

export interface CurrencyTotal {
	currency: string;
	/** Captured minus refunded, minor units. */
	net: number;
	charges: number;
}

/** What a profile needs of one subscription, with amounts in minor units. */
export interface SubscriptionSummary {
	id: string;
	status: Stripe.Subscription.Status;
	created: number;
	currency: string;
	mrr: number;
	trialEnd: number | null;
	cancelAtPeriodEnd: boolean;
	cancelAt: number | null;
	canceledAt: number | null;
	endedAt: number | null;
	plan: Omit<ProfilePlan, 'amount'> & { amount: number };
}

export type ObjectKind = 'subscriptions' | 'charges' | 'invoices';

/** One customer's ledger as profiles.ts reads it. */
export interface Ledger {
	subscriptions: SubscriptionSummary[];
	/** In the order the currencies were first charged in. */
	totals: CurrencyTotal[];
	firstPaidAt: number | null;
	paidInvoices: number;
	/** Every object seen for the customer, so unjoined ones can be counted as skipped. */
	seen: Record<ObjectKind, number>;
}

/** The columns of a customer's row. Absent values are NaN; absent text is NONE. */
const enum Column {
	FirstPaidAt,
	PaidInvoices,
	SeenSubscriptions,
	SeenCharges,
	SeenInvoices,
	TotalCurrency,
	TotalNet,
	TotalCharges,
	SubscriptionId,
	SubscriptionStatus,
	SubscriptionCreated,
	SubscriptionCurrency,
	SubscriptionMrr,
	SubscriptionTrialEnd,
	SubscriptionCancelAtPeriodEnd,
	SubscriptionCancelAt,
	SubscriptionCanceledAt,
	SubscriptionEndedAt,
	SubscriptionPlan,
	Width,
}

const SEEN_COLUMN = { subscriptions: Column.SeenSubscriptions, charges: Column.SeenCharges, invoices: Column.SeenInvoices } as const;

/**
 * Rows are kept in chunks of this many, added as they fill: one array that doubles would leave its
 * old copy until V8's next full collection and up to half of itself unused (idTable.ts says more).
 */
const ROW_CHUNK_SHIFT = 10;
const ROW_CHUNK_MASK = (1 << ROW_CHUNK_SHIFT) - 1;

/** Where a customer's row starts in its chunk. */
const rowStart = (customer: number) => (customer & ROW_CHUNK_MASK) * Column.Width;

const stored = (value: number | null) => value ?? NaN;
const read = (value: number) => (Number.isNaN(value) ? null : value);

export class CustomerLedgers {
	private readonly customers = new IdTable();
	private readonly subscriptionIds = new IdTable();
	private readonly rowChunks: Float64Array[] = [];
	/** Statuses, currency codes and plans, each once, by number. */
	private readonly texts: unknown[] = [];
	private readonly textNumbers = new Map<string, number>();
	/** A customer's second and later subscriptions and currencies, by the customer's number. */
	private readonly more = new Map<number, { subscriptions: SubscriptionSummary[]; totals: CurrencyTotal[] }>();

	/** Counts one more object of `kind` for the customer and returns its row, made if new. */
	see(customerId: string, kind: ObjectKind): number {
		const known = this.customers.size;
		const customer = this.customers.add(customerId);
		if (customer === known) this.startRow(customer);
		this.chunkOf(customer)[rowStart(customer) + SEEN_COLUMN[kind]] += 1;
		return customer;
	}

	addSubscription(customer: number, summary: SubscriptionSummary): void {
		const [rows, row] = [this.chunkOf(customer), rowStart(customer)];
		if (rows[row + Column.SubscriptionId] !== NONE) {
			this.moreOf(customer).subscriptions.push({ ...summary, status: this.shared(summary.status), currency: this.shared(summary.currency), plan: this.shared(summary.plan) });
			return;
		}
		const set = (column: Column, value: number) => (rows[row + column] = value);
		set(Column.SubscriptionId, this.subscriptionIds.add(summary.id));
		set(Column.SubscriptionStatus, this.textNumber(summary.status));
		set(Column.SubscriptionCreated, summary.created);
		set(Column.SubscriptionCurrency, this.textNumber(summary.currency));
		set(Column.SubscriptionMrr, summary.mrr);
		set(Column.SubscriptionTrialEnd, stored(summary.trialEnd));
		set(Column.SubscriptionCancelAtPeriodEnd, summary.cancelAtPeriodEnd ? 1 : 0);
		set(Column.SubscriptionCancelAt, stored(summary.cancelAt));
		set(Column.SubscriptionCanceledAt, stored(summary.canceledAt));
		set(Column.SubscriptionEndedAt, stored(summary.endedAt));
		set(Column.SubscriptionPlan, this.textNumber(summary.plan));
	}

	/** Adds a payment in `currency` to the customer's totals for that currency. */
	addPayment(customer: number, currency: string, net: number, paidAt: number): void {
		const [rows, row] = [this.chunkOf(customer), rowStart(customer)];
		const code = this.textNumber(currency);
		if (rows[row + Column.TotalCurrency] === NONE) rows[row + Column.TotalCurrency] = code;
		if (rows[row + Column.TotalCurrency] === code) {
			rows[row + Column.TotalNet] += net;
			rows[row + Column.TotalCharges] += 1;
		} else {
			const totals = this.moreOf(customer).totals;
			let total = totals.find((candidate) => candidate.currency === currency);
			if (!total) totals.push((total = { currency: this.shared(currency), net: 0, charges: 0 }));
			total.net += net;
			total.charges += 1;
		}
		addPaidAt(rows, row, paidAt);
	}

	addPaidInvoice(customer: number, paidAt: number): void {
		const [rows, row] = [this.chunkOf(customer), rowStart(customer)];
		rows[row + Column.PaidInvoices] += 1;
		addPaidAt(rows, row, paidAt);
	}

	/** The customer's ledger; an empty one for a customer none of whose objects was added. */
	ledger(customerId: string): Ledger {
		const customer = this.customers.find(customerId);
		if (customer === NONE) return { subscriptions: [], totals: [], firstPaidAt: null, paidInvoices: 0, seen: { subscriptions: 0, charges: 0, invoices: 0 } };
		const [rows, row] = [this.chunkOf(customer), rowStart(customer)];
		const at = (column: Column) => rows[row + column];
		const more = this.more.get(customer);
		const subscriptions = at(Column.SubscriptionId) === NONE ? [] : [this.firstSubscription(rows, row)];
		const totals: CurrencyTotal[] =
			at(Column.TotalCurrency) === NONE ? [] : [{ currency: this.texts[at(Column.TotalCurrency)] as string, net: at(Column.TotalNet), charges: at(Column.TotalCharges) }];
		return {
			subscriptions: more ? subscriptions.concat(more.subscriptions) : subscriptions,
			totals: more ? totals.concat(more.totals) : totals,
			firstPaidAt: read(at(Column.FirstPaidAt)),
			paidInvoices: at(Column.PaidInvoices),
			seen: { subscriptions: at(Column.SeenSubscriptions), charges: at(Column.SeenCharges), invoices: at(Column.SeenInvoices) },
		};
	}

	/** Every customer with a ledger, by id. */
	*customerIds(): Generator<string> {
		for (let customer = 0; customer < this.customers.size; customer++) yield this.customers.get(customer);
	}

	private firstSubscription(rows: Float64Array, row: number): SubscriptionSummary {
		const at = (column: Column) => rows[row + column];
		return {
			id: this.subscriptionIds.get(at(Column.SubscriptionId)),
			status: this.texts[at(Column.SubscriptionStatus)] as Stripe.Subscription.Status,
			created: at(Column.SubscriptionCreated),
			currency: this.texts[at(Column.SubscriptionCurrency)] as string,
			mrr: at(Column.SubscriptionMrr),
			trialEnd: read(at(Column.SubscriptionTrialEnd)),
			cancelAtPeriodEnd: at(Column.SubscriptionCancelAtPeriodEnd) === 1,
			cancelAt: read(at(Column.SubscriptionCancelAt)),
			canceledAt: read(at(Column.SubscriptionCanceledAt)),
			endedAt: read(at(Column.SubscriptionEndedAt)),
			plan: this.texts[at(Column.SubscriptionPlan)] as SubscriptionSummary['plan'],
		};
	}

	/** Rows are only ever appended, so a new one is all zeros until its absent values are marked. */
	private startRow(customer: number): void {
		if (customer >>> ROW_CHUNK_SHIFT === this.rowChunks.length) this.rowChunks.push(new Float64Array(Column.Width << ROW_CHUNK_SHIFT));
		const [rows, row] = [this.chunkOf(customer), rowStart(customer)];
		rows[row + Column.FirstPaidAt] = NaN;
		rows[row + Column.TotalCurrency] = NONE;
		rows[row + Column.SubscriptionId] = NONE;
	}

	/** The chunk that holds the customer's row. */
	private chunkOf(customer: number): Float64Array {
		return this.rowChunks[customer >>> ROW_CHUNK_SHIFT];
	}

	private moreOf(customer: number): { subscriptions: SubscriptionSummary[]; totals: CurrencyTotal[] } {
		let more = this.more.get(customer);
		if (!more) this.more.set(customer, (more = { subscriptions: [], totals: [] }));
		return more;
	}

	/** The number of a status, currency code or plan, equal values sharing one. */
	private textNumber(value: unknown): number {
		const key = typeof value === 'string' ? value : JSON.stringify(value);
		let number = this.textNumbers.get(key);
		if (number === undefined) {
			number = this.texts.push(value) - 1;
			this.textNumbers.set(key, number);
		}
		return number;
	}

	/** The one kept copy of a value equal to `value`: parsed JSON gives every subscription its own. */
	private shared<T>(value: T): T {
		return this.texts[this.textNumber(value)] as T;
	}
}

function addPaidAt(rows: Float64Array, row: number, paidAt: number): void {
	const current = rows[row + Column.FirstPaidAt];
	if (Number.isNaN(current) || paidAt < current) rows[row + Column.FirstPaidAt] = paidAt;
}
