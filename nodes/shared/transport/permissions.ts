import type { ListedResourceName } from './resources';

/**
 * The restricted-key permissions this package needs (README.md, "Create the restricted key"), as
 * Stripe names them in its 403 messages and as the Dashboard labels them on the restricted-key form.
 */
export type RequiredPermission = {
	/** Stripe's internal name, e.g. `rak_subscription_read`, quoted in its 403 messages. */
	permission: string;
	/** Resource as labelled on Dashboard → Developers → API keys → restricted key → Edit. */
	resource: string;
	/** What the package uses it for, shown when it is missing. */
	usedFor: string;
} & (
	/** The resource whose cheapest call needs exactly this permission: a one-object page for Read, a create for Write. */
	{ access: 'Read'; probe: ListedResourceName } | { access: 'Write'; probe: 'webhookEndpoints' }
);

export const REQUIRED_PERMISSIONS: RequiredPermission[] = [
	{ permission: 'rak_customer_read', resource: 'Customers', access: 'Read', probe: 'customers', usedFor: 'profiles, audiences and the email and name on activities' },
	{ permission: 'rak_subscription_read', resource: 'Subscriptions', access: 'Read', probe: 'subscriptions', usedFor: 'trials, plans, MRR and churn' },
	{ permission: 'rak_invoice_read', resource: 'Invoices', access: 'Read', probe: 'invoices', usedFor: 'dunning, receipts and paid-invoice counts' },
	{ permission: 'rak_charge_read', resource: 'Charges', access: 'Read', probe: 'charges', usedFor: 'payments, lifetime value and the payment report' },
	{ permission: 'rak_refund_read', resource: 'Refunds', access: 'Read', probe: 'refunds', usedFor: 'refunds in the payment report' },
	{ permission: 'rak_dispute_read', resource: 'Disputes', access: 'Read', probe: 'disputes', usedFor: 'disputes in the payment report' },
	{ permission: 'rak_event_read', resource: 'Events', access: 'Read', probe: 'events', usedFor: 'exact activity history for the last 30 days' },
	{ permission: 'rak_product_read', resource: 'Products', access: 'Read', probe: 'products', usedFor: 'plan and product names' },
	{ permission: 'rak_plan_read', resource: 'Prices', access: 'Read', probe: 'prices', usedFor: 'plan amounts and intervals' },
	{ permission: 'rak_coupon_read', resource: 'Coupons', access: 'Read', probe: 'coupons', usedFor: 'discounts in MRR' },
	{ permission: 'rak_webhook_write', resource: 'Webhook Endpoints', access: 'Write', probe: 'webhookEndpoints', usedFor: 'registering the trigger webhook automatically' },
];

export const GRANT_PERMISSION_HINT =
	'In the Stripe Dashboard open Developers → API keys, choose your restricted key, click Edit, and set';

export function describePermission(permission: string): string {
	const known = REQUIRED_PERMISSIONS.find((entry) => entry.permission === permission);
	return known ? `${known.resource}: ${known.access}` : permission;
}
