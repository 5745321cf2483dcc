import { createHash } from 'crypto';

import { StripeApiError } from '../transport/errors';
import type { StripeApi } from '../transport/resources';
import { listEndpoints, MANAGED_BY, type WebhookEndpoint } from './endpoints';

/**
 * Exactly once across n8n processes. In queue mode a trigger's memory and n8n's deduplication
 * store (read, then write, no lock) both let two processes pass the same key at the same moment.
 * The one store every process shares atomically is Stripe's idempotency layer: for 24 hours
 * a key is bound to the parameters of its first request, and a request with other parameters
 * gets a 400 `idempotency_error`. So each claimant sends the same key with its own id in the
 * body: the first one wins; its own retries replay (and still win); everyone else is refused.
 *
 * The write that carries the claim is an update of one of this package's webhook endpoints (the
 * restricted key may write only webhook endpoints): it sets one metadata entry and changes
 * nothing Stripe delivers. Past 24 hours the callers' own long-term stores take over.
 */
export const CLAIM_METADATA_KEY = 'n8n_last_claim';

export interface Claim {
	/** What must happen once, e.g. workflow + node + event id. Hashed: Stripe keys are ≤ 255 chars. */
	key: string;
	/** Who is asking: the same value on every retry of one attempt, another one for every other attempt. */
	claimant: string;
}

export function claimIdempotencyKey(key: string): string {
	return `n8n-claim-${createHash('sha256').update(key).digest('hex')}`;
}

/** True when this claimant holds the claim (now or from an earlier try), false when another one does. */
export async function claimOnce(stripe: StripeApi, endpointId: string, claim: Claim): Promise<boolean> {
	return await stripe.webhookEndpoints
		.update(endpointId, { metadata: { [CLAIM_METADATA_KEY]: claim.claimant.slice(0, 500) } }, { idempotencyKey: claimIdempotencyKey(claim.key) })
		.then(() => true)
		.catch((error: unknown) => {
			// 409 (the other claimant's request still running) is retried by the transport until it settles here.
			if (error instanceof StripeApiError && error.httpCode === 400 && error.details.type === 'idempotency_error') return false;
			throw error;
		});
}

/**
 * The endpoint every process of one workflow picks for its claims: its own trigger's production
 * endpoint, else the oldest production endpoint this package manages. Undefined when the account
 * has none, e.g. a playbook fed by a schedule in an account without an active Stripe Lifecycle Trigger.
 */
export async function claimEndpointFor(stripe: StripeApi, workflowId: string): Promise<string | undefined> {
	const byAge = (a: WebhookEndpoint, b: WebhookEndpoint) => a.created - b.created || a.id.localeCompare(b.id);
	// A test endpoint lives only while the editor listens for a test event; claims on it would then fail with 404.
	const production = (await listEndpoints(stripe))
		.filter((endpoint) => endpoint.metadata?.managed_by === MANAGED_BY && endpoint.metadata?.webhook_kind !== 'test')
		.sort(byAge);
	return (production.find((endpoint) => endpoint.metadata?.workflow_id === workflowId) ?? production[0])?.id;
}
