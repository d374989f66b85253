// Network of brokers with a replicated group (docs/CLUSTER.md): only the serving
// master runs the group's network bridge, and after a kill -9 of the master the new master's
// bridge carries on. The far side is a standalone broker with a consumer; it gets every message
// sent to the group exactly once (a message the old master forwarded but could not acknowledge
// before it died is forwarded again and dropped there as a duplicate, by its id).
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Group, client, root, sharedZooKeeper, until } from './lib/group.mjs';

const require = createRequire(import.meta.url);
const { Broker } = require(path.join(root, 'packages', 'broker', 'dist', 'src', 'index.js'));
const { ConnectionFactory, Session, DeliveryMode } = client;

describe('cluster (processes) - network of brokers', function () {
  this.timeout(90_000);
  let g;
  let far;
  const conns = [];

  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await g?.close();
    await far?.stop();
  });

  it('cluster - the master bridges to another broker where it has consumers; after a kill -9 the new master does', async () => {
    far = new Broker({ brokerName: 'far', persistent: false, logLevel: 'silent', transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }] });
    await far.start();
    const zk = await sharedZooKeeper();
    g = await Group.create({
      zkAddress: zk.connectString,
      networkConnectors: [{ name: 'to-far', uri: `static:(${far.connectorUrl('tcp')})?initialReconnectDelay=100&maxReconnectDelay=500` }],
    });
    await g.start();
    const m = await g.waitForMaster();
    await g.waitCaughtUp();

    const cc = await new ConnectionFactory(far.connectorUrl('tcp')).createConnection();
    conns.push(cc);
    await cc.start();
    const cs = cc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const got = [];
    (await cs.createConsumer(cs.createQueue('NET.GROUP'))).setMessageListener((msg) => void got.push(msg.getText()));

    const pc = await new ConnectionFactory(g.failoverUrl()).createConnection();
    conns.push(pc);
    const ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const producer = await ps.createProducer(ps.createQueue('NET.GROUP'));
    producer.setDeliveryMode(DeliveryMode.PERSISTENT);
    const expected = [];
    for (let i = 0; i < 10; i++) {
      expected.push(`first-${i}`);
      await producer.send(ps.createTextMessage(`first-${i}`));
    }
    await until(20_000, () => got.length >= 10, `10 messages over ${m.id}'s bridge (got ${got.length})`);

    await m.kill();
    const next = await g.waitForMaster(30_000, m);
    for (let i = 0; i < 10; i++) {
      expected.push(`second-${i}`);
      await producer.send(ps.createTextMessage(`second-${i}`));
    }
    await until(30_000, () => got.includes('second-9'), `the second batch over ${next.id}'s bridge (got ${got.length})`);
    assert.deepEqual([...got].sort(), [...expected].sort(), 'every message exactly once');
    assert.deepEqual(got.filter((t) => t.startsWith('second')), expected.filter((t) => t.startsWith('second')), 'in order');
  });
});
