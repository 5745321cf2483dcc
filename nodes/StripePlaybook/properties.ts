import type { INodeProperties } from 'n8n-workflow';

import { authenticationProperty } from '../shared/descriptions/authentication';
import { keyOf, optionsFrom } from '../shared/execution/options';
import { DEFAULT_OPT_OUT_METADATA_KEY } from '../shared/lifecycle/playbook/decide';

/**
 * The Stripe Playbook node's parameters. Descriptions are written for people and for AI agents
 * alike (the node is usable as a tool), so each one says what the value changes in the mail.
 */

const PLACEHOLDER_HINT =
	'Placeholders in double curly braces are filled per customer: {{firstName}}, {{name}}, {{email}}, {{brandName}}, {{senderName}}, {{signOff}}, {{planName}}, {{planPrice}}, {{billingPeriod}}, {{amount}}, {{invoiceNumber}}, {{invoiceUrl}}, {{attemptCount}}, {{nextRetryDate}}, {{trialEndDate}}, {{trialDaysLeft}}, {{periodEndDate}}, {{productUrl}}, {{billingPortalUrl}}, {{paymentUpdateUrl}}. Keep the field in Fixed mode: in Expression mode n8n would read the braces itself.';

/** The Operation field's entries; the node keeps one handler per key (StripePlaybook.node.ts). */
export const PLAYBOOK_OPERATIONS = {
	runStep: {
		option: { name: 'Run Step', action: 'Run a playbook step', description: 'Decide whether a lifecycle email applies to the item and compose it' },
	},
};

