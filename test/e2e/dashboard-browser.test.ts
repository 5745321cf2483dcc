/**
 * The Dashboard operation's page, rendered from the emulator's demo account and opened in
 * headless Chromium: it must draw without console errors and without a single network request
 * (docs/METRICS.md: no external scripts or fonts), and its own Content-Security-Policy must stop any
 * script or request that slipped into it. The screenshot lands in .tmp/dashboard.png.
 */
import { existsSync, mkdirSync } from 'fs';
import { join } from 'path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { startDemoAccount, type DemoAccount } from '../integration/support/demoAccount';
import { runNode } from '../../dev/n8nCoreRunner';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(__dirname, '../../.tmp/dashboard.png');
const browserInstalled = existsSync(CHROMIUM);
if (!browserInstalled) process.stdout.write(`dashboard-browser: skipped, ${CHROMIUM} is not installed (CI installs it)\n`);

(browserInstalled ? describe : describe.skip)('Dashboard in headless Chromium', () => {
	let demo: DemoAccount;
	let browser: Browser;
	let html: string;

	beforeAll(async () => {
		demo = await startDemoAccount({ customers: 200 });
		const [[item]] = await runNode({
			node: new StripeLifecycle(),
			parameters: { resource: 'metric', operation: 'dashboard', brandName: 'Emulated SaaS', options: { requestsPerSecond: 100, timeZone: 'UTC' } },
			credentials: demo.credentials(),
		});
		html = String(item.json.html);
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
	});

	afterAll(async () => {
		await browser?.close();
		await demo?.close();
	});

	/**
	 * A new page showing `content`, with what it logged as an error, the URLs it requested and those
	 * its Content-Security-Policy stopped before they left (Chromium reports both as requests).
	 */
	async function open(content: string): Promise<{ page: Page; consoleErrors: string[]; requests: string[]; blocked: string[] }> {
		const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		const consoleErrors: string[] = [];
		const urls: string[] = [];
		const blocked: string[] = [];
		page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
		page.on('pageerror', (error) => consoleErrors.push(error.message));
		page.on('request', (request) => urls.push(request.url()));
		page.on('requestfailed', (request) => request.failure()?.errorText === 'csp' && blocked.push(request.url()));
		await page.setContent(content, { waitUntil: 'load' });
		const requests = urls.filter((url) => !url.startsWith('about:') && !url.startsWith('data:') && !blocked.includes(url));
		return { page, consoleErrors, requests, blocked };
	}

	it('renders with no console errors and no network requests', async () => {
		const { page, consoleErrors, requests } = await open(html);
		mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
		await page.screenshot({ path: SCREENSHOT, fullPage: true });

		expect(consoleErrors).toEqual([]);
		expect(requests).toEqual([]);
		expect(await page.locator('svg').count()).toBeGreaterThan(0);
	});

	it('runs and fetches nothing that slipped into the page, by its own Content-Security-Policy', async () => {
		const probe = 'http://127.0.0.1:65000/probe';
		const slipped = `<img src="${probe}.png"><link rel="stylesheet" href="${probe}.css"><script>document.title = "ran"</script>`;
		const { page, consoleErrors, requests, blocked } = await open(html.replace('</main>', `${slipped}</main>`));

		expect(await page.title()).not.toBe('ran');
		expect(requests).toEqual([]);
		expect(blocked.sort()).toEqual([`${probe}.css`, `${probe}.png`]);
		expect(consoleErrors).toEqual(expect.arrayContaining([expect.stringContaining('Executing inline script violates the following Content Security Policy')]));
	});
});
