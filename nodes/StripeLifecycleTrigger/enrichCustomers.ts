import type { IWebhookFunctions } from 'n8n-workflow';

import type { Activity } from '../shared/lifecycle/types';
import { stripeClient } from '../shared/transport';

interface CustomerObject {
	id: string;
	email?: string | null;
	name?: string | null;
	deleted?: boolean;
}

/**
 * Subscription events carry only a customer id, but playbooks need an address and a name.
 * One read per distinct customer; a failed read keeps the activity and says why in `warnings`.
 */
export async function enrichCustomers(context: IWebhookFunctions, activities: Activity[]): Promise<Activity[]> {
	const missing = [...new Set(activities.filter((a) => a.customer.id && !a.customer.email).map((a) => a.customer.id as string))];
	if (missing.length === 0) return activities;

	const found = new Map<string, CustomerObject>();
	const failures = new Map<string, string>();
	const stripe = await stripeClient(context);
	for (const id of missing) {
		await stripe
			.request<CustomerObject>('GET', `/v1/customers/${encodeURIComponent(id)}`)
			.then((customer) => found.set(id, customer))
			.catch((error: Error) => failures.set(id, `Could not fetch the customer's email and name: ${error.message}`));
	}
	return activities.map((activity) => {
		const id = activity.customer.id as string;
		const customer = found.get(id);
		if (customer && !customer.deleted) {
			return { ...activity, customer: { id, email: customer.email ?? null, name: customer.name ?? activity.customer.name } };
		}
		const failure = failures.get(id);
		return failure ? { ...activity, warnings: [...(activity.warnings ?? []), failure] } : activity;
	});
}
