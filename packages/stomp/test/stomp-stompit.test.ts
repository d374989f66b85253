// stompit (a Node STOMP client over TCP) against the broker, in STOMP 1.0, 1.1 and 1.2.
import { strict as assert } from 'node:assert';
import type { Broker } from '@wharf/broker';
import {
  AsyncQueue, readString, startBroker, stompit, stompitDisconnect, stompitSend, waitFor, type StompitClient, type StompitMessage,
} from './stomp-harness.test';

let seq = 0;
const unique = (p: string): string => `${p}.${++seq}`;

describe('stomp stompit', function () {
  let b: Broker;
  const open: StompitClient[] = [];
  const connect = async (headers: Record<string, string> = {}): Promise<StompitClient> => {
    const c = await stompit(b, headers);
    open.push(c);
    return c;
  };
  const subscribe = (c: StompitClient, headers: Record<string, string>): AsyncQueue<StompitMessage> => {
    const q = new AsyncQueue<StompitMessage>();
    c.subscribe(headers, (err, m) => {
      if (!err) q.push(m);
    });
    return q;
  };
  before(async () => {
    b = await startBroker();
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.destroy();
  });
  after(async () => {
    await b.stop();
  });

  for (const version of ['1.0', '1.1', '1.2']) {
    it(`stomp stompit ${version} - version negotiation, receipts, client acks by this version's ack headers`, async () => {
      const c = await connect({ 'accept-version': version });
      assert.equal(c.headers.version, version);
      assert.equal(c.headers['heart-beat'], '0,0', 'ActiveMQ writes heart-beat in every CONNECTED, 1.0 too');
      const q = unique(`v${version}`);
      const msgs = subscribe(c, { destination: `/queue/${q}`, ack: 'client-individual' });
      // stompit streams bodies: the frames after a MESSAGE (receipts too) come once its body is read.
      await stompitSend(c, { destination: `/queue/${q}`, 'with-colon': 'a:b' }, 'one');
      const m1 = await msgs.next();
      assert.equal(await readString(m1), 'one');
      await stompitSend(c, { destination: `/queue/${q}` }, 'two');
      const m2 = await msgs.next();
      assert.equal(await readString(m2), 'two');
      assert.equal(m1.headers['with-colon'], 'a:b');
      assert.equal(m1.headers.ack !== undefined, version === '1.2', 'ack header only in 1.2');
      c.ack(m2);
      await waitFor(() => b.queues.get(`queue://${q}`)!.depth === 1, 'one message acked');
      c.ack(m1);
      await waitFor(() => b.queues.get(`queue://${q}`)!.depth === 0, 'both acked');
    });
  }

  it('stomp stompit - 1.1 header escaping of newline, colon and backslash both ways', async () => {
    const c = await connect({ 'accept-version': '1.1' });
    const q = unique('esc');
    const msgs = subscribe(c, { destination: `/queue/${q}` });
    await stompitSend(c, { destination: `/queue/${q}`, tricky: 'line1\nline2:x\\y' }, 'body');
    const m = await msgs.next();
    assert.equal(m.headers.tricky, 'line1\nline2:x\\y');
    assert.equal(await readString(m), 'body');
    const stats = b.admin.queues().find((x) => x.url === `queue://${q}`)!;
    assert.equal(stats.pending, 0, 'nothing pending');
  });

  it('stomp stompit - content-length gives a bytes message with NULs, delivered with content-length', async () => {
    const c = await connect();
    const q = unique('bytes');
    const msgs = subscribe(c, { destination: `/queue/${q}` });
    const body = Buffer.from([1, 0, 2, 0, 3]);
    await stompitSend(c, { destination: `/queue/${q}`, 'content-length': String(body.length) }, body);
    const m = await msgs.next();
    assert.equal(String(m.headers['content-length']), '5');
    const got = await new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      const r = m as unknown as NodeJS.ReadableStream;
      r.on('data', (d: Buffer) => parts.push(d));
      r.on('end', () => resolve(Buffer.concat(parts)));
    });
    assert.deepEqual([...got], [1, 0, 2, 0, 3]);
  });

  it('stomp stompit - NACK goes to ActiveMQ.DLQ', async () => {
    const c = await connect();
    const q = unique('nack');
    const msgs = subscribe(c, { destination: `/queue/${q}`, ack: 'client' });
    await stompitSend(c, { destination: `/queue/${q}`, persistent: 'true', test: q }, 'bad');
    const m = await msgs.next();
    assert.equal(await readString(m), 'bad');
    c.nack(m);
    const dlq = subscribe(c, { destination: '/queue/ActiveMQ.DLQ', selector: `test = '${q}'` });
    const dead = await dlq.next();
    assert.equal(await readString(dead), 'bad');
    assert.equal(dead.headers.dlqDeliveryFailureCause, undefined, 'a STOMP NACK carries no cause (ActiveMQ)');
  });

  it('stomp stompit - transactions: commit delivers, abort discards, with receipts', async () => {
    const c = await connect();
    const q = unique('tx');
    const tx = c.begin();
    const f = tx.send({ destination: `/queue/${q}` });
    f.write('committed');
    f.end();
    await new Promise<void>((resolve) => tx.commit({ onReceipt: () => resolve() }));
    assert.equal(b.queues.get(`queue://${q}`)!.depth, 1);
    const tx2 = c.begin();
    const g = tx2.send({ destination: `/queue/${q}` });
    g.write('aborted');
    g.end();
    await new Promise<void>((resolve) => tx2.abort({ onReceipt: () => resolve() }));
    assert.equal(b.queues.get(`queue://${q}`)!.depth, 1);
    const msgs = subscribe(c, { destination: `/queue/${q}` });
    assert.equal(await readString(await msgs.next()), 'committed');
  });

  it('stomp stompit - persistent sends, then DISCONNECT: every receipt comes first', async () => {
    const c = await connect();
    const q = unique('disc');
    const receipts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const f = c.send({ destination: `/queue/${q}`, persistent: 'true' }, { onReceipt: () => receipts.push(i) });
      f.write(`m${i}`);
      f.end();
    }
    await stompitDisconnect(c);
    assert.equal(receipts.length, 20);
    assert.equal(b.queues.get(`queue://${q}`)!.depth, 20);
  });

  it('stomp stompit - durable topic subscription needs client-id and keeps messages while away', async () => {
    const clientId = unique('cid');
    const t = unique('news');
    const c = await connect({ 'client-id': clientId });
    const first = subscribe(c, { destination: `/topic/${t}`, 'activemq.subscriptionName': 'sub1' });
    await stompitSend(c, { destination: `/topic/${t}` }, 'while-online');
    assert.equal(await readString(await first.next()), 'while-online');
    await stompitDisconnect(c);
    const p = await connect();
    await stompitSend(p, { destination: `/topic/${t}`, persistent: 'true' }, 'while-away');
    const again = await connect({ 'client-id': clientId });
    const msgs = subscribe(again, { destination: `/topic/${t}`, 'activemq.subscriptionName': 'sub1' });
    assert.equal(await readString(await msgs.next()), 'while-away');
  });
});
