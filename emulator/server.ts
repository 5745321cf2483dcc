/**
 * The HTTP front of the emulator (node:http only). A Stripe API request passes, in Stripe's order:
 * injected faults → authentication → rate limit → Stripe-Version → URL (spec) → key permission →
 * params (spec) → idempotency → handler. `/_emulator/…` goes to the control API instead.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { handleControl } from './control';
import type { RequestLogEntry, StripeEmulator } from './emulator';
import { idempotencyEndpointMismatch, idempotencyMismatch, invalidRequest, rateLimited, StripeApiError } from './errors';
import { faultError } from './faults';
import { FormSyntaxError, paramKeys, parseForm, type FormObject } from './form';
import { authorize, type ApiKey } from './keys';
import { handleOAuth } from './oauth';
import { routeFor } from './routes';

const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export function readBody(req: http.IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

export function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string>): void {
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
	res.end(body);
}

function errorBody(error: StripeApiError, requestId: string, livemode: boolean): string {
	const body = { ...error.body };
	if (error.status !== 404 || body.code) body.request_log_url = `https://dashboard.stripe.com/${livemode ? '' : 'test/'}logs/${requestId}`;
	return JSON.stringify({ error: body }, null, 2);
}

/** Canonical params for idempotency comparison (key order does not matter). */
function canonical(params: FormObject): string {
	return JSON.stringify(params, (_key, value: unknown) =>
		value && typeof value === 'object' && !Array.isArray(value)
			? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
			: value,
	);
}

export function createHttpServer(emulator: StripeEmulator): http.Server {
	return http.createServer((req, res) => {
		const path = (req.url ?? '/').split('?')[0];
		const handler = path.startsWith('/_emulator/')
			? handleControl(emulator, req, res)
			: path.startsWith('/oauth/')
				? handleOAuth(emulator, req, res)
				: handleApi(emulator, req, res);
		handler.catch((error: Error) => {
			if (!res.headersSent) send(res, 500, JSON.stringify({ error: { type: 'api_error', message: error.message } }), {});
		});
	});
}

