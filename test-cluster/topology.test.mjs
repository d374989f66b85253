// docker-compose.yml's topology as processes (no Docker engine here): one ZooKeeper and two
// replicated groups of three `wharf start` nodes, each group's master bridging to the other
// group with the network connector compose gives it (its failover URL of the other group's
// nodes, here on loopback ports). Messages sent to one group reach consumers on the other, both
// ways; after a kill -9 of a master, its successor's bridge carries on; nothing is lost.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Group, client, root, sharedZooKeeper, testkit, until } from './lib/group.mjs';

const require = createRequire(import.meta.url);
const YAML = require(require.resolve('yaml', { paths: [path.join(root, 'packages', 'cli')] }));
const { ConnectionFactory, Session, DeliveryMode } = client;

/** A group's settings from docker-compose.yml (x-group-a / x-group-b). */
function composeGroup(key) {
  const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
  const env = compose[key];
  return { brokerName: env.WHARF_BROKER_NAME, connectors: JSON.parse(env.WHARF_NETWORK_CONNECTORS) };
}

/** compose's connector with the other group's host names replaced by its nodes' URLs here. */
function localConnectors(connectors, other) {
  return connectors.map((c) => ({ ...c, uri: c.uri.replace(/failover:\([^)]*\)/, `failover:(${other.nodes.map((n) => n.url).join(',')})?randomize=false&maxReconnectDelay=500`) }));
}

describe('cluster (processes) - the docker-compose topology: two groups joined by network bridges', function () {
  this.timeout(120_000);
  const groups = [];
  const conns = [];

  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await Promise.all(groups.map((g) => g.close()));
  });

  async function consumer(g, queue) {
    const c = await new ConnectionFactory(g.failoverUrl()).createConnection();
    conns.push(c);
    await c.start();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const got = [];
    (await s.createConsumer(s.createQueue(queue))).setMessageListener((m) => void got.push(m.getText()));
    return got;
  }

  async function producer(g, queue) {
    const c = await new ConnectionFactory(g.failoverUrl()).createConnection();
    conns.push(c);
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue(queue));
    p.setDeliveryMode(DeliveryMode.PERSISTENT);
    return async (texts) => {
      for (const t of texts) await p.send(s.createTextMessage(t));
    };
  }

  const range = (tag, n) => Array.from({ length: n }, (_, i) => `${tag}-${i}`);

  it('topology - a message sent to either group reaches the consumer on the other; after a kill -9 of a master the bridge carries on', async () => {
    const zk = await sharedZooKeeper();
    const specA = composeGroup('x-group-a');
    const specB = composeGroup('x-group-b');
    // One freePorts call for both groups: ports of separate calls may coincide.
    const ports = await testkit.freePorts(12);
    const a = await Group.create({ zkAddress: zk.connectString, brokerName: specA.brokerName, ports: ports.slice(0, 6) });
    const b = await Group.create({ zkAddress: zk.connectString, brokerName: specB.brokerName, ports: ports.slice(6) });
    groups.push(a, b);
    a.opts.networkConnectors = localConnectors(specA.connectors, b);
    b.opts.networkConnectors = localConnectors(specB.connectors, a);
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.waitForMaster(), b.waitForMaster()]);

    const onB = await consumer(b, 'ORDERS.TO.B');
    const onA = await consumer(a, 'ORDERS.TO.A');
    const sendToA = await producer(a, 'ORDERS.TO.B');
    const sendToB = await producer(b, 'ORDERS.TO.A');
    await sendToA(range('ab', 10));
    await sendToB(range('ba', 10));
    await until(30_000, () => onB.length >= 10 && onA.length >= 10, `10 each way (got ${onB.length} on b, ${onA.length} on a)`);

    // Group A's master dies; its successor runs the bridge to B.
    const m = a.masters()[0];
    await m.kill();
    await a.waitForMaster(30_000, m);
    await sendToA(range('after', 10));
    await until(30_000, () => onB.includes('after-9'), `the messages sent after the failover (got ${onB.length})`);
    assert.deepEqual([...onB].sort(), [...range('ab', 10), ...range('after', 10)].sort(), 'every message to B exactly once');
    assert.deepEqual(onA, range('ba', 10));
  });
});
