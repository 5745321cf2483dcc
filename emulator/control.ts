/**
 * The control API over HTTP (`/_emulator/…`, JSON in and out, no Stripe auth) so that processes
 * other than the test runner — n8n in the end-to-end tests, `npm run dev` — can drive the emulator.
 * Every route calls the same method tests call in-process.
 */
import type * as http from 'node:http';
import type { Scope, StripeEmulator } from './emulator';
import { StripeApiError } from './errors';
import { runScenario, type ScenarioName } from './scenarios';
import { seedDemoAccount, type SeedOptions } from './seed';

type Json = Record<string, unknown>;

interface ControlRoute {
	method: 'GET' | 'POST' | 'DELETE';
	pattern: RegExp;
	handle(emulator: StripeEmulator, body: Json, match: RegExpExecArray, query: URLSearchParams): unknown | Promise<unknown>;
}

const scopeOf = (source: Json | URLSearchParams): Scope => {
	const get = (name: string) => (source instanceof URLSearchParams ? (source.get(name) ?? undefined) : (source[name] as string | undefined));
	return { mode: get('mode') === 'live' ? 'live' : 'test', account: get('account') };
};

const routes: ControlRoute[] = [
	{
		method: 'GET',
		pattern: /^\/_emulator\/info$/,
		handle: (e) => ({ url: e.url, apiVersion: e.apiVersion, defaultApiVersion: e.defaultApiVersion, account: e.account.id, keys: e.keys, now: e.now() }),
	},
	{ method: 'POST', pattern: /^\/_emulator\/api_version$/, handle: (e, b) => ({ defaultApiVersion: e.setDefaultApiVersion(String(b.version)) }) },
	{ method: 'POST', pattern: /^\/_emulator\/reset$/, handle: (e) => (e.reset(), { ok: true }) },
	{
		method: 'POST',
		pattern: /^\/_emulator\/keys$/,
		handle: (e, b) => ({ key: e.createRestrictedKey((b.permissions ?? {}) as never, b.mode === 'live' ? 'live' : 'test') }),
	},
	{ method: 'POST', pattern: /^\/_emulator\/customers$/, handle: (e, b) => e.createCustomer(b as never, scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/customers\/([^/]+)$/, handle: (e, b, m) => e.updateCustomer(m[1], b as never, scopeOf(b)) },
	{ method: 'DELETE', pattern: /^\/_emulator\/customers\/([^/]+)$/, handle: (e, _b, m, q) => e.deleteCustomer(m[1], scopeOf(q)) },
	{
		method: 'POST',
		pattern: /^\/_emulator\/customers\/([^/]+)\/card$/,
		handle: (e, b, m) => (e.setCard(m[1], b.card as never, scopeOf(b)), { customer: m[1], card: b.card }),
	},
	{ method: 'POST', pattern: /^\/_emulator\/products$/, handle: (e, b) => e.createProduct(b as never, scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/prices$/, handle: (e, b) => e.createPrice(b as never, scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/coupons$/, handle: (e, b) => e.createCoupon(b as never, scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/subscriptions$/, handle: (e, b) => e.createSubscription(b as never, scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/subscriptions\/([^/]+)$/, handle: (e, b, m) => e.updateSubscription(m[1], b as never, scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/subscriptions\/([^/]+)\/cancel$/, handle: (e, b, m) => e.cancelSubscription(m[1], scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/charges$/, handle: (e, b) => e.createCharge(b as never, scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/charges\/([^/]+)\/refund$/, handle: (e, b, m) => e.refundCharge(m[1], b as never, scopeOf(b)) },
	{ method: 'POST', pattern: /^\/_emulator\/charges\/([^/]+)\/dispute$/, handle: (e, b, m) => e.disputeCharge(m[1], b.reason as string | undefined, scopeOf(b)) },
	{ method: 'GET', pattern: /^\/_emulator\/clock$/, handle: (e) => ({ now: e.now() }) },
	{ method: 'POST', pattern: /^\/_emulator\/clock\/advance$/, handle: (e, b) => ({ now: e.advanceClock(b as never) }) },
	{
		method: 'POST',
		pattern: /^\/_emulator\/scenarios\/([a-z_]+)$/,
		handle: (e, b, m) => runScenario(e, m[1] as ScenarioName, { ...scopeOf(b), customer: b.customer as string | undefined }),
	},
	{ method: 'POST', pattern: /^\/_emulator\/seed$/, handle: (e, b) => seedDemoAccount(e, { ...(b as SeedOptions), ...scopeOf(b) }) },
	{ method: 'GET', pattern: /^\/_emulator\/events$/, handle: (e, _b, _m, q) => e.eventLog(scopeOf(q)) },
	{
		method: 'POST',
		pattern: /^\/_emulator\/events\/([^/]+)\/redeliver$/,
		handle: (e, b, m) => ({ queued: e.redeliverEvent(m[1], { ...(b as { endpointId?: string; times?: number }), ...scopeOf(b) }) }),
	},
	{ method: 'GET', pattern: /^\/_emulator\/deliveries$/, handle: (e) => e.deliveryLog() },
	{ method: 'POST', pattern: /^\/_emulator\/deliveries\/hold$/, handle: (e) => (e.holdDeliveries(), { held: true }) },
	{ method: 'POST', pattern: /^\/_emulator\/deliveries\/release$/, handle: (e, b) => ({ released: e.releaseDeliveries(b.order as never) }) },
	{ method: 'POST', pattern: /^\/_emulator\/deliveries\/settle$/, handle: async (e) => (await e.settleDeliveries(), { settled: true }) },
	{ method: 'GET', pattern: /^\/_emulator\/faults$/, handle: (e) => e.faults.list() },
	{ method: 'POST', pattern: /^\/_emulator\/faults$/, handle: (e, b) => ({ id: e.addFault(b as never) }) },
	{ method: 'DELETE', pattern: /^\/_emulator\/faults$/, handle: (e) => (e.clearFaults(), { cleared: true }) },
	{ method: 'GET', pattern: /^\/_emulator\/requests$/, handle: (e) => e.requestLog() },
	{ method: 'DELETE', pattern: /^\/_emulator\/requests$/, handle: (e) => (e.clearRequestLog(), { cleared: true }) },
];

function reply(res: http.ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body, null, 2);
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
	res.end(text);
}

export async function handleControl(emulator: StripeEmulator, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
	const url = new URL(req.url ?? '/', 'http://emulator');
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const raw = Buffer.concat(chunks).toString('utf8');
	let body: Json;
	try {
		body = raw ? (JSON.parse(raw) as Json) : {};
	} catch {
		return reply(res, 400, { error: { message: 'The control API takes JSON bodies.' } });
	}
	const route = routes.find((candidate) => candidate.method === req.method && candidate.pattern.test(url.pathname));
	if (!route) return reply(res, 404, { error: { message: `No control route ${req.method} ${url.pathname}` } });
	try {
		const result = await route.handle(emulator, body, route.pattern.exec(url.pathname)!, url.searchParams);
		reply(res, 200, result);
	} catch (error) {
		if (error instanceof StripeApiError) return reply(res, error.status, error.toJSON());
		reply(res, 400, { error: { message: (error as Error).message } });
	}
}
