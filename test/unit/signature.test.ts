import { createHmac } from 'crypto';
import Stripe from 'stripe';

import { verifyStripeSignature } from '../../nodes/shared/webhook/signature';

const stripe = new Stripe('sk_test_unused');
const secret = 'whsec_test_5f3b1c2d9e8a7b6c';
const otherSecret = 'whsec_test_000000000000000';
const now = 1_760_000_000;
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'customer.created' });

function officialHeader(body: string, options: { secret?: string; timestamp?: number } = {}): string {
	return stripe.webhooks.generateTestHeaderString({
		payload: body,
		secret: options.secret ?? secret,
		timestamp: options.timestamp ?? now,
	});
}

function v1Of(header: string): string {
	const match = /v1=([0-9a-f]+)/.exec(header);
	if (!match) throw new Error(`no v1 in ${header}`);
	return match[1];
}

describe('verifyStripeSignature', () => {
	it('accepts a header made by the official signer, for a string and for the same bytes as a Buffer', () => {
		const header = officialHeader(payload);
		expect(verifyStripeSignature(payload, header, secret, { now })).toEqual({ valid: true, timestamp: now });
		expect(verifyStripeSignature(Buffer.from(payload, 'utf8'), header, secret, { now })).toEqual({
			valid: true,
			timestamp: now,
		});
	});

	it('rejects a header signed with another secret', () => {
		const result = verifyStripeSignature(payload, officialHeader(payload, { secret: otherSecret }), secret, { now });
		expect(result).toMatchObject({ valid: false, reason: 'signature_mismatch' });
	});

	it('rejects a tampered body', () => {
		const header = officialHeader(payload);
		const tampered = payload.replace('customer.created', 'customer.deleted');
		expect(verifyStripeSignature(tampered, header, secret, { now })).toMatchObject({
			valid: false,
			reason: 'signature_mismatch',
		});
	});

	it('rejects a stale timestamp beyond the default 300 s and accepts one just inside it', () => {
		const stale = officialHeader(payload, { timestamp: now - 301 });
		expect(verifyStripeSignature(payload, stale, secret, { now })).toMatchObject({
			valid: false,
			reason: 'timestamp_outside_tolerance',
		});
		const recent = officialHeader(payload, { timestamp: now - 300 });
		expect(verifyStripeSignature(payload, recent, secret, { now })).toMatchObject({ valid: true });
	});

	it('rejects a timestamp too far in the future', () => {
		const future = officialHeader(payload, { timestamp: now + 301 });
		const result = verifyStripeSignature(payload, future, secret, { now });
		expect(result).toMatchObject({ valid: false, reason: 'timestamp_outside_tolerance' });
		expect(result.valid === false && result.message).toMatch(/future/);
	});

	it('honours a custom tolerance', () => {
		const header = officialHeader(payload, { timestamp: now - 1000 });
		expect(verifyStripeSignature(payload, header, secret, { now, toleranceSeconds: 1200 }).valid).toBe(true);
		expect(verifyStripeSignature(payload, header, secret, { now, toleranceSeconds: 600 }).valid).toBe(false);
	});

	it('refuses every request when the secret is empty or blank, even one signed with that empty key', () => {
		for (const blank of ['', '   ', '\n']) {
			const signedWithBlank = officialHeader(payload, { secret: 'whsec_placeholder' }).replace(/v1=[0-9a-f]+/, `v1=${createHmac('sha256', blank).update(`${now}.${payload}`).digest('hex')}`);
			expect(verifyStripeSignature(payload, signedWithBlank, blank, { now })).toMatchObject({ valid: false, reason: 'missing_secret' });
		}
		// stripe-node refuses a blank secret as well.
		expect(() => stripe.webhooks.constructEvent(payload, officialHeader(payload), '', 300, undefined, now)).toThrow(/No webhook secret/);
	});

	it.each([Number.NaN, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('keeps the default 300 s window when the tolerance is %p', (toleranceSeconds) => {
		const stale = officialHeader(payload, { timestamp: now - 301 });
		expect(verifyStripeSignature(payload, stale, secret, { now, toleranceSeconds })).toMatchObject({ valid: false, reason: 'timestamp_outside_tolerance' });
		expect(verifyStripeSignature(payload, officialHeader(payload, { timestamp: now - 300 }), secret, { now, toleranceSeconds }).valid).toBe(true);
	});

	it('skips the timestamp check for a tolerance of 0, as stripe-node does, but still checks the signature', () => {
		const old = officialHeader(payload, { timestamp: now - 86_400 });
		expect(verifyStripeSignature(payload, old, secret, { now, toleranceSeconds: 0 })).toEqual({ valid: true, timestamp: now - 86_400 });
		expect(() => stripe.webhooks.constructEvent(payload, old, secret, 0, undefined, now)).not.toThrow();
		expect(verifyStripeSignature(payload, officialHeader(payload, { secret: otherSecret }), secret, { now, toleranceSeconds: 0 })).toMatchObject({ reason: 'signature_mismatch' });
	});

	it('accepts the header when any one of several v1 signatures matches (secret roll)', () => {
		const good = v1Of(officialHeader(payload));
		const stale = v1Of(officialHeader(payload, { secret: otherSecret }));
		for (const order of [[stale, good], [good, stale]]) {
			const header = `t=${now},v1=${order[0]},v1=${order[1]},v0=${stale}`;
			expect(verifyStripeSignature(payload, header, secret, { now })).toMatchObject({ valid: true });
		}
		const none = `t=${now},v1=${stale},v1=${'0'.repeat(64)}`;
		expect(verifyStripeSignature(payload, none, secret, { now })).toMatchObject({ reason: 'signature_mismatch' });
	});

	it('ignores v0 signatures and candidates of the wrong length', () => {
		const good = v1Of(officialHeader(payload));
		expect(verifyStripeSignature(payload, `t=${now},v0=${good}`, secret, { now })).toMatchObject({
			reason: 'no_signatures',
		});
		expect(verifyStripeSignature(payload, `t=${now},v1=${good.slice(0, 10)}`, secret, { now })).toMatchObject({
			reason: 'signature_mismatch',
		});
	});

	it('reports a missing header', () => {
		expect(verifyStripeSignature(payload, undefined, secret, { now })).toMatchObject({ reason: 'missing_header' });
		expect(verifyStripeSignature(payload, '  ', secret, { now })).toMatchObject({ reason: 'missing_header' });
	});

	it('reports a header without a usable timestamp as malformed', () => {
		const good = v1Of(officialHeader(payload));
		for (const header of [`v1=${good}`, `t=abc,v1=${good}`, 'garbage', `t=-5,v1=${good}`]) {
			expect(verifyStripeSignature(payload, header, secret, { now })).toMatchObject({ reason: 'malformed_header' });
		}
	});

	it('verifies an empty body', () => {
		const header = officialHeader('');
		expect(verifyStripeSignature('', header, secret, { now }).valid).toBe(true);
		expect(verifyStripeSignature(Buffer.alloc(0), header, secret, { now }).valid).toBe(true);
		expect(verifyStripeSignature('{}', header, secret, { now }).valid).toBe(false);
	});

	it('verifies a UTF-8 body with non-ASCII characters as bytes', () => {
		const body = JSON.stringify({ id: 'evt_2', name: 'Zoë Müller — 東京 🚀' });
		const header = officialHeader(body);
		expect(verifyStripeSignature(Buffer.from(body, 'utf8'), header, secret, { now }).valid).toBe(true);
		// The same text in another encoding is other bytes, so it must not verify.
		expect(verifyStripeSignature(Buffer.from(body, 'latin1'), header, secret, { now }).valid).toBe(false);
	});

	it('hashes a Buffer as it is, without decoding it (bytes that are not valid UTF-8)', () => {
		const body = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9, 0xff]), Buffer.from('"}')]);
		const signature = createHmac('sha256', secret)
			.update(Buffer.concat([Buffer.from(`${now}.`), body]))
			.digest('hex');
		const header = stripe.webhooks.generateTestHeaderString({ payload: '', secret, timestamp: now, signature });
		expect(verifyStripeSignature(body, header, secret, { now }).valid).toBe(true);
		expect(verifyStripeSignature(body.toString('utf8'), header, secret, { now }).valid).toBe(false);
	});

	it('never echoes the secret or the expected signature in a message', () => {
		const expected = v1Of(officialHeader(payload));
		const results = [
			verifyStripeSignature(payload, officialHeader(payload, { secret: otherSecret }), secret, { now }),
			verifyStripeSignature(payload, officialHeader(payload, { timestamp: now - 9999 }), secret, { now }),
			verifyStripeSignature(payload, 'nonsense', secret, { now }),
		];
		for (const result of results) {
			expect(result.valid).toBe(false);
			if (result.valid) continue;
			expect(result.message).not.toContain(secret);
			expect(result.message).not.toContain(expected);
		}
	});

	it('agrees with stripe-node on what it accepts', () => {
		const header = officialHeader(payload);
		expect(() => stripe.webhooks.constructEvent(payload, header, secret, 300, undefined, now)).not.toThrow();
		expect(verifyStripeSignature(payload, header, secret, { now }).valid).toBe(true);
	});
});
