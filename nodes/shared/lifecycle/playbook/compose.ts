import { formatMoney, safeLocale } from '../money';
import { escapeHtml, isEmailAddress } from '../text';
import { daysBetween, epochNow, formatDate } from '../time';
import type { Amount, PlaybookSubject } from './context';
import { builtInCopy, defaultSignOff, FIELD_NAMES, type CallToAction, type FieldName, type MessageFields } from './copy';
import { guardKey } from './decide';
import type { PlaybookStep } from './steps';

/**
 * The message for one Send decision: recipient, subject, a plain-text body and an HTML body
 * that say the same thing, in fields that map straight onto n8n's mail and CRM nodes.
 *
 * Locale: the override, else the customer's first preferred_locales entry, else the default.
 * It shapes dates (luxon, in `timeZone`) and money (Intl); the built-in copy stays English.
 *
 * Overrides are templates with `{{placeholders}}` (see FIELD_NAMES in copy.ts). In `subject` and
 * `text` values are inserted as they are; in `html` every value is HTML-escaped. Unknown
 * placeholders are left as written, so a typo shows up in a test mail instead of vanishing.
 * Overriding only `text` derives the HTML from it, overriding only `html` derives the text, so
 * both bodies always match.
 */

export interface MessageOverrides {
	subject?: string;
	text?: string;
	html?: string;
}

export interface ComposeOptions {
	brandName: string;
	/** Who the mail is from, e.g. "Anna from Acme"; used in the default sign-off. */
	senderName?: string;
	productUrl?: string;
	billingPortalUrl?: string;
	/** Where a customer updates their card; dunning falls back to the hosted invoice, then the billing portal. */
	paymentUpdateUrl?: string;
	signOff?: string;
	/** Overrides the customer's own locale. */
	locale?: string;
	/** For customers without a preferred locale (default en-US). */
	defaultLocale?: string;
	/** IANA zone for dates (default UTC). */
	timeZone?: string;
	/** Epoch seconds to count trial days from (default now). */
	now?: number;
	overrides?: MessageOverrides;
}

export interface Composition {
	to: string;
	toName: string | null;
	subject: string;
	text: string;
	html: string;
	locale: string;
	customerId: string | null;
	/** The guard key (decide.ts `guardKey`), for n8n's deduplication store or any downstream de-dupe. */
	dedupeKey: string;
	fields: MessageFields;
}

/** Composes the message for a subject `decide` said Send to; throws without one valid address, which `decide` rules out. */
export function compose(step: PlaybookStep, subject: PlaybookSubject, options: ComposeOptions): Composition {
	const to = subject.customer.email;
	if (!to || !isEmailAddress(to)) throw new Error(`compose: customer ${subject.customer.id ?? '(unknown)'} has no email it can send to; run decide() first`);
	const locale = safeLocale(options.locale || subject.customer.locale || options.defaultLocale);
	const fields = messageFields(subject, options, locale);
	const copy = builtInCopy(step, fields, subject);
	const overrides = options.overrides ?? {};
	const messageSubject = oneLine(overrides.subject ? fill(overrides.subject, fields, asText) : copy.subject);

	let text: string;
	let html: string;
	if (overrides.html) {
		html = fill(overrides.html, fields, escapeHtml);
		text = overrides.text ? fill(overrides.text, fields, asText) : textFromHtml(html);
	} else if (overrides.text) {
		text = fill(overrides.text, fields, asText);
		html = renderHtml({ lang: locale, title: messageSubject, preheader: '', intro: paragraphs(text), cta: null, outro: [] });
	} else {
		const outro = [...copy.outro, fields.signOff];
		text = [...copy.intro, ...(copy.cta ? [`${copy.cta.label}: ${copy.cta.url}`] : []), ...outro].join('\n\n');
		// The built-in copy is English whatever the locale, and `lang` tells screen readers so.
		html = renderHtml({ lang: 'en', title: messageSubject, preheader: copy.preheader, intro: copy.intro, cta: copy.cta, outro });
	}

	return {
		to,
		toName: fields.name ? oneLine(fields.name) : null,
		subject: messageSubject,
		text,
		html,
		locale,
		customerId: subject.customer.id,
		dedupeKey: guardKey(step, subject),
		fields,
	};
}

