import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listener {
	port: number;
	/** Every request that arrived: where a refused URL would have delivered a key or token. */
	received: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
	close(): Promise<void>;
}

/** An HTTP server on all interfaces (so 0.0.0.0 and 127.0.0.1 both reach it) that records and answers 200. */
export async function startListener(): Promise<Listener> {
	const received: Listener['received'] = [];
	const server = createServer((request, response) => {
		received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
		response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"object":"list","data":[],"has_more":false}');
	});
	await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		received,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/**
 * Runs `send` against a server on loopback that redirects every request to a listener elsewhere,
 * and returns what that listener received: where a redirect would carry a key or token.
 */
export async function receivedAfterRedirect(send: (url: string) => Promise<unknown>): Promise<Listener['received']> {
	const elsewhere = await startListener();
	const redirecting = createServer((request, response) => response.writeHead(302, { Location: `http://127.0.0.1:${elsewhere.port}${request.url}` }).end());
	await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
	try {
		await send(`http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`);
		return elsewhere.received;
	} finally {
		redirecting.close();
		await elsewhere.close();
	}
}
