// Acceptance 4 (issue 6): with both slaves down the master acknowledges nothing — a send waits,
// then fails with an error that says why, never succeeds — and once the slaves return the
// group serves again and the waiting failover client carries on.
import { strict as assert } from 'node:assert';
import { Group, client, sharedZooKeeper, until } from './lib/group.mjs';

const { ConnectionFactory, Session } = client;

async function producerOn(url) {
  const conn = await new ConnectionFactory(url).createConnection();
  conn.setExceptionListener?.(() => undefined);
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const producer = await session.createProducer(session.createQueue('QUORUM'));
  return { conn, send: (text) => producer.send(session.createTextMessage(text)) };
}

describe('cluster (processes) - quorum loss', function () {
  this.timeout(90_000);
  let g;
  const conns = [];

  after(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await g?.close();
  });

  it('cluster - with both slaves down the master acknowledges nothing; sends fail with a clear error; service returns with the slaves', async () => {
    const zk = await sharedZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, replicationTimeout: 1000 });
    await g.start();
    const m = await g.waitForMaster();
    await g.waitCaughtUp();
    const direct = await producerOn(m.url);
    const failover = await producerOn(g.failoverUrl());
    const bounded = await producerOn(g.failoverUrl('&timeout=3000'));
    conns.push(direct.conn, failover.conn, bounded.conn);
    await direct.send('before-1');
    await failover.send('before-2');
    await bounded.send('before-3');

    const slaves = g.nodes.filter((n) => n !== m);
    await Promise.all(slaves.map((s) => s.kill()));
    const downAt = Date.now();

    // A send straight to the master: no slave can hold it, so it fails, saying why.
    const err = await direct.send('during-direct').then(() => null, (e) => e);
    assert.ok(err, 'a send without a quorum must not be acknowledged');
    assert.match(err.message, /replication: (only 1 of 3 nodes hold the batch \(quorum 2\) after 1000 ms|the batch is not acknowledged|this node is no longer master)|the connection is closed/);

    // The master stops serving; once its ZooKeeper sessions expire it gives up mastership.
    await until(10_000, () => m.role !== 'master', `${m.id} to stop serving (roles: ${g.roles()})`);
    await until(10_000, () => m.role === 'candidate', `${m.id} to give up mastership (roles: ${g.roles()})`);
    assert.ok(Date.now() - downAt >= 1500, 'mastership ends with the slaves\' ZooKeeper sessions');

    // Through failover with timeout=3000: no node serves; sends wait for a master, then fail
    // with the failover timeout. None may succeed.
    const outcomes = [];
    for (let i = 0; i < 2; i++) {
      outcomes.push(await bounded.send(`during-${i}`).then(() => ({ ok: true }), (e) => ({ ok: false, message: e.message })));
    }
    assert.deepEqual(outcomes.filter((o) => o.ok), [], 'nothing is acknowledged without a quorum');
    for (const o of outcomes) assert.match(o.message, /Failover timeout of 3000 ms reached/);

    // The slaves return: a master serves again and the waiting failover send completes.
    const pending = failover.send('after-1');
    await Promise.all(slaves.map((s) => s.start()));
    await g.waitForMaster(30_000);
    await pending;
    await failover.send('after-2');

    // What was acknowledged is there; the failed sends may or may not be (in doubt), never twice.
    const conn = await new ConnectionFactory(g.failoverUrl()).createConnection();
    conns.push(conn);
    const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const consumer = await session.createConsumer(session.createQueue('QUORUM'));
    await conn.start();
    const got = [];
    for (;;) {
      const msg = await consumer.receive(2000);
      if (!msg) break;
      got.push(msg.getText());
    }
    for (const id of ['before-1', 'before-2', 'before-3', 'after-1', 'after-2']) assert.ok(got.includes(id), `${id} was acknowledged and must be delivered (got ${got.join(',')})`);
    assert.equal(new Set(got).size, got.length, `no duplicates: ${got.join(',')}`);
  });
});
