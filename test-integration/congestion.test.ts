// The read stop of a congested connection: while a connection's peer does not read (its output
// waits past CONGESTED_BYTES), the broker does not read what that peer sends either, so a client
// that only writes cannot make it hold more; other connections are served meanwhile, and once
// the peer reads, reading resumes and everything it sent is processed.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { CommandType, encodeFrame } from '@wharf/protocol';
import type { ServerConnection } from '@wharf/broker';
import { stompProtocol } from '@wharf/stomp';
import { checkFor, Flood, floodHeld, SocketFlood } from '@wharf/testkit';
import { arrayBuffers, fill, healthCheck, portOf, rawConsumer, stompClient, wireMessage, world, type World } from './helpers';

const MB = 1024 * 1024;
/** Messages the congested client sends, 64 KiB each: far more than the kernel's socket buffers hold. */
const SENDS = 640;
const BODY = 'x'.repeat(64 * 1024);
/** Messages of 100 KB queued for the client that does not read: enough to congest it. */
const QUEUED = 300;

describe('congestion', () => {
  let w: World;
  afterEach(() => w.ledger.closeAll());

  async function start(): Promise<void> {
    w = await world({
      // Room for every send, so that flow control never stops the reading: only congestion does.
      memoryLimit: 1024 * MB,
      transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0' }, { name: 'ws', uri: 'ws://127.0.0.1:0' }],
    }, { protocols: [stompProtocol] });
  }

  const depth = (queue: string) => (): number => w.broker.queues.get(`queue://${queue}`)?.depth ?? 0;

  async function congested(): Promise<ServerConnection> {
    return checkFor(10000, () => [...w.broker.connections.values()].find((c) => c.congested), 'the non-reading connection congested');
  }

  /**
   * With `flood` writing to a congested connection: the broker stops taking its sends while a
   * second client is served, and the process holds no more for it. Returns how many it took.
   */
  async function assertHeld(flood: Flood, accepted: () => number, before: number): Promise<number> {
    const serve = await healthCheck(w);
    const taken = await floodHeld(flood, accepted, serve);
    assert.ok(taken < SENDS / 4, `the broker took ${taken} of ${SENDS} sends from a congested connection`);
    const grown = arrayBuffers() - before;
    assert.ok(grown < 8 * MB, `${(grown / MB).toFixed(1)} MB more held while the connection was congested`);
    return taken;
  }

  it('congestion - a native client that does not read has its sends left unread until it reads; others are served; then all are processed', async () => {
    await start();
    const p = await rawConsumer(w, 'CG.IN');
    p.sock.pause(); // reads nothing from here on
    await fill(w, 'CG.IN', QUEUED);
    const server = await congested();

    const before = arrayBuffers();
    const flood = new SocketFlood(p.sock, SENDS, (i) => encodeFrame({
      type: CommandType.SEND, producerId: 'cg:1',
      message: wireMessage({ messageId: `ID:cg:1:${i + 1}`, destination: 'queue://CG.OUT', deliveryMode: 1, producerId: 'cg:1', producerSeq: i + 1, body: BODY }),
    }));
    await assertHeld(flood, depth('CG.OUT'), before);
    assert.equal(server.congested, true);

    let got = 0;
    const dispatched = new Promise<void>((resolve) => {
      const next = (): void => void p.next().then((c) => {
        if (c.type === CommandType.DISPATCH && ++got === QUEUED) resolve();
        else next();
      });
      next();
    });
    p.sock.resume();
    await dispatched;
    await flood.done;
    await checkFor(10000, () => depth('CG.OUT')() === SENDS, 'every send processed once the client reads');
  });

  it('congestion - a STOMP client that does not read has its SENDs left unread until it reads; others are served; then all are processed', async () => {
    await start();
    const c = await stompClient(portOf(w.broker.connectorUrl('stomp')));
    w.ledger.defer(() => c.sock.destroy());
    c.sock.write('SUBSCRIBE\nid:1\ndestination:/queue/CG.SIN\nack:client\nactivemq.prefetchSize:1000\nreceipt:s1\n\n\0');
    await c.until(/receipt-id:s1/);
    c.sock.pause();
    await fill(w, 'CG.SIN', QUEUED);
    const server = await congested();

    const before = arrayBuffers();
    const frame = Buffer.from(`SEND\ndestination:/queue/CG.SOUT\ncontent-length:${BODY.length}\n\n${BODY}\0`);
    const flood = new SocketFlood(c.sock, SENDS, () => frame);
    await assertHeld(flood, depth('CG.SOUT'), before);
    assert.equal(server.congested, true);

    c.sock.resume();
    await flood.done;
    await checkFor(30000, () => depth('CG.SOUT')() === SENDS, 'every SEND processed once the client reads');
    await checkFor(30000, () => [...server.consumers.values()][0]!.outstanding === QUEUED, 'every message dispatched to it');
  });

  it('congestion - a STOMP client that sends with receipts and does not read them stops being read once its receipts wait past the threshold; it gets them all when it reads', async () => {
    await start();
    const c = await stompClient(portOf(w.broker.connectorUrl('stomp')));
    w.ledger.defer(() => c.sock.destroy());
    c.sock.pause();
    const N = 8000;
    // A receipt echoes its id: 8 KiB ids make 8 KiB receipts, 64 MB of them for the whole flood.
    const id = 'r'.repeat(8 * 1024);
    const flood = new SocketFlood(c.sock, N, (i) => Buffer.from(`SEND\ndestination:/queue/CG.RCPT\nreceipt:${id}${i}\n\nx\0`));
    const before = arrayBuffers();
    const serve = await healthCheck(w);
    const taken = await floodHeld(flood, depth('CG.RCPT'), serve);
    assert.ok(taken < N / 2, `the broker took ${taken} of ${N} sends whose receipts were not read`);
    const grown = arrayBuffers() - before;
    assert.ok(grown < 8 * MB, `${(grown / MB).toFixed(1)} MB more held for the receipts`);
    const server = [...w.broker.connections.values()].find((x) => x.congested);
    assert.ok(server, 'the connection is congested');

    let receipts = 0;
    c.sock.removeAllListeners('data');
    c.sock.on('data', (d: Buffer) => {
      for (let i = d.indexOf(0); i !== -1; i = d.indexOf(0, i + 1)) receipts++;
    });
    c.sock.resume();
    await flood.done;
    await checkFor(30000, () => depth('CG.RCPT')() === N && receipts === N, 'every send processed and answered once the client reads');
  });

  it('congestion - a STOMP client over WebSocket that does not read has its SENDs left unread until it reads; others are served; then all are processed', async () => {
    await start();
    const ws = new WebSocket(w.broker.connectorUrl('ws'), ['v12.stomp']);
    w.ledger.defer(() => ws.terminate());
    ws.on('error', () => undefined);
    await once(ws, 'open');
    let got = '';
    ws.on('message', (d: Buffer) => {
      if (got.length < 4096) got += d.toString('latin1');
    });
    ws.send('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0');
    ws.send('SUBSCRIBE\nid:1\ndestination:/queue/CG.WIN\nack:client\nactivemq.prefetchSize:1000\nreceipt:s1\n\n\0');
    await checkFor(10000, () => got.includes('receipt-id:s1'), 'the SUBSCRIBE receipt');
    ws.pause(); // reads nothing from here on
    await fill(w, 'CG.WIN', QUEUED);
    const server = await congested();

    const before = arrayBuffers();
    const frame = Buffer.from(`SEND\ndestination:/queue/CG.WOUT\ncontent-length:${BODY.length}\n\n${BODY}\0`);
    // The next message once the one before is in the kernel's buffers (ws's send callback).
    const flood = new Flood(SENDS, () => new Promise<void>((resolve, reject) => ws.send(frame, (err) => (err ? reject(err) : resolve()))));
    await assertHeld(flood, depth('CG.WOUT'), before);
    assert.equal(server.congested, true);

    ws.resume();
    await flood.done;
    await checkFor(30000, () => depth('CG.WOUT')() === SENDS, 'every SEND processed once the client reads');
    await checkFor(30000, () => [...server.consumers.values()][0]!.outstanding === QUEUED, 'every message dispatched to it');
  });
});
