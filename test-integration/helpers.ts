// Shared set-up for the integration tier: a real broker on a free loopback port, real TCP
// clients, and a ledger that closes everything each test opened.
import net from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { strict as assert } from 'node:assert';
import { ConnectionFactory, DeliveryMode, Session, type Connection } from '@wharf/client';
import { CommandType, FrameDecoder, encodeFrame, PROTOCOL_VERSION, type AckModeValue, type Command, type WireMessage } from '@wharf/protocol';
import type { Broker, BrokerConfig, BrokerOptions } from '@wharf/broker';
import { Ledger, checkFor, startBroker, stopBroker } from '@wharf/testkit';

export interface World {
  broker: Broker;
  url: string;
  ledger: Ledger;
  connect(opts?: ConstructorParameters<typeof ConnectionFactory>[1], start?: boolean): Promise<Connection>;
}

export async function world(config: Partial<BrokerConfig> = {}, opts: BrokerOptions = {}): Promise<World> {
  const ledger = new Ledger();
  const broker = await startBroker(config, opts);
  ledger.defer(() => stopBroker(broker));
  const url = broker.connectorUrl('tcp');
  return {
    broker,
    url,
    ledger,
    async connect(opts, start = true) {
      const f = new ConnectionFactory(url, opts);
      const c = await f.createConnection();
      ledger.add(c, (x) => x.close());
      if (start) await c.start();
      return c;
    },
  };
}

export function text(m: unknown): string {
  return (m as { getText(): string }).getText();
}

export interface RawPeer {
  sock: net.Socket;
  next(): Promise<Command>;
  closed: Promise<void>;
  send(c: Command): void;
  /** Write one frame around already encoded bytes (values the typed encoder would not make). */
  sendBytes(body: Uint8Array): void;
}

/** A raw native-protocol peer: frames out, decoded commands in. */
export async function raw(url: string): Promise<RawPeer> {
  const { hostname, port } = new URL(url.replace('tcp:', 'http:'));
  const sock = net.connect(Number(port), hostname);
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  const inbox: Command[] = [];
  const waiters: Array<(c: Command) => void> = [];
  const dec = new FrameDecoder({ command: (c) => (waiters.length ? waiters.shift()!(c) : inbox.push(c)), error: () => undefined });
  sock.on('data', (d) => dec.push(d));
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  return {
    sock,
    closed,
    send: (c) => sock.write(encodeFrame(c)),
    sendBytes: (body) => {
      const f = Buffer.alloc(4 + body.length);
      f.writeUInt32BE(body.length);
      f.set(body, 4);
      sock.write(f);
    },
    next: () => (inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((r) => waiters.push(r))),
  };
}

export async function hello(p: RawPeer, extra: Record<string, unknown> = {}): Promise<void> {
  p.send({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0, ...extra });
  const w = await p.next();
  assert.equal(w.type, CommandType.WELCOME, JSON.stringify(w));
}

/** A client of `w` that checks the broker still serves: each call sends one message and receives it. */
export async function healthCheck(w: World): Promise<() => Promise<void>> {
  const c = await w.connect();
  const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const q = s.createQueue('HEALTH');
  const p = await s.createProducer(q);
  const cons = await s.createConsumer(q);
  let n = 0;
  return async () => {
    await p.send(s.createTextMessage(`ok${++n}`));
    assert.equal(text(await cons.receive(2000)), `ok${n}`, 'other clients keep working');
  };
}

/** A raw native peer past HELLO with a consumer (session 1, consumer 1) on `queue`, the ledger closing it. */
export async function rawConsumer(w: World, queue: string, ackMode: AckModeValue = 1): Promise<RawPeer> {
  const p = await raw(w.url);
  w.ledger.defer(() => p.sock.destroy());
  p.send({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 0 });
  p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode });
  p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: `queue://${queue}`, prefetch: 1000 });
  assert.equal((await p.next()).type, CommandType.WELCOME);
  assert.equal((await p.next()).type, CommandType.RECEIPT);
  return p;
}

/** A whole persistent text message for raw peers and direct broker sends; `over` replaces fields (any type). */
export function wireMessage(over: Record<string, unknown>): WireMessage {
  return {
    messageId: 'ID:raw:1:1', destination: 'queue://RAW', deliveryMode: 2, priority: 4, timestamp: Date.now(), expiration: 0,
    deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'raw:1', producerSeq: 1, properties: {}, bodyKind: 1, body: 'x',
    ...over,
  } as WireMessage;
}

/** A STOMP subscriber on raw TCP (ack auto); `bodies` fills as MESSAGE frames come. */
export async function stompSubscribe(port: number, destination: string, ledger: Ledger): Promise<{ bodies: string[]; subscribed: Promise<void> }> {
  const sock = net.connect(port, '127.0.0.1');
  ledger.defer(() => sock.destroy());
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  sock.on('error', () => undefined);
  const bodies: string[] = [];
  let onReceipt: () => void = () => undefined;
  const subscribed = new Promise<void>((r) => (onReceipt = r));
  let buf = '';
  sock.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let i;
    while ((i = buf.indexOf('\0')) >= 0) {
      const f = buf.slice(0, i).replace(/^\n+/, '');
      buf = buf.slice(i + 1);
      if (f.startsWith('RECEIPT')) onReceipt();
      else if (f.startsWith('MESSAGE')) bodies.push(f.slice(f.indexOf('\n\n') + 2));
    }
  });
  sock.write(`CONNECT\naccept-version:1.2\nhost:x\n\n\0SUBSCRIBE\nid:1\ndestination:${destination}\nack:auto\nreceipt:r1\n\n\0`);
  return { bodies, subscribed };
}

/** A STOMP socket past CONNECTED; `until(re)` waits for what the broker wrote to match. */
export async function stompClient(port: number): Promise<{ sock: net.Socket; until(re: RegExp): Promise<void> }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  sock.on('error', () => undefined);
  let got = '';
  const waiters: Array<() => void> = [];
  sock.on('data', (d: Buffer) => {
    got += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  const until = async (re: RegExp): Promise<void> => {
    while (!re.test(got)) await new Promise<void>((r) => waiters.push(r));
  };
  sock.write('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0');
  await until(/CONNECTED/);
  return { sock, until };
}

/** N bytes messages of 100 KB to `queue` of `w`, from a native producer (non-persistent); resolves once all are queued. */
export async function fill(w: World, queue: string, N: number): Promise<void> {
  const conn = await w.connect();
  const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const producer = await s.createProducer(s.createQueue(queue));
  producer.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
  for (let i = 0; i < N; i++) {
    const m = s.createBytesMessage();
    m.writeBytes(Buffer.alloc(100 * 1024, i));
    await producer.send(m);
  }
  await checkFor(10000, () => w.broker.queues.get(`queue://${queue}`)?.depth === N, 'every message queued');
}

let gc: (() => void) | undefined;
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** ArrayBuffer memory of this process (broker and test clients) once garbage is collected. */
export function arrayBuffers(): number {
  gc ??= exposeGc();
  // Twice: the first collection's ArrayBuffers may still be swept in the background.
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

export const portOf = (url: string): number => Number(new URL(url.replace(/^[a-z]+:/, 'http:')).port);
