// OpenWire across a network of brokers (docs/CLUSTER.md: network of brokers): a Java producer on
// one replicated group, a Java consumer on another, the first group's master bridging to the
// second (masterslave: URI). ActiveMQ's own client on both ends
// (packages/openwire/test/java/BridgeJava.java) prints everything it sees of each message; what
// the consumer prints must be what the producers printed: every message once, in order per
// producer, JMSMessageID, JMSTimestamp, JMSExpiration, JMSCorrelationID, JMSType, JMSReplyTo,
// JMSPriority, delivery mode, typed properties (also a string past 64 KiB) and every body kind
// (compressed too; null, empty and big bodies) unchanged.
// Nothing crosses before the Java consumer exists: its demand starts the forwarding. The
// connector is duplex, so a Java consumer on the first group also draws from the second. After
// a kill -9 of the bridging master, the new master forwards what the group held.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Group, client, root, sharedZooKeeper, until } from './lib/group.mjs';

const require = createRequire(import.meta.url);
const { classpath, compileJava, runJava } = require(path.join(root, 'packages', 'openwire', 'dist', 'test', 'java.js'));
const { ConnectionFactory, Session } = client;
// The OpenWire tests' Java helpers, compiled where cross-protocol.test.ts compiles them.
const SRC = path.join(root, 'packages', 'openwire', 'test', 'java');
const CLASSES = path.join(root, 'packages', 'openwire', 'dist', 'java-build', 'codec');
/** Messages per round of BridgeJava's send: two producers, ten message kinds (BridgeJava.KINDS). */
const ROUND = 20;

