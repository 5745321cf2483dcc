import type Stripe from 'stripe';

import { stripeFixture } from '../fixtures/stripeObjects';

import { renderDashboard, renderDigest, type DashboardData, type DashboardOptions } from '../../nodes/shared/lifecycle/dashboard';
import { SaasMetricsBuilder } from '../../nodes/shared/lifecycle/metrics';
import { PaymentMetricsBuilder } from '../../nodes/shared/lifecycle/paymentMetrics';
import { escapeHtml } from '../../nodes/shared/lifecycle/text';

const day = 24 * 60 * 60;
/** Oct 1 to Oct 8, midnight to midnight in Berlin (CEST, UTC+2). */
const from = Date.parse('2025-09-30T22:00:00Z') / 1000;
const to = Date.parse('2025-10-07T22:00:00Z') / 1000;
const hostile = '<script>alert(1)</script>';

/** A licensed monthly subscription of `amount`, on product `prod_x`, as a list call returns it. */
function subscription(id: string, amount: number, overrides: Partial<Stripe.Subscription> = {}): Stripe.Subscription {
	const base = stripeFixture<Stripe.Subscription>('subscription');
	const [item] = base.items.data;
	const price = { ...item.price, product: 'prod_x', unit_amount: amount, unit_amount_decimal: null, transform_quantity: null };
	return {
		...base,
		id,
		customer: `cus_${id}`,
		status: 'active',
		start_date: from - 30 * day,
		trial_start: null,
		trial_end: null,
		canceled_at: null,
		ended_at: null,
		discounts: [],
		items: { ...base.items, data: [{ ...item, price, quantity: 1, discounts: [] }] },
		...overrides,
	};
}

function data(): DashboardData {
	const saas = new SaasMetricsBuilder({ valuedAt: to });
	saas.addSubscription(subscription('steady', 3000));
	saas.addSubscription(subscription('fresh', 2000, { start_date: from + 2 * day }));
	saas.addSubscription(subscription('gone', 1000, { status: 'canceled', canceled_at: from + 3 * day, ended_at: from + 3 * day }));
	saas.addProduct({ ...stripeFixture<Stripe.Product>('product'), id: 'prod_x', name: hostile });
	const payments = new PaymentMetricsBuilder({ from, to });
	payments.addCharge({ ...stripeFixture<Stripe.Charge>('charge'), status: 'succeeded', captured: true, amount: 5000, amount_captured: 5000, created: from + day });
	payments.addCharge({ ...stripeFixture<Stripe.Charge>('charge'), status: 'failed', captured: false, amount: 5000, amount_captured: 0, created: from + day });
	return { snapshot: saas.snapshot(to - 1), saas: saas.report({ from, to, zone: 'Europe/Berlin' }), payments: payments.report() };
}

const options: DashboardOptions = {
	title: 'Weekly metrics',
	brandName: 'Acme & <Co>',
	locale: 'en-US',
	zone: 'Europe/Berlin',
	generatedAt: to,
};

describe('renderDashboard', () => {
	const html = renderDashboard(data(), options);

	it('is one complete HTML5 document', () => {
		expect(html.startsWith('<!DOCTYPE html>\n<html lang="en-US">')).toBe(true);
		expect(html.trimEnd().endsWith('</html>')).toBe(true);
		expect(html).toContain('<meta charset="utf-8">');
	});

	it('has the KPI tiles with their values', () => {
		for (const label of ['MRR', 'ARR', 'Paying customers', 'ARPU', 'Subscriber churn', 'Trial conversion', 'LTV', 'Net volume', 'Payment failure rate']) {
			expect(html).toContain(`<div class="label">${label}</div>`);
		}
		expect(html).toContain('<div class="value">$50.00</div>'); // MRR 3000 + 2000
		expect(html).toContain('<div class="value">$600.00</div>'); // ARR
		expect(html).toContain('<div class="value">50.0%</div>'); // 1 failed of 2 payments
	});

	it('draws the MRR trend and the movements as two inline SVG charts', () => {
		expect(html.match(/<svg /g)).toHaveLength(2);
		// Seven days in Berlin, Oct 1 to Oct 7, one point each.
		const points = /<polyline class="line" points="([^"]+)"/.exec(html)?.[1].split(' ');
		expect(points).toHaveLength(7);
		for (const label of ['New', 'Expansion', 'Reactivation', 'Contraction', 'Churned', 'Net']) expect(html).toContain(`>${label}</text>`);
		expect(html).toContain('>+$20.00</text>'); // new
		expect(html).toContain('>−$10.00</text>'); // churned
	});

	it('escapes values from Stripe and the user', () => {
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).toContain('Acme &amp; &lt;Co&gt; — Weekly metrics');
		expect(html).not.toContain(hostile);
		expect(escapeHtml(`"'&<>`)).toBe('&quot;&#39;&amp;&lt;&gt;');
	});

	it('loads nothing: no script, no URL in src or href, no fonts or imports', () => {
		expect(html).not.toMatch(/<script/i);
		expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*https?:/i);
		expect(html).not.toMatch(/https?:\/\//i);
		expect(html).not.toMatch(/@import|@font-face|url\(/i);
	});

	it('forbids itself to load or run anything but its inline CSS, before the first element that could', () => {
		const policy = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;
		expect(html).toContain(policy);
		expect(html.indexOf(policy)).toBeLessThan(html.indexOf('<style>'));
	});

	it('reads in light and dark', () => {
		expect(html).toContain('<meta name="color-scheme" content="light dark">');
		expect(html).toContain('@media (prefers-color-scheme: dark)');
	});

	it('is deterministic: the same inputs give the same page', () => {
		expect(renderDashboard(data(), options)).toBe(html);
		expect(html).toContain('generated Oct 8, 2025, 12:00 AM');
	});

	it('renders a readable page when there is no data at all', () => {
		const empty = new SaasMetricsBuilder();
		const page = renderDashboard({ snapshot: empty.snapshot(to), saas: empty.report({ from, to }) }, { ...options, brandName: undefined });
		expect(page.match(/<svg /g)).toHaveLength(2);
		expect(page).toContain('No MRR data');
		expect(page).not.toContain('NaN');
	});
});

describe('renderDigest', () => {
	it('gives the key numbers and movements in a few plain lines', () => {
		const lines = renderDigest(data(), { brandName: 'Acme', title: 'Weekly metrics' }).split('\n');
		expect(lines).toEqual([
			'Acme — Weekly metrics: Oct 1, 2025 – Oct 7, 2025 (Europe/Berlin)',
			'MRR: $50.00 (ARR $600.00)',
			'Customers: 2 paying · 0 trialing · ARPU $25.00',
			'Movements USD: new +$20.00 (1) · expansion +$0.00 (0) · reactivation +$0.00 (0) · contraction −$0.00 (0) · churned −$10.00 (1) · net +$10.00',
			expect.stringMatching(/^Churn: subscribers 33\.3% · revenue 25\.0% · trial conversion — \(0\/0\) · LTV \$\d{1,3}\.\d\d$/),
			'Payments: gross $50.00 · refunds $0.00 · net $50.00 · 1 succeeded, 1 failed (50.0%) · 0 disputes · 0 new customers',
		]);
		expect(renderDigest(data())).not.toMatch(/<[a-z]/i);
	});
});
