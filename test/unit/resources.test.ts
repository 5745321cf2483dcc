import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';

import { RESOURCE_PATHS, resourcePath } from '../../nodes/shared/transport/resources';

const NODES = join(__dirname, '..', '..', 'nodes');
const TABLE = join(NODES, 'shared', 'transport', 'resources.ts');

describe('the resource table', () => {
	it('is the only place in nodes/ that writes a Stripe API path', () => {
		const outside = readdirSync(NODES, { recursive: true, encoding: 'utf8' })
			.filter((file) => file.endsWith('.ts') && join(NODES, file) !== TABLE)
			.flatMap((file) =>
				readFileSync(join(NODES, file), 'utf8')
					.split('\n')
					.map((line, index) => ({ where: `${relative(NODES, join(NODES, file))}:${index + 1}`, line }))
					.filter(({ line }) => /['"`]\/v1\//.test(line)),
			)
			.map(({ where }) => where);
		expect(outside).toEqual([]);
	});

	it('plans paths with the id encoded, so an id cannot reach another path', () => {
		expect(resourcePath('customers', 'cus_1/../../v1/charges')).toBe(`${RESOURCE_PATHS.customers}/cus_1%2F..%2F..%2Fv1%2Fcharges`);
		expect(resourcePath('invoices')).toBe('/v1/invoices');
	});
});