function messageFields(subject: PlaybookSubject, options: ComposeOptions, locale: string): MessageFields {
	const { customer, subscription, invoice } = subject;
	const name = customer.name === null ? null : clip(customer.name, HEADER_TEXT_MAX_LENGTH);
	const zone = options.timeZone || 'UTC';
	const date = (seconds: number | null | undefined) => (seconds == null ? null : formatDate(seconds, locale, zone));
	const price = (amount: Amount | null | undefined) => (amount ? formatMoney(amount.minor, amount.currency, locale) : null);
	const trialEnd = subscription?.trialEnd ?? null;
	return {
		firstName: name?.trim().split(/\s+/)[0] || null,
		name,
		email: customer.email,
		brandName: options.brandName,
		senderName: options.senderName || null,
		signOff: options.signOff || defaultSignOff(options.brandName, options.senderName),
		planName: subscription?.productName ?? null,
		planPrice: price(subscription?.price),
		billingPeriod: billingPeriod(subscription?.interval ?? null, subscription?.intervalCount ?? null),
		// Invoice steps are about the invoice's amount; the others about the plan's price.
		amount: price(invoice?.amount ?? subscription?.price),
		invoiceNumber: invoice?.number ?? null,
		invoiceUrl: safeUrl(invoice?.hostedInvoiceUrl),
		attemptCount: invoice ? String(invoice.attemptCount) : null,
		nextRetryDate: date(invoice?.nextPaymentAttempt),
		trialEndDate: date(trialEnd),
		trialDaysLeft: trialEnd === null ? null : String(Math.max(0, daysBetween(options.now ?? epochNow(), trialEnd))),
		// A scheduled cancellation ends at cancel_at when set, else at the end of the period.
		periodEndDate: date(subscription?.cancelAt ?? subscription?.currentPeriodEnd),
		productUrl: safeUrl(options.productUrl),
		billingPortalUrl: safeUrl(options.billingPortalUrl),
		paymentUpdateUrl: safeUrl(options.paymentUpdateUrl),
	};
}

/** "per month", "every 3 months": the English copy's words for a billing interval. */
function billingPeriod(interval: string | null, count: number | null): string | null {
	if (!interval) return null;
	return count && count > 1 ? `every ${count} ${interval}s` : `per ${interval}`;
}

/** Links go into href attributes, so only http(s) survives; `javascript:` and friends are dropped. */
export function safeUrl(value: string | null | undefined): string | null {
	if (!value) return null;
	try {
		const url = new URL(value.trim());
		return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
	} catch {
		return null;
	}
}

const asText = (value: string) => value;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const KNOWN_FIELDS: ReadonlySet<string> = new Set(FIELD_NAMES);

/** Replaces `{{field}}` with the field's value passed through `encode`; a missing value becomes empty. */
export function fill(template: string, fields: MessageFields, encode: (value: string) => string): string {
	return template.replace(PLACEHOLDER, (placeholder, name: string) =>
		KNOWN_FIELDS.has(name) ? encode(fields[name as FieldName] ?? '') : placeholder,
	);
}

/** Longest customer name, and longest subject or recipient name put in a header: more than any real one. */
const HEADER_TEXT_MAX_LENGTH = 1_000;

/** `value` cut to `max` UTF-16 units, never between the two halves of a surrogate pair. */
function clip(value: string, max: number): string {
	if (value.length <= max) return value;
	return value.slice(0, /[\uD800-\uDBFF]/.test(value[max - 1]) ? max - 1 : max);
}

/**
 * Mail headers are one line; a name or override with a line break must not start a new header.
 * Split and trim rather than one pattern with \s* on both sides of [\r\n]+: that one rescans a
 * run of spaces from each of its characters, quadratic in the run (40,000 spaces took 1.5 s).
 */
function oneLine(value: string): string {
	return clip(value, HEADER_TEXT_MAX_LENGTH)
		.split(/[\r\n]+/)
		.map((line) => line.trim())
		.filter((line) => line.length > 0)
		.join(' ');
}

function paragraphs(text: string): string[] {
	return text
		.split(/\r?\n\s*\r?\n/)
		.map((paragraph) => paragraph.trim())
		.filter((paragraph) => paragraph.length > 0);
}

// ── HTML ─────────────────────────────────────────────────────────────────────────────────────

interface HtmlParts {
	lang: string;
	title: string;
	preheader: string;
	intro: string[];
	cta: CallToAction | null;
	outro: string[];
}

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;";

