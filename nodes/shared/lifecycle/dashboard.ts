import { DateTime } from 'luxon';

import { validZone } from './metrics';
import type { Money } from './money';
import { escapeHtml } from './text';
import type { MovementKind, MrrPoint, PaymentReport, Rate, SaasCurrencyReport, SaasReport, SaasSnapshot } from './types';

/**
 * The metrics dashboard: one self-contained HTML5 page and a plain-text digest.
 *
 * The page is meant to be served by a Respond to Webhook node or mailed as a file, so it carries
 * everything inline: CSS in a <style> element, charts as inline SVG, system fonts only, no
 * script, no image and no URL at all (a mail client or a strict CSP would block them). Every
 * value that comes from Stripe or the user (names, currency codes, brand, title) is escaped, and
 * the page's own CSP would stop whatever got past that.
 * Output depends only on the arguments — `generatedAt` is passed in, never read from a clock —
 * so the same data renders byte for byte the same page.
 */

export interface DashboardData {
	snapshot: SaasSnapshot;
	saas: SaasReport;
	payments?: PaymentReport;
}

export interface DashboardOptions {
	title: string;
	brandName?: string;
	/** BCP 47 locale for dates (amounts and rates arrive formatted). */
	locale: string;
	/** IANA zone for the dates shown. */
	zone: string;
	/** Epoch seconds the page says it was generated at. */
	generatedAt: number;
	/** Currency the charts show (default: the one with the most paying customers). */
	currency?: string;
}

export interface DigestOptions {
	title?: string;
	brandName?: string;
	locale?: string;
}

const MOVEMENT_LABELS: Record<MovementKind, string> = {
	new: 'New',
	expansion: 'Expansion',
	reactivation: 'Reactivation',
	contraction: 'Contraction',
	churned: 'Churned',
};

/** Movements that add MRR, then those that remove it: the order both the chart and the digest use. */
const GAINS: readonly MovementKind[] = ['new', 'expansion', 'reactivation'];
const LOSSES: readonly MovementKind[] = ['contraction', 'churned'];

const NONE = '—';

