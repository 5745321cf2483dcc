import type Stripe from 'stripe';

import { StripeApiError, unlessNotFound } from '../transport/errors';
import type { StripeApi } from '../transport/resources';
import { STRIPE_API_VERSION } from '../transport/stripeClient';

/**
 * The trigger's webhook endpoint in Stripe: exactly one per trigger node and webhook kind,
 * found again by its metadata, so re-publishing a workflow never piles up endpoints.
 */
export const MANAGED_BY = 'n8n-nodes-stripe-lifecycle';
export const MAX_ENDPOINTS_PER_ACCOUNT = 16;

export type WebhookEndpoint = Stripe.WebhookEndpoint;

/** Which trigger node an endpoint belongs to, as its metadata records. */
export interface EndpointOwner {
	workflowId: string;
	nodeId: string;
	/** 'production' or 'test': n8n serves the two webhook URLs side by side. */
	kind: string;
}

export interface EndpointSpec extends EndpointOwner {
	url: string;
	enabledEvents: Stripe.WebhookEndpointCreateParams.EnabledEvent[];
	connect: boolean;
	description: string;
}

export interface StoredEndpoint {
	id: string;
	secret: string;
	url: string;
	/**
	 * The mode of the key that registered it, which is the only mode Stripe delivers to it: the
	 * webhook checks events against it without reading the credential on every delivery.
	 * Absent in static data saved by earlier versions.
	 */
	mode?: 'test' | 'live';
}

function metadataOf(spec: EndpointSpec): Record<string, string> {
	return { managed_by: MANAGED_BY, workflow_id: spec.workflowId, node_id: spec.nodeId, webhook_kind: spec.kind };
}

/**
 * Stripe takes `connect: true` on create but never returns it: a Connect endpoint is the one with an
 * `application` (stripe/stripe-dotnet#1876). Reading `connect` made every Connect endpoint look
 * changed, so each activation replaced it and rotated its signing secret.
 */
function isConnectEndpoint(endpoint: WebhookEndpoint): boolean {
	return endpoint.application !== null && endpoint.application !== undefined;
}

function sameEvents(a: string[], b: string[]): boolean {
	return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

function isOwnedBy(endpoint: WebhookEndpoint, owner: EndpointOwner): boolean {
	const metadata = endpoint.metadata ?? {};
	return (
		metadata.managed_by === MANAGED_BY &&
		metadata.workflow_id === owner.workflowId &&
		metadata.node_id === owner.nodeId &&
		(metadata.webhook_kind ?? owner.kind) === owner.kind
	);
}

/** Ours for this node and kind, or squatting on our URL: either way it must go before we create. */
function isOrphanOf(endpoint: WebhookEndpoint, spec: EndpointSpec): boolean {
	return endpoint.url === spec.url || isOwnedBy(endpoint, spec);
}

export async function listEndpoints(stripe: StripeApi): Promise<WebhookEndpoint[]> {
	const endpoints: WebhookEndpoint[] = [];
	for await (const endpoint of stripe.webhookEndpoints.list()) endpoints.push(endpoint);
	return endpoints;
}

/**
 * Whether the stored endpoint can keep serving this node. A changed event selection is
 * updated in place (it keeps its signing secret); a changed URL, API version or Connect flag
 * cannot be updated in Stripe, so the endpoint is treated as gone and recreated.
 */
export async function adoptStoredEndpoint(
	stripe: StripeApi,
	stored: StoredEndpoint | undefined,
	spec: EndpointSpec,
): Promise<boolean> {
	if (!stored?.id || !stored.secret) return false;
	const endpoint = await unlessNotFound(stripe.webhookEndpoints.retrieve(stored.id), undefined);
	if (!endpoint) return false;
	const matches =
		endpoint.url === spec.url &&
		endpoint.api_version === STRIPE_API_VERSION &&
		isConnectEndpoint(endpoint) === spec.connect &&
		endpoint.status === 'enabled';
	if (!matches) return false;
	if (!sameEvents(endpoint.enabled_events, spec.enabledEvents)) {
		await stripe.webhookEndpoints.update(endpoint.id, {
			enabled_events: spec.enabledEvents,
			description: spec.description,
		});
	}
	return true;
}

/** Removes orphans of this node and URL, then creates the endpoint; fails clearly at Stripe's cap. */
export async function registerEndpoint(stripe: StripeApi, spec: EndpointSpec): Promise<StoredEndpoint> {
	const existing = await listEndpoints(stripe);
	const kept: WebhookEndpoint[] = [];
	for (const endpoint of existing) {
		if (isOrphanOf(endpoint, spec)) await deleteEndpoint(stripe, endpoint.id);
		else kept.push(endpoint);
	}
	if (kept.length >= MAX_ENDPOINTS_PER_ACCOUNT) throw endpointLimitError(kept, stripe.mode);

	const created = await stripe.webhookEndpoints
		.create({
			url: spec.url,
			enabled_events: spec.enabledEvents,
			api_version: STRIPE_API_VERSION,
			description: spec.description,
			metadata: metadataOf(spec),
			...(spec.connect ? { connect: true } : {}),
		})
		.catch(async (error: unknown) => {
			// Another integration may have taken the last slot between our list and our create.
			if (error instanceof StripeApiError && error.httpCode === 400 && /maximum|limit/i.test(error.message)) {
				throw endpointLimitError(await listEndpoints(stripe), stripe.mode);
			}
			throw error;
		});
	if (!created.secret) {
		throw new StripeApiError(
			'Stripe created the webhook endpoint but returned no signing secret',
			'Delete the endpoint in the Stripe Dashboard (Developers → Webhooks) and activate the workflow again.',
			undefined,
		);
	}
	return { id: created.id, secret: created.secret, url: created.url, mode: stripe.mode };
}

/** Deleting what is already gone is success: the goal is that it does not exist. */
export async function deleteEndpoint(stripe: StripeApi, id: string): Promise<void> {
	await unlessNotFound(stripe.webhookEndpoints.del(id), undefined);
}

/**
 * Deletes the node's endpoints found by their metadata, for a deactivation that has no stored
 * endpoint id: n8n killed in the middle of an activation leaves one in Stripe that n8n never saw.
 */
export async function deleteEndpointsOf(stripe: StripeApi, owner: EndpointOwner): Promise<void> {
	for (const endpoint of await listEndpoints(stripe)) {
		if (isOwnedBy(endpoint, owner)) await deleteEndpoint(stripe, endpoint.id);
	}
}

export function endpointLimitError(endpoints: WebhookEndpoint[], mode: string): StripeApiError {
	const listing = endpoints
		.map((endpoint) => `• ${endpoint.url}${endpoint.description ? ` — ${endpoint.description}` : ''}`)
		.join('\n');
	return new StripeApiError(
		`Stripe allows ${MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints per account in ${mode} mode and all are in use`,
		`Delete an endpoint you no longer need in the Stripe Dashboard (Developers → Webhooks), or let one Stripe Lifecycle Trigger serve all activities (see the "One-trigger router" template). Endpoints in use:\n${listing}`,
		400,
	);
}
