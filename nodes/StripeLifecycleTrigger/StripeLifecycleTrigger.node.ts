import { randomUUID } from 'crypto';
import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { ACTIVITIES, type Activity, type ActivityName } from '../shared/lifecycle/types';
import { parameterError } from '../shared/execution/errors';
import { stripeEventsFor } from '../shared/lifecycle/activities';
import { credentialInfo, stripeClient, toNodeError } from '../shared/transport';
import { claimOnce } from '../shared/webhook/claims';
import { dedupeStoreFor, releaseDedupeStore } from '../shared/webhook/dedupe';
import { handleDelivery } from '../shared/webhook/delivery';
import {
	adoptStoredEndpoint,
	deleteEndpoint,
	deleteEndpointsOf,
	registerEndpoint,
	type EndpointSpec,
	type StoredEndpoint,
} from '../shared/webhook/endpoints';
import { authenticationProperty, stripeCredentials } from '../shared/descriptions/authentication';
import { enrichCustomers } from './enrichCustomers';
import { triggerProperties } from './triggerProperties';

type WebhookKind = 'production' | 'test';

/**
 * The endpoint this process registered or adopted last. It wins over static data, which the
 * webhook may see in an older saved state (e.g. after n8n restarts and re-registers); static
 * data serves processes that never ran create, such as queue-mode webhook processors.
 */
const endpointsInThisProcess = new Map<string, StoredEndpoint>();

function endpointKey(context: IHookFunctions | IWebhookFunctions, kind: WebhookKind): string {
	return `${context.getWorkflow().id}|${context.getNode().id}|${kind}`;
}

function storedEndpoints(context: IHookFunctions | IWebhookFunctions): Partial<Record<WebhookKind, StoredEndpoint>> {
	const data = context.getWorkflowStaticData('node');
	data.endpoints ??= {};
	return data.endpoints as Partial<Record<WebhookKind, StoredEndpoint>>;
}

function selectedActivities(context: IHookFunctions | IWebhookFunctions): Set<ActivityName> {
	const categories = context.getNodeParameter('categories', []) as string[];
	const singles = context.getNodeParameter('activities', []) as ActivityName[];
	const selected = new Set<ActivityName>(singles);
	for (const [activity, category] of Object.entries(ACTIVITIES)) {
		if (categories.includes(category)) selected.add(activity as ActivityName);
	}
	return selected;
}

function isAutomatic(context: IHookFunctions | IWebhookFunctions): boolean {
	return context.getNodeParameter('webhookRegistration', 'automatic') === 'automatic';
}

function endpointSpec(context: IHookFunctions, kind: WebhookKind): EndpointSpec {
	const selected = selectedActivities(context);
	if (selected.size === 0) {
		throw parameterError(context, 'No activities are selected', 'Choose at least one activity category or single activity in the trigger, then activate the workflow again.');
	}
	const options = context.getNodeParameter('options', {}) as IDataObject;
	const workflow = context.getWorkflow();
	const node = context.getNode();
	return {
		url: context.getNodeWebhookUrl('default') as string,
		enabledEvents: stripeEventsFor(selected),
		connect: options.connectedAccounts === true,
		description: `n8n${kind === 'test' ? ' (test)' : ''}: ${workflow.name ?? workflow.id} → ${node.name}`.slice(0, 5000),
		workflowId: String(workflow.id),
		nodeId: node.id,
		kind,
	};
}

/**
 * What a delivery's Stripe calls may take together, waits for the rate limit, retries and
 * Retry-After included: the answer must reach Stripe well within its delivery timeout. The
 * customer reads get at most half, so the claim, whose failure means a retry, always has the rest.
 */
const STRIPE_BUDGET_MS = 5000;
const CUSTOMER_READS_BUDGET_MS = STRIPE_BUDGET_MS / 2;

/**
 * Claimants whose claim got no answer. Stripe may have recorded such a claim all the same; a
 * redelivery to this process then sends the same claimant, whose claim replays and wins, instead
 * of a new one that Stripe would refuse as another process's. Failures are rare, the bound is low.
 */
const unansweredClaims = new Map<string, string>();
const MAX_UNANSWERED_CLAIMS = 1000;

/** True when this process holds the claim, false when another one does, undefined when Stripe could not be asked. */
async function claimEvent(context: IWebhookFunctions, endpointId: string, key: string, eventId: string, budgetMs: number): Promise<boolean | undefined> {
	const claimant = unansweredClaims.get(key) ?? randomUUID();
	return await stripeClient(context, { budgetMs })
		.then(async (stripe) => await claimOnce(stripe, endpointId, { key, claimant }))
		.then((claimed) => {
			unansweredClaims.delete(key);
			return claimed;
		})
		.catch((error: Error) => {
			unansweredClaims.set(key, claimant);
			if (unansweredClaims.size > MAX_UNANSWERED_CLAIMS) unansweredClaims.delete(unansweredClaims.keys().next().value as string);
			context.logger.warn(`Stripe Lifecycle Trigger could not claim event ${eventId} in Stripe; answering 503 so Stripe retries: ${error.message}`);
			return undefined;
		});
}

function hookKind(context: IHookFunctions): WebhookKind {
	return context.getActivationMode() === 'manual' ? 'test' : 'production';
}

