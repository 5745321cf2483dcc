/**
 * The web inbox of `npm run dev`: a small page over the tests' SMTP inbox (smtpInbox.ts),
 * listing caught mail newest first. Loopback only; the page loads nothing external.
 *
 *   GET /                  the list (subject, from, to, received)
 *   GET /messages/<id>     one message: headers, the HTML in a sandboxed frame, the text part
 *   GET /api/messages      the same as JSON, newest first (for scripts and tests)
 *   DELETE /api/messages   empties the inbox
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

import { escapeHtml } from '../nodes/shared/lifecycle/text';
import { startInbox as startSmtpInbox, type ReceivedMail } from './smtpInbox';

export interface Inbox {
	/** SMTP port on 127.0.0.1 (plain, no STARTTLS; any user and password are accepted). */
	readonly smtpPort: number;
	/** The web page, e.g. http://127.0.0.1:12025. */
	readonly url: string;
	/** Newest first. */
	messages(): ReceivedMail[];
	close(): Promise<void>;
}

export interface InboxOptions {
	/** 0 (default) picks a free port. */
	smtpPort?: number;
	httpPort?: number;
	/** Older messages are dropped beyond this many, so a runaway workflow cannot fill the memory. */
	keep?: number;
}

const HOST = '127.0.0.1';
const DEFAULT_KEEP = 500;

const STYLE = `body{font:14px system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd}a{color:#635bff}
iframe{width:100%;height:60vh;border:1px solid #ddd}pre{white-space:pre-wrap;background:#f6f8fa;padding:1rem}
dl{display:grid;grid-template-columns:6rem 1fr;gap:.2rem}dt{color:#666}`;

function page(title: string, body: string): string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function listPage(messages: ReceivedMail[]): string {
	const rows = messages
		.map(
			(mail) =>
				`<tr><td><a href="/messages/${mail.id}">${escapeHtml(mail.subject || '(no subject)')}</a></td>` +
				`<td>${escapeHtml(mail.from)}</td><td>${escapeHtml(mail.to.join(', '))}</td><td>${escapeHtml(mail.receivedAt)}</td></tr>`,
		)
		.join('');
	const table = messages.length
		? `<table><tr><th>Subject</th><th>From</th><th>To</th><th>Received</th></tr>${rows}</table>`
		: '<p>No mail yet. Messages sent to the local SMTP server appear here.</p>';
	return page('Dev inbox', `<h1>Dev inbox (${messages.length})</h1>${table}`);
}

function messagePage(mail: ReceivedMail): string {
	// The mail's HTML runs in a sandboxed frame without scripts, so it cannot touch this page.
	const html = mail.html ? `<h2>HTML</h2><iframe sandbox srcdoc="${escapeHtml(mail.html)}"></iframe>` : '';
	const text = mail.text ? `<h2>Text</h2><pre>${escapeHtml(mail.text)}</pre>` : '';
	return page(
		mail.subject,
		`<p><a href="/">&larr; Inbox</a></p><h1>${escapeHtml(mail.subject || '(no subject)')}</h1>` +
			`<dl><dt>From</dt><dd>${escapeHtml(mail.from)}</dd><dt>To</dt><dd>${escapeHtml(mail.to.join(', '))}</dd>` +
			`<dt>Received</dt><dd>${escapeHtml(mail.receivedAt)}</dd></dl>${html}${text}`,
	);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
	res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
	res.end(body);
}

function listen(server: Server, port: number): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, HOST, resolve);
	});
}

export async function startInbox(options: InboxOptions = {}): Promise<Inbox> {
	const smtp = await startSmtpInbox({ port: options.smtpPort, keep: options.keep ?? DEFAULT_KEEP });
	const newestFirst = () => smtp.mails().reverse();

	const web = createServer((req: IncomingMessage, res: ServerResponse) => {
		const path = new URL(req.url ?? '/', 'http://inbox').pathname;
		if (req.method === 'GET' && path === '/') return send(res, 200, 'text/html', listPage(newestFirst()));
		if (req.method === 'GET' && path === '/api/messages') return send(res, 200, 'application/json', JSON.stringify(newestFirst()));
		if (req.method === 'DELETE' && path === '/api/messages') {
			smtp.clear();
			return send(res, 200, 'application/json', '{"cleared":true}');
		}
		const mail = req.method === 'GET' ? smtp.mails().find((candidate) => path === `/messages/${candidate.id}`) : undefined;
		if (mail) return send(res, 200, 'text/html', messagePage(mail));
		send(res, 404, 'text/plain', 'Not found');
	});
	await listen(web, options.httpPort ?? 0);

	return {
		smtpPort: smtp.port,
		url: `http://${HOST}:${(web.address() as AddressInfo).port}`,
		messages: newestFirst,
		close: async () => {
			web.closeAllConnections();
			await Promise.all([new Promise<void>((resolve) => web.close(() => resolve())), smtp.close()]);
		},
	};
}
