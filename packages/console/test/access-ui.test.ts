// The console's roles in a real browser (playwright-core + Debian's chromium): a viewer's purge
// is refused and changes nothing, an admin's goes through (with the CSRF token the page sends),
// and both show on the audit page. The strict CSP holds: the page logs no violation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Broker } from '@wharf/broker';
import { startConsole, type ConsoleHandle } from '../src/index';
import { basic, http, waitFor } from './helpers';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('console access - browser', function () {
  this.timeout(90000);
  let broker: Broker;
  let c: ConsoleHandle;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    broker = new Broker({
      brokerName: `access-ui-${process.pid}`, persistent: false, transportConnectors: [], logLevel: 'silent',
      users: [{ username: 'root', password: 'rootpw', groups: ['admins'] }, { username: 'watcher', password: 'watchpw', groups: ['viewers'] }],
    });
    await broker.start();
    c = await startConsole(broker, { host: '127.0.0.1', port: 0, users: broker.security.authenticator });
    for (let i = 0; i < 2; i++) await http(`${c.url}/api/send`, 'POST', { destination: 'queue://UI.SECURE', body: `m${i}` }, basic('root', 'rootpw'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  after(async () => {
    for (const x of contexts) await x.close();
    await browser?.close();
    await c?.close();
    await broker?.stop();
  });

  async function pageAs(username: string, password: string): Promise<Page> {
    const ctx = await browser!.newContext({ httpCredentials: { username, password }, viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      // The refused purge is an expected 403; anything else (a CSP violation) is a fault.
      if (m.type() === 'error' && !/status of 403/.test(m.text())) pageErrors.push(m.text());
    });
    return page;
  }

  async function purge(page: Page): Promise<void> {
    await page.goto(`${c.url}/admin/#/queues/UI.SECURE`);
    await page.click('#queue-purge');
    await page.waitForSelector('.modal [data-confirm]');
    await page.click('.modal [data-confirm]');
  }

  it('console access - a viewer cannot purge; an admin can; the audit page shows both', async () => {
    const viewer = await pageAs('watcher', 'watchpw');
    await purge(viewer);
    await waitFor('the refusal shown', async () => (await viewer.locator('.toast', { hasText: /may only look/ }).count()) > 0, 10000);
    assert.equal(broker.queues.get('queue://UI.SECURE')?.depth, 2, 'the viewer purged nothing');

    const admin = await pageAs('root', 'rootpw');
    await purge(admin);
    await waitFor('queue empty', () => broker.queues.get('queue://UI.SECURE')?.depth === 0, 10000);

    await admin.goto(`${c.url}/admin/#/audit`);
    // Newest first: the two purges, then the two sends that filled the queue.
    await waitFor('four audit rows', async () => (await admin.locator('#audit tbody tr').count()) === 4, 10000);
    const rows = await admin.locator('#audit tbody tr').allTextContents();
    assert.match(rows[0]!, /root.*admin.*POST \/api\/queues\/:name\/purge.*UI\.SECURE.*200/);
    assert.match(rows[1]!, /watcher.*viewer.*POST \/api\/queues\/:name\/purge.*UI\.SECURE.*403/);
    assert.match(rows[3]!, /root.*POST \/api\/send.*queue:\/\/UI\.SECURE.*201/);
    assert.deepEqual(pageErrors, []);
  });
});
