/**
 * Hostile requests for a Stripe webhook URL: anyone who learns the URL can POST anything. Each kind
 * is a function of the request index, so a run of N requests is reproducible and every kind recurs.
 * None of them is a new, validly signed, selected event: a correct webhook starts no execution.
 */
import * as http from 'node:http';

import Stripe from 'stripe';

export interface HostileRequest {
	kind: string;
	method: string;
	/** An array value sends the header once per value (a repeated header). */
	headers: Record<string, string | string[]>;
	body: Buffer;
}

export interface HostileContext {
	/** The endpoint's real signing secret: stale and replayed requests carry valid signatures. */
	secret: string;
	/** A real event the webhook already executed, exactly as Stripe sent it. */
	deliveredEvent: Stripe.Event;
	now: () => number;
}

/** Unicode a JSON field can carry: RTL override, zero-width, emoji, NUL and other C0/C1 controls, lone surrogates. */
const UNICODE_SAMPLES = ['\u202Emoc.elpmaxe@evil', '\u0000\u0001\u001B[31m', '😀👩🏽‍💻', 'عربى עברית', '\u200B\u2028\u2029', '\uD800', '\u0085\u009F', '<script>alert(1)</script>'];
const TEN_MB = 10 * 1024 * 1024;

function sign(payload: string, secret: string, timestamp: number): string {
	return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

function jsonRequest(kind: string, body: string | Buffer, signature: string | string[] | null, contentType = 'application/json'): HostileRequest {
	const headers: HostileRequest['headers'] = { 'Content-Type': contentType };
	if (signature !== null) headers['Stripe-Signature'] = signature;
	return { kind, method: 'POST', headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

/** Replaces every string in the event with a hostile unicode sample, keeping its shape. */
function unicodeEverywhere(value: unknown, index: number): unknown {
	if (typeof value === 'string') return `${value}${UNICODE_SAMPLES[index % UNICODE_SAMPLES.length]}`;
	if (Array.isArray(value)) return value.map((entry, i) => unicodeEverywhere(entry, index + i));
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry], i) => [key, unicodeEverywhere(entry, index + i)]));
	return value;
}

type Maker = (index: number, context: HostileContext) => HostileRequest;

