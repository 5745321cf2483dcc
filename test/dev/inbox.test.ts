/**
 * The dev inbox catches what n8n's Send Email node sends to it and shows it on a page; here a minimal SMTP
 * client plays the part of n8n's nodemailer.
 */
import { createConnection } from 'node:net';
import { startInbox, type Inbox } from '../../dev/inbox';

let inbox: Inbox;

beforeAll(async () => {
	inbox = await startInbox();
});

afterAll(async () => {
	await inbox.close();
});

/** Speaks just enough SMTP to hand over one message, logging in as n8n's dev credential does. */
function sendMail(port: number, from: string, to: string, message: string): Promise<void> {
	const commands = [
		'EHLO client.test',
		`AUTH PLAIN ${Buffer.from(`\0dev\0dev`).toString('base64')}`,
		`MAIL FROM:<${from}>`,
		`RCPT TO:<${to}>`,
		'DATA',
		`${message.replace(/\n/g, '\r\n')}\r\n.`,
		'QUIT',
	];
	return new Promise((resolve, reject) => {
		const socket = createConnection(port, '127.0.0.1');
		let buffered = '';
		socket.setEncoding('utf8').on('data', (text: string) => {
			buffered += text;
			// Each complete reply (last line "NNN text") releases the next command.
			while (/^\d{3} .*\r\n/m.test(buffered)) {
				const reply = /^(\d{3}) .*\r\n/m.exec(buffered)!;
				buffered = buffered.slice(reply.index + reply[0].length);
				if (Number(reply[1]) >= 400) return reject(new Error(`SMTP answered ${reply[0].trim()}`));
				const next = commands.shift();
				if (next === undefined) return;
				socket.write(`${next}\r\n`);
			}
		});
		socket.on('error', reject);
		socket.on('close', () => (commands.length === 0 ? resolve() : reject(new Error(`closed before: ${commands[0]}`))));
	});
}

function htmlMail(from: string, to: string, subject: string, html: string): string {
	return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', html].join('\n');
}

describe('dev inbox', () => {
	it('lists caught mail newest first and shows its HTML in a sandboxed frame', async () => {
		await sendMail(inbox.smtpPort, 'founder@example.com', 'ana@example.com', htmlMail('founder@example.com', 'ana@example.com', 'Welcome', '<p>Hi Ana</p>'));
		await sendMail(inbox.smtpPort, 'founder@example.com', 'ben@example.com', htmlMail('founder@example.com', 'ben@example.com', 'Your trial ends', '<p>Hi <b>Ben</b></p>'));

		const listed = (await (await fetch(`${inbox.url}/api/messages`)).json()) as Array<{ id: string; subject: string; to: string[] }>;
		expect(listed.map((mail) => [mail.subject, mail.to])).toEqual([
			['Your trial ends', ['ben@example.com']],
			['Welcome', ['ana@example.com']],
		]);
		const listPage = await (await fetch(inbox.url)).text();
		expect(listPage.indexOf('Your trial ends')).toBeLessThan(listPage.indexOf('Welcome'));

		const messagePage = await (await fetch(`${inbox.url}/messages/${listed[0].id}`)).text();
		// Escaped into srcdoc: the mail's markup renders in the frame, never as part of the inbox page.
		expect(messagePage).toContain('<iframe sandbox srcdoc="&lt;p&gt;Hi &lt;b&gt;Ben&lt;/b&gt;&lt;/p&gt;');
		expect(messagePage).not.toContain('<b>Ben</b>');
	});
});
