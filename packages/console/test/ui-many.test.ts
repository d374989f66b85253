// The console in a real browser over more queues and topics than its lists poll (the first 1,000
// by name): the Queues and Topics pages say so and their filters ask the broker, and a queue
// beyond the list opens.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, openBrowser, text } from './browser';
import { http, startHarness, waitFor, type Harness } from './helpers';

describe('console ui many destinations - browser', function () {
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
    for (let i = 0; i < 1100; i++) h.broker.getTopic(h.broker.destination(`topic://NEWS.${String(i).padStart(4, '0')}`), true);
    for (let i = 0; i < 3; i++) assert.equal((await http(`${h.url}/api/send`, 'POST', { destination: 'topic://ZZ.LATE.TOPIC', body: `t${i}` })).status, 201);
    h.broker.getTopic(h.broker.destination('topic://ActiveMQ.Advisory.Consumer.Queue.ZZ.BEYOND'), true);
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

  it('ui many topics - the Topics page lists the first 1,000 by name; its filter and advisory checkbox ask the broker', async () => {
    await page.goto(`${h.url}/admin/#/topics`);
    await waitFor('the note on the list', async () => /first 1,000 of 1,101 topics/.test(await text(page, '#topics-more')), 10000);
    assert.equal(await page.locator('tr[data-id="NEWS.0000"]').count(), 1);
    assert.equal(await page.locator('tbody tr').count(), 1000);
    assert.equal(await page.locator('tr[data-id="NEWS.1000"]').count(), 0, 'beyond the first 1,000 by name');
    assert.equal(await page.locator('tr[data-id="ZZ.LATE.TOPIC"]').count(), 0);
    assert.match(await text(page, '.page-head .sub'), /^1,101 topics · 0 subscribers/);
    await page.fill('input[type="search"]', 'zz.');
    await waitFor('ZZ.LATE.TOPIC listed', async () => (await text(page, 'tr[data-id="ZZ.LATE.TOPIC"] td:nth-child(3)')) === '3', 10000);
    assert.equal(await page.locator('tbody tr').count(), 1, 'the advisory topic about ZZ.BEYOND stays out');
    assert.ok(await page.locator('#topics-more').isHidden(), 'one match: no note');
    await page.check('label.check input');
    await waitFor('the advisory topic listed', async () => (await page.locator('tr[data-id="ActiveMQ.Advisory.Consumer.Queue.ZZ.BEYOND"]').count()) === 1, 10000);
    await page.fill('input[type="search"]', 'news.10');
    await waitFor('NEWS.10xx beyond the first page listed', async () => (await page.locator('tr[data-id="NEWS.1099"]').count()) === 1, 10000);
    assert.equal(await page.locator('tbody tr').count(), 100);
    await page.click('tr[data-id="NEWS.1050"]');
    await waitFor('its page', async () => (await text(page, '.page-head h1')) === 'NEWS.1050', 10000);
    assert.deepEqual(pageErrors, []);
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
