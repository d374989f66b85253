// The broker process's memory, not only the messages' accounting: what a connection read stays
// with it only while it is open, and a kept message holds its own bytes, not the buffer they
// were read into.
import { strict as assert } from 'node:assert';
import net from 'node:net';
import { DeliveryMode, Session } from '@wharf/client';
import { CommandType } from '@wharf/protocol';
import type { ServerConnection } from '@wharf/broker';
import { stompProtocol } from '@wharf/stomp';
import { checkFor } from '@wharf/testkit';
import { arrayBuffers, fill, hello, portOf, raw, stompClient, world, type World } from './helpers';

const MB = 1024 * 1024;

describe('process memory', () => {
  let w: World;
  afterEach(() => w.ledger.closeAll());

  async function start(): Promise<number> {
    w = await world({
      // Long, so that before the fix a closed connection would stay held by its handshake timer.
      connectAttemptTimeout: 600_000,
      transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0' }],
    }, { protocols: [stompProtocol] });
    return portOf(w.broker.connectorUrl('stomp'));
  }

  it('process memory - connections closed in the middle of large frames leave nothing behind (STOMP and native)', async () => {
    const stompPort = await start();
    const before = arrayBuffers();
    const socks: net.Socket[] = [];
    const PART = 1536 * 1024;
    for (let i = 0; i < 6; i++) {
      const c = await stompClient(stompPort);
      c.sock.write(`SEND\ndestination:/queue/PM.PARTIAL\ncontent-length:${2 * MB}\n\n`);
      c.sock.write(Buffer.alloc(PART, 1));
      socks.push(c.sock);
      const p = await raw(w.url);
      await hello(p);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(2 * MB);
      p.sock.write(header);
      p.sock.write(Buffer.alloc(PART, 2));
      socks.push(p.sock);
    }
    // The broker has read the partial frames: it holds them.
    await checkFor(10000, () => arrayBuffers() > before + 12 * PART * 0.9, 'the broker holding the partial frames');
    for (const s of socks) s.destroy();
    await checkFor(10000, () => w.broker.connections.size === 0, 'the broker to see every connection close');
    const left = arrayBuffers() - before;
    assert.ok(left < 4 * MB, `${(left / MB).toFixed(1)} MB still held after the connections closed`);
  });

  it('process memory - a small bytes body read with a large chunk is kept without the chunk (STOMP jms-byte, native)', async () => {
    const stompPort = await start();
    const c = await stompClient(stompPort);
    // One write, so the small frame arrives in the same read as the large one before it.
    c.sock.write(Buffer.concat([
      Buffer.from(`SEND\ndestination:/queue/PM.BIG\n\n${'x'.repeat(60000)}\0`),
      Buffer.from('SEND\ndestination:/queue/PM.SMALL\ntransformation:jms-byte\n\nabc\0'),
      Buffer.from('SEND\ndestination:/queue/PM.SMALL\ncontent-length:3\nreceipt:r1\n\ndef\0'),
    ]));
    await c.until(/receipt-id:r1/);
    const conn = await w.connect();
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const producer = await s.createProducer(s.createQueue('PM.SMALL'));
    producer.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
    const m = s.createBytesMessage();
    m.writeBytes(Buffer.from('ghi'));
    await producer.send(m);

    // A non-persistent send is not answered: wait for it to be queued.
    const kept = await checkFor(10000, () => {
      const all = w.broker.queues.get('queue://PM.SMALL')!.snapshot();
      return all.length === 3 ? all : null;
    }, 'the three messages queued');
    assert.deepEqual(kept.map((e) => Buffer.from(e.msg.body as Uint8Array).toString()), ['abc', 'def', 'ghi']);
    for (const e of kept) {
      const body = e.msg.body as Uint8Array;
      assert.ok(body.buffer.byteLength <= 1024, `a ${body.byteLength}-byte body holds a ${body.buffer.byteLength}-byte buffer`);
    }
  });

  /** The connection that congested and how many messages its one consumer was given. */
  async function congested(): Promise<{ server: ServerConnection; outstanding: number }> {
    const server = await checkFor(10000, () => [...w.broker.connections.values()].find((c) => c.congested), 'the non-reading connection congested');
    return { server, outstanding: [...server.consumers.values()][0]!.outstanding };
  }

  it('process memory - a consumer that does not read holds back its own dispatch, not the broker\'s memory; it gets everything once it reads', async () => {
    await start();
    const N = 300;
    const p = await raw(w.url);
    await hello(p);
    p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://PM.UNREAD', prefetch: 1000 });
    assert.equal((await p.next()).type, CommandType.RECEIPT);
    p.sock.pause(); // never reads from here on
    await fill(w, 'PM.UNREAD', N);
    const { server, outstanding } = await congested();
    // What the socket buffers took before the broker saw the congestion, then nothing more: the
    // rest waits in the queue (accounted), not as encoded copies in the broker's socket.
    assert.ok(outstanding < 120, `${outstanding} of ${N} messages of 100 KB dispatched to a consumer that does not read`);
    assert.ok(w.broker.queues.get('queue://PM.UNREAD')!.snapshot().length > N - 120);

    let got = 0;
    p.sock.resume();
    while (got < N) {
      const c = await p.next();
      if (c.type === CommandType.DISPATCH) got++;
    }
    await checkFor(10000, () => !server.congested || undefined, 'the connection drained');
  });

  it('process memory - a STOMP subscriber with client acks that does not read holds back its own dispatch; it gets everything once it reads', async () => {
    const stompPort = await start();
    const N = 300;
    const c = await stompClient(stompPort);
    c.sock.write('SUBSCRIBE\nid:1\ndestination:/queue/PM.STOMP\nack:client\nactivemq.prefetchSize:1000\nreceipt:s1\n\n\0');
    await c.until(/receipt-id:s1/);
    c.sock.pause();
    await fill(w, 'PM.STOMP', N);
    const { server, outstanding } = await congested();
    assert.ok(outstanding < 120, `${outstanding} of ${N} messages of 100 KB dispatched to a subscriber that does not read`);

    c.sock.resume();
    await checkFor(30000, () => !server.congested && [...server.consumers.values()][0]!.outstanding === N, 'every message dispatched once it reads');
  });
});