/**
 * The page loads nothing and runs nothing, so its policy allows only inline CSS and data: images:
 * a value that slipped past escaping could neither run a script nor call out. It travels in the
 * page because n8n 2.40.7 drops a Content-Security-Policy header set by a workflow (it sends its
 * own sandbox policy); a <meta> policy cannot forbid framing, so the dashboard template sends
 * X-Frame-Options: DENY for that (templates/09-dashboard-page.json).
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function renderDashboard(data: DashboardData, options: DashboardOptions): string {
	const { snapshot, saas } = data;
	const currency = chartCurrency(data, options.currency);
	const report = saas.currencies.find((entry) => entry.currency === currency);
	const heading = options.brandName ? `${options.brandName} — ${options.title}` : options.title;
	const period = `${formatDay(saas.from, options)} – ${formatDay(saas.to, options, true)} (${saas.zone})`;
	const generated = DateTime.fromSeconds(options.generatedAt, { zone: validZone(options.zone) })
		.setLocale(options.locale)
		.toLocaleString(DateTime.DATETIME_MED);
	const products = snapshot.currencies.find((entry) => entry.currency === currency)?.products.slice(0, 5) ?? [];

	return [
		'<!DOCTYPE html>',
		`<html lang="${escapeHtml(options.locale)}">`,
		'<head>',
		'<meta charset="utf-8">',
		`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
		'<meta name="viewport" content="width=device-width, initial-scale=1">',
		'<meta name="color-scheme" content="light dark">',
		`<title>${escapeHtml(heading)}</title>`,
		`<style>${STYLE}</style>`,
		'</head>',
		'<body>',
		'<main>',
		`<header><h1>${escapeHtml(heading)}</h1><p class="muted">${escapeHtml(period)} · generated ${escapeHtml(generated)}</p></header>`,
		`<section class="tiles">${tiles(data).join('')}</section>`,
		'<section class="charts">',
		`<figure><figcaption>MRR trend${currency ? ` (${escapeHtml(currency.toUpperCase())})` : ''}</figcaption>${lineChart(report?.series ?? [])}</figure>`,
		`<figure><figcaption>MRR movements${currency ? ` (${escapeHtml(currency.toUpperCase())})` : ''}</figcaption>${movementsChart(report)}</figure>`,
		'</section>',
		products.length > 0
			? `<section><h2>MRR by product</h2><table><thead><tr><th>Product</th><th>Subscriptions</th><th>MRR</th></tr></thead><tbody>${products
					.map(
						(product) =>
							`<tr><td>${escapeHtml(product.productName ?? product.productId ?? 'No product')}</td><td>${product.subscriptions}</td><td>${escapeHtml(product.mrr.formatted)}</td></tr>`,
					)
					.join('')}</tbody></table></section>`
			: '',
		'</main>',
		'</body>',
		'</html>',
		'',
	].join('\n');
}

/** A few lines for Slack or email with the key numbers and the movements of every currency. */
export function renderDigest(data: DashboardData, options: DigestOptions = {}): string {
	const { snapshot, saas, payments } = data;
	const zoned = { locale: options.locale ?? 'en-US', zone: saas.zone };
	const title = options.title ?? 'SaaS metrics';
	const heading = options.brandName ? `${options.brandName} — ${title}` : title;
	const lines = [
		`${heading}: ${formatDay(saas.from, zoned)} – ${formatDay(saas.to, zoned, true)} (${saas.zone})`,
		`MRR: ${list(snapshot.currencies.map((entry) => entry.mrr.formatted))} (ARR ${list(snapshot.currencies.map((entry) => entry.arr.formatted))})` +
			(snapshot.converted ? `; converted ≈ ${snapshot.converted.mrr.formatted}` : ''),
		`Customers: ${snapshot.payingCustomers} paying · ${snapshot.trialing} trialing · ARPU ${list(snapshot.currencies.map((entry) => entry.arpu?.formatted ?? NONE))}`,
		...saas.currencies.map(
			(entry) =>
				`Movements ${entry.currency.toUpperCase()}: ` +
				[
					...GAINS.map((kind) => `${kind} +${entry.movements[kind].mrr.formatted} (${entry.movements[kind].customers})`),
					...LOSSES.map((kind) => `${kind} −${entry.movements[kind].mrr.formatted} (${entry.movements[kind].customers})`),
					`net ${signed(entry.movements.net)}`,
				].join(' · '),
		),
		`Churn: subscribers ${perCurrency(saas.currencies, (entry) => percent(entry.subscriberChurnRate))} · revenue ${perCurrency(saas.currencies, (entry) => percent(entry.revenueChurnRate))} · trial conversion ${percent(saas.trialConversion.rate)} (${saas.trialConversion.converted}/${saas.trialConversion.trialsEnded}) · LTV ${perCurrency(saas.currencies, (entry) => entry.ltv?.formatted ?? NONE)}`,
	];
	if (payments) {
		lines.push(
			`Payments: gross ${list(payments.currencies.map((entry) => entry.grossVolume.formatted))} · refunds ${list(payments.currencies.map((entry) => entry.refunds.formatted))} · net ${list(payments.currencies.map((entry) => entry.netVolume.formatted))} · ${payments.successfulPayments} succeeded, ${payments.failedPayments} failed (${percent(payments.failureRate)}) · ${payments.disputes} disputes · ${payments.newCustomers} new customers`,
		);
	}
	return lines.join('\n');
}

// ── Tiles ────────────────────────────────────────────────────────────────────────────────────

function tiles({ snapshot, saas, payments }: DashboardData): string[] {
	const converted = snapshot.converted;
	return [
		tile('MRR', snapshot.currencies.map((entry) => entry.mrr.formatted), converted ? `≈ ${converted.mrr.formatted} converted` : undefined),
		tile('ARR', snapshot.currencies.map((entry) => entry.arr.formatted), converted ? `≈ ${converted.arr.formatted} converted` : undefined),
		tile('Paying customers', [String(snapshot.payingCustomers)], `${snapshot.trialing} trialing`),
		tile('ARPU', snapshot.currencies.map((entry) => entry.arpu?.formatted ?? NONE)),
		tile(
			'Subscriber churn',
			saas.currencies.map((entry) => labelled(entry, percent(entry.subscriberChurnRate), saas.currencies.length)),
			`revenue churn ${perCurrency(saas.currencies, (entry) => percent(entry.revenueChurnRate))}`,
		),
		tile('Trial conversion', [percent(saas.trialConversion.rate)], `${saas.trialConversion.converted} of ${saas.trialConversion.trialsEnded} ended trials`),
		tile('LTV', saas.currencies.map((entry) => entry.ltv?.formatted ?? NONE)),
		tile('Net volume', payments ? payments.currencies.map((entry) => entry.netVolume.formatted) : [NONE]),
		tile(
			'Payment failure rate',
			[payments ? percent(payments.failureRate) : NONE],
			payments ? `${payments.failedPayments} failed of ${payments.successfulPayments + payments.failedPayments}` : undefined,
		),
	];
}

