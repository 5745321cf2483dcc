import type { HttpRequest, HttpResponse, HttpSend } from '../../../nodes/shared/transport/stripeClient';
import type { VirtualClock } from './virtualClock';

export interface FakeObject {
	id: string;
	created: number;
}

/** A list endpoint over fixed objects with Stripe's paging rules, answering in virtual time. */
export function fakeListEndpoint(
	objects: FakeObject[],
	clock: VirtualClock,
	{ latencyMs = 50 }: { latencyMs?: number } = {},
): { send: HttpSend; requests: Array<HttpRequest & { at: number }> } {
	const sorted = [...objects].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
	const requests: Array<HttpRequest & { at: number }> = [];
	const send: HttpSend = async (request) => {
		requests.push({ ...request, at: clock.now() });
		await clock.sleep(latencyMs);
		const query = new URLSearchParams(request.url.split('?')[1] ?? '');
		const limit = Number(query.get('limit') ?? 10);
		const gte = query.get('created[gte]');
		const lt = query.get('created[lt]');
		let matching = sorted.filter(
			(object) => (gte === null || object.created >= Number(gte)) && (lt === null || object.created < Number(lt)),
		);
		const after = query.get('starting_after');
		if (after) matching = matching.slice(matching.findIndex((object) => object.id === after) + 1);
		const data = matching.slice(0, limit);
		return ok({ object: 'list', data, has_more: matching.length > limit, url: request.url.split('?')[0] });
	};
	return { send, requests };
}

export function ok(body: unknown, headers: HttpResponse['headers'] = {}): HttpResponse {
	return { statusCode: 200, headers, body: JSON.stringify(body) };
}

export function stripeError(
	statusCode: number,
	error: Record<string, string>,
	headers: HttpResponse['headers'] = {},
): HttpResponse {
	return { statusCode, headers: { 'request-id': 'req_test123', ...headers }, body: JSON.stringify({ error }) };
}
