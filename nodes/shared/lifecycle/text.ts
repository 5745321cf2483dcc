/**
 * Text from Stripe customers and from users, made safe for where it goes. Names, emails and
 * product names are typed by payers and admins, so every function here treats its input as
 * hostile: it may hold markup, line breaks or a megabyte of spaces.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/** RFC 5321's longest path: 64 characters of local part, "@", 255 of domain. */
export const EMAIL_MAX_LENGTH = 320;

// Letters and digits of any script, so josé@bücher.example passes; nothing that ends an address
// or starts another in a mail header or nodemailer's address parser: no space, line break, comma,
// semicolon, colon, angle bracket, quote or parenthesis. Each repeated part excludes the
// separator after it, so the pattern runs in one pass, never backtracking over the input.
const ATOM = "[\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{M}\\p{N}-]{0,61}[\\p{L}\\p{M}\\p{N}])?';
const EMAIL_ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`, 'u');

/**
 * Whether `value` is exactly one mailbox address, `name@example.com`, with a dot in the domain:
 * what a mail can be sent to without a second recipient or header riding along. Quoted local
 * parts and IP-literal domains are refused; real customers do not have them.
 */
export function isEmailAddress(value: string): boolean {
	return value.length <= EMAIL_MAX_LENGTH && EMAIL_ADDRESS.test(value);
}
