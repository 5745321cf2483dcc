/**
 * Account → Check Permissions against the emulator, whose restricted keys answer Stripe's 403
 * naming the rak_ permission: one row per documented permission, and exactly the missing one
 * not granted. A key with exactly the documented permissions also passes the credential test
 * request (GET /v1/webhook_endpoints?limit=1).
 */
import { StripeRestrictedKeyApi } from '../../credentials/StripeRestrictedKeyApi.credentials';
import { REQUIRED_PERMISSIONS } from '../../nodes/shared/transport/permissions';
import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { DOCUMENTED_PERMISSIONS, startDemoAccount, type DemoAccount } from './support/demoAccount';
import { runNode } from '../../dev/n8nCoreRunner';

let demo: DemoAccount;

beforeAll(async () => {
	// Permissions do not depend on data; a small account keeps the seed quick.
	demo = await startDemoAccount({ customers: 5 });
});

afterAll(async () => {
	await demo.close();
});

function checkPermissions(permissions = DOCUMENTED_PERMISSIONS) {
	return runNode({ node: new StripeLifecycle(), parameters: { resource: 'account', operation: 'checkPermissions' }, credentials: demo.credentials(permissions) });
}

describe('Account → Check Permissions', () => {
	it('grants every documented permission to a key that has exactly them', async () => {
		const [rows] = await checkPermissions();

		expect(rows.map((row) => row.json.permission)).toEqual(REQUIRED_PERMISSIONS.map((entry) => entry.permission));
		expect(rows.filter((row) => row.json.granted !== true)).toEqual([]);
	});

	it('passes the credential test request with only the documented permissions', async () => {
		const { request } = new StripeRestrictedKeyApi().test;
		const { apiKey } = demo.credentials().stripeRestrictedKeyApi;
		expect(request).toMatchObject({ url: '/v1/webhook_endpoints', qs: { limit: 1 } });

		const response = await fetch(`${demo.emulator.url}/v1/webhook_endpoints?limit=1`, { headers: { Authorization: `Bearer ${String(apiKey)}` } });

		expect(response.status).toBe(200);
	});

	it('reports the one missing permission by its rak_ name with where to grant it', async () => {
		const { subscriptions: _missing, ...allButSubscriptions } = DOCUMENTED_PERMISSIONS;

		const [rows] = await checkPermissions(allButSubscriptions);

		expect(rows).toHaveLength(REQUIRED_PERMISSIONS.length);
		const denied = rows.filter((row) => row.json.granted === false).map((row) => row.json);
		expect(denied).toEqual([
			expect.objectContaining({ permission: 'rak_subscription_read', fix: expect.stringContaining('Developers → API keys') }),
		]);
		expect(String(denied[0].fix)).toContain('Subscriptions to Read');
	});
});
