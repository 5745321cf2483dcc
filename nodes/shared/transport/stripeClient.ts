import { randomUUID } from 'crypto';

import { DAY_SECONDS } from '../lifecycle/time';
import { encodeStripeParams, type StripeParams } from './formEncoding';
import { StripeApiError, stripeErrorFromResponse, stripeNetworkError, type CredentialKind } from './errors';
import { sharedRateLimiter, type Clock, type RateLimiter } from './rateLimiter';
import { DEFAULT_RETRY_POLICY, header, retryDecision, type RetryPolicy } from './retryPolicy';

/** The API version whose shapes the `stripe` package's types describe (a unit test keeps them equal). */
export const STRIPE_API_VERSION = '2026-10-28.endive';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface HttpResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

export interface HttpRequest {
	method: HttpMethod;
	/** Path with query string, relative to the base URL. */
	url: string;
	headers: Record<string, string>;
	body?: string;
	/** How long to wait for the response: REQUEST_TIMEOUT_MS, or less when the client's budget is nearly spent. */
	timeoutMs: number;
}

/** Sends one HTTP request with the credential applied; rejects only when no response arrived. */
export type HttpSend = (request: HttpRequest) => Promise<HttpResponse>;

export type StripeMode = 'test' | 'live';

export interface StripeClientOptions {
	send: HttpSend;
	baseUrl: string;
	mode: StripeMode;
	/** Identifies the account (not the key itself) so that one process shares one rate limiter. */
	accountKey: string;
	/**
	 * Defaults to Stripe's documented limits: 25 in test mode, 100 in live mode. Clients of one
	 * account share one limiter; where they ask for different rates the lowest applies (rateLimiter.ts).
	 */
	requestsPerSecond?: number;
	/** Whether a 401 means a wrong key or a Connect token that was revoked. */
	credentialKind?: CredentialKind;
	retryPolicy?: Partial<RetryPolicy>;
	/**
	 * Most time, in ms from the client's creation, that all its calls together may take: waits for
	 * the rate limit, responses, back-off and Retry-After included. A retry that would end past it
	 * is not made, and the call fails with the error it has. Unset: only the retry policy bounds a call.
	 */
	budgetMs?: number;
	clock: Clock;
	random?: () => number;
}

export interface StripeList<T> {
	object: 'list';
	data: T[];
	has_more: boolean;
	url?: string;
}

/** Which objects a walk returns: created in [from, to) (epoch seconds), fetched by `concurrency` time slices at once. */
export interface Listing {
	concurrency?: number;
	from?: number;
	to?: number;
}

export interface SlicedListOptions {
	/** Epoch seconds, inclusive. */
	from: number;
	/** Epoch seconds, exclusive. */
	to: number;
	slices?: number;
	concurrency?: number;
}

export interface ClientStats {
	requests: number;
	retries: number;
	rateLimited: number;
}

export const DEFAULT_REQUESTS_PER_SECOND: Record<StripeMode, number> = { test: 25, live: 100 };
const PAGE_SIZE = 100;
/** Fewer pages per slice waste calls on partial last pages; more leave workers idle at the end. */
const MIN_PAGES_PER_SLICE = 4;
/** 10 million objects: more than any node can hold in memory, so a walk this long can only be a server that never ends it. */
export const MAX_PAGES_PER_LIST = 100_000;
export const REQUEST_TIMEOUT_MS = 30_000;

export class StripeClient {
	readonly stats: ClientStats = { requests: 0, retries: 0, rateLimited: 0 };
	private readonly limiter: RateLimiter;
	private readonly requestsPerSecond: number;
	private readonly policy: RetryPolicy;
	/** Clock time after which no request is sent and no retry is waited for. */
	private readonly deadline: number;

	constructor(private readonly options: StripeClientOptions) {
		this.deadline = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : options.clock.now() + options.budgetMs;
		this.limiter = sharedRateLimiter(`${options.baseUrl}|${options.accountKey}`, options.clock);
		this.requestsPerSecond = options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND[options.mode];
		this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
	}

	get mode(): StripeMode {
		return this.options.mode;
	}

