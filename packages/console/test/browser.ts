// Debian's chromium through playwright-core, for the console's browser tests.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(__dirname, '..', '..', '..', '..', 'test-artifacts');

/**
 * A browser and a page whose script errors and console errors land in `errors` (console lines
 * matching `expected` are left out).
 */
export async function openBrowser(errors: string[], expected?: RegExp): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !(expected && expected.test(m.text()))) errors.push(m.text());
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return { browser, page };
}

/** The trimmed text of the first element matching `selector` ('' when there is none). */
export async function text(page: Page, selector: string): Promise<string> {
  const el = page.locator(selector).first();
  return (await el.count()) ? ((await el.textContent()) ?? '').trim() : '';
}
