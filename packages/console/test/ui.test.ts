// The console in a real browser (playwright-core + Debian's chromium) against a real broker:
// send through the form, watch the queue count change without a reload, browse, open a message,
// purge with confirmation. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Broker } from '@wharf/broker';
import { AckType } from '@wharf/protocol';
import { followBroker, startConsole, type ConsoleHandle } from '../src/index';
import { FakeNode, newBroker } from './fake-node';
import { openBrowser } from './browser';
import { NativeClient, http, startHarness, waitFor, type Harness } from './helpers';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', '..', '..', '..', 'test-artifacts');

async function text(page: Page, selector: string): Promise<string> {
  const el = page.locator(selector).first();
  return (await el.count()) ? ((await el.textContent()) ?? '').trim() : '';
}

describe('console ui - browser', function () {
  this.timeout(90000);
  let h: Harness;
  let browser: Browser | undefined;
  let page: Page;
  let client: NativeClient | undefined;
  let traffic: NodeJS.Timeout | undefined;
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    h = await startHarness();
    ({ browser, page } = await openBrowser(pageErrors));
  });

  after(async () => {
    if (traffic) clearInterval(traffic);
    await client?.close();
    await browser?.close();
    await h?.close();
  });

  const send = (destination: string, body: string) => http(`${h.url}/api/send`, 'POST', { destination, body });

  it('opens on the overview with the broker name', async () => {
    await page.goto(`${h.url}/`);
    assert.match(page.url(), /\/admin\/$/);
    await waitFor('broker name in the header', async () => (await text(page, '#broker-name')) === h.broker.name, 10000);
    assert.equal(await text(page, '.page-head h1'), 'Overview');
    assert.equal(await text(page, '#live-label'), 'Live');
  });

  it('sends a message through the form and sees the queue count change without a reload', async () => {
    await page.evaluate('window.__noReload = 42');
    await page.click('#nav-queues');
    await page.click('#send-open');
    await page.fill('#send-destination', 'UI.ORDERS');
    await page.fill('#send-body', '{"order": 1001, "item": "anchor"}');
    await page.fill('#send-properties', 'region=EU\nretries=2');
    await page.click('#send-submit');
    const pending = 'tr[data-id="UI.ORDERS"] td:nth-child(2)';
    await waitFor('UI.ORDERS listed with 1 pending', async () => (await text(page, pending)) === '1', 10000);
    const q = h.broker.queues.get('queue://UI.ORDERS');
    assert.equal(q?.depth, 1, 'the broker has the message');
    const props = q!.snapshot()[0]!.msg.properties;
    assert.deepEqual(props, { region: 'EU', retries: 2 });

    // A message sent elsewhere shows up by itself (live polling, no reload).
    await send('queue://UI.ORDERS', 'from the API');
    await waitFor('count 2', async () => (await text(page, pending)) === '2', 10000);
    assert.equal(await page.evaluate('window.__noReload'), 42, 'the page was not reloaded');
  });

  it('browses the queue and opens a message', async () => {
    await page.click('tr[data-id="UI.ORDERS"] button[title="Browse"]');
    await waitFor('two browsed messages', async () => (await page.locator('#browse tbody tr').count()) === 2, 10000);
    await page.locator('#browse tbody tr').first().click();
    await page.waitForSelector('#message-view', { timeout: 10000 });
    const body = await text(page, '#message-body');
    assert.match(body, /"order": 1001/);
    assert.match(await text(page, '#message-view'), /region/);

    // Make the screenshot tell a story: a consumer, a DLQ, a topic, some traffic.
    client = await NativeClient.connect(h.broker, 'billing-service');
    const cid = await client.consume('queue://UI.PAYMENTS', { prefetch: 1000 });
    for (let i = 0; i < 3; i++) await send('queue://UI.PAYMENTS', `{"payment": ${i}}`);
    await waitFor('payments dispatched', () => client!.dispatches.length === 3);
    await client.ack(cid, [client.dispatches[0]!.deliveryId], AckType.POISON, 'card declined');
    await send('topic://PRICES.EUR', '1.0842');
    let n = 0;
    traffic = setInterval(() => {
      const burst = 8 + Math.round(6 * Math.sin(n++ / 3));
      for (let i = 0; i < burst; i++) void send('queue://UI.PAYMENTS', `{"payment": ${n * 100 + i}}`).catch(() => undefined);
      const c = client!;
      const todo = c.dispatches.splice(0, Math.max(0, c.dispatches.length - 2)).map((d) => d.deliveryId);
      if (todo.length) void c.ack(cid, todo).catch(() => undefined);
    }, 250);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-message.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('#message-view', { state: 'detached' });
  });

  it('purges the queue after confirmation', async () => {
    await page.click('#queue-purge');
    await page.waitForSelector('.modal [data-confirm]');
    assert.match(await text(page, '.modal .confirm-text'), /Remove 2 pending messages from UI\.ORDERS/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-confirm.png') });
    await page.click('.modal [data-confirm]');
    await waitFor('queue empty', () => h.broker.queues.get('queue://UI.ORDERS')?.depth === 0, 10000);
    await waitFor('the page shows it', async () => (await page.locator('#browse .empty').count()) === 1, 10000);
  });

  it('shows the overview with live charts', async () => {
    await page.click('#nav-overview');
    await new Promise((r) => setTimeout(r, 6000));
    await waitFor('rate chart drawn', async () => (await page.locator('.chart-svg path').count()) > 0, 10000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console.png') });
    await page.click('#nav-queues');
    await waitFor('DLQ listed', async () => (await page.locator('tr[data-id="ActiveMQ.DLQ"]').count()) === 1, 10000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-queues.png') });
    assert.deepEqual(pageErrors, []);
  });
});

describe('console ui - browser, on a cluster node', function () {
  this.timeout(60000);
  let browser: Browser | undefined;
  let page: Page;
  let node: FakeNode;
  let c: ConsoleHandle | undefined;
  let broker: Broker | undefined;
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    node = new FakeNode();
    c = await startConsole(followBroker(node, { name: 'orders' }), { host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      // The browser logs every 503 the slave answers; those are expected here.
      if (m.type() === 'error' && !/status of 503/.test(m.text())) pageErrors.push(m.text());
    });
  });

  after(async () => {
    await browser?.close();
    await c?.close();
    await broker?.stop();
  });

  it('a slave shows a notice naming the master, and the master\'s broker once the node serves', async () => {
    await page.goto(`${c!.url}/admin/`);
    await page.waitForSelector('#not-serving:not([hidden])', { timeout: 10000 });
    assert.match(await text(page, '#not-serving'), /the master is tcp:\/\/10\.0\.0\.2:61616 \(node orders-2, epoch 3\)/);
    await waitFor('the role in the header', async () => /slave/.test(await text(page, '#broker-role')), 10000);
    assert.equal(await text(page, '#broker-name'), 'orders');
    assert.equal(await text(page, '#live-label'), 'Live');
    assert.equal(await page.locator('.page-head h1:visible').count(), 0, 'the overview is hidden');
    await page.click('#nav-cluster');
    await waitFor('the cluster page', async () => (await text(page, '.page-head h1:visible')) === 'Cluster', 10000);
    await waitFor('the members', async () => (await page.locator('table.data tbody tr').count()) === 2, 10000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-slave.png') });

    // The node becomes master with a broker of its own: the console shows that one.
    broker = await newBroker();
    node.current = broker;
    node.nodeRole = 'master';
    node.master = { id: 'orders-1', clientUrl: 'tcp://10.0.0.1:61616' };
    await page.waitForSelector('#not-serving', { state: 'hidden', timeout: 10000 });
    await waitFor('the broker name', async () => (await text(page, '#broker-name')) === broker!.name, 10000);
    await page.click('#nav-overview');
    await waitFor('the overview', async () => (await text(page, '.page-head h1:visible')) === 'Overview', 10000);
    assert.deepEqual(pageErrors, []);
  });
});
