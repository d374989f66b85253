// @stomp/stompjs (STOMP 1.2) against the broker, over TCP and over WebSocket.
import { strict as assert } from 'node:assert';
import { BodyKind } from '@wharf/protocol';
import type { Broker } from '@wharf/broker';
import { RawStomp, portOf, startBroker, stompjs, waitFor, type StompJs, type Transport } from './stomp-harness.test';

let seq = 0;
const unique = (p: string): string => `${p}.${++seq}`;

function stompConsumers(b: Broker): Array<{ prefetch: number; priority: number; exclusive: boolean; noLocal: boolean; selector: unknown; destination: { url: string } }> {
  return [...b.connections.values()].filter((c) => c.protocol === 'stomp').flatMap((c) => [...c.consumers.values()]);
}

for (const transport of ['tcp', 'ws'] as Transport[]) {
  describe(`stomp stompjs over ${transport}`, function () {
    let b: Broker;
    const open: StompJs[] = [];
    const connect = async (headers = {}): Promise<StompJs> => {
      const c = await stompjs(b, transport, headers);
      open.push(c);
      return c;
    };
    before(async () => {
      b = await startBroker();
    });
    afterEach(async () => {
      for (const c of open.splice(0)) await c.close();
    });
    after(async () => {
      await b.stop();
    });

    it(`stomp ${transport} - every SEND header reaches the MESSAGE frame (ActiveMQ mapping)`, async () => {
      const c = await connect();
      const q = unique('hdr');
      const sub = c.subscribe(`/queue/${q}`);
      const expires = String(Date.now() + 60_000);
      await c.publish(`/queue/${q}`, 'hello', {
        persistent: 'true', priority: '7', expires, 'correlation-id': 'corr-1', type: 'order', 'reply-to': '/queue/replies',
        JMSXGroupID: 'g1', JMSXGroupSeq: '1', custom: 'a:b\nc\\d', 'content-type': 'text/plain',
      });
      const m = await sub.messages.next();
      const h = m.headers;
      assert.equal(m.body, 'hello');
      assert.equal(h.destination, `/queue/${q}`);
      assert.match(h['message-id']!, /^ID:/);
      assert.equal(h.persistent, 'true');
      assert.equal(h.priority, '7');
      assert.equal(h.expires, expires);
      assert.equal(h['correlation-id'], 'corr-1');
      assert.equal(h.type, 'order');
      assert.equal(h['reply-to'], '/queue/replies');
      // ActiveMQ does not write the group headers back into MESSAGE frames.
      assert.equal(h.JMSXGroupID, undefined);
      assert.equal(h.JMSXGroupSeq, undefined);
      assert.equal(h.custom, 'a:b\nc\\d', '1.2 header escaping round trip');
      assert.equal(h['content-type'], 'text/plain');
      assert.ok(Number(h.timestamp) > 0);
      assert.equal(h.redelivered, undefined);
      assert.equal(h['content-length'], undefined, 'a text message has no content-length');
    });

    it(`stomp ${transport} - non-persistent by default; content-length makes a bytes message, its absence text`, async () => {
      const c = await connect();
      const q = unique('kind');
      await c.publish(`/queue/${q}`, 'text body');
      await c.publish(`/queue/${q}`, new Uint8Array([104, 105]));
      const entries = (await b.admin.browse(`queue://${q}`)).map((v) => v.message);
      assert.deepEqual(entries.map((m) => [m.bodyKind, m.deliveryMode]), [[BodyKind.TEXT, 1], [BodyKind.BYTES, 1]]);
      assert.equal(entries[0]!.body, 'text body');
    });

    it(`stomp ${transport} - binary bodies with NUL bytes arrive intact`, async () => {
      const c = await connect();
      const q = unique('bin');
      const sub = c.subscribe(`/queue/${q}`);
      const body = new Uint8Array(70_000);
      for (let i = 0; i < body.length; i++) body[i] = i % 7 === 0 ? 0 : i % 256;
      await c.publish(`/queue/${q}`, body);
      const m = await sub.messages.next();
      assert.equal(m.headers['content-length'], String(body.length));
      assert.deepEqual(Buffer.from(m.binaryBody), Buffer.from(body));
    });

    it(`stomp ${transport} - ack:auto acknowledges on dispatch`, async () => {
      const c = await connect();
      const q = unique('auto');
      const sub = c.subscribe(`/queue/${q}`);
      await c.publish(`/queue/${q}`, 'x');
      await sub.messages.next();
      await waitFor(() => b.queues.get(`queue://${q}`)!.depth === 0, 'auto ack');
    });

    it(`stomp ${transport} - ack:client is cumulative; the unacked rest is redelivered after disconnect`, async () => {
      const c = await connect();
      const q = unique('client');
      const sub = c.subscribe(`/queue/${q}`, { ack: 'client' });
      for (const t of ['1', '2', '3']) await c.publish(`/queue/${q}`, t);
      const ms = [await sub.messages.next(), await sub.messages.next(), await sub.messages.next()];
      ms[1]!.ack();
      const queue = b.queues.get(`queue://${q}`)!;
      await waitFor(() => queue.depth === 1, 'two acked by one ACK');
      await c.close();
      const d = await connect();
      const again = await d.subscribe(`/queue/${q}`, { ack: 'client' }).messages.next();
      assert.equal(again.body, '3');
      assert.equal(again.headers.redelivered, 'true');
      again.ack();
      await waitFor(() => queue.depth === 0, 'last ack');
    });

    it(`stomp ${transport} - ack:client-individual acknowledges one message only`, async () => {
      const c = await connect();
      const q = unique('indiv');
      const sub = c.subscribe(`/queue/${q}`, { ack: 'client-individual' });
      for (const t of ['1', '2', '3']) await c.publish(`/queue/${q}`, t);
      const ms = [await sub.messages.next(), await sub.messages.next(), await sub.messages.next()];
      ms[1]!.ack();
      await waitFor(() => b.queues.get(`queue://${q}`)!.depth === 2, 'one acked');
      await c.close();
      const d = await connect();
      const sub2 = d.subscribe(`/queue/${q}`, { ack: 'client-individual' });
      assert.deepEqual([(await sub2.messages.next()).body, (await sub2.messages.next()).body], ['1', '3']);
    });

    it(`stomp ${transport} - NACK sends the message to ActiveMQ.DLQ with no redelivery`, async () => {
      const c = await connect();
      const q = unique('nack');
      const sub = c.subscribe(`/queue/${q}`, { ack: 'client-individual' });
      await c.publish(`/queue/${q}`, 'poison', { persistent: 'true', test: q });
      (await sub.messages.next()).nack();
      const dlq = c.subscribe('/queue/ActiveMQ.DLQ', { selector: `test = '${q}'` });
      const dead = await dlq.messages.next();
      assert.equal(dead.body, 'poison');
      assert.equal(dead.headers['original-destination'], `/queue/${q}`);
      assert.equal(dead.headers.dlqDeliveryFailureCause, undefined, 'a STOMP NACK carries no cause (ActiveMQ)');
      assert.equal(b.queues.get(`queue://${q}`)!.depth, 0);
    });

    it(`stomp ${transport} - transactions: sends wait for COMMIT, ABORT drops them`, async () => {
      const c = await connect();
      const q = unique('tx');
      const tx = c.client.begin();
      await c.publish(`/queue/${q}`, 'in-tx-1', { transaction: tx.id });
      await c.publish(`/queue/${q}`, 'in-tx-2', { transaction: tx.id });
      assert.equal(b.queues.get(`queue://${q}`)?.depth ?? 0, 0, 'nothing before commit');
      tx.commit();
      await waitFor(() => b.queues.get(`queue://${q}`)?.depth === 2, 'committed sends');
      const tx2 = c.client.begin();
      await c.publish(`/queue/${q}`, 'aborted', { transaction: tx2.id });
      tx2.abort();
      const sub = c.subscribe(`/queue/${q}`);
      assert.deepEqual([(await sub.messages.next()).body, (await sub.messages.next()).body], ['in-tx-1', 'in-tx-2']);
      await c.publish(`/queue/${q}`, 'after');
      assert.equal((await sub.messages.next()).body, 'after', 'the aborted send never arrives');
    });

    it(`stomp ${transport} - transactional ACK: ABORT keeps the message unacked, COMMIT consumes it`, async () => {
      const c = await connect();
      const q = unique('txack');
      const sub = c.subscribe(`/queue/${q}`, { ack: 'client-individual' });
      await c.publish(`/queue/${q}`, 'm');
      const m = await sub.messages.next();
      const queue = b.queues.get(`queue://${q}`)!;
      const tx = c.client.begin();
      m.ack({ transaction: tx.id });
      tx.abort();
      await c.publish(`/queue/${q}`, 'marker');
      await sub.messages.next();
      assert.ok(queue.depth >= 1, 'aborted ack did not consume');
      const tx2 = c.client.begin();
      m.ack({ transaction: tx2.id });
      tx2.commit();
      await waitFor(() => queue.depth === 1, 'committed ack (marker left)');
    });

    it(`stomp ${transport} - selectors compare numeric strings as numbers (convert_string_expressions)`, async () => {
      const c = await connect();
      const q = unique('sel');
      const sub = c.subscribe(`/queue/${q}`, { selector: "num > 5 AND color = 'red'" });
      await c.publish(`/queue/${q}`, 'three', { num: '3', color: 'red' });
      await c.publish(`/queue/${q}`, 'ten', { num: '10', color: 'red' });
      await c.publish(`/queue/${q}`, 'blue', { num: '10', color: 'blue' });
      await c.publish(`/queue/${q}`, 'twenty', { num: '20', color: 'red' });
      assert.deepEqual([(await sub.messages.next()).body, (await sub.messages.next()).body], ['ten', 'twenty']);
    });

    it(`stomp ${transport} - activemq.* subscription headers reach the broker consumer`, async () => {
      const c = await connect();
      const q = unique('opts');
      await c.subscribe(`/queue/${q}`, { id: 'o1', 'activemq.prefetchSize': '7', 'activemq.priority': '3', 'activemq.exclusive': 'true', selector: 'a = 1' }).ready;
      const cons = stompConsumers(b).find((x) => x.destination.url === `queue://${q}`)!;
      assert.equal(cons.prefetch, 7);
      assert.equal(cons.priority, 3);
      assert.equal(cons.exclusive, true);
      assert.ok(cons.selector);
      await c.subscribe(`/topic/${q}`, { id: 'o2' }).ready;
      assert.equal(stompConsumers(b).find((x) => x.destination.url === `topic://${q}`)!.prefetch, 32767, 'ActiveMQ topic default');
    });

    it(`stomp ${transport} - an exclusive consumer takes every message`, async () => {
      const c = await connect();
      const q = unique('excl');
      const plain = c.subscribe(`/queue/${q}`);
      const excl = c.subscribe(`/queue/${q}`, { 'activemq.exclusive': 'true' });
      for (let i = 0; i < 5; i++) await c.publish(`/queue/${q}`, String(i));
      for (let i = 0; i < 5; i++) assert.equal((await excl.messages.next()).body, String(i));
      assert.equal(plain.messages.size, 0);
    });

    it(`stomp ${transport} - topics: every subscriber gets every message; noLocal skips our own`, async () => {
      const a = await connect();
      const other = await connect();
      const t = unique('topic');
      const s1 = a.subscribe(`/topic/${t}`, { 'activemq.noLocal': 'true' });
      const s2 = other.subscribe(`/topic/${t}`);
      await other.publish(`/topic/${t}`, 'warm-up');
      await s1.messages.next();
      await s2.messages.next();
      await a.publish(`/topic/${t}`, 'from-a');
      await other.publish(`/topic/${t}`, 'from-other');
      assert.equal((await s1.messages.next()).body, 'from-other');
      assert.deepEqual([(await s2.messages.next()).body, (await s2.messages.next()).body], ['from-a', 'from-other']);
    });

    it(`stomp ${transport} - browser:true lists a queue without consuming, then browser:end`, async () => {
      const c = await connect();
      const q = unique('browse');
      for (const t of ['a', 'b']) await c.publish(`/queue/${q}`, t);
      const s = c.subscribe(`/queue/${q}`, { browser: 'true' });
      assert.deepEqual([(await s.messages.next()).body, (await s.messages.next()).body], ['a', 'b']);
      assert.equal((await s.messages.next()).headers.browser, 'end');
      assert.equal(b.queues.get(`queue://${q}`)!.depth, 2);
    });

    it(`stomp ${transport} - request/reply through a temporary queue`, async () => {
      const requester = await connect();
      const server = await connect();
      const q = unique('req');
      const replies = requester.subscribe('/temp-queue/replies');
      const requests = server.subscribe(`/queue/${q}`);
      await requester.publish(`/queue/${q}`, 'ping', { 'reply-to': '/temp-queue/replies' });
      const req = await requests.messages.next();
      assert.match(req.headers['reply-to']!, /^\/remote-temp-queue\/ID:.+:replies$/);
      await server.publish(req.headers['reply-to']!, 'pong', { 'correlation-id': req.headers['message-id']! });
      const rep = await replies.messages.next();
      assert.equal(rep.body, 'pong');
      assert.equal(rep.headers.destination, '/temp-queue/replies');
      assert.equal(rep.headers['correlation-id'], req.headers['message-id']);
    });

    it(`stomp ${transport} - heart-beats both ways keep an idle connection open`, async () => {
      const c = await stompjs(b, transport, {}, 100);
      open.push(c);
      const q = unique('hb');
      const sub = c.subscribe(`/queue/${q}`);
      // The raw client's heart-beats are the clock: while it gets three, the stompjs client idles.
      const raw = await RawStomp.open(portOf(b, 'stomp'), { 'accept-version': '1.2', 'heart-beat': '0,100' });
      assert.equal(raw.connected.headers.get('heart-beat'), '100,0');
      await waitFor(() => raw.c.heartbeats >= 3, 'three heart-beats from the broker');
      raw.c.close();
      assert.ok(c.client.connected);
      await c.publish(`/queue/${q}`, 'still here');
      assert.equal((await sub.messages.next()).body, 'still here');
    });
  });
}