/**
 * A single-column, table-based layout with inline styles only: Outlook and Gmail drop <style>
 * blocks and ignore most CSS layout, while tables and inline styles render everywhere. No
 * scripts, no external images or fonts. Every argument is plain text and is escaped here.
 */
function renderHtml(parts: HtmlParts): string {
	const paragraph = (text: string) =>
		`<p style="margin:0 0 16px 0;">${escapeHtml(text).replace(/\r?\n/g, '<br>')}</p>`;
	const button = parts.cta
		? `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px 0;"><tr>` +
			`<td style="border-radius:6px;background-color:#1f2937;">` +
			`<a href="${escapeHtml(parts.cta.url)}" target="_blank" style="display:inline-block;padding:12px 22px;${FONT}font-size:15px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:6px;">${escapeHtml(parts.cta.label)}</a>` +
			`</td></tr></table>`
		: '';
	const preheader = parts.preheader
		? `<div style="display:none;max-height:0;overflow:hidden;opacity:0;">${escapeHtml(parts.preheader)}</div>`
		: '';
	return [
		'<!DOCTYPE html>',
		`<html lang="${escapeHtml(parts.lang)}">`,
		'<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
		`<title>${escapeHtml(parts.title)}</title></head>`,
		'<body style="margin:0;padding:0;background-color:#f4f5f7;">',
		preheader,
		'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">',
		'<tr><td align="center" style="padding:24px 12px;">',
		'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background-color:#ffffff;border-radius:8px;">',
		`<tr><td style="padding:32px 32px 8px 32px;${FONT}font-size:15px;line-height:24px;color:#1f2937;">`,
		...parts.intro.map(paragraph),
		button,
		...parts.outro.map(paragraph),
		'</td></tr>',
		'</table>',
		'</td></tr>',
		'</table>',
		'</body>',
		'</html>',
	]
		.filter((line) => line.length > 0)
		.join('\n');
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ', '&amp;': '&' };

const HIDDEN_ELEMENT = /<(head|style|script|title)\b/gi;
// A link's opening tag with a quoted href; [^<>] keeps every scan inside one tag.
const LINK = /<(a)\b(?=[^<>]*\bhref\s*=\s*"[^"<>]*")([^<>]*)>/gi;
const HREF = /\bhref\s*=\s*"([^"<>]*)"/i;

/** A readable plain-text twin of a user's HTML template: block ends become line breaks, links keep their address. */
function textFromHtml(html: string): string {
	const text = replaceElements(replaceElements(html, HIDDEN_ELEMENT, () => ''), LINK, (link, label) => {
		const href = HREF.exec(link[2])?.[1] ?? '';
		return label.trim() === href ? href : `${label} (${href})`;
	})
		.replace(/<br\s*\/?>/gi, '\n')
		.replace(/<\/(p|div|tr|table|h[1-6]|li|ul|ol)\s*>/gi, '\n\n')
		// [^<>], not [^>]: a '<' never closed would otherwise be rescanned to the end from every '<'.
		.replace(/<[^<>]*>/g, '')
		.replace(/&(lt|gt|quot|#39|nbsp|amp);/g, (entity) => ENTITIES[entity]);
	// Trimming each line is linear; /[ \t]+\n/ rescans a long run of spaces from each of its characters.
	return paragraphs(text.split('\n').map((line) => line.trim()).join('\n')).join('\n\n');
}

/**
 * `html` with each element that `opening` (global; group 1 the tag name) starts and its end tag
 * closes replaced by `render(opening match, content)`. One lazy pattern from opening to end tag
 * would scan to the end of the text from every opening never closed; here the search for an end
 * tag runs forward once, and a name found unclosed is not searched for again (no later end tag
 * exists either), so the whole pass is linear.
 */
function replaceElements(html: string, opening: RegExp, render: (open: RegExpExecArray, content: string) => string): string {
	const unclosed = new Set<string>();
	let text = '';
	let from = 0;
	opening.lastIndex = 0;
	for (let open = opening.exec(html); open !== null; open = opening.exec(html)) {
		const name = open[1].toLowerCase();
		if (unclosed.has(name)) continue;
		const end = new RegExp(`</${name}\\s*>`, 'gi');
		end.lastIndex = opening.lastIndex;
		const close = end.exec(html);
		if (close === null) {
			unclosed.add(name);
			continue;
		}
		text += html.slice(from, open.index) + render(open, html.slice(opening.lastIndex, close.index));
		from = opening.lastIndex = end.lastIndex;
	}
	return text + html.slice(from);
}
