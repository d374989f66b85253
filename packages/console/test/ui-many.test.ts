// The console in a real browser over more queues than its list polls (the first 1,000 by name):
// the Queues page says so and its filter asks the broker, and a queue beyond the list opens.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, openBrowser, text } from './browser';
import { http, startHarness, waitFor, type Harness } from './helpers';

describe('console ui many queues - browser', function () {
  this.timeout(90000);
  let h: Harness;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    h = await startHarness();
    for (let i = 0; i < 1050; i++) h.broker.getQueue(h.broker.destination(`queue://MANY.${String(i).padStart(4, '0')}`), true);
    for (let i = 0; i < 2; i++) assert.equal((await http(`${h.url}/api/send`, 'POST', { destination: 'queue://ZZ.BEYOND', body: `m${i}` })).status, 201);
    // The missing queue's look-up answers 404, which the browser logs.
    ({ browser, page } = await openBrowser(pageErrors, /status of 404/));
  });

  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('ui many queues - the list shows the first 1,000 by name and the filter finds the rest on the broker', async () => {
    await page.goto(`${h.url}/admin/#/queues`);
    await waitFor('the note on the list', async () => /first 1,000 of 1,051 queues/.test(await text(page, '#queues-more')), 10000);
    assert.equal(await page.locator('tr[data-id="MANY.0000"]').count(), 1);
    assert.equal(await page.locator('tr[data-id="MANY.1000"]').count(), 0, 'beyond the first 1,000 by name');
    assert.match(await text(page, '.page-head .sub'), /^1,051 queues · 2 pending messages/);
    await page.fill('input[type="search"]', 'zz.bey');
    await waitFor('ZZ.BEYOND listed', async () => (await text(page, 'tr[data-id="ZZ.BEYOND"] td:nth-child(2)')) === '2', 10000);
    assert.ok(await page.locator('#queues-more').isHidden(), 'one match: no note');
  });

  it('ui many queues - a queue beyond the list opens on its own page', async () => {
    await page.goto(`${h.url}/admin/#/queues/MANY.1049`);
    await waitFor('its page', async () => (await text(page, '.page-head .sub')) === 'queue://MANY.1049', 10000);
    await page.goto(`${h.url}/admin/#/queues/ZZ.BEYOND`);
    await waitFor('two browsed messages', async () => (await page.locator('#browse tbody tr').count()) === 2, 10000);
    await page.goto(`${h.url}/admin/#/queues/NO.SUCH.QUEUE`);
    await waitFor('not found', async () => /There is no queue NO\.SUCH\.QUEUE/.test(await text(page, '#main')), 10000);
    assert.deepEqual(pageErrors, []);
  });
});
