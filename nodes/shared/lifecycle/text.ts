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
