import { CustomerLedgers, type SubscriptionSummary } from '../../nodes/shared/lifecycle/customerLedgers';
import { IdTable } from '../../nodes/shared/lifecycle/idTable';
import { CustomerContacts } from '../../nodes/shared/lifecycle/customerContacts';

describe('IdTable', () => {
	it('numbers ids in the order they were first added and gives each back, across many growths', () => {
		const table = new IdTable();
		const ids = Array.from({ length: 20_000 }, (_, index) => `cus_${index.toString(36).padStart(14, '0')}`);
		expect(ids.map((id) => table.add(id))).toEqual(ids.map((_, index) => index));
		// Added again, an id keeps its number.
		expect(table.add(ids[12_345])).toBe(12_345);
		expect(table.size).toBe(20_000);
		expect(ids.every((id, index) => table.find(id) === index && table.get(index) === id)).toBe(true);
	});

	it('tells apart ids that differ only in length or in one character, and finds nothing for an unknown one', () => {
		const table = new IdTable();
		for (const id of ['cus_1', 'cus_12', 'cus_2', '', 'cus_é', 'cus_e']) table.add(id);
		expect(['cus_1', 'cus_12', 'cus_2', '', 'cus_é', 'cus_e'].map((id) => table.find(id))).toEqual([0, 1, 2, 3, 4, 5]);
		expect(table.get(4)).toBe('cus_é');
		expect(table.find('cus_123')).toBe(-1);
		expect(table.find('cus_')).toBe(-1);
	});

	it('gives back strings that span the chunks its bytes are kept in, multi-byte characters split across them included', () => {
		const table = new IdTable();
		// 7 bytes each, a 3-byte character first: the one starting at byte 65,534 has that character split by the 64 KiB boundary.
		const texts = Array.from({ length: 20_000 }, (_, index) => `€${index.toString(36).padStart(4, '0')}`);
		const long = `${'x'.repeat(70_000)}😀`;
		const numbers = [...texts, long, '李雷 😀'].map((text) => table.add(text));
		expect([...texts, long, '李雷 😀'].every((text, index) => table.get(numbers[index]) === text && table.find(text) === numbers[index])).toBe(true);
	});
});

