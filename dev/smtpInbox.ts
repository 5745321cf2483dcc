/**
 * A local SMTP server that keeps every mail it receives, parsed: the inbox n8n's Send Email node
 * delivers to in tests, and behind the dev stack's web inbox. Plain SMTP on loopback, no STARTTLS;
 * any login or none is accepted, like n8n's SMTP credential with or without a user.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
	id: string;
	receivedAt: string;
	/** Envelope recipients, lower-case. */
	to: string[];
	from: string;
	subject: string;
	text: string;
	html: string;
}

export interface Inbox {
	readonly port: number;
	/** Oldest first. */
	mails(): ReceivedMail[];
	/** Mails addressed to this recipient, oldest first. */
	mailsTo(recipient: string): ReceivedMail[];
	/** Resolves once `count` mails to the recipient arrived; rejects after the timeout with what did arrive. */
	waitForMails(recipient: string, count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
	clear(): void;
	close(): Promise<void>;
}

export interface InboxOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	/** Older mails are dropped beyond this many, so a runaway workflow cannot fill the memory. */
	keep?: number;
}

const POLL_MS = 200;

export async function startInbox(options: InboxOptions = {}): Promise<Inbox> {
	const keep = options.keep ?? 10_000;
	const received: ReceivedMail[] = [];
	const server = new SMTPServer({
		authOptional: true,
		allowInsecureAuth: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onAuth: (auth, _session, done) => done(null, { user: auth.username ?? 'anyone' }),
		onData(stream, session, callback) {
			simpleParser(stream)
				.then((parsed) => {
					received.push({
						id: randomUUID(),
						receivedAt: new Date().toISOString(),
						to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
						from: parsed.from?.text ?? '',
						subject: parsed.subject ?? '',
						text: parsed.text ?? '',
						html: typeof parsed.html === 'string' ? parsed.html : '',
					});
					received.splice(0, Math.max(0, received.length - keep));
					callback();
				})
				.catch(callback);
		},
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	const { port } = server.server.address() as AddressInfo;
	const mailsTo = (recipient: string) => received.filter((mail) => mail.to.includes(recipient.toLowerCase()));
	return {
		port,
		mails: () => [...received],
		mailsTo,
		async waitForMails(recipient, count, timeoutMs = 60_000) {
			const deadline = Date.now() + timeoutMs;
			while (Date.now() < deadline) {
				const mails = mailsTo(recipient);
				if (mails.length >= count) return mails;
				await new Promise((done) => setTimeout(done, POLL_MS));
			}
			throw new Error(`${mailsTo(recipient).length} mails to ${recipient} after ${timeoutMs} ms, expected ${count}; inbox: ${received.map((mail) => `${mail.to.join()}: ${mail.subject}`).join(' | ')}`);
		},
		clear: () => {
			received.length = 0;
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
