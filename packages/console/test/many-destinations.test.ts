// A console over more destinations than it shows one by one: /metrics keeps series for the
// deepest queues and counts the rest, renders and writes its text a slice at a time, and the
// API answers pages of the queue and topic lists instead of whole lists.
import assert from 'node:assert/strict';
import { brokerView, createMetrics } from '../src/index';
import { queuePageOf } from '../src/destination-pages';
import { jsonArrayBody, sortInSlices } from '../src/whole-lists';
import { FakeView } from './fake-view';
import { http, startHarness, type Harness } from './helpers';
import { parsePrometheusText, valueOf, type Family } from './prom-text';

/** Per-destination families: what each shows of a queue and (for some) of a topic. */
const FAMILIES: Array<[string, string, string | null]> = [
  ['wharf_enqueued_total', 'enqueued', 'enqueued'],
  ['wharf_dequeued_total', 'dequeued', null],
  ['wharf_dispatched_total', 'dispatched', null],
  ['wharf_expired_total', 'expired', null],
  ['wharf_queue_depth', 'pending', null],
  ['wharf_consumers', 'consumers', 'consumers'],
  ['wharf_inflight', 'inflight', null],
];

/** The series of a family as destination/type → value. */
function seriesOf(f: Family | undefined): Map<string, number> {
  return new Map((f?.samples ?? []).map((s) => [`${s.labels.type}:${s.labels.destination}`, s.value]));
}