function tile(label: string, values: string[], note?: string): string {
	const shown = values.length > 0 ? values : [NONE];
	return (
		`<div class="tile"><div class="label">${escapeHtml(label)}</div>` +
		shown.map((value) => `<div class="value">${escapeHtml(value)}</div>`).join('') +
		(note ? `<div class="muted">${escapeHtml(note)}</div>` : '') +
		'</div>'
	);
}

/** With several currencies a rate needs its currency code; with one it would be noise. */
function labelled(entry: SaasCurrencyReport, text: string, currencies: number): string {
	return currencies > 1 ? `${entry.currency.toUpperCase()} ${text}` : text;
}

function perCurrency(entries: SaasCurrencyReport[], text: (entry: SaasCurrencyReport) => string): string {
	if (entries.length === 0) return NONE;
	return list(entries.map((entry) => labelled(entry, text(entry), entries.length)));
}

function list(values: string[]): string {
	return values.length > 0 ? values.join(' · ') : NONE;
}

function percent(rate: Rate | null): string {
	return rate?.formatted ?? NONE;
}

function signed(amount: Money): string {
	return amount.minor >= 0 ? `+${amount.formatted}` : amount.formatted;
}

// ── Charts ───────────────────────────────────────────────────────────────────────────────────

const CHART = { width: 640, height: 220, left: 12, right: 12, top: 24, bottom: 28 };

/** Coordinates rounded to 0.1 so the markup is short and stable. */
function coordinate(value: number): string {
	return String(Math.round(value * 10) / 10);
}

function lineChart(series: MrrPoint[]): string {
	const { width, height, left, right, top, bottom } = CHART;
	const plotWidth = width - left - right;
	const plotHeight = height - top - bottom;
	const max = Math.max(0, ...series.map((point) => point.mrr.minor));
	const x = (index: number) => left + (series.length > 1 ? (index / (series.length - 1)) * plotWidth : plotWidth / 2);
	const y = (minor: number) => top + plotHeight - (max > 0 ? (minor / max) * plotHeight : 0);
	const points = series.map((point, index) => `${coordinate(x(index))},${coordinate(y(point.mrr.minor))}`).join(' ');
	const first = series[0];
	const last = series[series.length - 1];
	const peak = series.find((point) => point.mrr.minor === max);
	const summary = first && last ? `MRR from ${first.mrr.formatted} on ${first.date} to ${last.mrr.formatted} on ${last.date}` : 'No MRR data';
	return [
		`<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(summary)}">`,
		`<title>${escapeHtml(summary)}</title>`,
		`<line class="axis" x1="${left}" y1="${top + plotHeight}" x2="${width - right}" y2="${top + plotHeight}"/>`,
		points ? `<polyline class="line" points="${points}"/>` : '',
		peak ? `<text class="tick" x="${left}" y="${top - 8}">${escapeHtml(`max ${peak.mrr.formatted}`)}</text>` : '',
		first ? `<text class="tick" x="${left}" y="${height - 8}">${escapeHtml(first.date)}</text>` : '',
		last && series.length > 1 ? `<text class="tick" x="${width - right}" y="${height - 8}" text-anchor="end">${escapeHtml(last.date)}</text>` : '',
		'</svg>',
	].join('');
}