describe('CustomerLedgers', () => {
	const plan = { priceId: 'price_1', productId: 'prod_1', productName: 'Pro', interval: 'month', intervalCount: 1, amount: 2900 } as const;
	const summary = (overrides: Partial<SubscriptionSummary> = {}): SubscriptionSummary => ({
		id: 'sub_1',
		status: 'active',
		created: 1_700_000_000,
		currency: 'usd',
		mrr: 2416.6666666666665,
		trialEnd: null,
		cancelAtPeriodEnd: false,
		cancelAt: null,
		canceledAt: null,
		endedAt: null,
		plan: { ...plan },
		...overrides,
	});

	it('gives back every field of a subscription as it was added, nulls included, and the later ones after the first', () => {
		const ledgers = new CustomerLedgers();
		const first = summary({ trialEnd: 1_700_100_000, cancelAtPeriodEnd: true, cancelAt: 1_700_200_000 });
		const second = summary({ id: 'sub_2', status: 'canceled', currency: 'eur', mrr: 0, canceledAt: 1_600_000_000, endedAt: 1_600_000_100 });
		const customer = ledgers.see('cus_1', 'subscriptions');
		ledgers.addSubscription(customer, first);
		ledgers.addSubscription(ledgers.see('cus_1', 'subscriptions'), second);
		expect(ledgers.ledger('cus_1')).toEqual({ subscriptions: [first, second], totals: [], firstPaidAt: null, paidInvoices: 0, seen: { subscriptions: 2, charges: 0, invoices: 0 } });
	});

	it('keeps one plan, status and currency for all subscriptions that have equal ones', () => {
		const ledgers = new CustomerLedgers();
		for (const id of ['cus_1', 'cus_2']) ledgers.addSubscription(ledgers.see(id, 'subscriptions'), summary());
		ledgers.addSubscription(ledgers.see('cus_2', 'subscriptions'), summary({ id: 'sub_3' }));
		const [one, two, three] = [...ledgers.ledger('cus_1').subscriptions, ...ledgers.ledger('cus_2').subscriptions];
		expect(one.plan).toBe(two.plan);
		expect(three.plan).toBe(one.plan);
	});

	it('sums payments per currency in the order the currencies were first paid in, and keeps the earliest payment', () => {
		const ledgers = new CustomerLedgers();
		const pay = (currency: string, net: number, at: number) => ledgers.addPayment(ledgers.see('cus_1', 'charges'), currency, net, at);
		pay('usd', 1000, 1_700_000_300);
		pay('eur', 500, 1_700_000_200);
		pay('usd', -250, 1_700_000_400);
		pay('gbp', 2_500_000_000_000, 1_700_000_500);
		pay('eur', 700, 1_700_000_600);
		ledgers.addPaidInvoice(ledgers.see('cus_1', 'invoices'), 1_700_000_100);
		expect(ledgers.ledger('cus_1')).toEqual({
			subscriptions: [],
			totals: [
				{ currency: 'usd', net: 750, charges: 2 },
				{ currency: 'eur', net: 1200, charges: 2 },
				{ currency: 'gbp', net: 2_500_000_000_000, charges: 1 },
			],
			firstPaidAt: 1_700_000_100,
			paidInvoices: 1,
			seen: { subscriptions: 0, charges: 5, invoices: 1 },
		});
	});

	it('counts objects seen for a customer that has nothing else, and has an empty ledger for one never seen', () => {
		const ledgers = new CustomerLedgers();
		ledgers.see('cus_gone', 'invoices');
		ledgers.see('cus_gone', 'charges');
		expect(ledgers.ledger('cus_gone').seen).toEqual({ subscriptions: 0, charges: 1, invoices: 1 });
		expect(ledgers.ledger('cus_never')).toEqual({ subscriptions: [], totals: [], firstPaidAt: null, paidInvoices: 0, seen: { subscriptions: 0, charges: 0, invoices: 0 } });
		expect([...ledgers.customerIds()]).toEqual(['cus_gone']);
	});

	it('keeps the ledgers of many customers apart as its arrays grow', () => {
		const ledgers = new CustomerLedgers();
		for (let index = 0; index < 5_000; index++) {
			const customer = ledgers.see(`cus_${index}`, 'subscriptions');
			ledgers.addSubscription(customer, summary({ id: `sub_${index}`, created: index }));
			ledgers.addPayment(customer, 'usd', index, 1_700_000_000 + index);
		}
		const ledger = ledgers.ledger('cus_4321');
		expect(ledger.subscriptions).toEqual([summary({ id: 'sub_4321', created: 4321 })]);
		expect(ledger.totals).toEqual([{ currency: 'usd', net: 4321, charges: 1 }]);
		expect(ledger.firstPaidAt).toBe(1_700_004_321);
	});
});

describe('CustomerContacts', () => {
	it('gives back each customer’s email and name, nulls included, and nothing for an unknown customer', () => {
		const contacts = new CustomerContacts();
		contacts.set('cus_1', { email: 'ada@example.com', name: 'Ada Lovelace' });
		contacts.set('cus_2', { email: null, name: '李雷' });
		contacts.set('cus_3', { email: 'shared@example.com', name: null });
		contacts.set('cus_4', { email: 'shared@example.com', name: 'Ada Lovelace' });
		expect(['cus_1', 'cus_2', 'cus_3', 'cus_4', 'cus_5'].map((id) => contacts.get(id))).toEqual([
			{ email: 'ada@example.com', name: 'Ada Lovelace' },
			{ email: null, name: '李雷' },
			{ email: 'shared@example.com', name: null },
			{ email: 'shared@example.com', name: 'Ada Lovelace' },
			undefined,
		]);
		expect(contacts.size).toBe(4);
	});

	it('keeps the last contact given for a customer', () => {
		const contacts = new CustomerContacts();
		contacts.set('cus_1', { email: 'old@example.com', name: 'Old' });
		for (let index = 0; index < 3_000; index++) contacts.set(`cus_${index + 2}`, { email: `c${index}@example.com`, name: null });
		contacts.set('cus_1', { email: 'new@example.com', name: null });
		expect(contacts.get('cus_1')).toEqual({ email: 'new@example.com', name: null });
		expect(contacts.get('cus_2001')).toEqual({ email: 'c1999@example.com', name: null });
	});
});