	/**
	 * `options.idempotencyKey` replaces the per-call key when the caller needs the same key from
	 * several processes: that is how Stripe's idempotency layer becomes a shared claim (see claims.ts).
	 */
	async request<T>(method: HttpMethod, path: string, params: StripeParams = {}, options: { idempotencyKey?: string } = {}): Promise<T> {
		const encoded = encodeStripeParams(params);
		const headers: Record<string, string> = {
			'Stripe-Version': STRIPE_API_VERSION,
			Accept: 'application/json',
		};
		let url = path;
		let body: string | undefined;
		if (method === 'POST') {
			headers['Content-Type'] = 'application/x-www-form-urlencoded';
			// One key for all tries of this call: a retry after a lost response cannot apply twice.
			headers['Idempotency-Key'] = options.idempotencyKey ?? randomUUID();
			body = encoded;
		} else if (encoded) {
			url = `${path}?${encoded}`;
		}

		for (let attempt = 1; ; attempt++) {
			const acquired = await this.limiter.acquire(this.requestsPerSecond, this.deadline);
			const remainingMs = this.deadline - this.options.clock.now();
			if (!acquired || remainingMs <= 0) {
				throw new StripeApiError(
					`Stripe was not called: the ${this.options.budgetMs} ms this step may spend on Stripe ran out, or would have waiting for the rate limit`,
					'Other calls of this step, or of other nodes using the same Stripe account in this n8n process, took the time. Run it again.',
					undefined,
					{ attempts: attempt - 1 },
				);
			}
			this.stats.requests++;
			// A write that was sent may be applied even if its answer comes late: cutting it off at the
			// budget would leave its outcome unknown (for a claim, won by nobody who knows it, see
			// claims.ts), so the budget bounds queueing and retries of writes, not their answers.
			const timeoutMs = method === 'POST' ? REQUEST_TIMEOUT_MS : Math.min(REQUEST_TIMEOUT_MS, remainingMs);
			let response: HttpResponse;
			try {
				response = await this.options.send({ method, url, headers, body, timeoutMs });
			} catch (error) {
				const decision = retryDecision(attempt, {}, this.policy, this.options.random);
				if (!decision.retry || !this.fits(decision.delayMs)) throw stripeNetworkError(this.options.baseUrl, error, attempt);
				await this.backOff(decision.delayMs);
				continue;
			}
			if (response.statusCode < 300) return parseBody<T>(response.body);
			if (response.statusCode === 429) this.stats.rateLimited++;
			const decision = retryDecision(attempt, { status: response.statusCode, headers: response.headers }, this.policy, this.options.random);
			if (!decision.retry || !this.fits(decision.delayMs)) {
				throw stripeErrorFromResponse(response.statusCode, response.body, header(response.headers, 'request-id'), attempt, this.options.credentialKind);
			}
			await this.backOff(decision.delayMs);
		}
	}

	/** Every object of a list endpoint, newest first, fetching pages of 100 as the caller reads. */
	async *list<T extends { id: string }>(path: string, params: StripeParams = {}): AsyncGenerator<T> {
		for await (const page of this.pages<T>(path, params)) yield* page;
	}

	/**
	 * The pages of one cursor walk. A server that hands out a cursor it gave before (the same last
	 * id with has_more, or a → b → a) would be walked forever, so that, and a walk past
	 * MAX_PAGES_PER_LIST, ends it with an error naming the list.
	 */
	private async *pages<T extends { id: string }>(path: string, params: StripeParams): AsyncGenerator<T[]> {
		const cursors = new Set<string>();
		let startingAfter: string | undefined;
		for (;;) {
			const page = await this.request<StripeList<T>>('GET', path, {
				...params,
				limit: PAGE_SIZE,
				starting_after: startingAfter,
			});
			yield page.data;
			// An empty page ends the walk even if has_more claims otherwise: there is no cursor left.
			if (!page.has_more || page.data.length === 0) return;
			startingAfter = page.data[page.data.length - 1].id;
			if (cursors.has(startingAfter)) {
				throw new StripeApiError(
					`Stripe's list ${path} handed out the cursor ${startingAfter} a second time`,
					'Paging stopped here instead of going round forever. If the API base URL in the credential points at a proxy or an emulator, check that it passes starting_after through; otherwise run again.',
					undefined,
				);
			}
			if (cursors.size + 1 >= MAX_PAGES_PER_LIST) {
				throw new StripeApiError(
					`Stripe's list ${path} went on for more than ${MAX_PAGES_PER_LIST.toLocaleString('en-US')} pages`,
					'Paging stopped here. Narrow the request (a shorter time range or a filter) so that it returns fewer objects.',
					undefined,
				);
			}
			cursors.add(startingAfter);
		}
	}

