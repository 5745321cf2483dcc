import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { compose, type ComposeOptions } from '../shared/lifecycle/playbook/compose';
import { subjectFromActivity, subjectFromProfile, type PlaybookSubject, type ProfileLike } from '../shared/lifecycle/playbook/context';
import { decide, precheck, SKIP_REASONS, type DecideOptions, type SkipReason } from '../shared/lifecycle/playbook/decide';
import { isPlaybookStep, type PlaybookStep } from '../shared/lifecycle/playbook/steps';
import { ACTIVITIES, type Activity } from '../shared/lifecycle/types';
import { parameterError } from '../shared/execution/errors';
import { choiceOf } from '../shared/execution/options';
import { runPerItem, type ItemResult } from '../shared/execution/perItem';
import { stripeClient } from '../shared/transport';
import type { StripeApi } from '../shared/transport/resources';
import { claimEndpointFor, claimOnce } from '../shared/webhook/claims';
import { ContextFetcher } from './contextFetcher';
import { PLAYBOOK_OPERATIONS, playbookProperties } from './properties';
import { stripeCredentials } from '../shared/descriptions/authentication';

/**
 * Guard entries live per workflow, not per node: deleting and re-adding the node (a new node id)
 * must not make it mail every customer again. The key names the step, so two Playbook nodes of
 * one workflow share a guard only when they run the same step for the same customer, which is
 * exactly the mail that must not go out twice.
 */
const GUARD_SCOPE = 'workflow';
const SEND = 0;
const SKIP = 1;

interface StepSettings {
	step: PlaybookStep;
	guard: boolean;
	guardAcrossProcesses: boolean;
	decide: DecideOptions;
	fetch: { optOutMetadataKey: string; locale: string };
	compose: ComposeOptions;
}

export class StripePlaybook implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Stripe Playbook',
		name: 'stripePlaybook',
		icon: { light: 'file:../../icons/stripe.svg', dark: 'file:../../icons/stripe.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{"Run step: " + $parameter["step"]}}',
		description: `Decide whether a lifecycle email (welcome, trial ending, dunning, win-back, receipt…) applies to a Stripe activity or customer profile, and compose it for a mail node. Send carries one valid recipient address; Skip carries the reason: ${SKIP_REASONS.join(', ')}`,
		defaults: { name: 'Stripe Playbook' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Send', 'Skip'],
		credentials: stripeCredentials,
		properties: playbookProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const run = choiceOf(RUNS, this.getNodeParameter('operation', 0));
		if (!run) {
			throw parameterError(this, `The operation "${String(this.getNodeParameter('operation', 0))}" is not supported`, 'Choose the Operation again from its list: the workflow names one this version of the node does not have.');
		}
		return await run(this);
	}
}

/** One handler per entry of the Operation field (properties.ts), so neither can go without the other. */
const RUNS: Record<keyof typeof PLAYBOOK_OPERATIONS, (context: IExecuteFunctions) => Promise<INodeExecutionData[][]>> = { runStep };

/**
 * Per item: map it to the core's subject, skip early when the item alone says so, read the
 * missing context (one cached GET at most), decide, compose, and only then record the guard,
 * so an item that fails before its Send output never burns its guard entry.
 */
async function runStep(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// Created on the first item, inside the loop, so a bad credential becomes an error item under continue-on-fail.
	let fetcher: Promise<{ fetcher: ContextFetcher; live: boolean; stripe: StripeApi }> | undefined;
	let claimEndpoint: Promise<string | undefined> | undefined;

	// Like n8n's If and Filter nodes, a failed item leaves on the "false" branch: here Skip.
	return await runPerItem(context, { outputs: 2, errorOutput: SKIP }, async (itemIndex, { json: input }) => {
		fetcher ??= stripeClient(context).then((stripe) => ({ fetcher: new ContextFetcher(stripe), live: stripe.mode === 'live', stripe }));
		const { fetcher: contextFetcher, live, stripe } = await fetcher;
		const settings = readSettings(context, itemIndex, live);
		const skipped = (reason: SkipReason, message: string, subject: PlaybookSubject, dedupeKey: string | null = null): ItemResult[] => [
			{ output: SKIP, json: { step: settings.step, reason, message, customerId: subject.customer.id, dedupeKey, item: input } },
		];

		let subject = subjectFromItem(context, input, itemIndex);
		const early = precheck(settings.step, subject, settings.decide);
		if (!early.send) return skipped(early.reason, early.message, subject);
		subject = await contextFetcher.complete(settings.step, subject, settings.fetch);
		const decision = decide(settings.step, subject, settings.decide);
		if (!decision.send) return skipped(decision.reason, decision.message, subject);
		const message = compose(settings.step, subject, settings.compose);
		if (settings.guard) {
			const guard = await context.helpers.checkProcessedAndRecord([message.dedupeKey], GUARD_SCOPE, { mode: 'entries' });
			if (guard.processed.length > 0) {
				return skipped('already_sent', `This ${settings.step} email was already sent (guard key ${message.dedupeKey}).`, subject, message.dedupeKey);
			}
			if (settings.guardAcrossProcesses) {
				const workflowId = String(context.getWorkflow().id);
				claimEndpoint ??= claimEndpointFor(stripe, workflowId);
				const endpointId = await claimEndpoint;
				const claim = { key: `playbook|${workflowId}|${message.dedupeKey}`, claimant: `${context.getExecutionId()}|${itemIndex}` };
				const claimed = await (endpointId ? claimOnce(stripe, endpointId, claim) : Promise.reject(noClaimEndpointError(context, itemIndex))).catch(
					async (error: unknown) => {
						// Not claimed means not sent: give the guard entry back so a retry can send it.
						await context.helpers.removeProcessed([message.dedupeKey], GUARD_SCOPE, { mode: 'entries' });
						throw error;
					},
				);
				if (!claimed) {
					return skipped('already_sent', `Another execution claimed this ${settings.step} email in Stripe within the last 24 hours (guard key ${message.dedupeKey}); if that execution failed, send this one by hand.`, subject, message.dedupeKey);
				}
			}
		}
		return [{ output: SEND, json: { step: settings.step, ...message } as unknown as IDataObject }];
	});
}