/** The kinds, in rotation. 10 MB bodies are rare on purpose (a few per thousand) so the run stays quick. */
const MAKERS: Maker[] = [
	(i, { deliveredEvent, now }) => {
		const payload = JSON.stringify({ ...deliveredEvent, id: `evt_forged_${i}` });
		return jsonRequest('forged signature', payload, sign(payload, `whsec_guess_${i}`, now()));
	},
	(i, { deliveredEvent, secret, now }) => {
		const payload = JSON.stringify({ ...deliveredEvent, id: `evt_stale_${i}` });
		// Older than the 300 s tolerance: a captured request replayed later.
		return jsonRequest('stale signature', payload, sign(payload, secret, now() - 301 - (i % 86_400)));
	},
	(_i, { deliveredEvent, secret, now }) => {
		const payload = JSON.stringify(deliveredEvent, null, 2);
		return jsonRequest('replayed delivery', payload, sign(payload, secret, now()));
	},
	(i, { deliveredEvent }) => jsonRequest('missing signature', JSON.stringify({ ...deliveredEvent, id: `evt_unsigned_${i}` }), null),
	(i, { deliveredEvent, secret, now }) => {
		// Node joins repeated headers with ", ", and Stripe allows several v1 values in one header, so a
		// repeated header is as good as its best signature: two guesses are refused, and a genuine signature
		// next to a guess can only carry what the secret signed (here the event already executed).
		if (i % 2 === 0) {
			const payload = JSON.stringify({ ...deliveredEvent, id: `evt_twice_${i}` });
			return jsonRequest('duplicated signature header', payload, [sign(payload, `whsec_a${i}`, now()), sign(payload, `whsec_b${i}`, now())]);
		}
		const payload = JSON.stringify(deliveredEvent);
		return jsonRequest('duplicated signature header', payload, [sign(payload, `whsec_a${i}`, now()), sign(payload, secret, now())]);
	},
	(i, { secret, now }) => {
		const payload = `not json ${i} \u0000 {{{`;
		return jsonRequest('non-JSON body (validly signed)', payload, sign(payload, secret, now()), 'text/plain');
	},
	(i, { deliveredEvent, secret, now }) => {
		const full = JSON.stringify({ ...deliveredEvent, id: `evt_truncated_${i}` });
		const payload = full.slice(0, Math.max(1, (i * 7919) % full.length));
		// Signed after truncation: the signature is valid, the JSON is not.
		return jsonRequest('truncated body (validly signed)', payload, sign(payload, secret, now()));
	},
	(i, { deliveredEvent, secret, now }) => {
		const full = JSON.stringify({ ...deliveredEvent, id: `evt_cut_${i}` });
		// Signed before truncation: a body cut in transit.
		return jsonRequest('truncated body (signed whole)', full.slice(0, full.length - 1 - (i % 50)), sign(full, secret, now()));
	},
	(i, { deliveredEvent, now }) => {
		const contentTypes = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', ''];
		const payload = JSON.stringify({ ...deliveredEvent, id: `evt_ctype_${i}` });
		return jsonRequest('wrong content type', payload, sign(payload, 'whsec_guess', now()), contentTypes[i % contentTypes.length]);
	},
	(i, { deliveredEvent, secret, now }) => {
		// Validly signed, but an event type no trigger selects, with hostile unicode in every field.
		const hostile = unicodeEverywhere(deliveredEvent, i) as Record<string, unknown>;
		// The envelope stays an event (object, id, type, livemode), so the body reaches the trigger's normalizer.
		const payload = JSON.stringify({ ...hostile, object: 'event', id: `evt_unicode_${i}${UNICODE_SAMPLES[i % UNICODE_SAMPLES.length]}`, type: `customer.unknown_${i}`, livemode: false });
		return jsonRequest('unicode and controls in every field (validly signed, unselected)', payload, sign(payload, secret, now()));
	},
	(i, { deliveredEvent, secret, now }) => {
		// Validly signed live-mode event for a test-mode key: acknowledged, never run.
		const payload = JSON.stringify({ ...deliveredEvent, id: `evt_live_${i}`, livemode: true });
		return jsonRequest('livemode mismatch (validly signed)', payload, sign(payload, secret, now()));
	},
	(i) => {
		const headers = ['t=abc,v1=', 'v1=deadbeef', `t=${'9'.repeat(40)},v1=${'a'.repeat(64)}`, 'x'.repeat(6000), 't=1,v0=1,v2=2', ',,,,=,=,'];
		return jsonRequest('malformed signature header', '{"object":"event"}', headers[i % headers.length]);
	},
	(i, { deliveredEvent }) => ({ ...jsonRequest('wrong method', JSON.stringify(deliveredEvent), null), method: ['GET', 'PUT', 'DELETE', 'PATCH'][i % 4] }),
];

/** One 10 MB body every this many requests. */
const HUGE_EVERY = 1000;

export function hostileRequest(index: number, context: HostileContext): HostileRequest {
	if (index % HUGE_EVERY === HUGE_EVERY - 1) {
		const filler = '"x":"' + 'A'.repeat(TEN_MB) + '"';
		const payload = `{"id":"evt_huge_${index}","object":"event","type":"customer.created",${filler}}`;
		return jsonRequest('10 MB body (forged signature)', payload, sign(payload, 'whsec_guess', context.now()));
	}
	return MAKERS[index % MAKERS.length](index, context);
}

export interface HostileResponse {
	status: number | null;
	error: string | null;
}

/** Sends one request over the shared keep-alive agent; network errors are answers too (recorded, not thrown). */
export function send(url: string, request: HostileRequest, agent: http.Agent): Promise<HostileResponse> {
	return new Promise((resolve) => {
		const outgoing = http.request(url, { method: request.method, headers: { ...request.headers, 'Content-Length': String(request.body.length) }, agent, timeout: 60_000 }, (response) => {
			response.resume();
			response.on('end', () => resolve({ status: response.statusCode ?? null, error: null }));
			response.on('error', (error) => resolve({ status: response.statusCode ?? null, error: error.message }));
		});
		outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
		outgoing.on('error', (error) => resolve({ status: null, error: error.message }));
		outgoing.end(request.body);
	});
}