export const playbookProperties: INodeProperties[] = [
	authenticationProperty,
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: optionsFrom(PLAYBOOK_OPERATIONS),
		default: keyOf(PLAYBOOK_OPERATIONS, 'runStep'),
	},
	{
		displayName: 'Step',
		name: 'step',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Cancellation Win-Back',
				value: 'cancellation_winback',
				description: 'Ask a cancelling or churned customer to stay or come back. Takes subscription cancel scheduled or cancelled activities, or profiles.',
			},
			{
				name: 'Payment Failed (Dunning)',
				value: 'payment_failed',
				description: 'Ask to update the card; the tone escalates with each payment attempt. Takes invoice payment failed activities or past-due profiles.',
			},
			{
				name: 'Payment Recovered',
				value: 'payment_recovered',
				description: 'Confirm that a failed payment went through after all. Takes invoice paid activities.',
			},
			{
				name: 'Plan Changed',
				value: 'plan_changed',
				description: 'Confirm an upgrade or downgrade. Takes subscription changed activities.',
			},
			{
				name: 'Receipt',
				value: 'receipt',
				description: 'Thank the customer for a payment. Takes invoice paid activities.',
			},
			{
				name: 'Trial Converted',
				value: 'trial_converted',
				description: 'Thank a customer whose trial became a paid subscription. Takes trial converted activities.',
			},
			{
				name: 'Trial Ending',
				value: 'trial_ending',
				description: 'Remind a trialing customer before the trial ends. Takes trial ending activities or trialing profiles.',
			},
			{
				name: 'Welcome',
				value: 'welcome',
				description: 'Welcome a new trial or subscription. Takes trial started or subscription started activities, or trialing and active profiles.',
			},
		],
		default: 'welcome',
		description: 'Which lifecycle email to decide on and compose. Input items are activities from the Stripe Lifecycle Trigger or the activity backfill, or customer profiles from an audience.',
	},
	{
		displayName: 'Brand Name',
		name: 'brandName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Acme',
		description: 'Your product or company name as customers know it; it appears in subjects and the sign-off',
	},
	{
		displayName: 'Sender Name',
		name: 'senderName',
		type: 'string',
		default: '',
		placeholder: 'Anna from Acme',
		description: 'Who signs the email; empty signs as "The (brand name) team"',
	},
	{
		displayName: 'Product URL',
		name: 'productUrl',
		type: 'string',
		default: '',
		placeholder: 'https://app.example.com',
		description: 'Where customers log in; linked from welcome and conversion emails. Only http(s) links are used.',
	},
	{
		displayName: 'Billing Portal URL',
		name: 'billingPortalUrl',
		type: 'string',
		default: '',
		placeholder: 'https://billing.stripe.com/p/login/…',
		description: 'Where customers manage their subscription (e.g. a Stripe customer portal login link)',
	},
	{
		displayName: 'Payment Update URL',
		name: 'paymentUpdateUrl',
		type: 'string',
		default: '',
		description: 'Where customers update their card; dunning emails fall back to the hosted invoice, then the billing portal',
	},
	{
		displayName: 'Sign-Off',
		name: 'signOff',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		placeholder: 'Thanks,\nAnna',
		description: 'Closing lines of every email; empty uses "Thanks," and the sender name',
	},
	{
		displayName: 'Send Once (Guard)',
		name: 'guard',
		type: 'boolean',
		default: true,
		description:
			"Whether to remember each email in n8n's deduplication store, so a retried or replayed event, a re-run or a re-activated workflow never sends it twice (once per customer per step; per invoice for receipts, per payment attempt for dunning). The email is recorded when this node outputs it on Send: if the email node after it fails, resend that one by hand.",
	},
	{
		displayName: 'Hold the Guard Across Processes',
		name: 'guardAcrossProcesses',
		type: 'boolean',
		default: false,
		description:
			"Whether to also claim each email in Stripe before it leaves on Send, so two n8n processes running the same step for the same customer at the same moment (queue mode) send it once. n8n's deduplication store alone cannot tell them apart. Costs one write request per email to a webhook endpoint of this package (a Stripe Lifecycle Trigger must be active in the account).",
		displayOptions: { show: { guard: [true] } },
	},
	{
		displayName: 'Skip Test-Mode Items in Live Workflows',
		name: 'skipTestMode',
		type: 'boolean',
		default: true,
		description: "Whether to skip items from Stripe test mode when the credential holds a live key (rk_live_ or sk_live_), so test customers never get real emails. With a test key, test-mode items are always processed.",
	},
	{
		displayName: 'Opt-Out Metadata Key',
		name: 'optOutMetadataKey',
		type: 'string',
		default: DEFAULT_OPT_OUT_METADATA_KEY,
		description: "Customer metadata key that, when set to true, yes, on or 1, means the customer receives no lifecycle email. Empty turns the check off.",
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Default Locale',
				name: 'defaultLocale',
				type: 'string',
				default: 'en-US',
				description: 'Locale for customers without a preferred locale in Stripe; it formats dates and amounts',
			},
			{
				displayName: 'HTML Override',
				name: 'html',
				type: 'string',
				typeOptions: { rows: 8 },
				default: '',
				description: 'Replaces the built-in HTML body; values are HTML-escaped. Without a Text Override the text body is derived from it.',
				hint: PLACEHOLDER_HINT,
			},
			{
				displayName: 'Locale',
				name: 'locale',
				type: 'string',
				default: '',
				placeholder: 'de-DE',
				description: "Formats dates and amounts in this locale for every customer instead of their own preferred locale (the built-in copy stays English)",
			},
			{
				displayName: 'Subject Override',
				name: 'subject',
				type: 'string',
				default: '',
				description: 'Replaces the built-in subject',
				hint: PLACEHOLDER_HINT,
			},
			{
				displayName: 'Text Override',
				name: 'text',
				type: 'string',
				typeOptions: { rows: 6 },
				default: '',
				description: 'Replaces the built-in plain-text body; without an HTML Override the HTML body is derived from it',
				hint: PLACEHOLDER_HINT,
			},
			{
				displayName: 'Time Zone',
				name: 'timeZone',
				type: 'string',
				default: '',
				placeholder: 'Europe/Berlin',
				description: "IANA time zone for the dates in emails; empty uses the workflow's time zone",
			},
		],
	},
];
