// REST API over real HTTP against a real broker: every endpoint, bad input and unknown names.
import assert from 'node:assert/strict';
import net from 'node:net';
import { AckType, CommandType, FrameDecoder, PROTOCOL_VERSION, encodeValue, lengthPrefixed, type Command } from '@wharf/protocol';
import { ConsoleErrorCode } from '../src/index';
import { NativeClient, http, startHarness, waitFor, type Harness } from './helpers';

describe('console api - reads and actions', function () {
  this.timeout(20000);
  let h: Harness;
  const clients: NativeClient[] = [];
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await h.close();
  });

  const send = (destination: string, body: unknown, extra: Record<string, unknown> = {}) => http(`${h.url}/api/send`, 'POST', { destination, body, ...extra });

  it('GET /api/broker describes the broker', async () => {
    const r = await http(`${h.url}/api/broker`);
    assert.equal(r.status, 200);
    assert.equal(r.body.name, h.broker.name);
    assert.equal(r.body.role, 'standalone');
    assert.equal(r.body.serving, true);
    assert.equal(r.body.store.kind, 'memory');
    for (const k of ['bytes', 'messages', 'commits', 'syncs']) assert.equal(typeof r.body.store[k], 'number', k);
    for (const k of ['used', 'limit', 'percent']) assert.equal(typeof r.body.memory[k], 'number', k);
    assert.match(r.body.version, /^\d+\.\d+\.\d+/);
    assert.ok(r.body.uptimeMs >= 0);
    assert.deepEqual(r.body.connectors, [h.broker.connectorUrl('tcp')]);
  });

  it('POST /api/send then GET /api/queues, /api/queues/:name and the messages', async () => {
    const s = await send('queue://ORDERS', 'hello', { properties: { region: 'EU', n: 3, ok: true }, priority: 7 });
    assert.equal(s.status, 201, s.text);
    assert.match(s.body.messageId, /^ID:/);
    assert.equal(s.body.destination, 'queue://ORDERS');

    const list = await http(`${h.url}/api/queues`);
    const q = list.body.find((x: { name: string }) => x.name === 'ORDERS');
    assert.ok(q, 'queue listed');
    assert.equal(q.pending, 1);
    assert.equal(q.enqueued, 1);
    assert.equal(q.url, 'queue://ORDERS');

    const one = await http(`${h.url}/api/queues/ORDERS`);
    assert.equal(one.status, 200);
    assert.equal(one.body.pending, 1);

    const msgs = await http(`${h.url}/api/queues/ORDERS/messages?limit=10`);
    assert.equal(msgs.status, 200);
    assert.equal(msgs.body.length, 1);
    const m = msgs.body[0];
    assert.equal(m.id, s.body.messageId);
    assert.equal(m.bodyPreview, 'hello');
    assert.equal(m.priority, 7);
    assert.equal(m.persistent, true);
    assert.deepEqual(m.properties, { region: 'EU', n: 3, ok: true });

    const detail = await http(`${h.url}/api/queues/ORDERS/messages/${encodeURIComponent(m.id)}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.body, 'hello');
    assert.equal(detail.body.bodyEncoding, 'utf8');
  });

  it('a queue can be named by URL, and the browse limit is honoured', async () => {
    for (let i = 0; i < 5; i++) await send('queue://A.B', `m${i}`);
    const r = await http(`${h.url}/api/queues/${encodeURIComponent('queue://A.B')}/messages?limit=2`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.map((m: { bodyPreview: string }) => m.bodyPreview), ['m0', 'm1']);
    const bad = await http(`${h.url}/api/queues/A.B/messages?limit=zero`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, ConsoleErrorCode.BAD_REQUEST);
    assert.match(bad.body.error, /limit/);
  });

  it('unknown queues, topics, messages and jobs are 404 with the name in the error', async () => {
    for (const path of ['/api/queues/NOPE', '/api/queues/NOPE/messages', '/api/topics/NOPE']) {
      const r = await http(`${h.url}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.code, ConsoleErrorCode.DESTINATION_NOT_FOUND);
      assert.match(r.body.error, /NOPE/);
    }
    for (const [method, path] of [['POST', '/api/queues/NOPE/purge'], ['DELETE', '/api/queues/NOPE'], ['DELETE', '/api/topics/NOPE'], ['POST', '/api/queues/NOPE/move-to-origin']] as const) {
      const r = await http(`${h.url}${path}`, method);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.match(r.body.error, /NOPE/);
    }
    await send('queue://HERE', 'x');
    const m = await http(`${h.url}/api/queues/HERE/messages/ID:missing:1`);
    assert.equal(m.status, 404);
    assert.equal(m.body.code, ConsoleErrorCode.MESSAGE_NOT_FOUND);
    assert.match(m.body.error, /ID:missing:1/);
    const j = await http(`${h.url}/api/jobs/job-42`, 'DELETE');
    assert.equal(j.status, 404);
    assert.equal(j.body.code, ConsoleErrorCode.JOB_NOT_FOUND);
    const u = await http(`${h.url}/api/nothing-here`);
    assert.equal(u.status, 404);
    assert.equal(u.body.code, ConsoleErrorCode.NOT_FOUND);
  });

  it('POST /api/send takes a bare name as a queue, as wharf produce does', async () => {
    const r = await send(' BARE.ORDERS ', 'hello');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.destination, 'queue://BARE.ORDERS');
    assert.equal(h.broker.queues.get('queue://BARE.ORDERS')?.depth, 1);
    const history = await http(`${h.url}/api/history`);
    assert.equal(history.status, 200);
    assert.equal(history.body.windowMs, 5 * 60 * 1000);
  });

  it('POST /api/send rejects bad input with 400 naming the fault', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ destination: 'fifo://ORDERS', body: 'x' }, ConsoleErrorCode.INVALID_DESTINATION, /unknown destination kind 'fifo'/],
      [{ destination: 'queue://A..B', body: 'x' }, ConsoleErrorCode.INVALID_DESTINATION, /empty path element/],
      [{ destination: 'queue://ORDERS.>', body: 'x' }, ConsoleErrorCode.INVALID_DESTINATION, /wildcard/],
      [{ destination: 'temp-queue://gone', body: 'x' }, ConsoleErrorCode.INVALID_DESTINATION, /deleted Destination/],
      [{ destination: '', body: 'x' }, ConsoleErrorCode.INVALID_DESTINATION, /destination must be/],
      [{ body: 'x' }, ConsoleErrorCode.INVALID_DESTINATION, /destination must be/],
      [{ destination: 'queue://Q', body: 42 }, ConsoleErrorCode.INVALID_BODY, /body must be a string.*number/],
      [{ destination: 'queue://Q', body: { a: 1 } }, ConsoleErrorCode.INVALID_BODY, /body must be a string.*object/],
      [{ destination: 'queue://Q' }, ConsoleErrorCode.INVALID_BODY, /body must be a string.*undefined/],
      [{ destination: 'queue://Q', body: 'x', priority: 12 }, ConsoleErrorCode.BAD_REQUEST, /priority/],
      [{ destination: 'queue://Q', body: 'x', delay: -5 }, ConsoleErrorCode.BAD_REQUEST, /delay/],
      [{ destination: 'queue://Q', body: 'x', persistent: 'yes' }, ConsoleErrorCode.BAD_REQUEST, /persistent/],
      [{ destination: 'queue://Q', body: 'x', properties: { '1abc': 'v' } }, ConsoleErrorCode.BAD_REQUEST, /'1abc'/],
      [{ destination: 'queue://Q', body: 'x', properties: { JMSType: 'v' } }, ConsoleErrorCode.BAD_REQUEST, /reserved/],
      [{ destination: 'queue://Q', body: 'x', properties: { a: [1] } }, ConsoleErrorCode.BAD_REQUEST, /property 'a'/],
      [[1, 2], ConsoleErrorCode.BAD_REQUEST, /JSON object/],
    ];
    for (const [payload, code, re] of cases) {
      const r = await http(`${h.url}/api/send`, 'POST', payload);
      assert.equal(r.status, 400, `${JSON.stringify(payload)} → ${r.text}`);
      assert.equal(r.body.code, code, JSON.stringify(payload));
      assert.match(r.body.error, re, JSON.stringify(payload));
    }
    const malformed = await http(`${h.url}/api/send`, 'POST', '{"destination":');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, ConsoleErrorCode.BAD_REQUEST);
    assert.equal(h.broker.queues.has('queue://Q'), false, 'nothing was sent');
  });

  it('sends to topics and composite destinations; non-persistent and delayed sends', async () => {
    const client = await NativeClient.connect(h.broker, 'sub-client');
    clients.push(client);
    await client.consume('topic://PRICES', { durableName: 'ticks' });
    assert.equal((await send('topic://PRICES', '1.08')).status, 201);
    const topics = await http(`${h.url}/api/topics`);
    const t = topics.body.find((x: { name: string }) => x.name === 'PRICES');
    assert.equal(t.enqueued, 1);
    assert.equal(t.consumers, 1);
    assert.equal(t.durables.length, 1);
    assert.equal(t.durables[0].clientId, 'sub-client');
    const one = await http(`${h.url}/api/topics/PRICES`);
    assert.equal(one.status, 200);

    assert.equal((await send('queue://C1,queue://C2', 'both')).status, 201);
    assert.equal(h.broker.queues.get('queue://C1')?.depth, 1);
    assert.equal(h.broker.queues.get('queue://C2')?.depth, 1);

    assert.equal((await send('queue://NP', 'x', { persistent: false })).status, 201);
    const np = await http(`${h.url}/api/queues/NP/messages`);
    assert.equal(np.body[0].persistent, false);

    assert.equal((await send('queue://LATER', 'x', { delay: 60000 })).status, 201);
    const later = h.broker.queues.get('queue://LATER')!;
    assert.equal(later.depth, 1);
    assert.ok(later.snapshot()[0]!.msg.deliveryTime > Date.now() + 50000, 'delivery time set from the delay');
  });

  it('browse pages with offset and filters with a selector; one message deleted, copied, moved', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await send('ACT', `m${i}`, { properties: { n: i, odd: i % 2 === 1 } })).status, 201);
    const page2 = (await http(`${h.url}/api/queues/ACT/messages?limit=2&offset=2`)).body;
    assert.deepEqual(page2.map((m: { bodyPreview: string }) => m.bodyPreview), ['m2', 'm3']);
    const odd = (await http(`${h.url}/api/queues/ACT/messages?selector=${encodeURIComponent('odd = TRUE AND n > 1')}`)).body;
    assert.deepEqual(odd.map((m: { bodyPreview: string }) => m.bodyPreview), ['m3', 'm5']);
    const bad = await http(`${h.url}/api/queues/ACT/messages?selector=${encodeURIComponent('n >')}`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^selector: /);

    const all = (await http(`${h.url}/api/queues/ACT/messages`)).body as Array<{ id: string; bodyPreview: string }>;
    const id = (body: string) => all.find((m) => m.bodyPreview === body)!.id;
    const del = await http(`${h.url}/api/queues/ACT/messages/${encodeURIComponent(id('m0'))}`, 'DELETE');
    assert.equal(del.status, 200, del.text);
    assert.equal((await http(`${h.url}/api/queues/ACT/messages/${encodeURIComponent(id('m0'))}`, 'DELETE')).status, 404);
    const copy = await http(`${h.url}/api/queues/ACT/messages/${encodeURIComponent(id('m1'))}/copy`, 'POST', { to: 'ACT.COPY' });
    assert.equal(copy.status, 200, copy.text);
    const move = await http(`${h.url}/api/queues/ACT/messages/${encodeURIComponent(id('m2'))}/move`, 'POST', { to: 'topic://ACT.NEWS' });
    assert.equal(move.status, 200, move.text);
    const noTarget = await http(`${h.url}/api/queues/ACT/messages/${encodeURIComponent(id('m3'))}/move`, 'POST', {});
    assert.equal(noTarget.status, 400);
    const left = (await http(`${h.url}/api/queues/ACT/messages`)).body.map((m: { bodyPreview: string }) => m.bodyPreview);
    assert.deepEqual(left, ['m1', 'm3', 'm4', 'm5']);
    assert.deepEqual((await http(`${h.url}/api/queues/ACT.COPY/messages`)).body.map((m: { bodyPreview: string }) => m.bodyPreview), ['m1']);
    const q = (await http(`${h.url}/api/queues/ACT`)).body;
    assert.equal(q.pending, 4);
    assert.equal(q.dequeued, 2, 'the deleted and the moved message left the queue');
  });

  it('GET a destination\'s consumers; DELETE /api/connections/:id closes a client', async () => {
    const c = await NativeClient.connect(h.broker, 'watcher');
    clients.push(c);
    await c.consume('queue://WATCHED', { prefetch: 7 });
    await c.consume('topic://WATCHED.NEWS');
    const consumers = (await http(`${h.url}/api/queues/WATCHED/consumers`)).body;
    assert.equal(consumers.length, 1);
    assert.equal(consumers[0].clientId, 'watcher');
    assert.equal(consumers[0].prefetch, 7);
    assert.match(consumers[0].remoteAddress, /^127\.0\.0\.1:\d+$/);
    assert.equal((await http(`${h.url}/api/topics/WATCHED.NEWS/consumers`)).body.length, 1);
    const conn = consumers[0].connectionId as string;
    const closed = await http(`${h.url}/api/connections/${encodeURIComponent(conn)}`, 'DELETE');
    assert.equal(closed.status, 200, closed.text);
    await waitFor('the connection is gone', async () => (await http(`${h.url}/api/connections`)).body.length === 0);
    assert.equal((await http(`${h.url}/api/connections/${encodeURIComponent(conn)}`, 'DELETE')).status, 404);
  });

  it('GET /api/subscriptions and /api/connections show real clients', async () => {
    const a = await NativeClient.connect(h.broker, 'client-a');
    clients.push(a);
    const b = await NativeClient.connect(h.broker);
    clients.push(b);
    await a.consume('topic://NEWS', { durableName: 'daily' });
    await b.consume('topic://NEWS');
    await b.consume('queue://WORK');
    const conns = await http(`${h.url}/api/connections`);
    assert.equal(conns.status, 200);
    assert.equal(conns.body.length, 2);
    const ca = conns.body.find((c: { clientId: string | null }) => c.clientId === 'client-a');
    assert.ok(ca);
    assert.match(ca.remoteAddress, /^127\.0\.0\.1:\d+$/);
    assert.equal(ca.protocol, 'native');
    assert.equal(ca.consumers, 1);
    assert.ok(ca.connectedAt <= Date.now());
    const subs = await http(`${h.url}/api/subscriptions`);
    const durable = subs.body.find((s: { durable: boolean }) => s.durable);
    assert.deepEqual([durable.clientId, durable.name, durable.destination, durable.active], ['client-a', 'daily', 'topic://NEWS', true]);
    assert.equal(subs.body.filter((s: { durable: boolean }) => !s.durable).length, 1);
    const q = (await http(`${h.url}/api/queues/WORK`)).body;
    assert.equal(q.consumers, 1);

    await a.close();
    await waitFor('connection gone', async () => (await http(`${h.url}/api/connections`)).body.length === 1);
    const offline = (await http(`${h.url}/api/subscriptions`)).body.find((s: { durable: boolean }) => s.durable);
    assert.equal(offline.active, false);
    await send('topic://NEWS', 'while away');
    const again = (await http(`${h.url}/api/subscriptions`)).body.find((s: { durable: boolean }) => s.durable);
    assert.equal(again.pending, 1);
  });

  it('counters move as a consumer takes messages: dispatched, inflight, dequeued', async () => {
    for (let i = 0; i < 3; i++) await send('queue://FLOW', `m${i}`);
    const c = await NativeClient.connect(h.broker);
    clients.push(c);
    const id = await c.consume('queue://FLOW');
    await waitFor('3 dispatches', () => c.dispatches.length === 3);
    let q = (await http(`${h.url}/api/queues/FLOW`)).body;
    assert.deepEqual([q.pending, q.inflight, q.dispatched, q.dequeued], [3, 3, 3, 0]);
    const browse = (await http(`${h.url}/api/queues/FLOW/messages`)).body;
    assert.deepEqual(browse.map((m: { state: string }) => m.state), ['inflight', 'inflight', 'inflight']);
    await c.ack(id, c.dispatches.map((d) => d.deliveryId));
    q = (await http(`${h.url}/api/queues/FLOW`)).body;
    assert.deepEqual([q.pending, q.inflight, q.dequeued], [0, 0, 3]);
  });

  it('POST /api/queues/:name/purge removes pending messages', async () => {
    for (let i = 0; i < 4; i++) await send('queue://TRASH', `m${i}`);
    const r = await http(`${h.url}/api/queues/TRASH/purge`, 'POST');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { destination: 'queue://TRASH', purged: 4 });
    assert.equal((await http(`${h.url}/api/queues/TRASH`)).body.pending, 0);
    const again = await http(`${h.url}/api/queues/TRASH/purge`, 'POST', {});
    assert.equal(again.body.purged, 0);
    const get = await http(`${h.url}/api/queues/TRASH/purge`);
    assert.equal(get.status, 404, 'purge is POST only');
  });

  it('DELETE /api/queues/:name and /api/topics/:name remove destinations', async () => {
    await send('queue://OLD', 'x');
    await send('topic://OLD.T', 'x');
    const dq = await http(`${h.url}/api/queues/OLD`, 'DELETE');
    assert.equal(dq.status, 200);
    assert.deepEqual(dq.body, { deleted: 'queue://OLD' });
    assert.equal(h.broker.queues.has('queue://OLD'), false);
    assert.equal((await http(`${h.url}/api/queues/OLD`)).status, 404);
    const dt = await http(`${h.url}/api/topics/OLD.T`, 'DELETE');
    assert.equal(dt.status, 200);
    assert.equal(h.broker.topics.has('topic://OLD.T'), false);
    const wrongKind = await http(`${h.url}/api/queues/${encodeURIComponent('topic://X')}`, 'DELETE');
    assert.equal(wrongKind.status, 400);
    assert.equal(wrongKind.body.code, ConsoleErrorCode.INVALID_DESTINATION);
  });

  it('POST /api/queues/:name/move-to-origin sends dead letters back to their queue', async () => {
    for (let i = 0; i < 3; i++) await send('queue://PAY', `p${i}`);
    const c = await NativeClient.connect(h.broker);
    clients.push(c);
    const id = await c.consume('queue://PAY');
    await waitFor('dispatches', () => c.dispatches.length === 3);
    await c.ack(id, c.dispatches.map((d) => d.deliveryId), AckType.POISON, 'card declined');
    await c.closeConsumer(id);
    await waitFor('dead letters', () => (h.broker.queues.get('queue://ActiveMQ.DLQ')?.depth ?? 0) === 3);
    const dlq = (await http(`${h.url}/api/queues/ActiveMQ.DLQ`)).body;
    assert.equal(dlq.dlq, true);
    const [first] = (await http(`${h.url}/api/queues/ActiveMQ.DLQ/messages`)).body;
    assert.equal(first.originalDestination, 'queue://PAY');
    assert.equal(first.properties.dlqDeliveryFailureCause, 'card declined');

    const one = await http(`${h.url}/api/queues/ActiveMQ.DLQ/move-to-origin`, 'POST', { messageId: first.id });
    assert.deepEqual(one.body, { destination: 'queue://ActiveMQ.DLQ', moved: 1 });
    const none = await http(`${h.url}/api/queues/ActiveMQ.DLQ/move-to-origin`, 'POST', { messageId: first.id });
    assert.equal(none.status, 404);
    assert.equal(none.body.code, ConsoleErrorCode.MESSAGE_NOT_FOUND);
    const rest = await http(`${h.url}/api/queues/ActiveMQ.DLQ/move-to-origin`, 'POST');
    assert.equal(rest.body.moved, 2);
    assert.equal(h.broker.queues.get('queue://ActiveMQ.DLQ')!.depth, 0);
    const back = (await http(`${h.url}/api/queues/PAY/messages`)).body;
    assert.deepEqual(back.map((m: { bodyPreview: string }) => m.bodyPreview).sort(), ['p0', 'p1', 'p2']);
    assert.ok(back.every((m: { properties: Record<string, unknown>; redelivered: boolean }) => !('dlqDeliveryFailureCause' in m.properties) && !m.redelivered));
    const badBody = await http(`${h.url}/api/queues/ActiveMQ.DLQ/move-to-origin`, 'POST', { messageId: 7 });
    assert.equal(badBody.status, 400);
  });

  it('GET /api/jobs, /api/cluster and /api/bridges on a standalone broker', async () => {
    assert.deepEqual((await http(`${h.url}/api/jobs`)).body, []);
    const c = await http(`${h.url}/api/cluster`);
    assert.equal(c.status, 200);
    assert.equal(c.body.enabled, false);
    assert.equal(c.body.role, 'standalone');
    assert.deepEqual((await http(`${h.url}/api/bridges`)).body, []);
    const o = await http(`${h.url}/api/overview`);
    assert.equal(o.status, 200);
    assert.equal(o.body.broker.name, h.broker.name);
    assert.equal(typeof o.body.totals.enqueued, 'number');
  });

  it('GET /api/topics and /api/subscriptions still answer after a client sent uint64 names', async () => {
    const u = new URL(h.broker.connectorUrl('tcp'));
    const sock = net.connect(Number(u.port), u.hostname);
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    sock.on('error', () => undefined);
    const answers: Command[] = [];
    const dec = new FrameDecoder({ command: (c) => answers.push(c), error: () => undefined });
    sock.on('data', (d: Buffer) => dec.push(d));
    const frame = (cmd: Record<string, unknown>): Buffer => lengthPrefixed(encodeValue(cmd));
    sock.write(frame({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0, clientId: 'evil' }));
    sock.write(frame({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 }));
    sock.write(frame({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'topic://T', prefetch: 10, durableName: 18446744073709551615n }));
    await waitFor('an answer to the durable open', () => answers.some((c) => (c as { corr?: number }).corr === 2));
    sock.destroy();
    for (const path of ['/api/topics', '/api/subscriptions']) {
      const r = await http(`${h.url}${path}`);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
    }
  });
});