function readSettings(context: IExecuteFunctions, itemIndex: number, live: boolean): StepSettings {
	const step = context.getNodeParameter('step', itemIndex) as string;
	if (!isPlaybookStep(step)) throw parameterError(context, `Unknown playbook step "${step}"`, 'Choose a step from the Step list; an expression must return one of its values, e.g. welcome.', itemIndex);
	const text = (name: string) => String(context.getNodeParameter(name, itemIndex, '') ?? '').trim();
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const option = (name: string) => (typeof options[name] === 'string' ? (options[name] as string) : '');
	const optOutMetadataKey = text('optOutMetadataKey');
	const locale = option('locale').trim();
	const brandName = text('brandName');
	if (!brandName) {
		throw parameterError(context, 'Brand Name is empty', 'Set the Brand Name parameter: subjects and sign-offs name your product.', itemIndex);
	}
	return {
		step,
		guard: context.getNodeParameter('guard', itemIndex, true) as boolean,
		guardAcrossProcesses: context.getNodeParameter('guardAcrossProcesses', itemIndex, false) as boolean,
		decide: {
			liveWorkflow: live,
			skipTestEvents: context.getNodeParameter('skipTestMode', itemIndex, true) as boolean,
			// Empty turns the check off (the core's null), unlike an absent key (the core's default).
			optOutMetadataKey: optOutMetadataKey || null,
		},
		fetch: { optOutMetadataKey, locale },
		compose: {
			brandName,
			senderName: text('senderName'),
			productUrl: text('productUrl'),
			billingPortalUrl: text('billingPortalUrl'),
			paymentUpdateUrl: text('paymentUpdateUrl'),
			signOff: String(context.getNodeParameter('signOff', itemIndex, '') ?? ''),
			locale,
			defaultLocale: option('defaultLocale').trim() || undefined,
			timeZone: option('timeZone').trim() || context.getTimezone(),
			overrides: { subject: option('subject'), text: option('text'), html: option('html') },
		},
	};
}

/** An activity (trigger or backfill) or a profile (audience, customer lookup); anything else is a wiring mistake. */
function subjectFromItem(context: IExecuteFunctions, json: IDataObject, itemIndex: number): PlaybookSubject {
	if (typeof json.activity === 'string' && json.activity in ACTIVITIES && isObject(json.customer)) {
		return subjectFromActivity(json as unknown as Activity);
	}
	if (typeof json.id === 'string' && typeof json.status === 'string' && !('activity' in json)) {
		return subjectFromProfile(json as unknown as ProfileLike);
	}
	throw parameterError(
		context,
		'The item is neither a Stripe activity nor a customer profile',
		'Connect the Stripe Lifecycle Trigger, the Stripe Lifecycle node (Activity → Get Many, Audience → Get Members or Customer → Get Profile) in front of this node, or pass their items unchanged.',
		itemIndex,
	);
}

function noClaimEndpointError(context: IExecuteFunctions, itemIndex: number): NodeOperationError {
	return parameterError(
		context,
		'No webhook endpoint of this package to hold the guard across processes',
		'Hold the Guard Across Processes claims each email on a webhook endpoint that a Stripe Lifecycle Trigger registered. Activate a workflow with the trigger in this Stripe account, or turn the option off when one n8n process runs this workflow.',
		itemIndex,
	);
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
