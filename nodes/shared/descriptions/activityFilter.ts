import type { INodeProperties } from 'n8n-workflow';

import type { ActivityCategory } from '../lifecycle/types';

/** Category and single-activity pickers, shared by the trigger and the backfill so both offer the same taxonomy. */
export function activityFilterProperties(
	show: Record<string, string[]> | undefined,
	defaultCategories: ActivityCategory[],
): INodeProperties[] {
	return [
		{
			displayName: 'Categories',
			name: 'categories',
			type: 'multiOptions',
			options: [
				{ name: 'Charges', value: 'charge', description: 'Payments succeeded, failed, refunded or disputed' },
				{ name: 'Customers', value: 'customer', description: 'Customers created, updated or deleted' },
				{ name: 'Invoices', value: 'invoice', description: 'Invoices paid, failed, upcoming or needing action' },
				{ name: 'Subscriptions', value: 'subscription', description: 'Starts, changes, cancellations, pauses and past-due' },
				{ name: 'Trials', value: 'trial', description: 'Trials started, ending, converted, expired or cancelled' },
			],
			default: [...defaultCategories],
			description: 'Every activity of these categories',
			displayOptions: show && { show },
		},
		{
			displayName: 'Single Activities',
			name: 'activities',
			type: 'multiOptions',
			options: [
				{ name: 'Charge Disputed', value: 'charge.disputed', description: 'A customer disputed a payment' },
				{ name: 'Charge Failed', value: 'charge.failed', description: 'A payment failed' },
				{ name: 'Charge Refunded', value: 'charge.refunded', description: 'A payment was refunded, in full or in part' },
				{ name: 'Charge Succeeded', value: 'charge.succeeded', description: 'A payment succeeded' },
				{ name: 'Customer Created', value: 'customer.created', description: 'A customer was created' },
				{ name: 'Customer Deleted', value: 'customer.deleted', description: 'A customer was deleted' },
				{ name: 'Customer Updated', value: 'customer.updated', description: 'A customer\'s details changed' },
				{ name: 'Invoice Paid', value: 'invoice.paid', description: 'An invoice was paid' },
				{ name: 'Invoice Payment Action Required', value: 'invoice.payment_action_required', description: 'The customer must authenticate the payment (3D Secure)' },
				{ name: 'Invoice Payment Failed', value: 'invoice.payment_failed', description: 'An invoice payment attempt failed (dunning)' },
				{ name: 'Invoice Upcoming', value: 'invoice.upcoming', description: 'An invoice will be created soon (renewal notice)' },
				{ name: 'Subscription Cancel Scheduled', value: 'subscription.cancel_scheduled', description: 'Cancellation scheduled for the period end or a date' },
				{ name: 'Subscription Cancelled', value: 'subscription.cancelled', description: 'A paid subscription ended (churn)' },
				{ name: 'Subscription Changed', value: 'subscription.changed', description: 'Plan, price or quantity changed; direction tells upgrade or downgrade' },
				{ name: 'Subscription Past Due', value: 'subscription.past_due', description: 'A renewal payment failed and the subscription is past due' },
				{ name: 'Subscription Paused', value: 'subscription.paused', description: 'Collection paused' },
				{ name: 'Subscription Reactivated', value: 'subscription.reactivated', description: 'A scheduled cancellation was undone' },
				{ name: 'Subscription Resumed', value: 'subscription.resumed', description: 'Collection resumed' },
				{ name: 'Subscription Started', value: 'subscription.started', description: 'A paid subscription started without a trial' },
				{ name: 'Trial Cancelled', value: 'trial.cancelled', description: 'A subscription was cancelled during its trial' },
				{ name: 'Trial Converted', value: 'trial.converted', description: 'A trial became a paid, active subscription' },
				{ name: 'Trial Ending', value: 'trial.ending', description: 'Stripe\'s three-day notice before a trial ends, while still trialing' },
				{ name: 'Trial Expired', value: 'trial.expired', description: 'A trial ended without payment' },
				{ name: 'Trial Started', value: 'trial.started', description: 'A subscription entered its trial' },
			],
			default: [],
			description: 'These activities too, in addition to the categories above. Clear the categories to get only these.',
			displayOptions: show && { show },
		},
	];
}
