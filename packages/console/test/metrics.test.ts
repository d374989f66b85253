// /metrics in the Prometheus text format, its counters moving as messages flow; health probes.
import assert from 'node:assert/strict';
import { WHARF_METRICS, createMetrics } from '../src/index';
import { FakeView } from './fake-view';
import { NativeClient, http, startHarness, waitFor, type Harness } from './helpers';
import { parsePrometheusText, valueOf } from './prom-text';

describe('console metrics - /metrics', function () {
  this.timeout(20000);
  let h: Harness;
  let client: NativeClient | undefined;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await h.close();
  });

  const scrape = async () => {
    const r = await http(`${h.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(r.text);
  };

  it('console metrics - beyond metricsDestinationLimit only the deepest queues have series; the counts of all are reported', async () => {
    await h.close();
    h = await startHarness({ metricsDestinationLimit: 5 });
    for (let i = 0; i < 30; i++) {
      for (let k = 0; k < i % 7; k++) assert.equal((await http(`${h.url}/api/send`, 'POST', { destination: `queue://MANY.${i}`, body: 'x' })).status, 201);
      if (i % 7 === 0) h.broker.getQueue(h.broker.destination(`queue://MANY.${i}`), true);
    }
    const f = await scrape();
    const depths = [...(f.get('wharf_queue_depth')?.samples ?? [])].filter((x) => String(x.labels.destination).startsWith('MANY.'));
    assert.equal(depths.length, 5);
    // Depths are i % 7: four queues hold 6 messages, five hold 5 (the first of those seen wins).
    assert.deepEqual(depths.map((x) => x.value).sort(), [5, 6, 6, 6, 6]);
    const queues = [...h.broker.queues.values()].filter((q) => q.destination.kind === 'queue').length;
    assert.equal(valueOf(f, 'wharf_destinations', { type: 'queue' }), queues);
    assert.equal(valueOf(f, 'wharf_metrics_destinations_omitted', { type: 'queue' }), queues - 5);
  });

  it('parses as Prometheus text and declares every wharf metric and the process metrics', async () => {
    const f = await scrape();
    for (const name of WHARF_METRICS) assert.ok(f.has(name), `${name} declared`);
    assert.equal(f.get('wharf_enqueued_total')?.type, 'counter');
    assert.equal(f.get('wharf_queue_depth')?.type, 'gauge');
    assert.ok(f.has('process_cpu_user_seconds_total'), 'default process metrics');
    assert.ok(f.has('nodejs_heap_size_used_bytes'), 'default node metrics');
    assert.equal(valueOf(f, 'wharf_role', { role: 'standalone' }), 1);
    assert.equal(valueOf(f, 'wharf_role', { role: 'master' }), 0);
    assert.equal(valueOf(f, 'wharf_serving'), 1);
    assert.equal(valueOf(f, 'wharf_info', { broker: h.broker.name }), 1);
  });

  it('counters and gauges move as messages are sent, dispatched and acknowledged', async () => {
    const before = await scrape();
    assert.equal(valueOf(before, 'wharf_enqueued_total', { destination: 'ORDERS' }), undefined);
    for (let i = 0; i < 3; i++) assert.equal((await http(`${h.url}/api/send`, 'POST', { destination: 'queue://ORDERS', body: `m${i}` })).status, 201);
    let f = await scrape();
    assert.equal(valueOf(f, 'wharf_enqueued_total', { destination: 'ORDERS', type: 'queue' }), 3);
    assert.equal(valueOf(f, 'wharf_queue_depth', { destination: 'ORDERS', type: 'queue' }), 3);
    assert.equal(valueOf(f, 'wharf_dequeued_total', { destination: 'ORDERS', type: 'queue' }), 0);
    assert.ok((valueOf(f, 'wharf_memory_used_bytes') ?? 0) > 0, 'memory holds the messages');

    client = await NativeClient.connect(h.broker, 'metrics-client');
    const id = await client.consume('queue://ORDERS');
    await waitFor('dispatches', () => client!.dispatches.length === 3);
    f = await scrape();
    assert.equal(valueOf(f, 'wharf_dispatched_total', { destination: 'ORDERS' }), 3);
    assert.equal(valueOf(f, 'wharf_inflight', { destination: 'ORDERS' }), 3);
    assert.equal(valueOf(f, 'wharf_consumers', { destination: 'ORDERS', type: 'queue' }), 1);
    assert.equal(valueOf(f, 'wharf_connections'), 1);

    await client.ack(id, client.dispatches.slice(0, 2).map((d) => d.deliveryId));
    f = await scrape();
    assert.equal(valueOf(f, 'wharf_dequeued_total', { destination: 'ORDERS' }), 2);
    assert.equal(valueOf(f, 'wharf_queue_depth', { destination: 'ORDERS' }), 1);
    assert.equal(valueOf(f, 'wharf_inflight', { destination: 'ORDERS' }), 1);

    await http(`${h.url}/api/send`, 'POST', { destination: 'topic://PRICES', body: '1' });
    f = await scrape();
    assert.equal(valueOf(f, 'wharf_enqueued_total', { destination: 'PRICES', type: 'topic' }), 1);
  });

  it('cluster metrics come from the view: role, failovers, replication lag per slave, group size', async () => {
    const v = new FakeView();
    v.commits = 74;
    v.clusterInfo = { self: 'n0', master: 'n0', epoch: 3, failovers: 2, lag: { n1: 0, n2: 5 }, members: [] };
    const m = createMetrics(v, 'mq_');
    const f = parsePrometheusText(await m.scrape());
    assert.equal(valueOf(f, 'mq_role', { role: 'master' }), 1);
    assert.equal(valueOf(f, 'mq_failovers_total'), 2);
    assert.equal(valueOf(f, 'mq_replication_lag', { slave: 'n2' }), 5);
    assert.equal(valueOf(f, 'mq_cluster_epoch'), 3);
    assert.equal(valueOf(f, 'mq_commit_group_size'), 74 / 10);
    assert.equal(valueOf(f, 'mq_store_commits_total'), 74);
    assert.equal(f.has('wharf_role'), false, 'the prefix replaces wharf_');
  });

  it('the checker refuses malformed expositions', () => {
    assert.throws(() => parsePrometheusText('# TYPE a counter\na -1\n'), /counter a is -1/);
    assert.throws(() => parsePrometheusText('# TYPE a gauge\nb 1\n'), /outside its family/);
    assert.throws(() => parsePrometheusText('# TYPE a gauge\na{x="1} 1\n'), /unterminated|not a sample/);
    assert.throws(() => parsePrometheusText('# TYPE a gauge\na 1'), /newline/);
    assert.throws(() => parsePrometheusText('# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'), /duplicate series/);
  });
});

describe('console health - /healthz and /readyz', function () {
  this.timeout(20000);
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('/healthz is 200 while alive; /readyz follows broker.serving', async () => {
    assert.equal((await http(`${h.url}/healthz`)).status, 200);
    const ready = await http(`${h.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.role, 'standalone');
    h.broker.serving = false;
    h.broker.notServingReason = 'replicating from the master';
    const notReady = await http(`${h.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal(notReady.body.reason, 'replicating from the master');
    assert.equal((await http(`${h.url}/healthz`)).status, 200, 'still alive');
    const f = parsePrometheusText((await http(`${h.url}/metrics`)).text);
    assert.equal(valueOf(f, 'wharf_serving'), 0);
    h.broker.serving = true;
    assert.equal((await http(`${h.url}/readyz`)).status, 200);
  });
});