describe('cluster (processes) - OpenWire across a network bridge', function () {
  // Six node processes and a JVM per step on a machine that may be busy: generous deadlines.
  this.timeout(180_000);
  const groups = [];
  const conns = [];
  let wm;
  let em;
  let es;

  before(async function () {
    if (!classpath()) this.skip();
    compileJava(SRC, CLASSES);
    const zk = await sharedZooKeeper();
    // A long ZooKeeper session: on a busy machine a 2 s one can expire and move a master mid-test,
    // and this file is about the bridge, not about failover.
    const west = await Group.create({ zkAddress: zk.connectString, brokerName: 'west', zkSessionTimeout: 10_000 });
    groups.push(west);
    const east = await Group.create({
      zkAddress: zk.connectString, brokerName: 'east', zkSessionTimeout: 10_000,
      networkConnectors: [{
        name: 'to-west', duplex: true,
        uri: `masterslave:(${west.nodes.map((n) => n.url).join(',')})?initialReconnectDelay=100&maxReconnectDelay=500`,
      }],
    });
    groups.push(east);
    await Promise.all([west.start(), east.start()]);
    [wm, em] = await Promise.all([west.waitForMaster(60_000), east.waitForMaster(60_000)]);

    // The bridge is up once a message to a consumer on west crosses.
    const ws = await connect(wm.url);
    const warm = await ws.createConsumer(ws.createQueue('BRIDGE.WARMUP'));
    es = await connect(em.url);
    const ep = await es.createProducer(es.createQueue('BRIDGE.WARMUP'));
    await until(60_000, async () => {
      await ep.send(es.createTextMessage('warm'));
      return warm.receive(200);
    }, `the bridge east -> west (east ${east.roles()}, west ${west.roles()})`);
    await warm.close();
  });

  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await Promise.all(groups.map((g) => g.close()));
  });

  async function java(...args) {
    const r = await runJava(CLASSES, 'BridgeJava', args, 90_000);
    assert.equal(r.code, 0, `BridgeJava ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout.split('\n').filter((l) => l !== 'consuming' && l !== '');
  }

  async function connect(url) {
    const c = await new ConnectionFactory(url).createConnection();
    conns.push(c);
    await c.start();
    return c.createSession(false, Session.AUTO_ACKNOWLEDGE);
  }

  const producerOf = (line) => /\|p\.producer=String:([^|]+)/.exec(line)?.[1];

  /** What the Java consumer printed is what the Java producers printed: once each, in order per producer. */
  function assertSame(got, sent, producers) {
    assert.deepEqual([...got].sort(), [...sent].sort(), 'every message once, each exactly as sent');
    for (const p of producers) {
      assert.ok(sent.some((l) => producerOf(l) === p), `producer ${p} sent`);
      assert.deepEqual(got.filter((l) => producerOf(l) === p), sent.filter((l) => producerOf(l) === p), `the order of producer ${p}`);
    }
  }

  it('network bridge - Java queue messages cross from one group to another unchanged, once and in order, on a Java consumer\'s demand', async () => {
    // No consumer on west yet: what the Java producers send stays on east.
    const queue = 'BRIDGE.JAVA';
    const before = await java('send', em.url, `queue:${queue}`, 'early', '1');
    assert.equal(before.length, ROUND);
    // A browser is not demand (ActiveMQ's bridges ignore browsers too): it sees nothing on west.
    assert.deepEqual(await java('browse', wm.url, queue), [], 'a Java browser on west');
    const held = await es.createBrowser(es.createQueue(queue)).toArray();
    assert.equal(held.length, ROUND, 'without demand on west the messages stay on east');

    // A Java consumer on west is demand: the early messages cross, and those sent now.
    const received = java('receive', wm.url, `queue:${queue}`, String(5 * ROUND));
    const sent = [...before, ...(await java('send', em.url, `queue:${queue}`, 'late', '4'))];
    assertSame(await received, sent, ['early-p0', 'early-p1', 'late-p0', 'late-p1']);
    assert.equal((await es.createBrowser(es.createQueue(queue)).toArray()).length, 0, 'east holds none of them any more');
  });

  it('network bridge - duplex: a Java consumer on the connector\'s own group is demand for the other group\'s Java producers', async () => {
    const queue = 'BRIDGE.JAVA.BACK';
    const received = java('receive', em.url, `queue:${queue}`, String(2 * ROUND));
    const sent = await java('send', wm.url, `queue:${queue}`, 'back', '2');
    assertSame(await received, sent, ['back-p0', 'back-p1']);
  });

  it('network bridge - a Java topic subscriber on one group gets what Java publishes on the other, unchanged, once and in order', async () => {
    const topic = 'BRIDGE.JAVA.TOPIC';
    // The subscriber's demand reaches east as the bridge's consumer on the topic.
    const advisories = await es.createConsumer(es.createTopic(`ActiveMQ.Advisory.Consumer.Topic.${topic}`));
    const received = java('receive', wm.url, `topic:${topic}`, String(3 * ROUND));
    for (;;) {
      const a = await advisories.receive(60_000);
      assert.ok(a, 'the bridge subscribed on east');
      if (a.getObjectProperty('consumerCount') >= 1) break;
    }
    const sent = await java('send', em.url, `topic:${topic}`, 'pub', '3');
    assertSame(await received, sent, ['pub-p0', 'pub-p1']);
  });

  // Last: it kills east's master.
  it('network bridge - after a kill -9 of the bridging master, its successor forwards the Java messages the group holds, persistent ones all, unchanged', async () => {
    const queue = 'BRIDGE.JAVA.FAILOVER';
    const sent = await java('send', em.url, `queue:${queue}`, 'held', '1');
    const east = groups[1];
    const old = em;
    await old.kill();
    await east.waitForMaster(60_000, old);
    // Replicated: the persistent ones (producer p0); a non-persistent message lives only in the
    // memory of the master that took it, on ActiveMQ too.
    const persistent = sent.filter((l) => l.includes('|mode=2|'));
    assert.equal(persistent.length, ROUND / 2);
    const got = await java('receive', wm.url, `queue:${queue}`, String(persistent.length));
    assertSame(got, persistent, ['held-p0']);
  });
});
