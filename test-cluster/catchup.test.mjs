// Acceptance 3 (issue 6): a restarted old master rejoins as a slave and catches up; a slave down
// long enough to fall out of the retained log catches up by snapshot; an old master's
// unacknowledged (diverged) tail is discarded. Stores are compared directly after the nodes
// stop: every node must hold exactly the same messages.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { Group, client, sharedZooKeeper, storedMessages, until } from './lib/group.mjs';

const { ConnectionFactory, Session } = client;

async function producerOn(url, queue) {
  const conn = await new ConnectionFactory(url).createConnection();
  conn.setExceptionListener?.(() => undefined);
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const producer = await session.createProducer(session.createQueue(queue));
  return { conn, send: (text) => producer.send(session.createTextMessage(text)) };
}

async function sendAll(p, prefix, n) {
  const ids = [];
  for (let i = 1; i <= n; i++) {
    await p.send(`${prefix}-${i}`);
    ids.push(`${prefix}-${i}`);
  }
  return ids;
}

async function stopAndCompare(g, queue) {
  await Promise.all(g.nodes.map((n) => n.stop()));
  const stores = await Promise.all(g.nodes.map((n) => storedMessages(n.dataDir, queue)));
  for (let i = 1; i < stores.length; i++) {
    assert.deepEqual(stores[i].position, stores[0].position, `${g.nodes[i].id} ends at the same log position as ${g.nodes[0].id}`);
    assert.deepEqual(stores[i].messages, stores[0].messages, `${g.nodes[i].id} holds the same messages as ${g.nodes[0].id}`);
  }
  return stores[0].messages;
}

describe('cluster (processes) - catching up', function () {
  this.timeout(120_000);
  let g;
  const conns = [];

  afterEach(async () => {
    await Promise.all(conns.splice(0).map((c) => c.close().catch(() => undefined)));
    await g?.close();
  });

  it('cluster - an old master\'s unacknowledged tail is discarded when it rejoins; it catches up as a slave', async () => {
    const zk = await sharedZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, replicationTimeout: 10_000, logLevel: 'info' });
    await g.start();
    const old = await g.waitForMaster();
    const p = await producerOn(old.url, 'TAIL');
    conns.push(p.conn);
    const acked = await sendAll(p, 'acked', 20);

    // Both slaves die: the master writes what it is sent, but acknowledges none of it.
    const slaves = g.nodes.filter((n) => n !== old);
    await Promise.all(slaves.map((s) => s.kill()));
    const tail = await Promise.all([1, 2, 3].map((i) => p.send(`tail-${i}`).then(() => 'acknowledged', (e) => e.message)));
    assert.ok(tail.every((t) => t !== 'acknowledged'), `the cut-off master acknowledged: ${tail.join('; ')}`);
    await old.kill();

    // The slaves come back without it and elect a new master, which takes new messages.
    await Promise.all(slaves.map((s) => s.start()));
    const next = await g.waitForMaster(30_000);
    const q = await producerOn(next.url, 'TAIL');
    conns.push(q.conn);
    const later = await sendAll(q, 'later', 10);

    // The old master rejoins: its log diverged (its tail has the old epoch), so it gets a snapshot.
    await old.start();
    await until(30_000, () => old.role === 'slave', `${old.id} to rejoin as a slave`);
    await g.waitCaughtUp(30_000, 2);
    assert.match(fs.readFileSync(next.logFile, 'utf8'), /sending a snapshot/);
    const messages = await stopAndCompare(g, 'TAIL');
    assert.deepEqual(messages, [...acked, ...later], 'acknowledged messages are all there; the unacknowledged tail is gone');
  });

  it('cluster - a slave that fell out of the retained log catches up by snapshot; a restarted slave from the log', async () => {
    const zk = await sharedZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, logRetentionBatches: 50, logLevel: 'info' });
    await g.start();
    const m = await g.waitForMaster();
    const p = await producerOn(m.url, 'SNAP');
    conns.push(p.conn);
    const [far, near] = g.nodes.filter((n) => n !== m);

    const ids = await sendAll(p, 'first', 20);
    await g.waitCaughtUp(30_000, 2);
    await far.kill();
    ids.push(...(await sendAll(p, 'snap', 300)));
    await far.start();
    await until(30_000, () => far.role === 'slave', `${far.id} to rejoin`);
    await g.waitCaughtUp(30_000, 2);
    assert.match(fs.readFileSync(m.logFile, 'utf8'), new RegExp(`"slave":"${far.id}","position":"1:[1-9]\\d*".*sending a snapshot`));

    // A short absence is served from the retained log, no snapshot.
    const before = (fs.readFileSync(m.logFile, 'utf8').match(/sending a snapshot/g) ?? []).length;
    await near.kill();
    ids.push(...(await sendAll(p, 'short', 10)));
    await near.start();
    await until(30_000, () => near.role === 'slave', `${near.id} to rejoin`);
    await g.waitCaughtUp(30_000, 2);
    const after = (fs.readFileSync(m.logFile, 'utf8').match(/sending a snapshot/g) ?? []).length;
    assert.equal(after, before, 'a slave within the retained log streams from it');
    assert.deepEqual(await stopAndCompare(g, 'SNAP'), ids);
  });
});