describe('console many destinations - /metrics and API pages', function () {
  this.timeout(30000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  const send = async (destination: string, n = 1): Promise<void> => {
    for (let i = 0; i < n; i++) assert.equal((await http(`${h.url}/api/send`, 'POST', { destination, body: 'x' })).status, 201);
  };

  /**
   * 150 queues: 100 holding messages (Q.i with i % 3 !== 0: one each, three in Q.7, Q.8 and
   * Q.149), 50 empty; 20 topics with i messages sent to T.i.
   */
  async function fill(): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if (i % 3 === 0) h.broker.getQueue(h.broker.destination(`queue://Q.${i}`), true);
      else await send(`queue://Q.${i}`, [7, 8, 149].includes(i) ? 3 : 1);
    }
    for (let i = 0; i < 20; i++) {
      h.broker.getTopic(h.broker.destination(`topic://T.${i}`), true);
      await send(`topic://T.${i}`, i);
    }
  }

  it('console many destinations - /metrics has series for exactly the deepest queues, its lines written in slices equal to the view\'s figures', async () => {
    h = await startHarness({ metricsDestinationLimit: 100 });
    await fill();
    // 7 families x 100 queues and 2 x 20 topics: over 700 lines, several slices.
    const r = await http(`${h.url}/metrics`);
    assert.equal(r.status, 200);
    const f = parsePrometheusText(r.text);
    const view = brokerView(h.broker);
    const queues = view.queues().filter((q) => !q.temporary);
    const deepest = new Set(queues.filter((q) => q.pending > 0).map((q) => q.name));
    assert.equal(deepest.size, 100);
    for (const [name, queueField, topicField] of FAMILIES) {
      const series = seriesOf(f.get(name));
      const expected = new Map<string, number>();
      for (const q of queues) if (deepest.has(q.name)) expected.set(`queue:${q.name}`, q[queueField as keyof typeof q] as number);
      if (topicField) for (const t of view.topics()) if (t.name.startsWith('T.')) expected.set(`topic:${t.name}`, t[topicField as keyof typeof t] as number);
      assert.deepEqual(series, expected, name);
    }
    assert.equal(valueOf(f, 'wharf_queue_depth', { destination: 'Q.149', type: 'queue' }), 3);
    assert.equal(valueOf(f, 'wharf_destinations', { type: 'queue' }), queues.length);
    assert.equal(valueOf(f, 'wharf_metrics_destinations_omitted', { type: 'queue' }), queues.length - 100);
    // The text as a whole (prom-client's part first) is the same through the HTTP stream and
    // scrape(): with no traffic meanwhile, the per-destination part is identical.
    const m = createMetrics(view, 'wharf_', 100);
    const text = await m.scrape();
    const part = (t: string): string => t.slice(t.indexOf('# HELP wharf_enqueued_total'));
    assert.ok(part(text).length > 20000, 'several slices of per-destination lines');
    assert.equal(part(r.text), part(text));
  });

  it('console many destinations - scrapes asked for while one renders get its text', async () => {
    h = await startHarness();
    await fill();
    const m = createMetrics(brokerView(h.broker));
    const [a, b] = await Promise.all([m.scrapeSlices(), m.scrapeSlices()]);
    assert.equal(a, b, 'one render for both');
    const c = await m.scrapeSlices();
    assert.notEqual(c, a, 'a scrape after it renders anew');
  });

  it('console many destinations - GET /api/queues pages by name, depth or filter with the total of matches', async () => {
    h = await startHarness();
    await fill();
    const page = async (qs: string) => {
      const r = await http(`${h.url}/api/queues?${qs}`);
      assert.equal(r.status, 200, r.text);
      return r.body as { total: number; offset: number; limit: number; queues: Array<{ name: string; pending: number }> };
    };
    const all = (await http(`${h.url}/api/queues`)).body as Array<{ name: string; pending: number; temporary: boolean }>;
    const byName = all.map((q) => q.name);
    const first = await page('limit=10');
    assert.equal(first.total, all.length);
    assert.deepEqual(first.queues.map((q) => q.name), byName.slice(0, 10), 'the whole list\'s order, first page');
    assert.deepEqual((await page('limit=10&offset=25')).queues.map((q) => q.name), byName.slice(25, 35));
    const deepest = await page('sort=pending&limit=3');
    assert.deepEqual(deepest.queues.map((q) => [q.name, q.pending]), [['Q.7', 3], ['Q.8', 3], ['Q.149', 3]]);
    const filtered = await page('filter=q.14&limit=5');
    assert.deepEqual(filtered.queues.map((q) => q.name), ['Q.14', 'Q.140', 'Q.141', 'Q.142', 'Q.143']);
    assert.equal(filtered.total, 11);
    assert.equal((await page('filter=nothing-like-this')).total, 0);
    // A temporary queue is listed unless asked not to be.
    const temp = h.broker.getQueue(h.broker.destination('temp-queue://ID:many-1:1:1'), true);
    assert.equal((await page('filter=ID:many')).total, 1);
    assert.equal((await page('filter=ID:many&temporary=false')).total, 0);
    assert.ok(temp);
    for (const bad of ['limit=0', 'limit=abc', 'limit=1001', 'offset=-1', 'offset=995&limit=10', 'sort=size', 'temporary=yes']) {
      const r = await http(`${h.url}/api/queues?${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.code, 'WHARF_CONSOLE_BAD_REQUEST', bad);
    }
  });

  it('console many destinations - pages after a name read the whole list once, in its order, however it changes between pages', async () => {
    h = await startHarness();
    await fill();
    type P = { total: number; after?: string; queues: Array<{ name: string }> };
    const all = ((await http(`${h.url}/api/queues`)).body as Array<{ name: string }>).map((q) => q.name);
    const read: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const r = await http(`${h.url}/api/queues?limit=40${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`);
      assert.equal(r.status, 200, r.text);
      const p = r.body as P;
      assert.equal(p.total, all.length + (pages >= 2 ? 2 : 0), 'total counts the matches before the name too');
      assert.equal(p.after, after);
      read.push(...p.queues.map((q) => q.name));
      if (++pages === 2) {
        // Created before and after the cursor meanwhile: the one after is read, nothing repeats.
        h.broker.getQueue(h.broker.destination('queue://A.EARLY'), true);
        h.broker.getQueue(h.broker.destination('queue://Z.LATE'), true);
      }
      if (p.queues.length < 40) break;
      after = p.queues[p.queues.length - 1]!.name;
    }
    assert.deepEqual(read, [...all, 'Z.LATE']);
    const filtered = (await http(`${h.url}/api/queues?filter=q.14&after=Q.142`)).body as P;
    assert.deepEqual(filtered.queues.map((q) => q.name), ['Q.143', 'Q.144', 'Q.145', 'Q.146', 'Q.147', 'Q.148', 'Q.149']);
    assert.equal(filtered.total, 11);
    for (const bad of ['after=Q.1&sort=pending', 'after=Q.1&after=Q.2', 'advisory=true']) {
      const r = await http(`${h.url}/api/queues?${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.code, 'WHARF_CONSOLE_BAD_REQUEST', bad);
    }
  });

  it('console many destinations - GET /api/topics pages leave advisories out unless asked; one queue or topic is found by name', async () => {
    h = await startHarness();
    await fill();
    const r = await http(`${h.url}/api/topics?sort=enqueued&limit=2`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.topics.map((t: { name: string }) => t.name), ['T.19', 'T.18']);
    h.broker.getTopic(h.broker.destination('topic://ActiveMQ.Advisory.Queue'), true);
    const all = (await http(`${h.url}/api/topics`)).body as Array<{ advisory: boolean }>;
    assert.ok(all.some((t) => t.advisory), 'the whole list has an advisory topic');
    assert.equal((await http(`${h.url}/api/topics?limit=100`)).body.total, all.filter((t) => !t.advisory).length);
    assert.equal((await http(`${h.url}/api/topics?filter=ActiveMQ.Advisory`)).body.total, 0);
    // Asked for, they are listed as in the whole list.
    const withAdvisory = (await http(`${h.url}/api/topics?limit=100&advisory=true`)).body as { total: number; topics: Array<{ name: string }> };
    assert.deepEqual(withAdvisory.topics.map((t) => t.name), (all as unknown as Array<{ name: string }>).map((t) => t.name));
    assert.equal(withAdvisory.total, all.length);
    assert.equal((await http(`${h.url}/api/topics?advisory=yes`)).status, 400);
    assert.equal((await http(`${h.url}/api/queues/Q.149`)).body.pending, 3);
    assert.equal((await http(`${h.url}/api/topics/T.5`)).body.enqueued, 5);
    assert.equal((await http(`${h.url}/api/queues/Q.150`)).status, 404);
    assert.equal((await http(`${h.url}/api/topics/T.20`)).status, 404);
  });

  it('console many destinations - the overview\'s totals and busiest queues come from one pass over all', async () => {
    h = await startHarness();
    await fill();
    await send('queue://ActiveMQ.DLQ', 2);
    const o = (await http(`${h.url}/api/overview`)).body;
    const view = brokerView(h.broker);
    const queues = view.queues();
    const topics = view.topics().filter((t) => !t.advisory);
    assert.equal(o.totals.queues, queues.length);
    assert.equal(o.totals.topics, topics.length);
    assert.equal(o.totals.pending, queues.reduce((n, q) => n + q.pending, 0));
    assert.equal(o.totals.enqueued, queues.reduce((n, q) => n + q.enqueued, 0) + topics.reduce((n, t) => n + t.enqueued, 0));
    assert.equal(o.totals.dlqPending, 2);
    assert.deepEqual(o.busiest.map((q: { name: string }) => q.name), ['Q.7', 'Q.8', 'Q.149', 'ActiveMQ.DLQ', 'Q.1']);
  });

  it('console many destinations - whole lists are sorted and written in slices with the same result as in one go', async () => {
    // Keys with many ties: the sort must keep equal items in their order, as Array.prototype.sort.
    const items = Array.from({ length: 1000 }, (_, i) => ({ key: (i * 7919) % 37, i }));
    const order = (a: { key: number }, b: { key: number }) => a.key - b.key;
    for (const step of [1, 3, 64, 1000, 5000]) assert.deepEqual(await sortInSlices(items, order, step), [...items].sort(order), `step ${step}`);
    assert.deepEqual(await sortInSlices([], order, 3), []);
    const read = async (r: NodeJS.ReadableStream) => {
      let text = '';
      for await (const chunk of r) text += String(chunk);
      return text;
    };
    const values = [{ a: 1, big: 12345678901234567890n }, 'x"y', null, [1, 2], { bytes: new Uint8Array([1, 2]) }];
    for (const n of [0, 1, 2, 3, 5]) {
      for (const step of [1, 2, 10]) {
        assert.equal(await read(jsonArrayBody(values.slice(0, n), step)), JSON.stringify(values.slice(0, n), (_k, v) =>
          (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)), `${n} items, step ${step}`);
      }
    }
    h = await startHarness();
    await fill();
    const r = await http(`${h.url}/api/queues`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(r.body, JSON.parse(JSON.stringify(brokerView(h.broker).queues())), 'the list as one sort and one JSON.stringify make it');
    assert.deepEqual((await http(`${h.url}/api/topics`)).body, JSON.parse(JSON.stringify(brokerView(h.broker).topics())));
  });

  it('console many destinations - a view without pages of its own is paged from its whole list', async () => {
    const v = new FakeView();
    for (const name of ['B', 'a', 'C.DLQ', 'd']) v.addQueue(name);
    v.addQueue('tmp', { temporary: true });
    const p = await queuePageOf(v, { offset: 1, limit: 2, sort: 'name', temporary: false });
    assert.deepEqual(p.items.map((q) => q.name), ['B', 'C.DLQ']);
    assert.equal(p.total, 4);
    assert.deepEqual((await queuePageOf(v, { offset: 0, limit: 10, sort: 'name', temporary: true, filter: 'c.' })).items.map((q) => q.name), ['C.DLQ']);
  });
});
