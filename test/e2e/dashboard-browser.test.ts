/**
 * The Dashboard operation's page, rendered from the emulator's demo account and opened in
 * headless Chromium: it must draw without console errors and without a single network request
 * (PRODUCT.md §8: no external scripts or fonts). The screenshot lands in .tmp/dashboard.png.
 */
import { existsSync, mkdirSync } from 'fs';
import { join } from 'path';

import { chromium } from 'playwright-core';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { startDemoAccount, type DemoAccount } from '../integration/support/demoAccount';
import { runNode } from '../integration/support/n8nCore';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(__dirname, '../../.tmp/dashboard.png');
const browserInstalled = existsSync(CHROMIUM);
if (!browserInstalled) process.stdout.write(`dashboard-browser: skipped, ${CHROMIUM} is not installed (CI installs it)\n`);

(browserInstalled ? describe : describe.skip)('Dashboard in headless Chromium', () => {
	let demo: DemoAccount;

	beforeAll(async () => {
		demo = await startDemoAccount({ customers: 200 });
	});

	afterAll(async () => {
		await demo.close();
	});

	it('renders with no console errors and no network requests', async () => {
		const [[item]] = await runNode({
			node: new StripeLifecycle(),
			parameters: { resource: 'metric', operation: 'dashboard', brandName: 'Emulated SaaS', options: { requestsPerSecond: 100, timeZone: 'UTC' } },
			credentials: demo.credentials(),
		});
		const browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		try {
			const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
			const consoleErrors: string[] = [];
			const requests: string[] = [];
			page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
			page.on('pageerror', (error) => consoleErrors.push(error.message));
			page.on('request', (request) => requests.push(request.url()));

			await page.setContent(String(item.json.html), { waitUntil: 'load' });
			mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
			await page.screenshot({ path: SCREENSHOT, fullPage: true });

			expect(consoleErrors).toEqual([]);
			expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
			expect(await page.locator('svg').count()).toBeGreaterThan(0);
		} finally {
			await browser.close();
		}
	});
});
