import type { IWebhookFunctions } from 'n8n-workflow';
import type Stripe from 'stripe';

import type { Activity } from '../shared/lifecycle/types';
import { stripeClient, type StripeClientSettings } from '../shared/transport';

const COULD_NOT_FETCH = "Could not fetch the customer's email and name";

/**
 * Subscription events carry only a customer id, but playbooks need an address and a name.
 * One read per distinct customer. It never throws: the activity matters more than its customer's
 * details (the Playbook fetches what is missing), so a credential that cannot be read or a read
 * that fails keeps the activity and says why in `warnings`.
 */
export async function enrichCustomers(context: IWebhookFunctions, activities: Activity[], settings: StripeClientSettings): Promise<Activity[]> {
	const missing = [...new Set(activities.filter((a) => a.customer.id && !a.customer.email).map((a) => a.customer.id as string))];
	if (missing.length === 0) return activities;

	const found = new Map<string, Stripe.Customer | Stripe.DeletedCustomer>();
	const failures = new Map<string, string>();
	try {
		const stripe = await stripeClient(context, settings);
		for (const id of missing) {
			await stripe.customers
				.retrieve(id)
				.then((customer) => found.set(id, customer))
				.catch((error: Error) => failures.set(id, `${COULD_NOT_FETCH}: ${error.message}`));
		}
	} catch (error) {
		for (const id of missing) failures.set(id, `${COULD_NOT_FETCH}, the Stripe credential could not be read: ${(error as Error).message}`);
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
