import { createHmac, timingSafeEqual } from 'crypto';

import { epochNow } from '../lifecycle/time';

/**
 * Stripe's webhook signature scheme (https://docs.stripe.com/webhooks#verify-manually):
 * `Stripe-Signature: t=<epoch seconds>,v1=<hex>,v1=<hex>,v0=<hex>`, where each `v1` is
 * HMAC-SHA256(key = the whole `whsec_…` secret, message = `${t}.${raw body}`). During a secret
 * roll Stripe signs with every active secret, so any one `v1` may match. `v0` is a test-mode
 * legacy scheme and is ignored.
 */

export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailure =
	| 'missing_secret'
	| 'missing_header'
	| 'malformed_header'
	| 'no_signatures'
	| 'timestamp_outside_tolerance'
	| 'signature_mismatch';

export type SignatureCheck =
	| { valid: true; timestamp: number }
	| { valid: false; reason: SignatureFailure; message: string };

export interface SignatureOptions {
	/**
	 * Largest allowed distance between the header's timestamp and `now`, either way. 0 turns the
	 * timestamp check off, as `tolerance: 0` does in stripe-node's `constructEvent` (for checking a
	 * stored delivery later, never for requests as they arrive). Anything that is not a finite
	 * number of at least 0 (NaN, a negative number, Infinity) means the default, so no bad setting
	 * can open the replay window.
	 */
	toleranceSeconds?: number;
	/** Epoch seconds to compare against (default: the clock). */
	now?: number;
}

const SIGNATURE_SCHEME = 'v1';

export function verifyStripeSignature(
	rawBody: Buffer | string,
	header: string | undefined,
	secret: string,
	options: SignatureOptions = {},
): SignatureCheck {
	// Anyone can compute an HMAC with an empty key, so a blank secret verifies nothing (as in stripe-node).
	if (!secret || !secret.trim()) {
		return failure('missing_secret', 'No webhook signing secret is configured, so no request can be verified.');
	}
	if (!header || !header.trim()) {
		return failure('missing_header', 'The request has no Stripe-Signature header.');
	}
	const parsed = parseHeader(header);
	if (parsed.timestamp === null) {
		return failure(
			'malformed_header',
			'The Stripe-Signature header has no valid timestamp (expected "t=<seconds>,v1=<signature>").',
		);
	}
	if (parsed.signatures.length === 0) {
		return failure('no_signatures', `The Stripe-Signature header has no ${SIGNATURE_SCHEME} signature.`);
	}

	const expected = Buffer.from(computeSignature(rawBody, secret, parsed.timestamp), 'utf8');
	// Compare against every candidate so the time taken does not depend on which one matched.
	let matched = false;
	for (const candidate of parsed.signatures) {
		const received = Buffer.from(candidate, 'utf8');
		if (received.length === expected.length && timingSafeEqual(received, expected)) matched = true;
	}
	if (!matched) {
		return failure(
			'signature_mismatch',
			'No signature in the Stripe-Signature header matches the body and the signing secret. ' +
				'Check that the signing secret belongs to this endpoint and that the body was not altered.',
		);
	}

	// Checked after the signature so that this reason is only ever given for genuine deliveries.
	const tolerance = toleranceOf(options.toleranceSeconds);
	const skew = (options.now ?? epochNow()) - parsed.timestamp;
	if (tolerance > 0 && Math.abs(skew) > tolerance) {
		return failure(
			'timestamp_outside_tolerance',
			`The signature timestamp is ${Math.abs(skew)} s ${skew > 0 ? 'old' : 'in the future'}, ` +
				`more than the ${tolerance} s allowed (a replayed delivery or a wrong clock).`,
		);
	}
	return { valid: true, timestamp: parsed.timestamp };
}

function toleranceOf(seconds: number | undefined): number {
	return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_TOLERANCE_SECONDS;
}

function parseHeader(header: string): { timestamp: number | null; signatures: string[] } {
	let timestamp: number | null = null;
	const signatures: string[] = [];
	for (const part of header.split(',')) {
		const separator = part.indexOf('=');
		if (separator < 0) continue;
		const key = part.slice(0, separator).trim();
		const value = part.slice(separator + 1).trim();
		if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
		else if (key === SIGNATURE_SCHEME && value) signatures.push(value);
	}
	return { timestamp, signatures };
}

/** Hashes the bytes as received: a Buffer goes in unchanged, so non-UTF-8 bodies still verify. */
function computeSignature(rawBody: Buffer | string, secret: string, timestamp: number): string {
	const hmac = createHmac('sha256', secret);
	hmac.update(`${timestamp}.`, 'utf8');
	if (typeof rawBody === 'string') hmac.update(rawBody, 'utf8');
	else hmac.update(rawBody);
	return hmac.digest('hex');
}

function failure(reason: SignatureFailure, message: string): SignatureCheck {
	return { valid: false, reason, message };
}
