import { encodeForm, paramKeys, parseForm } from '../../emulator/form';
import { specIndex } from '../../emulator/openapi';

describe('form parsing', () => {
	it('nests objects, appends arrays and addresses indexed elements', () => {
		const parsed = parseForm('metadata[plan]=pro&expand[]=data.customer&expand[]=data.items&items[0][price]=p1&items[0][quantity]=2&items[1][price]=p2&created[gte]=10&name=A+B%26C');
		expect(parsed).toEqual({
			metadata: { plan: 'pro' },
			expand: ['data.customer', 'data.items'],
			items: [{ price: 'p1', quantity: '2' }, { price: 'p2' }],
			created: { gte: '10' },
			name: 'A B&C',
		});
		expect(paramKeys(parsed)).toContain('items[1][price]');
	});

	it('round-trips what encodeForm writes', () => {
		const params = { a: { b: ['x', 'y'] }, c: 1 };
		expect(parseForm(encodeForm(params))).toEqual({ a: { b: ['x', 'y'] }, c: '1' });
	});
});

describe('spec validation', () => {
	const spec = specIndex();

	it('answers an unknown path or method with Stripe 404', () => {
		expect(() => spec.match('GET', '/v1/foo')).toThrow('Unrecognized request URL (GET: /v1/foo).');
		expect(() => spec.match('DELETE', '/v1/charges')).toThrow('Unrecognized request URL (DELETE: /v1/charges).');
		expect(spec.match('GET', '/v1/customers/search').operation.template).toBe('/v1/customers/search');
		expect(spec.match('GET', '/v1/customers/cus_1').pathParams).toEqual({ customer: 'cus_1' });
	});

	it('rejects unknown top-level and nested parameters by name', () => {
		const list = spec.match('GET', '/v1/customers').operation;
		expect(() => spec.validate(list, parseForm('foo=1'))).toThrow('Received unknown parameter: foo');
		expect(() => spec.validate(list, parseForm('created[after]=1'))).toThrow('Received unknown parameter: created[after]');
		expect(() => spec.validate(list, parseForm('created[gte]=1&email=a@b.c&expand[0]=data.subscriptions'))).not.toThrow();
		const create = spec.match('POST', '/v1/customers').operation;
		expect(() => spec.validate(create, parseForm('metadata[anything]=x&address[city]=Berlin'))).not.toThrow();
		expect(() => spec.validate(create, parseForm('address[planet]=Mars'))).toThrow('Received unknown parameter: address[planet]');
	});

	it('checks integers, booleans and enums', () => {
		const list = spec.match('GET', '/v1/subscriptions').operation;
		expect(() => spec.validate(list, parseForm('limit=ten'))).toThrow('Invalid integer: ten');
		expect(() => spec.validate(list, parseForm('status=sleeping'))).toThrow(/Invalid status: must be one of active, all/);
		expect(() => spec.validate(spec.match('GET', '/v1/products').operation, parseForm('active=yes'))).toThrow('Invalid boolean: yes');
	});

	it('accepts the pinned API version through spec-additions only where listed', () => {
		const create = spec.match('POST', '/v1/webhook_endpoints').operation;
		expect(() => spec.validate(create, parseForm('url=https://x.test&enabled_events[0]=*&api_version=2026-10-28.endive'))).not.toThrow();
		expect(() => spec.validate(create, parseForm('url=https://x.test&enabled_events[0]=*&api_version=2031-01-01'))).toThrow(/Invalid api_version/);
		expect(spec.knownApiVersions.has('2026-10-28.endive')).toBe(true);
	});
});
