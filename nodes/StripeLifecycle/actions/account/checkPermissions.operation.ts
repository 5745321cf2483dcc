import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type Stripe from 'stripe';

import { toNodeError } from '../../../shared/transport';
import { StripeApiError } from '../../../shared/transport/errors';
import { GRANT_PERMISSION_HINT, REQUIRED_PERMISSIONS, type RequiredPermission } from '../../../shared/transport/permissions';
import type { StripeApi } from '../../../shared/transport/resources';
import type { Choice } from '../../../shared/execution/options';
import type { OperationResult } from '../operation';

export const option: Choice = {
	name: 'Check Permissions',
	description: 'Check that the credential\'s key has every permission this package needs, one row per permission',
	action: 'Check key permissions',
};

export const description: INodeProperties[] = [];

/**
 * Reads need a GET; the webhook Write permission is probed with a create that lacks its
 * required `url`: Stripe checks permissions first, so a 400 proves Write without creating anything.
 */
async function probe(this: IExecuteFunctions, stripe: StripeApi, entry: RequiredPermission): Promise<boolean> {
	try {
		if (entry.access === 'Write') {
			// Deliberately without the parameters Stripe requires: the answer must be a refusal.
			await stripe[entry.probe].create({} as Stripe.WebhookEndpointCreateParams);
		} else {
			await stripe[entry.probe].page({ limit: 1 });
		}
		return true;
	} catch (error) {
		if (error instanceof StripeApiError && error.httpCode === 403) return false;
		if (entry.access === 'Write' && error instanceof StripeApiError && error.httpCode === 400) return true;
		throw toNodeError(this, error);
	}
}

export async function execute(this: IExecuteFunctions, stripe: StripeApi): Promise<OperationResult[]> {
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
