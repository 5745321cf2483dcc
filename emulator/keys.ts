/**
 * API keys and restricted-key permissions. Secret keys may do everything in their mode; restricted
 * keys carry Read/Write/None per resource, and a missing permission answers Stripe's 403 naming the
 * `rak_…` permission the request needed.
 */
import { randomBytes } from 'node:crypto';
import { expiredApiKey, invalidApiKey, missingApiKey, permissionDenied } from './errors';
import type { Mode } from './store';

export type Access = 'none' | 'read' | 'write';

/** The permission rows of Stripe's restricted-key editor that the emulated endpoints need. */
export type PermissionResource =
	| 'account'
	| 'charges'
	| 'coupons'
	| 'customers'
	| 'disputes'
	| 'events'
	| 'invoices'
	| 'prices'
	| 'products'
	| 'refunds'
	| 'subscriptions'
	| 'webhook_endpoints';

/**
 * The name Stripe uses in `rak_<name>_read|write`. Prices keep their historical name `plan`, and
 * webhook endpoints are the "All webhook resources" row, `webhook`.
 */
export const PERMISSION_NAMES: Record<PermissionResource, string> = {
	account: 'account',
	charges: 'charge',
	coupons: 'coupon',
	customers: 'customer',
	disputes: 'dispute',
	events: 'event',
	invoices: 'invoice',
	prices: 'plan',
	products: 'product',
	refunds: 'refund',
	subscriptions: 'subscription',
	webhook_endpoints: 'webhook',
};

export type Permissions = Partial<Record<PermissionResource, Access>>;

export interface ApiKey {
	secret: string;
	mode: Mode;
	kind: 'secret' | 'restricted';
	/** Only for restricted keys; absent rows mean None. */
	permissions?: Permissions;
	/** Connect OAuth access tokens act as the connected account that granted them. */
	account?: string;
}

export class KeyRing {
	private readonly keys = new Map<string, ApiKey>();
	/** Tokens of deauthorized Connect accounts: Stripe answers them as expired, not unknown. */
	private readonly revoked = new Set<string>();

	revoke(secret: string): void {
		if (this.keys.delete(secret)) this.revoked.add(secret);
	}

	add(key: ApiKey): ApiKey {
		this.keys.set(key.secret, key);
		return key;
	}

	/** A new key with Stripe's shape: `sk_test_…`, `rk_live_…`. */
	create(kind: ApiKey['kind'], mode: Mode, permissions?: Permissions, secret?: string): ApiKey {
		const prefix = `${kind === 'secret' ? 'sk' : 'rk'}_${mode}_`;
		return this.add({
			secret: secret ?? prefix + '51Emu' + randomBytes(36).toString('base64url').replace(/[-_]/g, 'x').slice(0, 94),
			mode,
			kind,
			permissions: kind === 'restricted' ? { ...permissions } : undefined,
		});
	}

	/** Reads the key from `Authorization: Bearer …` or Basic auth (key as user), as Stripe accepts both. */
	authenticate(authorization: string | undefined): ApiKey {
		if (!authorization) throw missingApiKey();
		let secret = '';
		const [scheme, credentials = ''] = authorization.split(' ', 2);
		if (/^bearer$/i.test(scheme)) secret = credentials.trim();
		else if (/^basic$/i.test(scheme)) secret = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
		if (!secret) throw missingApiKey();
		const key = this.keys.get(secret);
		if (!key) throw this.revoked.has(secret) ? expiredApiKey(secret) : invalidApiKey(secret);
		return key;
	}
}

/** Throws Stripe's 403 when a restricted key lacks the access. Write implies read. */
export function authorize(key: ApiKey, account: string, resource: PermissionResource, access: 'read' | 'write'): void {
	if (key.kind === 'secret') return;
	const granted = key.permissions?.[resource] ?? 'none';
	if (granted === 'write' || (granted === 'read' && access === 'read')) return;
	throw permissionDenied(key.secret, account, `rak_${PERMISSION_NAMES[resource]}_${access}`);
}