function movementsChart(report: SaasCurrencyReport | undefined): string {
	const { width, height, top, bottom } = CHART;
	const bars: Array<{ label: string; style: 'gain' | 'loss' | 'net'; minor: number; text: string }> = report
		? [
				...GAINS.map((kind) => ({
					label: MOVEMENT_LABELS[kind],
					style: 'gain' as const,
					minor: report.movements[kind].mrr.minor,
					text: `+${report.movements[kind].mrr.formatted}`,
				})),
				...LOSSES.map((kind) => ({
					label: MOVEMENT_LABELS[kind],
					style: 'loss' as const,
					minor: -report.movements[kind].mrr.minor,
					text: `−${report.movements[kind].mrr.formatted}`,
				})),
				{ label: 'Net', style: 'net' as const, minor: report.movements.net.minor, text: signed(report.movements.net) },
			]
		: [];
	const half = (height - top - bottom) / 2;
	const baseline = top + half;
	const largest = Math.max(0, ...bars.map((bar) => Math.abs(bar.minor)));
	const slot = width / Math.max(1, bars.length);
	const barWidth = slot * 0.6;
	const summary = report ? `MRR movements, net ${signed(report.movements.net)}` : 'No MRR movements';
	const shapes = bars.map((bar, index) => {
		const length = largest > 0 ? (Math.abs(bar.minor) / largest) * (half - 14) : 0;
		const x = index * slot + (slot - barWidth) / 2;
		// Losses hang below the baseline even at 0, so their label never sits among the gains.
		const up = bar.style === 'gain' || (bar.style === 'net' && bar.minor >= 0);
		const barTop = up ? baseline - length : baseline;
		const valueY = up ? barTop - 4 : baseline + length + 12;
		return (
			`<rect class="${bar.style}" x="${coordinate(x)}" y="${coordinate(barTop)}" width="${coordinate(barWidth)}" height="${coordinate(length)}"/>` +
			`<text class="tick" x="${coordinate(x + barWidth / 2)}" y="${coordinate(valueY)}" text-anchor="middle">${escapeHtml(bar.text)}</text>` +
			`<text class="tick" x="${coordinate(x + barWidth / 2)}" y="${height - 8}" text-anchor="middle">${escapeHtml(bar.label)}</text>`
		);
	});
	return [
		`<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(summary)}">`,
		`<title>${escapeHtml(summary)}</title>`,
		`<line class="axis" x1="0" y1="${coordinate(baseline)}" x2="${width}" y2="${coordinate(baseline)}"/>`,
		...shapes,
		'</svg>',
	].join('');
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────

/** The requested currency if the report has it, else the one with the most paying customers (ties by code). */
function chartCurrency({ snapshot, saas }: DashboardData, requested: string | undefined): string | undefined {
	const wanted = requested?.toLowerCase();
	if (wanted && saas.currencies.some((entry) => entry.currency === wanted)) return wanted;
	const paying = new Map(snapshot.currencies.map((entry) => [entry.currency, entry.payingCustomers]));
	return [...saas.currencies]
		.map((entry) => entry.currency)
		.sort((a, b) => (paying.get(b) ?? 0) - (paying.get(a) ?? 0) || a.localeCompare(b))[0];
}

/** A report date for people; an exclusive end shows as the last day it includes. */
function formatDay(iso: string, options: { locale: string; zone: string }, exclusiveEnd = false): string {
	let date = DateTime.fromISO(iso, { zone: validZone(options.zone) });
	if (exclusiveEnd) date = date.minus({ seconds: 1 });
	return date.setLocale(options.locale).toLocaleString(DateTime.DATE_MED);
}

const STYLE = [
	':root{color-scheme:light dark;--bg:#f6f8fa;--card:#ffffff;--text:#1f2328;--muted:#59636e;--line:#635bff;--gain:#1a7f37;--loss:#cf222e;--net:#635bff;--axis:#d0d7de}',
	'@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9198a1;--line:#a5a1ff;--gain:#3fb950;--loss:#f85149;--net:#a5a1ff;--axis:#30363d}}',
	'*{box-sizing:border-box}',
	'body{margin:0;background:var(--bg);color:var(--text);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}',
	'main{max-width:1040px;margin:0 auto;padding:24px}',
	'h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}',
	'.muted{color:var(--muted);font-size:13px;margin:0}',
	'.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px;margin:20px 0}',
	'.tile,figure{background:var(--card);border:1px solid var(--axis);border-radius:8px;padding:14px}',
	'.label{color:var(--muted);font-size:13px}.value{font-size:20px;font-weight:600}',
	'.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}',
	'figure{margin:0}figcaption{font-weight:600;margin-bottom:8px}svg{width:100%;height:auto;display:block}',
	'.axis{stroke:var(--axis);stroke-width:1}.line{fill:none;stroke:var(--line);stroke-width:2.5}',
	'.gain{fill:var(--gain)}.loss{fill:var(--loss)}.net{fill:var(--net)}.tick{fill:var(--muted);font-size:11px}',
	'table{width:100%;border-collapse:collapse;background:var(--card)}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--axis)}',
].join('\n');
