// Hostile native commands, each a few bytes, that used to end the broker process: each is now an
// ERROR for the connection that sent it, and the broker goes on serving everyone else.
import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { startConsole, type ConsoleHandle } from '@wharf/console';
import { CommandType, encodeValue, type Command, type WireMessage } from '@wharf/protocol';
import { stompProtocol } from '@wharf/stomp';
import { TestPki, checkFor } from '@wharf/testkit';
import { fill, healthCheck, hello, portOf, raw, rawConsumer, stompClient, stompSubscribe, wireMessage, world, type RawPeer, type World } from './helpers';

type ErrorCmd = Extract<Command, { type: 20 }>;

function message(over: Record<string, unknown>): WireMessage {
  return wireMessage({ messageId: 'ID:evil:1:1', destination: 'queue://EVIL', producerId: 'evil:1', ...over });
}

async function nextError(p: RawPeer): Promise<ErrorCmd> {
  for (;;) {
    const c = await p.next();
    if (c.type === CommandType.ERROR) return c;
  }
}

describe('hostile input', () => {
  let w: World;
  let healthy: () => Promise<void>;
  beforeEach(async () => {
    w = await world({ transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0' }] }, { protocols: [stompProtocol] });
    healthy = await healthCheck(w);
  });
  afterEach(() => w.ledger.closeAll());

  it('hostile input - a uint64 command type before HELLO is an error, not a crash', async () => {
    const p = await raw(w.url);
    p.sendBytes(encodeValue({ type: 18446744073709551615n, corr: 1 }));
    const err = await nextError(p);
    assert.match(err.message, /unknown command type 18446744073709551615n/);
    p.sock.destroy();
    await healthy();
  });

  it('hostile input - uint64 and map values in command fields are refused by the schema', async () => {
    const p = await raw(w.url);
    p.sendBytes(encodeValue({ type: CommandType.HELLO, corr: 1, version: 1n, heartbeat: 0 }));
    assert.match((await nextError(p)).message, /HELLO.version must be an integer >= 1, got 1n/);
    await p.closed;
    const q = await raw(w.url);
    await hello(q);
    q.sendBytes(encodeValue({ type: CommandType.SESSION_OPEN, sessionId: { a: 1 }, ackMode: 1 }));
    assert.match((await nextError(q)).message, /SESSION_OPEN.sessionId must be an integer/);
    q.send({ type: CommandType.PING });
    assert.equal((await q.next()).type, CommandType.PONG, 'a refused command leaves the connection usable');
    q.sock.destroy();
    await healthy();
  });

  for (const [field, value] of [['replyTo', 5], ['originalDestination', { a: 1 }], ['correlationId', ['a']], ['type', ['a']], ['groupId', ['a']], ['userId', ['a']]] as const) {
    it(`hostile input - a SEND whose ${field} is not a string is refused, and a STOMP subscriber is not crashed`, async () => {
      const port = Number(new URL(w.broker.connectorUrl('stomp')).port);
      const sub = await stompSubscribe(port, '/queue/EVIL', w.ledger);
      await sub.subscribed;
      const p = await raw(w.url);
      await hello(p);
      p.send({ type: CommandType.SEND, corr: 7, producerId: 'evil:1', message: message({ [field]: value }) });
      const err = await nextError(p);
      assert.equal(err.corr, 7);
      assert.match(err.message, new RegExp(`message ${field} must be`));
      p.send({ type: CommandType.SEND, corr: 8, producerId: 'evil:1', message: message({ producerSeq: 2, messageId: 'ID:evil:1:2', body: 'fine' }) });
      assert.equal((await p.next()).type, CommandType.RECEIPT);
      await checkFor(5000, () => sub.bodies.length > 0, 'the STOMP subscriber gets the good message');
      assert.deepEqual(sub.bodies, ['fine']);
      p.sock.destroy();
      await healthy();
    });
  }

  it('hostile input - an ordinary client may not open a network consumer, nor send a broker path', async () => {
    const p = await raw(w.url);
    await hello(p);
    p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://EVIL', prefetch: 10, network: { target: 'x', ttl: 1, path: [] } });
    assert.match((await nextError(p)).message, /network consumer may only be opened by a network bridge/);
    p.send({ type: CommandType.PING });
    assert.equal((await p.next()).type, CommandType.PONG, 'refused, the connection stays usable');
    p.sock.destroy();
    const q = await raw(w.url);
    await hello(q);
    q.send({ type: CommandType.SEND, corr: 3, producerId: 'evil:1', message: message({ brokerPath: ['b1'] }) });
    assert.match((await nextError(q)).message, /brokerPath is set by brokers and network bridges only/);
    q.sock.destroy();
    await healthy();
  });

  it('hostile input - a bridge network consumer and a message with brokerPath 5 do not crash the filter', async () => {
    const bridge = await raw(w.url);
    await hello(bridge, { networkBridge: true });
    bridge.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    bridge.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://EVIL', prefetch: 10, network: { target: 'x', ttl: 2, path: ['x'] } });
    assert.equal((await bridge.next()).type, CommandType.RECEIPT);
    const p = await raw(w.url);
    await hello(p, { networkBridge: true });
    p.send({ type: CommandType.SEND, corr: 3, producerId: 'evil:1', message: message({ brokerPath: 5 }) });
    assert.match((await nextError(p)).message, /message brokerPath must be a list/);
    p.send({ type: CommandType.SEND, corr: 4, producerId: 'evil:1', message: message({ producerSeq: 2, messageId: 'ID:evil:1:2', brokerPath: ['y'] }) });
    assert.equal((await p.next()).type, CommandType.RECEIPT);
    const d = await bridge.next();
    assert.equal(d.type, CommandType.DISPATCH);
    bridge.sock.destroy();
    p.sock.destroy();
    await healthy();
  });

  it('hostile input - an object consumerId is refused on open and close, and the connection closes cleanly', async () => {
    const p = await raw(w.url);
    await hello(p);
    p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    p.sendBytes(encodeValue({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: { toString: 1 }, destination: 'queue://EVIL', prefetch: 10 }));
    assert.match((await nextError(p)).message, /CONSUMER_OPEN.consumerId must be an integer/);
    p.sendBytes(encodeValue({ type: CommandType.CONSUMER_CLOSE, corr: 3, consumerId: { toString: 1 } }));
    assert.match((await nextError(p)).message, /CONSUMER_CLOSE.consumerId must be an integer/);
    p.sock.destroy();
    await p.closed;
    await healthy();
  });
});

// A peer that resets its connection (RST) at the worst moment: in the middle of a TLS handshake,
// of a WebSocket upgrade, of a large write to it, of an HTTP response. Each ends that connection
// only: the broker and its console go on serving everyone else.
describe('hostile input - abrupt resets', function () {
  this.timeout(60000);
  let pki: TestPki;
  let w: World;
  let web: ConsoleHandle;
  let healthy: () => Promise<void>;
  const port = (scheme: string): number => portOf(w.broker.connectorUrl(scheme));

  before(function () {
    if (!TestPki.available()) this.skip();
    pki = new TestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-reset-')));
    pki.issue(pki.ca('ca'), 'server', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
  });
  after(() => pki && fs.rmSync(pki.dir, { recursive: true, force: true }));

  beforeEach(async () => {
    const tlsFiles = { key: pki.file('server.key'), cert: pki.file('server.pem') };
    w = await world({
      transportConnectors: [
        { name: 'tcp', uri: 'tcp://127.0.0.1:0' }, { name: 'ssl', uri: 'ssl://127.0.0.1:0', ...tlsFiles },
        { name: 'stomp', uri: 'stomp://127.0.0.1:0' }, { name: 'stomp+ssl', uri: 'stomp+ssl://127.0.0.1:0', ...tlsFiles },
        { name: 'ws', uri: 'ws://127.0.0.1:0' }, { name: 'wss', uri: 'wss://127.0.0.1:0', ...tlsFiles },
      ],
      memoryLimit: 512 * 1024 * 1024,
    }, { protocols: [stompProtocol] });
    web = await startConsole(w.broker, { port: 0 });
    w.ledger.defer(() => web.close());
    healthy = await healthCheck(w);
  });
  afterEach(() => w.ledger.closeAll());

  /** A plain socket to `p`; reset (RST, not FIN) by resetAndDestroy(). */
  async function socketTo(p: number): Promise<net.Socket> {
    const s = net.connect(p, '127.0.0.1');
    s.on('error', () => undefined);
    w.ledger.defer(() => s.destroy());
    await once(s, 'connect');
    return s;
  }

  /** The first bytes a TLS client sends (its ClientHello), as Node's TLS client writes them. */
  async function clientHello(): Promise<Buffer> {
    const recorder = net.createServer();
    recorder.listen(0, '127.0.0.1');
    await once(recorder, 'listening');
    const first = new Promise<Buffer>((resolve) => recorder.once('connection', (c: net.Socket) => c.once('data', (d: Buffer) => {
      c.destroy();
      resolve(d);
    })));
    const t = tls.connect({ port: (recorder.address() as net.AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false });
    t.on('error', () => undefined);
    try {
      return await first;
    } finally {
      t.destroy();
      recorder.close();
    }
  }

  /** A full TLS handshake with the connector on `p`: it still serves. */
  async function handshake(p: number): Promise<void> {
    const t = tls.connect({ port: p, host: '127.0.0.1', ca: fs.readFileSync(pki.file('ca.pem')) });
    t.on('error', () => undefined);
    await once(t, 'secureConnect');
    t.destroy();
  }

  const UPGRADE = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v12.stomp\r\n';

  /** A STOMP session over WebSocket on `url` gets CONNECTED: the connector still serves. */
  async function wsConnects(url: string): Promise<void> {
    const ws = new WebSocket(url, ['v12.stomp'], { ca: fs.readFileSync(pki.file('ca.pem')) });
    ws.on('error', () => undefined);
    w.ledger.defer(() => ws.terminate());
    await once(ws, 'open');
    const connected = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    ws.send('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0');
    assert.match(await connected, /^CONNECTED/);
    ws.terminate();
  }

  it('hostile input - a client that resets in the middle of the TLS handshake (ssl, stomp+ssl, wss) ends only its own connection', async () => {
    const hello = await clientHello();
    for (const scheme of ['ssl', 'stomp+ssl', 'wss']) {
      for (let i = 0; i < 5; i++) {
        const s = await socketTo(port(scheme));
        s.write(hello);
        await once(s, 'data'); // the ServerHello: the broker waits for the client's Finished now
        s.resetAndDestroy();
        await once(s, 'close');
      }
      await handshake(port(scheme));
    }
    await wsConnects(w.broker.connectorUrl('wss'));
    await healthy();
  });

  it('hostile input - a client that resets in the middle of protocol detection (OpenWire\'s first bytes) or of a frame (native, STOMP) ends only its own connection', async () => {
    const partial: Array<[string, Buffer]> = [
      ['tcp', Buffer.from([0, 0, 0, 0x20, 1, 0x41, 0x63])], // an OpenWire WireFormatInfo's size, type and 'Ac' of its magic
      ['tcp', Buffer.from([0, 0, 0x40, 0, 0x85])], // a native frame of 16 KiB, its first byte
      ['stomp', Buffer.from('CONNECT\naccept-version:1.2\nhost:x\n\n\0SEND\ndestination:/queue/R\ncontent-length:9999\n\nabc')],
    ];
    for (const [scheme, bytes] of partial) {
      const s = await socketTo(port(scheme));
      const others = w.broker.connections.size;
      s.write(bytes);
      s.resetAndDestroy();
      await once(s, 'close');
      await checkFor(10000, () => w.broker.connections.size <= others, 'the reset connection gone');
    }
    await healthy();
  });

  it('hostile input - a client that resets in the middle of a WebSocket upgrade (ws, wss) ends only its own connection', async () => {
    const ca = fs.readFileSync(pki.file('ca.pem'));
    for (const scheme of ['ws', 'wss']) {
      for (const stage of ['headers half sent', 'before the 101', 'after the 101']) {
        const plain = await socketTo(port(scheme));
        const s = scheme === 'ws' ? plain : tls.connect({ socket: plain, ca, servername: 'localhost' });
        if (s !== plain) {
          s.on('error', () => undefined);
          await once(s, 'secureConnect');
        }
        s.write(stage === 'headers half sent' ? UPGRADE.slice(0, 60) : `${UPGRADE}\r\n`);
        if (stage === 'after the 101') {
          const [answer] = (await once(s, 'data')) as [Buffer];
          assert.match(answer.toString('latin1'), /^HTTP\/1\.1 101 /);
        }
        plain.resetAndDestroy();
        await once(plain, 'close');
      }
      await wsConnects(w.broker.connectorUrl(scheme));
    }
    await healthy();
  });

  /** Resets `sock` and waits until the broker has let go of its connection (the others stay). */
  async function reset(sock: net.Socket): Promise<void> {
    const others = w.broker.connections.size - 1;
    sock.resetAndDestroy();
    await checkFor(10000, () => w.broker.connections.size === others, 'the reset connection closed');
  }

  /** Until `queue` has all of its `n` messages back (none was dispatched for good to the reset peer). */
  async function allBack(queue: string, n: number): Promise<void> {
    await checkFor(10000, () => {
      const q = w.broker.queues.get(`queue://${queue}`);
      return q !== undefined && q.consumers.length === 0 && q.inflightCount === 0 && q.depth === n;
    }, `all ${n} messages of ${queue} back, with no consumer`);
  }

  const congested = (): Promise<unknown> =>
    checkFor(10000, () => [...w.broker.connections.values()].find((c) => c.congested), 'the non-reading connection congested');

  /** Messages of 100 KB each, more than the socket buffers hold: the broker is writing when the peer resets. */
  const QUEUED = 60;

  it('hostile input - a native consumer that resets while a large dispatch is written to it ends only its own connection; its messages go back', async () => {
    const p = await rawConsumer(w, 'RESET.NATIVE', 2);
    p.sock.pause();
    await fill(w, 'RESET.NATIVE', QUEUED);
    await congested();
    await reset(p.sock);
    await allBack('RESET.NATIVE', QUEUED);
    await healthy();
  });

  it('hostile input - a STOMP subscriber that resets while a large MESSAGE is written to it ends only its own connection; its messages go back', async () => {
    const c = await stompClient(port('stomp'));
    w.ledger.defer(() => c.sock.destroy());
    c.sock.write('SUBSCRIBE\nid:1\ndestination:/queue/RESET.STOMP\nack:client\nactivemq.prefetchSize:1000\nreceipt:s1\n\n\0');
    await c.until(/receipt-id:s1/);
    c.sock.pause();
    await fill(w, 'RESET.STOMP', QUEUED);
    await congested();
    await reset(c.sock);
    await allBack('RESET.STOMP', QUEUED);
    await healthy();
  });

  it('hostile input - a STOMP subscriber over WebSocket that resets while a large MESSAGE is written to it ends only its own connection; its messages go back', async () => {
    const ws = new WebSocket(w.broker.connectorUrl('ws'), ['v12.stomp']);
    ws.on('error', () => undefined);
    w.ledger.defer(() => ws.terminate());
    await once(ws, 'open');
    const receipt = new Promise<void>((resolve) => ws.on('message', (d: Buffer) => {
      if (d.toString('latin1').includes('receipt-id:s1')) resolve();
    }));
    ws.send('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0');
    ws.send('SUBSCRIBE\nid:1\ndestination:/queue/RESET.WS\nack:client\nactivemq.prefetchSize:1000\nreceipt:s1\n\n\0');
    await receipt;
    ws.pause();
    await fill(w, 'RESET.WS', QUEUED);
    await congested();
    // The ws client's own socket: reset, not a WebSocket close.
    await reset((ws as unknown as { _socket: net.Socket })._socket);
    await allBack('RESET.WS', QUEUED);
    await healthy();
  });

  it('hostile input - an HTTP client that resets while a large /metrics or /api response is written ends only its own request; the console serves on', async () => {
    for (let i = 0; i < 3000; i++) w.broker.getQueue(w.broker.destination(`queue://RESET.HTTP.${i}`), true);
    for (const what of ['/metrics', '/api/queues', '/api/overview']) {
      for (let i = 0; i < 3; i++) {
        const s = await socketTo(web.port);
        s.write(`GET ${what} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        const [head] = (await once(s, 'data')) as [Buffer];
        assert.match(head.toString('latin1'), /^HTTP\/1\.1 200 /);
        s.pause(); // the rest waits in the kernel's buffers and the server's
        s.resetAndDestroy();
        await once(s, 'close');
      }
    }
    const metrics = await fetch(`${web.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^wharf_serving 1$/m);
    const queues = await fetch(`${web.url}/api/queues`);
    assert.equal(((await queues.json()) as unknown[]).length >= 3000, true);
    await healthy();
  });
});