	/**
	 * Every object of a list endpoint, optionally limited to a `created` range, fetched by
	 * `concurrency` workers over disjoint time slices once the first page shows there is more.
	 * Without a lower bound, doubling probes (one object each) find how far back objects go.
	 */
	async *listAll<T extends { id: string; created: number }>(
		path: string,
		params: StripeParams = {},
		{ concurrency = 1, from, to }: Listing = {},
	): AsyncGenerator<T> {
		const created = { ...(from !== undefined ? { gte: from } : {}), ...(to !== undefined ? { lt: to } : {}) };
		const ranged = Object.keys(created).length ? { ...params, created } : params;
		if (concurrency <= 1) {
			yield* this.list<T>(path, ranged);
			return;
		}
		const first = await this.request<StripeList<T>>('GET', path, { ...ranged, limit: PAGE_SIZE });
		yield* first.data;
		if (!first.has_more || first.data.length === 0) return;

		// Slices end just after the first page's oldest second; the objects of that second the
		// first page already holds are skipped, so ties with equal `created` are neither lost nor doubled.
		const boundary = first.data[first.data.length - 1].created;
		const alreadyYielded = new Set(first.data.filter((object) => object.created === boundary).map((object) => object.id));
		// The first page's time span tells the list's density: where to start probing for its
		// oldest object, and how many pages remain, so that small lists are not cut into slices
		// of a few objects each (every slice ends with a partial page, every call counts against the limit).
		const pageSpan = Math.max(1, first.data[0].created - boundary);
		const lowest = from ?? (await this.oldestBound(path, params, boundary, pageSpan));
		const pagesLeft = Math.ceil((boundary + 1 - lowest) / pageSpan);
		const slices = Math.max(1, Math.min(concurrency * 2, Math.ceil(pagesLeft / MIN_PAGES_PER_SLICE)));
		for await (const object of this.listSliced<T>(path, params, { from: lowest, to: boundary + 1, slices, concurrency })) {
			if (!alreadyYielded.has(object.id)) yield object;
		}
	}

	/** A time before which the endpoint holds no objects, found with a few one-object probes. */
	private async oldestBound(path: string, params: StripeParams, before: number, pageSpan: number): Promise<number> {
		for (let span = Math.max(DAY_SECONDS, pageSpan * 4); span < DAY_SECONDS * 2 ** 15; span *= 2) {
			const probe = await this.request<StripeList<{ id: string }>>('GET', path, { ...params, created: { lt: before - span }, limit: 1 });
			if (probe.data.length === 0) return Math.max(0, before - span);
		}
		return 0;
	}

	/**
	 * The same objects as `list` over [from, to), fetched as disjoint `created` windows by several
	 * workers at once. With Stripe's latency a single cursor cannot reach the rate limit; slices
	 * can, and the shared limiter keeps them under it. Order across slices is not defined.
	 */
	async *listSliced<T extends { id: string }>(
		path: string,
		params: StripeParams,
		{ from, to, slices = 16, concurrency = 4 }: SlicedListOptions,
	): AsyncGenerator<T> {
		const windows = timeWindows(from, to, slices);
		const pages: T[][] = [];
		let active = 0;
		let failure: unknown;
		let wake: (() => void) | undefined;
		const paused: Array<() => void> = [];
		const notify = () => {
			wake?.();
			wake = undefined;
		};
		const resumeWorkers = () => paused.splice(0).forEach((resume) => resume());
		// Workers pause while several pages wait unread, so memory stays bounded by the reader's pace.
		const maxBufferedPages = concurrency * 2;

		const worker = async () => {
			for (let window = windows.shift(); window; window = windows.shift()) {
				const created = { ...(params.created as object), gte: window.from, lt: window.to };
				const walk = this.pages<T>(path, { ...params, created });
				for (;;) {
					while (pages.length >= maxBufferedPages && failure === undefined) {
						await new Promise<void>((resolve) => paused.push(resolve));
					}
					if (failure !== undefined) return;
					const page = await walk.next();
					if (page.done) break;
					if (page.value.length) pages.push(page.value);
					notify();
				}
			}
		};

		const workers = Array.from({ length: Math.min(concurrency, windows.length) }, async () => {
			active++;
			try {
				await worker();
			} catch (error) {
				failure ??= error;
			} finally {
				active--;
				notify();
			}
		});

		try {
			for (;;) {
				const page = pages.shift();
				if (page) {
					resumeWorkers();
					yield* page;
					continue;
				}
				if (failure !== undefined) throw failure;
				if (active === 0) break;
				await new Promise<void>((resolve) => (wake = resolve));
			}
		} finally {
			failure ??= new StripeApiError('Listing stopped by the reader', '', undefined);
			resumeWorkers();
			await Promise.allSettled(workers);
		}
	}

	/** Whether a retry after `delayMs` would still be sent within the budget. */
	private fits(delayMs: number): boolean {
		return this.options.clock.now() + delayMs < this.deadline;
	}

	private async backOff(delayMs: number): Promise<void> {
		this.stats.retries++;
		await this.options.clock.sleep(delayMs);
	}
}

function parseBody<T>(body: unknown): T {
	if (typeof body === 'string') return (body ? JSON.parse(body) : {}) as T;
	return body as T;
}

/** Splits [from, to) into up to `count` contiguous windows of whole seconds. */
export function timeWindows(from: number, to: number, count: number): Array<{ from: number; to: number }> {
	const span = Math.max(0, to - from);
	const size = Math.max(1, Math.ceil(span / Math.max(1, count)));
	const windows: Array<{ from: number; to: number }> = [];
	for (let start = from; start < to; start += size) windows.push({ from: start, to: Math.min(to, start + size) });
	return windows;
}