async function handleApi(emulator: StripeEmulator, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
	const rawUrl = req.url ?? '/';
	const queryStart = rawUrl.indexOf('?');
	const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
	const query = queryStart === -1 ? '' : rawUrl.slice(queryStart + 1);
	const method = (req.method ?? 'GET').toUpperCase();
	const rawBody = await readBody(req);
	const requestId = `req_${randomBytes(10).toString('base64url').replace(/[-_]/g, 'Z')}`;
	const header = (name: string): string | null => {
		const value = req.headers[name];
		return Array.isArray(value) ? value.join(', ') : (value ?? null);
	};
	const entry: RequestLogEntry = {
		at: Date.now(),
		method,
		path,
		queryKeys: [],
		bodyKeys: [],
		mode: null,
		keyKind: null,
		account: header('stripe-account'),
		stripeVersion: header('stripe-version'),
		idempotencyKey: header('idempotency-key'),
		replayed: false,
		fault: null,
		status: null,
		listed: null,
		requestId,
	};
	emulator.requests.push(entry);
	const baseHeaders: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': entry.stripeVersion ?? emulator.apiVersion };
	let key: ApiKey | null = null;
	const finish = (status: number, body: string, headers: Record<string, string> = {}): void => {
		entry.status = status;
		send(res, status, body, { ...baseHeaders, ...headers });
	};

	const decision = emulator.faults.decide(method, path);
	if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
	if (decision.failure) {
		entry.fault = decision.failure;
		if (decision.failure === 'drop') {
			req.socket.destroy();
			return;
		}
		// A timeout never answers; closing the emulator closes the socket.
		if (decision.failure === 'timeout') return;
		const error = faultError(decision.failure, decision.retryAfterSeconds);
		return finish(error.status, errorBody(error, requestId, false), error.headers);
	}

	try {
		key = emulator.keyRing.authenticate(header('authorization') ?? undefined);
		entry.mode = key.mode;
		entry.keyKind = key.kind;
		if (emulator.rateLimiter && !emulator.rateLimiter.take(key.mode)) throw rateLimited();
		const version = entry.stripeVersion;
		if (version !== null && !emulator.spec.knownApiVersions.has(version)) throw invalidRequest(`Invalid Stripe API version: ${version}`);
		if (key.account && entry.account && entry.account !== key.account) {
			throw invalidRequest(`The provided key '${key.secret.slice(0, 8)}***' does not have access to account '${entry.account}' (or that account does not exist). Application access may have been revoked.`, undefined, 'account_invalid', 403);
		}
		const account = entry.account ?? key.account ?? emulator.store.platformAccount;
		if (!/^acct_[A-Za-z0-9]+$/.test(account)) {
			throw invalidRequest(`The provided key '${key.secret.slice(0, 8)}***' does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`, undefined, 'account_invalid', 403);
		}
		let params: FormObject;
		try {
			const queryParams = parseForm(query);
			const bodyParams = parseForm(rawBody);
			entry.queryKeys = paramKeys(queryParams);
			entry.bodyKeys = paramKeys(bodyParams);
			params = { ...queryParams, ...bodyParams };
		} catch (error) {
			if (error instanceof FormSyntaxError) throw invalidRequest(error.message, error.key);
			throw error;
		}
		const match = emulator.spec.match(method, path);
		const route = routeFor(method, match.operation.template);
		authorize(key, account, route.resource, route.access);
		emulator.spec.validate(match.operation, params);

		const idempotencyKey = method === 'POST' ? entry.idempotencyKey : null;
		const storeKey = idempotencyKey ? `${key.secret}:${account}:${idempotencyKey}` : null;
		if (storeKey && idempotencyKey) {
			const previous = emulator.idempotency.get(storeKey);
			if (previous && previous.at > emulator.now() - IDEMPOTENCY_WINDOW_SECONDS) {
				if (previous.endpoint !== `${method} ${path}`) throw idempotencyEndpointMismatch(idempotencyKey, previous.endpoint.split(' ')[1], path);
				if (previous.params !== canonical(params)) throw idempotencyMismatch(idempotencyKey);
				entry.replayed = true;
				return finish(previous.status, previous.body, { 'Idempotent-Replayed': 'true', 'Original-Request': previous.requestId, 'Idempotency-Key': idempotencyKey });
			}
		}

		const dataset = emulator.store.dataset(key.mode, account);
		let status = 200;
		let body: string;
		try {
			const result = route.handle({
				dataset,
				params,
				pathParams: match.pathParams,
				request: { id: requestId, idempotencyKey },
				billing: emulator.billing,
				webhooks: emulator.webhooks,
				ids: emulator.ids,
				now: emulator.now(),
				account: emulator.account,
			});
			body = JSON.stringify(result, null, 2);
			if (isPage(result)) entry.listed = result.data.length;
		} catch (error) {
			if (!(error instanceof StripeApiError)) throw error;
			status = error.status;
			body = errorBody(error, requestId, key.mode === 'live');
		}
		// Stripe stores the outcome of the first request, success or error, and replays it.
		if (storeKey && status < 500) {
			emulator.idempotency.set(storeKey, { endpoint: `${method} ${path}`, params: canonical(params), status, body, requestId, at: emulator.now() });
		}
		return finish(status, body, idempotencyKey ? { 'Idempotency-Key': idempotencyKey, 'Original-Request': requestId } : {});
	} catch (error) {
		if (!(error instanceof StripeApiError)) throw error;
		return finish(error.status, errorBody(error, requestId, key?.mode === 'live'), error.headers);
	}
}

function isPage(result: unknown): result is { data: unknown[] } {
	const object = (result as { object?: unknown } | null)?.object;
	return (object === 'list' || object === 'search_result') && Array.isArray((result as { data?: unknown }).data);
}
