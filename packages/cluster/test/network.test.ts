// Network of brokers: real brokers on loopback TCP, bridged by NetworkConnector (docs/CLUSTER.md).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Broker, type BrokerConfig } from '@wharf/broker';
import { ConnectionFactory, DeliveryMode, Session, type Connection, type Message } from '@wharf/client';
import { forwardMessage } from '@wharf/client/internal';
import { BodyKind, type WireMessage } from '@wharf/protocol';
import { NetworkConnector, parseNetworkUri, type NetworkConnectorConfig } from '../src/network/bridge';
import type { ClusterLogger } from '../src/types';

const quiet: ClusterLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const WAIT_MS = 10_000;

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = WAIT_MS): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

describe('network of brokers (bridges between real brokers)', function () {
  this.timeout(30_000);
  const opened: Array<() => Promise<unknown>> = [];
  const dirs: string[] = [];

  afterEach(async () => {
    for (const f of opened.splice(0).reverse()) await f().catch(() => undefined);
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function broker(name: string, config: Partial<BrokerConfig> = {}): Promise<Broker> {
    const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), `wharf-net-${name}-`));
    dirs.push(dataDirectory);
    const b = new Broker({
      brokerName: `${name}-${process.pid}`, logLevel: 'silent', persistent: true, dataDirectory,
      transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }], ...config,
    });
    await b.start();
    opened.push(() => b.stop());
    return b;
  }

  async function bridge(from: Broker, to: Broker | string, cfg: Partial<NetworkConnectorConfig> = {}): Promise<NetworkConnector> {
    const url = typeof to === 'string' ? to : to.connectorUrl('tcp');
    const nc = new NetworkConnector({ uri: `static:(${url})?initialReconnectDelay=50&maxReconnectDelay=200`, ...cfg }, { brokerName: from.name, logger: quiet });
    nc.start();
    opened.push(() => nc.stop());
    return nc;
  }

  async function connect(b: Broker | string): Promise<Connection> {
    const c = await new ConnectionFactory(typeof b === 'string' ? b : b.connectorUrl('tcp')).createConnection();
    await c.start();
    opened.push(() => c.close());
    return c;
  }

  /** Collects what a consumer on `dest` of broker `b` receives. */
  async function collect(b: Broker, dest: string): Promise<Message[]> {
    const s = (await connect(b)).createSession(false, Session.AUTO_ACKNOWLEDGE);
    const d = dest.startsWith('topic://') ? s.createTopic(dest.slice(8)) : s.createQueue(dest.slice(8));
    const got: Message[] = [];
    (await s.createConsumer(d)).setMessageListener((m) => void got.push(m));
    return got;
  }

  async function send(b: Broker, dest: string, texts: string[], persistent = true): Promise<string[]> {
    const s = (await connect(b)).createSession(false, Session.AUTO_ACKNOWLEDGE);
    const d = dest.startsWith('topic://') ? s.createTopic(dest.slice(8)) : s.createQueue(dest.slice(8));
    const p = await s.createProducer(d);
    p.setDeliveryMode(persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT);
    const ids: string[] = [];
    for (const t of texts) {
      const m = s.createTextMessage(t);
      await p.send(m);
      ids.push(m.getJMSMessageID() ?? '');
    }
    return ids;
  }

  const texts = (got: Message[]): string[] => got.map((m) => (m as unknown as { getText(): string }).getText());
  const depth = (b: Broker, q: string): number => b.queues.get(`queue://${q}`)?.depth ?? 0;
  const range = (tag: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${tag}-${i}`);

  /** A subscriber got what was published on a (a-0…, a-end) and on b (b-0…, b-end), each once, in order. */
  async function eachSideOnce(got: Message[], n: number): Promise<void> {
    await until('both end markers', () => texts(got).includes('a-end') && texts(got).includes('b-end'));
    assert.deepEqual(texts(got).filter((t) => t.startsWith('a')), [...range('a', n), 'a-end']);
    assert.deepEqual(texts(got).filter((t) => t.startsWith('b')), [...range('b', n), 'b-end']);
  }

  it('network - a queue is forwarded only where there is demand; the consumer on the other broker gets every message once, in order, with its id', async () => {
    const a = await broker('a');
    const b = await broker('b');
    const nc = await bridge(a, b);
    await until('the bridge', () => nc.status()[0]?.connected);
    const ids = await send(a, 'queue://NET.Q', range('m', 20));
    // No consumer anywhere: nothing moves (the bridge has no demand for NET.Q).
    assert.deepEqual(nc.status()[0]?.forwarding, []);
    assert.equal(depth(a, 'NET.Q'), 20);
    const got = await collect(b, 'queue://NET.Q');
    await until('20 messages on b', () => got.length >= 20);
    assert.deepEqual(texts(got), range('m', 20));
    assert.deepEqual(got.map((m) => m.getJMSMessageID()), ids);
    // Store and forward: a's copies go once b has them.
    await until('a drained', () => depth(a, 'NET.Q') === 0);
    assert.equal(nc.status()[0]?.forwarded, 20);
  });

  it('network - a consumer that was there before the bridge connected is demand too (the advisories replay it)', async () => {
    const a = await broker('a');
    const b = await broker('b');
    const got = await collect(b, 'queue://NET.EARLY');
    const nc = await bridge(a, b);
    await until('demand for NET.EARLY', () => nc.status()[0]?.forwarding.includes('queue://NET.EARLY'));
    await send(a, 'queue://NET.EARLY', range('e', 3));
    await until('3 messages on b', () => got.length >= 3);
    assert.deepEqual(texts(got), range('e', 3));
  });

  it('network - a topic subscriber on the other broker gets each message published here once', async () => {
    const a = await broker('a');
    const b = await broker('b');
    const nc = await bridge(a, b);
    const got = await collect(b, 'topic://NET.T');
    await until('demand for NET.T', () => nc.status()[0]?.forwarding.includes('topic://NET.T'));
    await send(a, 'topic://NET.T', [...range('t', 10), 'end'], false);
    await until('the end marker', () => texts(got).includes('end'));
    assert.deepEqual(texts(got), [...range('t', 10), 'end']);
  });

  it('network - bridges both ways do not loop: each subscriber gets each message once, and each bridge forwards only its own side', async () => {
    const a = await broker('a');
    const b = await broker('b');
    const ab = await bridge(a, b);
    const ba = await bridge(b, a);
    const onA = await collect(a, 'topic://NET.LOOP');
    const onB = await collect(b, 'topic://NET.LOOP');
    await until('demand both ways', () => ab.status()[0]?.forwarding.includes('topic://NET.LOOP') && ba.status()[0]?.forwarding.includes('topic://NET.LOOP'));
    await send(a, 'topic://NET.LOOP', [...range('a', 5), 'a-end']);
    await send(b, 'topic://NET.LOOP', [...range('b', 5), 'b-end']);
    for (const got of [onA, onB]) await eachSideOnce(got, 5);
    // A bridge counts a message once the other broker has answered its send, which may be just
    // after a subscriber there got it.
    await until('the counts', () => (ab.status()[0]?.forwarded ?? 0) >= 6 && (ba.status()[0]?.forwarded ?? 0) >= 6);
    assert.equal(ab.status()[0]?.forwarded, 6);
    assert.equal(ba.status()[0]?.forwarded, 6);
  });

  it('network - duplex: one connector carries both ways (the other broker has none), without loops', async () => {
    const a = await broker('a');
    const b = await broker('b');
    const nc = await bridge(a, b, { duplex: true });
    const queueOnA = await collect(a, 'queue://NET.DUPLEX.IN');
    const queueOnB = await collect(b, 'queue://NET.DUPLEX.OUT');
    const topicOnA = await collect(a, 'topic://NET.DUPLEX.T');
    const topicOnB = await collect(b, 'topic://NET.DUPLEX.T');
    await until('demand both ways', () => {
      const st = nc.status()[0];
      return st?.forwarding.includes('queue://NET.DUPLEX.OUT') && st.forwarding.includes('topic://NET.DUPLEX.T') &&
        st.forwardingBack.includes('queue://NET.DUPLEX.IN') && st.forwardingBack.includes('topic://NET.DUPLEX.T');
    });
    await send(b, 'queue://NET.DUPLEX.IN', range('in', 3));
    await send(a, 'queue://NET.DUPLEX.OUT', range('out', 3));
    await send(a, 'topic://NET.DUPLEX.T', [...range('a', 3), 'a-end']);
    await send(b, 'topic://NET.DUPLEX.T', [...range('b', 3), 'b-end']);
    await until('the queues', () => queueOnA.length >= 3 && queueOnB.length >= 3);
    assert.deepEqual(texts(queueOnA), range('in', 3));
    assert.deepEqual(texts(queueOnB), range('out', 3));
    for (const got of [topicOnA, topicOnB]) await eachSideOnce(got, 3);
    await until('the counts', () => (nc.status()[0]?.forwarded ?? 0) >= 7 && (nc.status()[0]?.forwardedBack ?? 0) >= 7);
    assert.equal(nc.status()[0]?.forwarded, 3 + 4);
    assert.equal(nc.status()[0]?.forwardedBack, 3 + 4);
  });

  it('network - decreaseNetworkConsumerPriority: a local consumer with room comes first; the bridge gets only the overflow', async () => {
    const a = await broker('a');
    const b = await broker('b');
    const nc = await bridge(a, b, { decreaseNetworkConsumerPriority: true });
    const local = await collect(a, 'queue://NET.PRIO');
    const remote = await collect(b, 'queue://NET.PRIO');
    await until('demand for NET.PRIO', () => nc.status()[0]?.forwarding.includes('queue://NET.PRIO'));
    await send(a, 'queue://NET.PRIO', range('p', 20));
    await until('20 messages on a', () => local.length >= 20);
    assert.deepEqual(texts(local), range('p', 20));
    assert.equal(nc.status()[0]?.forwarded, 0);
    assert.equal(remote.length, 0);
  });

  it('network - networkTTL 2 carries a queue through a middle broker to the consumer two hops away', async () => {
    const a = await broker('a');
    const b = await broker('b');
    const c = await broker('c');
    await bridge(b, c, { networkTTL: 2 });
    const ab = await bridge(a, b, { networkTTL: 2 });
    const got = await collect(c, 'queue://NET.CHAIN');
    // b's bridge subscribes on b for c's consumer; a's bridge sees that demand (path [c]).
    await until('demand at a', () => ab.status()[0]?.forwarding.includes('queue://NET.CHAIN'));
    await send(a, 'queue://NET.CHAIN', range('c', 5));
    await until('5 messages on c', () => got.length >= 5);
    assert.deepEqual(texts(got), range('c', 5));
  });

  it('network - the remote broker restarts: the bridge connects again and forwards what queued meanwhile', async () => {
    const port = await freePort();
    const a = await broker('a');
    const bDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-net-b-'));
    dirs.push(bDir);
    const bConfig: Partial<BrokerConfig> = { dataDirectory: bDir, transportConnectors: [{ name: 'openwire', uri: `tcp://127.0.0.1:${port}` }] };
    let b = await broker('b', bConfig);
    const nc = await bridge(a, `tcp://127.0.0.1:${port}`);
    await until('the bridge', () => nc.status()[0]?.connected);
    await b.stop();
    await until('the bridge noticed', () => !nc.status()[0]?.connected);
    await send(a, 'queue://NET.BACK', range('r', 5));
    b = await broker('b', bConfig);
    await until('the bridge again', () => nc.status()[0]?.connected);
    const got = await collect(b, 'queue://NET.BACK');
    await until('5 messages on b', () => got.length >= 5);
    assert.deepEqual(texts(got), range('r', 5));
    await until('a drained', () => depth(a, 'NET.BACK') === 0);
  });

  it('network - a remote that resets the connection during connect (at once, or after the bridge\'s HELLO) is retried; this broker serves on; the bridge connects once the remote is a broker', async () => {
    const a = await broker('a');
    // The remote's port: first a peer that resets every connection, then a real broker.
    let attempts = 0;
    const resetting = createServer((c) => {
      c.on('error', () => undefined);
      if (attempts++ % 2 === 0) c.resetAndDestroy();
      else c.once('data', () => c.resetAndDestroy());
    });
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    const port = (resetting.address() as { port: number }).port;
    const downs: string[] = [];
    const faults: string[] = [];
    const logger: ClusterLogger = { ...quiet, warn: (o, msg) => void (msg.includes('is down') && downs.push(String((o as { err?: string }).err))), error: (_o, msg) => void faults.push(msg) };
    const nc = new NetworkConnector({ uri: `static:(tcp://127.0.0.1:${port})?initialReconnectDelay=10&maxReconnectDelay=20` }, { brokerName: a.name, logger });
    nc.start();
    opened.push(() => nc.stop());
    await until('6 connects reset', () => attempts >= 6 && downs.length >= 6);
    assert.deepEqual(faults, [], 'a reset is a lost link, not a fault');
    assert.equal(nc.status()[0]?.connected, false);
    // This broker serves its own clients meanwhile.
    const got = await collect(a, 'queue://NET.LOCAL');
    await send(a, 'queue://NET.LOCAL', ['here']);
    await until('the local message', () => got.length === 1);
    // The remote becomes a broker on the same port: the bridge connects.
    await new Promise((resolve) => resetting.close(resolve));
    await broker('b', { transportConnectors: [{ name: 'openwire', uri: `tcp://127.0.0.1:${port}` }] });
    await until('the bridge', () => nc.status()[0]?.connected);
  });

  it('network - a message the remote broker keeps refusing stays queued here, however often the bridge reconnects (never dead-lettered)', async () => {
    const a = await broker('a');
    // b: 64 KiB of memory, full at once: a send fails rather than waits (non-persistent messages).
    const b = await broker('b', { persistent: false, memoryLimit: 64 * 1024, sendFailIfNoSpace: true });
    await send(b, 'queue://NET.FILLER', [Buffer.alloc(70 * 1024, 'f').toString()], false).catch(() => undefined);
    let downs = 0;
    const counting: ClusterLogger = { ...quiet, warn: (_o, msg) => void (msg.includes('is down') && downs++) };
    const nc = new NetworkConnector({ uri: `static:(${b.connectorUrl('tcp')})?initialReconnectDelay=10&maxReconnectDelay=20` }, { brokerName: a.name, logger: counting });
    nc.start();
    opened.push(() => nc.stop());
    const got = await collect(b, 'queue://NET.REFUSED');
    await send(a, 'queue://NET.REFUSED', ['stubborn'], false);
    await until('10 refused forwards', () => downs >= 10);
    assert.equal(depth(a, 'ActiveMQ.DLQ'), 0, 'nothing dead-lettered');
    assert.equal(depth(a, 'NET.REFUSED'), 1);
    // b gets room: the next attempt goes through.
    await until('b purged', async () => (await b.removeDestination('queue://NET.FILLER')) || true);
    await until('the message on b', () => got.length === 1);
    assert.deepEqual(texts(got), ['stubborn']);
  });

  it('network - a forwarded message older than its producer\'s stored high-water mark is kept after a restart (bridges reorder producers)', async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-net-hw-'));
    dirs.push(dir);
    const config: Partial<BrokerConfig> = { dataDirectory: dir, transportConnectors: [{ name: 'openwire', uri: `tcp://127.0.0.1:${port}` }] };
    const wire = (seq: number): WireMessage => ({
      messageId: `ID:far-producer:${seq}`, destination: 'queue://NET.SEQ', deliveryMode: DeliveryMode.PERSISTENT, priority: 4,
      timestamp: Date.now(), expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0,
      producerId: 'far-producer', producerSeq: seq, properties: {}, bodyKind: BodyKind.TEXT, body: `seq-${seq}`,
    });
    let b = await broker('b', config);
    // One failover connection, as a bridge to a group has: after the restart it reconnects.
    const c = await new ConnectionFactory(`failover:(tcp://127.0.0.1:${port})?initialReconnectDelay=20&maxReconnectDelay=100`, { networkBridge: true }).createConnection();
    opened.push(() => c.close());
    let resumed = 0;
    c.setTransportListener({ transportResumed: () => void resumed++ });
    const p = await c.createSession(false, Session.AUTO_ACKNOWLEDGE).createProducer(null);
    await forwardMessage(p, wire(10), ['elsewhere']);
    await b.stop();
    b = await broker('b', config); // the store says: far-producer's highest sequence is 10
    await until('the reconnection', () => resumed > 0);
    await forwardMessage(p, wire(5), ['elsewhere']);
    const got = await collect(b, 'queue://NET.SEQ');
    await until('both messages', () => got.length >= 2);
    assert.deepEqual(texts(got).sort(), ['seq-10', 'seq-5']);
  });

  it('network - bad connector configuration is refused with the reason', () => {
    assert.throws(() => parseNetworkUri('multicast://default'), /not supported: use static:\(/);
    assert.throws(() => parseNetworkUri('static:()'), /names no broker/);
    assert.deepEqual(parseNetworkUri('static:(tcp://a:1,failover:(tcp://b:2,tcp://c:3)?randomize=false)?maxReconnectDelay=5').urls,
      ['tcp://a:1', 'failover:(tcp://b:2,tcp://c:3)?randomize=false']);
    assert.throws(() => new NetworkConnector({ uri: 'static:(tcp://a:1)', networkTTL: 0 }, { brokerName: 'x', logger: quiet }), /networkTTL must be an integer >= 1/);
    assert.throws(() => new NetworkConnector({ uri: 'static:(tcp://a:1)', excludedDestinations: ['queue://'] }, { brokerName: 'x', logger: quiet }), /excludedDestinations: 'queue:\/\/' is not a destination/);
  });
});
