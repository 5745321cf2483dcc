import { encodeStripeParams } from '../../nodes/shared/transport/formEncoding';

describe('encodeStripeParams', () => {
	it('encodes scalars, nested objects and arrays the way Stripe parses them', () => {
		const encoded = encodeStripeParams({
			url: 'https://n8n.example.com/webhook/a b?x=1',
			enabled_events: ['customer.created', 'invoice.paid'],
			metadata: { managed_by: 'n8n-nodes-stripe-lifecycle', workflow_id: '42' },
			created: { gte: 100, lt: 200 },
			connect: true,
		});
		expect(decodeURIComponent(encoded).split('&')).toEqual([
			'url=https://n8n.example.com/webhook/a b?x=1',
			'enabled_events[]=customer.created',
			'enabled_events[]=invoice.paid',
			'metadata[managed_by]=n8n-nodes-stripe-lifecycle',
			'metadata[workflow_id]=42',
			'created[gte]=100',
			'created[lt]=200',
			'connect=true',
		]);
		expect(encoded).toContain('url=https%3A%2F%2Fn8n.example.com%2Fwebhook%2Fa%20b%3Fx%3D1');
	});

	it('indexes arrays of objects so their fields stay together', () => {
		expect(encodeStripeParams({ items: [{ price: 'price_1', quantity: 2 }, { price: 'price_2' }] })).toBe(
			'items[0][price]=price_1&items[0][quantity]=2&items[1][price]=price_2',
		);
	});

	it('drops undefined, sends null as an empty value (Stripe clears the field), keeps zero and false', () => {
		expect(encodeStripeParams({ a: undefined, b: null, c: 0, d: false, expand: ['data.customer'] })).toBe(
			'b=&c=0&d=false&expand[]=data.customer',
		);
	});

	it('encodes reserved characters inside values and keys', () => {
		expect(encodeStripeParams({ metadata: { 'a&b': 'x=y&z' } })).toBe('metadata[a%26b]=x%3Dy%26z');
	});
});
