import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { toNodeError } from '../../../shared/transport';
import { StripeApiError } from '../../../shared/transport/errors';
import { GRANT_PERMISSION_HINT, REQUIRED_PERMISSIONS, type RequiredPermission } from '../../../shared/transport/permissions';
import type { StripeClient } from '../../../shared/transport/stripeClient';
import type { OperationResult } from '../router';

export const description: INodeProperties[] = [];

/**
 * Reads need a GET; the webhook Write permission is probed with a create that lacks its
 * required `url`: Stripe checks permissions first, so a 400 proves Write without creating anything.
 */
async function probe(this: IExecuteFunctions, stripe: StripeClient, entry: RequiredPermission): Promise<boolean> {
	try {
		if (entry.access === 'Write') {
			await stripe.request('POST', entry.probe.path, {});
		} else {
			await stripe.request('GET', entry.probe.path, { limit: 1 });
		}
		return true;
	} catch (error) {
		if (error instanceof StripeApiError && error.httpCode === 403) return false;
		if (entry.access === 'Write' && error instanceof StripeApiError && error.httpCode === 400) return true;
		throw toNodeError(this, error);
	}
}

export async function execute(this: IExecuteFunctions, stripe: StripeClient): Promise<OperationResult[]> {
	const rows: OperationResult[] = [];
	for (const entry of REQUIRED_PERMISSIONS) {
		const granted = await probe.call(this, stripe, entry);
		rows.push({
			json: {
				permission: entry.permission,
				resource: entry.resource,
				access: entry.access,
				granted,
				usedFor: entry.usedFor,
				fix: granted ? null : `${GRANT_PERMISSION_HINT} ${entry.resource} to ${entry.access}.`,
			},
		});
	}
	return rows;
}
