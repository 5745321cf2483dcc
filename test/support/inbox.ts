/** A local SMTP server that keeps every mail it receives, parsed: the inbox n8n's Send Email node delivers to. */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
	/** Envelope recipients, lower-case. */
	to: string[];
	from: string;
	subject: string;
	text: string;
	html: string;
}

export interface Inbox {
	readonly port: number;
	mails(): ReceivedMail[];
	/** Mails addressed to this recipient, oldest first. */
	mailsTo(recipient: string): ReceivedMail[];
	/** Resolves once `count` mails to the recipient arrived; rejects after the timeout with what did arrive. */
	waitForMails(recipient: string, count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
	close(): Promise<void>;
}

const POLL_MS = 200;

export async function startInbox(): Promise<Inbox> {
	const received: ReceivedMail[] = [];
	const server = new SMTPServer({
		// n8n's SMTP credential without user and password sends without AUTH, over plain SMTP on loopback.
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onData(stream, session, callback) {
			simpleParser(stream)
				.then((parsed) => {
					received.push({
						to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
						from: parsed.from?.text ?? '',
						subject: parsed.subject ?? '',
						text: parsed.text ?? '',
						html: typeof parsed.html === 'string' ? parsed.html : '',
					});
					callback();
				})
				.catch(callback);
		},
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
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
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
