import Stripe from 'stripe';

import { stripeFixture } from '../fixtures/stripeObjects';
import type { ActivityName } from '../../nodes/shared/lifecycle/types';
import { DeliveryDeduplicator } from '../../nodes/shared/webhook/dedupe';
import { handleDelivery, type DeliverySettings } from '../../nodes/shared/webhook/delivery';

const SECRET = 'whsec_test_delivery_secret';
const NOW = 1_760_000_000;
const signer = new Stripe('sk_test_unused').webhooks;

// Built as a plain record: spreading over Stripe.Event's union of every event type makes tsc crawl.
function chargeEvent(overrides: { livemode?: boolean } = {}): Stripe.Event {
	const charge = { ...stripeFixture<Record<string, unknown>>('charge'), id: 'ch_1', customer: 'cus_1', amount: 1250, currency: 'usd', status: 'succeeded' };
	const event = {
		...stripeFixture<Record<string, unknown>>('event'),
		id: 'evt_charge_1',
		type: 'charge.succeeded',
		created: NOW - 5,
		livemode: false,
		data: { object: charge },
		...overrides,
	};
	return event as unknown as Stripe.Event;
}

function signed(event: unknown, { secret = SECRET, timestamp = NOW } = {}) {
	const rawBody = Buffer.from(JSON.stringify(event));
	return { rawBody, signatureHeader: signer.generateTestHeaderString({ payload: rawBody.toString(), secret, timestamp }) };
}

function settings(overrides: Partial<DeliverySettings> = {}): DeliverySettings {
	return {
		secret: SECRET,
		keyMode: 'test',
		selected: new Set<ActivityName>(['charge.succeeded']),
		deduplicator: new DeliveryDeduplicator(),
		now: NOW,
		...overrides,
	};
}

describe('handleDelivery', () => {
	it('runs the workflow for a signed, selected, first delivery', () => {
		const outcome = handleDelivery(signed(chargeEvent()), settings());
		expect(outcome.kind).toBe('execute');
		if (outcome.kind !== 'execute') return;
		expect(outcome.activities.map((activity) => [activity.activity, activity.eventId, activity.amount?.formatted])).toEqual([
			['charge.succeeded', 'evt_charge_1', '$12.50'],
		]);
	});

	it('acknowledges a redelivered event without a second execution', () => {
		const shared = settings();
		expect(handleDelivery(signed(chargeEvent()), shared).kind).toBe('execute');
		expect(handleDelivery(signed(chargeEvent(), { timestamp: NOW + 60 }), { ...shared, now: NOW + 60 })).toEqual({
			kind: 'acknowledge', status: 200, reason: 'duplicate', eventId: 'evt_charge_1',
		});
	});

	it('refuses a forged signature with 401 and remembers nothing', () => {
		const shared = settings();
		expect(handleDelivery(signed(chargeEvent(), { secret: 'whsec_forged' }), shared)).toMatchObject({ kind: 'reject', status: 401 });
		// The genuine delivery that follows still runs.
		expect(handleDelivery(signed(chargeEvent()), shared).kind).toBe('execute');
	});

	it('refuses a missing or repeated Stripe-Signature header', () => {
		const { rawBody, signatureHeader } = signed(chargeEvent());
		expect(handleDelivery({ rawBody, signatureHeader: undefined }, settings())).toMatchObject({ kind: 'reject', status: 401 });
		expect(handleDelivery({ rawBody, signatureHeader: [signatureHeader, signatureHeader] }, settings())).toMatchObject({ kind: 'reject', status: 401 });
	});

	it('refuses a stale signature (replay)', () => {
		expect(handleDelivery(signed(chargeEvent(), { timestamp: NOW - 301 }), settings())).toMatchObject({ kind: 'reject', status: 401 });
	});

	it('answers 400 to a correctly signed body that is not JSON or not an event', () => {
		for (const body of ['{"id": "evt_1",', '[]', '{"object":"charge","id":"ch_1"}']) {
			const header = signer.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: NOW });
			expect(handleDelivery({ rawBody: Buffer.from(body), signatureHeader: header }, settings())).toMatchObject({ kind: 'reject', status: 400 });
		}
	});

	it('answers 400 to a verified thin event, telling the sender and the log to use a snapshot-event endpoint', () => {
		const thin = { id: 'evt_test_65R9Ijk8Ex9RnVh', object: 'v2.core.event', type: 'v1.billing.meter.error_report_triggered', livemode: false, created: '2026-11-01T00:00:00.000Z', related_object: { id: 'mtr_1', type: 'billing.meter', url: '/v1/billing/meters/mtr_1' } };
		const deduplicator = new DeliveryDeduplicator();

		const outcome = handleDelivery(signed(thin), settings({ deduplicator }));

		expect(outcome).toMatchObject({ kind: 'reject', status: 400, reason: expect.stringContaining('snapshot events') });
		expect(outcome.kind === 'reject' && outcome.log).toMatch(/thin event evt_test_65R9Ijk8Ex9RnVh.*create an endpoint for this URL with snapshot events/);
		expect(deduplicator.size).toBe(0);
		// Unverified, the same body is only a bad signature: nothing is logged for it.
		expect(handleDelivery(signed(thin, { secret: 'whsec_other' }), settings())).toEqual(expect.objectContaining({ status: 401 }));
		expect(handleDelivery(signed(thin, { secret: 'whsec_other' }), settings())).not.toHaveProperty('log');
	});

	it('answers 400 when there is no body at all', () => {
		expect(handleDelivery({ rawBody: undefined, signatureHeader: 't=1,v1=abc' }, settings())).toMatchObject({ kind: 'reject', status: 400 });
	});

	it('acknowledges a live event reaching a test-mode workflow, and the reverse, without running', () => {
		expect(handleDelivery(signed(chargeEvent({ livemode: true })), settings())).toMatchObject({ kind: 'acknowledge', reason: 'mode_mismatch' });
		expect(handleDelivery(signed(chargeEvent()), settings({ keyMode: 'live' }))).toMatchObject({ kind: 'acknowledge', reason: 'mode_mismatch' });
	});

	it('acknowledges events whose activities are not selected', () => {
		expect(handleDelivery(signed(chargeEvent()), settings({ selected: new Set(['charge.failed']) }))).toEqual({
			kind: 'acknowledge', status: 200, reason: 'not_selected', eventId: 'evt_charge_1',
		});
	});

	it('does not let an unselected delivery hide the event from a later selection', () => {
		const deduplicator = new DeliveryDeduplicator();
		handleDelivery(signed(chargeEvent()), settings({ deduplicator, selected: new Set(['charge.failed']) }));
		expect(handleDelivery(signed(chargeEvent()), settings({ deduplicator })).kind).toBe('execute');
	});

	it('attaches the raw event only when asked', () => {
		const plain = handleDelivery(signed(chargeEvent()), settings());
		const raw = handleDelivery(signed(chargeEvent()), settings({ includeRaw: true }));
		expect(plain.kind === 'execute' && plain.activities[0].raw).toBeUndefined();
		expect(raw.kind === 'execute' && (raw.activities[0].raw as Stripe.Event).id).toBe('evt_charge_1');
	});
});