export class StripeLifecycleTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Stripe Lifecycle Trigger',
		name: 'stripeLifecycleTrigger',
		icon: { light: 'file:../../icons/stripe.svg', dark: 'file:../../icons/stripe.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["webhookRegistration"] === "manual" ? "manual webhook" : "automatic webhook"}}',
		description: 'Starts the workflow on customer-lifecycle activities in Stripe: trials, subscriptions, charges, invoices and customers',
		defaults: { name: 'Stripe Lifecycle Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: stripeCredentials,
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [authenticationProperty, ...triggerProperties],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				if (!isAutomatic(this)) return true;
				const kind = hookKind(this);
				const spec = endpointSpec(this, kind);
				const stored = storedEndpoints(this)[kind];
				try {
					const stripe = await stripeClient(this);
					const adopted = await adoptStoredEndpoint(stripe, stored, spec);
					if (adopted && stored) {
						stored.mode ??= stripe.mode;
						endpointsInThisProcess.set(endpointKey(this, kind), stored);
					}
					return adopted;
				} catch (error) {
					throw toNodeError(this, error);
				}
			},
			async create(this: IHookFunctions): Promise<boolean> {
				if (!isAutomatic(this)) return true;
				const kind = hookKind(this);
				const spec = endpointSpec(this, kind);
				try {
					const stored = await registerEndpoint(await stripeClient(this), spec);
					storedEndpoints(this)[kind] = stored;
					endpointsInThisProcess.set(endpointKey(this, kind), stored);
					return true;
				} catch (error) {
					throw toNodeError(this, error);
				}
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const kind = hookKind(this);
				// n8n stops routing deliveries here now; a later activation starts with an empty store.
				releaseDedupeStore(endpointKey(this, kind));
				if (!isAutomatic(this)) return true;
				const endpoints = storedEndpoints(this);
				const stored = endpoints[kind];
				try {
					const stripe = await stripeClient(this);
					if (stored?.id) await deleteEndpoint(stripe, stored.id);
					else await deleteEndpointsOf(stripe, { workflowId: String(this.getWorkflow().id), nodeId: this.getNode().id, kind });
				} catch (error) {
					throw toNodeError(this, error);
				}
				delete endpoints[kind];
				endpointsInThisProcess.delete(endpointKey(this, kind));
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const response = this.getResponseObject();
		const kind: WebhookKind = this.getMode() === 'manual' ? 'test' : 'production';
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const automatic = isAutomatic(this);
		const endpoint = automatic ? (endpointsInThisProcess.get(endpointKey(this, kind)) ?? storedEndpoints(this)[kind]) : undefined;
		// Reading the credential costs n8n a database read and a decryption per delivery; a registered endpoint knows its mode.
		const mode = endpoint?.mode ?? (await credentialInfo(this)).mode;

		const secret = automatic ? endpoint?.secret : String(this.getNodeParameter('signingSecret', '')).trim();
		if (!secret) {
			// Without a secret nothing can be verified, and an unverified event is never run.
			this.logger.warn('Stripe Lifecycle Trigger has no signing secret; deactivate and activate the workflow again');
			response.status(401).json({ error: 'This webhook has no signing secret configured.' });
			return { noWebhookResponse: true };
		}

		const deduplicator = dedupeStoreFor(endpointKey(this, kind));
		const outcome = handleDelivery(
			{ rawBody: (request as { rawBody?: Buffer }).rawBody, signatureHeader: request.headers['stripe-signature'] },
			{
				secret,
				keyMode: mode,
				selected: selectedActivities(this),
				deduplicator,
				// The option's range starts at 1: 0 would switch the check off (see signature.ts), e.g. from an expression.
				toleranceSeconds: typeof options.toleranceSeconds === 'number' && options.toleranceSeconds >= 1 ? options.toleranceSeconds : undefined,
				includeRaw: options.includeRawEvent === true,
			},
		);
		if (outcome.kind === 'reject') {
			if (outcome.log) this.logger.warn(outcome.log);
			response.status(outcome.status).json({ error: outcome.reason });
			return { noWebhookResponse: true };
		}
		if (outcome.kind === 'acknowledge') {
			response.status(200).json({ received: true, executed: false, reason: outcome.reason });
			return { noWebhookResponse: true };
		}
		for (const unread of outcome.activities.filter((activity) => activity.activity === 'stripe.event')) {
			// Once per event: retries of it are acknowledged as duplicates before this point.
			this.logger.warn(`Stripe Lifecycle Trigger passed event ${unread.eventId} on unread. ${unread.warnings?.join(' ') ?? ''}`);
		}
		// The event id is now recorded. It must start an execution, or be forgotten so that Stripe's retry can.
		const eventId = outcome.event.id;
		let settled = false;
		const stripeDeadline = Date.now() + STRIPE_BUDGET_MS;
		try {
			const activities: Activity[] =
				this.getNodeParameter('fetchCustomer', true) === true ? await enrichCustomers(this, outcome.activities, { budgetMs: CUSTOMER_READS_BUDGET_MS }) : outcome.activities;
			const endpointId = endpoint?.id;
			// Last, after everything that can fail: a claim cannot be released for 24 hours.
			if (options.exactlyOnceAcrossProcesses === true && endpointId) {
				const claimed = await claimEvent(this, endpointId, `${endpointKey(this, kind)}|${eventId}`, eventId, stripeDeadline - Date.now());
				if (claimed === undefined) {
					response.status(503).json({ error: 'Could not reach Stripe to claim this event; retry later.' });
					return { noWebhookResponse: true };
				}
				if (!claimed) {
					settled = true;
					response.status(200).json({ received: true, executed: false, reason: 'duplicate' });
					return { noWebhookResponse: true };
				}
			}
			settled = true;
			return {
				workflowData: [activities.map((activity) => ({ json: activity as unknown as IDataObject }))],
			};
		} finally {
			if (!settled) deduplicator.forget(eventId);
		}
	}
}
