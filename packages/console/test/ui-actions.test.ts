// The console's actions in a real browser (playwright-core + Debian's chromium) against a real
// broker: charts that survive a reload, browse with paging and a selector, copy / move / delete
// one message, a queue's consumers, a topic's page, closing a connection.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { HISTORY_EVERY_MS } from '../src/history';
import { ARTIFACTS, CHROMIUM, openBrowser, text } from './browser';
import { NativeClient, http, startHarness, waitFor, type Harness } from './helpers';

/** Points of the first line (not area) path of the first chart on the page. */
async function chartPoints(page: Page): Promise<number> {
  const d = (await page.locator('#main .chart-svg path[fill="none"]').first().getAttribute('d', { timeout: 1000 }).catch(() => null)) ?? '';
  return d ? d.split(/[ML]/).filter(Boolean).length : 0;
}

describe('console ui - actions in a browser', function () {
  this.timeout(90000);
  let h: Harness;
  let browser: Browser | undefined;
  let page: Page;
  const clients: NativeClient[] = [];
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    h = await startHarness();
    // A 400 for the bad selector the test types is expected.
    ({ browser, page } = await openBrowser(pageErrors, /status of 400/));
  });

  after(async () => {
    for (const c of clients) await c.close();
    await browser?.close();
    await h?.close();
  });

  const send = (destination: string, body: string, properties: Record<string, number | string> = {}) =>
    http(`${h.url}/api/send`, 'POST', { destination, body, properties });

  it('ui - the overview charts are drawn from the broker\'s history right after a reload', async () => {
    for (let i = 0; i < 5; i++) await send('UI.RELOAD', `r${i}`);
    // The broker's own samples (every HISTORY_EVERY_MS), before the page ever polled.
    await waitFor('four samples in the broker\'s history', async () => (await http(`${h.url}/api/history`)).body.totals.t.length >= 4, 6 * HISTORY_EVERY_MS);
    await page.goto(`${h.url}/admin/#/overview`);
    await waitFor('the overview', async () => (await text(page, '.page-head h1')) === 'Overview', 10000);
    await page.reload();
    // The first drawing after the reload already has the broker's samples: the page alone would
    // have one or two polls by then.
    await waitFor('a chart drawn', async () => (await chartPoints(page)) > 0, 10000);
    assert.ok((await chartPoints(page)) >= 4, `the chart drew ${await chartPoints(page)} points at once`);
  });

  it('ui - browse pages through a queue and filters with a selector', async () => {
    for (let i = 0; i < 60; i++) await send('UI.PAGED', `p${i}`, { n: i });
    await page.goto(`${h.url}/admin/#/queues/UI.PAGED`);
    await waitFor('50 rows on the first page', async () => (await page.locator('#browse tbody tr').count()) === 50, 10000);
    // The count is the queue's depth from the page's poll, which may predate the last sends.
    await waitFor('the hint counts all 60', async () => /^1–50 of 60$/.test(await text(page, '#browse-hint')), 10000);
    await page.click('#browse-next');
    await waitFor('10 rows on the second page', async () => (await page.locator('#browse tbody tr').count()) === 10, 10000);
    assert.match(await text(page, '#browse-hint'), /^51–60 of 60$/);
    await page.fill('#browse-selector', 'n >= 56 AND n <> 58');
    await page.click('#browse-apply');
    await waitFor('3 matching rows', async () => (await page.locator('#browse tbody tr').count()) === 3, 10000);
    assert.match(await text(page, '#browse-hint'), /^1–3 matching$/);
    assert.match(await text(page, '#browse tbody tr:first-child'), /p56/);
    await page.fill('#browse-selector', 'n >');
    await page.click('#browse-apply');
    await page.waitForSelector('#browse-selector-error:not([hidden])', { timeout: 10000 });
    assert.match(await text(page, '#browse-selector-error'), /^selector: /);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-browse-selector.png') });
    await page.fill('#browse-selector', '');
    await page.click('#browse-apply');
    await waitFor('the first page again', async () => (await page.locator('#browse tbody tr').count()) === 50, 10000);
  });

  it('ui - one message copied, moved and deleted from its dialog', async () => {
    const ids = (await http(`${h.url}/api/queues/UI.PAGED/messages?limit=3`)).body.map((m: { id: string }) => m.id) as string[];
    const open = async (id: string) => {
      await page.click(`#browse tbody tr[data-id="${id}"]`);
      await page.waitForSelector('#message-view', { timeout: 10000 });
    };
    await open(ids[0]!);
    await page.click('#message-copy');
    await page.fill('#message-target', 'UI.COPIES');
    await page.click('#message-target-go');
    await waitFor('the copy', () => h.broker.queues.get('queue://UI.COPIES')?.depth === 1, 10000);
    assert.equal(h.broker.queues.get('queue://UI.PAGED')?.depth, 60, 'a copy leaves the original');

    await page.waitForSelector('#message-view', { state: 'detached' });
    await open(ids[1]!);
    await page.click('#message-move');
    await page.fill('#message-target', 'queue://UI.MOVED');
    await page.click('#message-target-go');
    await waitFor('the move', () => h.broker.queues.get('queue://UI.MOVED')?.depth === 1 && h.broker.queues.get('queue://UI.PAGED')?.depth === 59, 10000);

    await page.waitForSelector('#message-view', { state: 'detached' });
    await open(ids[2]!);
    await page.click('#message-delete');
    await page.click('.modal [data-confirm]');
    await waitFor('the delete', () => h.broker.queues.get('queue://UI.PAGED')?.depth === 58, 10000);
    await waitFor('the page no longer lists it', async () => (await page.locator(`#browse tbody tr[data-id="${ids[2]}"]`).count()) === 0, 10000);
    const moved = h.broker.queues.get('queue://UI.MOVED')!.snapshot()[0]!.msg;
    assert.equal(moved.body, 'p1');
    assert.equal(moved.properties.n, 1);
  });

  it('ui - a queue\'s consumers, a topic\'s page, and closing a connection', async () => {
    const c = await NativeClient.connect(h.broker, 'ui-watcher');
    clients.push(c);
    await c.consume('queue://UI.MOVED', { prefetch: 5 });
    await c.consume('topic://UI.NEWS');
    await page.goto(`${h.url}/admin/#/queues/UI.MOVED`);
    await waitFor('the consumer listed', async () => /ui-watcher/.test(await text(page, '#queue-consumers tbody')), 10000);

    await page.goto(`${h.url}/admin/#/topics`);
    await send('topic://UI.NEWS', 'headline');
    await waitFor('the topic listed', async () => (await page.locator('tr[data-id="UI.NEWS"]').count()) === 1, 10000);
    // The broker's count of topic subscribers (the list shows only a page of the topics).
    await waitFor('its subscriber counted', async () => / · 1 subscribers$/.test(await text(page, '.page-head .sub')), 10000);
    await page.click('tr[data-id="UI.NEWS"] td.name');
    await waitFor('the topic page', async () => (await text(page, '.page-head h1')) === 'UI.NEWS', 10000);
    await waitFor('its consumer', async () => /ui-watcher/.test(await text(page, '#topic-consumers tbody')), 10000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-topic.png') });

    await page.click('#nav-connections');
    const conn = [...h.broker.connections.values()].find((x) => x.clientId === 'ui-watcher')!;
    await waitFor('the connection listed', async () => (await page.locator(`tr[data-id="${conn.id}"]`).count()) === 1, 10000);
    await page.click(`tr[data-id="${conn.id}"] button[title^="Close"]`);
    await page.click('.modal [data-confirm]');
    await waitFor('the broker closed it', () => !h.broker.connections.has(conn.id), 10000);
    await waitFor('the page no longer lists it', async () => (await page.locator(`tr[data-id="${conn.id}"]:visible`).count()) === 0, 10000);
    assert.deepEqual(pageErrors, []);
  });
});
