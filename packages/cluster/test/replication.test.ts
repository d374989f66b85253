// Replicated groups in-process (docs/CLUSTER.md): in-memory election and replication network, real
// LevelStores. Each case drives the group through a failure and checks what was acknowledged.
import assert from 'node:assert/strict';
import { StoreError } from '@wharf/protocol';
import { contents, putOps, settlesWithin, TestGroup, waitFor } from './harness';
import { OpType } from '@wharf/store';

describe('cluster replication (in-memory election and network)', function () {
  this.timeout(20000);
  let g: TestGroup;

  afterEach(async () => {
    await g?.close();
  });

  async function group3(opts: ConstructorParameters<typeof TestGroup>[0] = {}): Promise<TestGroup> {
    g = new TestGroup(opts);
    await Promise.all(['n1', 'n2', 'n3'].map((id) => g.add(id)));
    return g;
  }

  it('election - exactly one master serves; the others follow it and refuse clients naming it', async () => {
    await group3();
    const m = await g.waitForMaster();
    const others = [...g.nodes.values()].filter((t) => t !== m);
    await waitFor(5000, () => others.every((t) => t.node.role === 'slave'), 'two slaves');
    assert.equal(g.servingNodes().length, 1);
    for (const t of others) assert.match(t.refusal!(), new RegExp(`is a slave; the master is tcp://${m.id}:61616`));
  });

  it('replication - every commit reaches the slaves; their stores end identical to the master', async () => {
    await group3();
    const m = await g.waitForMaster();
    const rs = m.serving!;
    const positions = await Promise.all(Array.from({ length: 200 }, (_, i) => rs.commit(putOps(i + 1), { sync: i % 3 !== 0 })));
    await rs.commit([{ t: OpType.REMOVE_MESSAGE, dest: 'queue://Q', seq: 7 }], { sync: false });
    const last = rs.assignedPosition;
    assert.equal(positions.length, 200);
    await g.waitForPosition(['n1', 'n2', 'n3'], last);
    const expected = await contents(m.store);
    assert.equal(expected.length, 199);
    for (const t of g.nodes.values()) {
      assert.deepEqual(await contents(t.store), expected, `${t.id} holds the master's messages`);
      assert.deepEqual((await t.store.recover()).destinations, (await m.store.recover()).destinations);
    }
  });

  it('quorum_mem - a sync commit is acknowledged only once a slave holds it', async () => {
    await group3({ replicationTimeout: 10000 });
    const m = await g.waitForMaster();
    const slaves = [...g.nodes.keys()].filter((id) => id !== m.id);
    // Replication links to both slaves cut; the election still sees everyone.
    for (const s of slaves) g.network.partition(m.id, s);
    const p = m.serving!.commit(putOps(1));
    assert.equal(await settlesWithin(p, 300), false, 'no acknowledgement without a slave');
    g.network.heal(m.id, slaves[0]!);
    const pos = await p;
    assert.equal(pos.index, m.store.position.index);
    // quorum_mem: the slave had it in memory when the master acknowledged; it writes it next.
    await g.waitForPosition([slaves[0]!], pos);
    assert.equal(g.get(slaves[1]!).store.position.index, 0, 'the cut-off slave has nothing');
  });

  it('quorum_mem - a commit that cannot reach its quorum fails with a clear error after replicationTimeout', async () => {
    await group3({ replicationTimeout: 300 });
    const m = await g.waitForMaster();
    for (const id of g.nodes.keys()) if (id !== m.id) g.network.partition(m.id, id);
    const started = Date.now();
    const err = await m.serving!.commit(putOps(1)).then(() => undefined, (e: Error) => e);
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.match(err.message, /replication: only 1 of 3 nodes hold the batch \(quorum 2\) after 300 ms/);
    assert.ok(Date.now() - started >= 290);
    // The master stops serving until its slaves are back, then serves again.
    await waitFor(2000, () => m.node.role === 'syncing', 'the master to stop serving');
    for (const id of g.nodes.keys()) if (id !== m.id) g.network.heal(m.id, id);
    await waitFor(5000, () => m.node.role === 'master' && m.serving?.active, 'the master to serve again');
    await m.serving!.commit(putOps(2));
  });

  it('quorum_disk and local_disk - commits are acknowledged and replicated', async () => {
    for (const sync of ['quorum_disk', 'local_disk'] as const) {
      await group3({ sync });
      const m = await g.waitForMaster();
      await Promise.all(Array.from({ length: 50 }, (_, i) => m.serving!.commit(putOps(i + 1))));
      await g.waitForPosition(['n1', 'n2', 'n3'], m.serving!.assignedPosition);
      await g.close();
    }
  });

  it('partition - a master cut off acknowledges nothing; the majority elects the node with the highest position', async () => {
    await group3({ replicationTimeout: 5000 });
    const old = await g.waitForMaster();
    const rs = old.serving!;
    const [b, c] = [...g.nodes.keys()].filter((id) => id !== old.id) as [string, string];
    // c falls behind: its link to the master is cut while b acknowledges.
    g.network.partition(old.id, c);
    for (let i = 1; i <= 20; i++) await rs.commit(putOps(i));
    const acked = await contents(old.store);
    // (quorum_mem: b acknowledged what it received; it writes it a moment later.)
    await g.waitForPosition([b], rs.assignedPosition);
    assert.ok(g.get(b).store.position.index > g.get(c).store.position.index);
    g.network.heal(old.id, c);

    g.isolate(old.id);
    const after = rs.commit(putOps(21)).then(() => 'acknowledged', (e: Error) => e.message);
    const next = await g.waitForMaster(5000, old.id);
    assert.equal(next.id, b, 'the slave with the highest position wins');
    assert.match(await after, /not acknowledged|no longer master|only 1 of 3/);
    assert.equal(old.serving, undefined, 'the old master stopped serving');
    // Every acknowledged message is on the new master.
    assert.deepEqual(await contents(next.store), acked);
  });

  it('rejoin - the old master comes back as a slave; its diverged unacknowledged tail is discarded', async () => {
    await group3({ replicationTimeout: 200 });
    const old = await g.waitForMaster();
    await Promise.all(Array.from({ length: 10 }, (_, i) => old.serving!.commit(putOps(i + 1))));
    g.isolate(old.id);
    // Written locally, never acknowledged: the diverged tail.
    const tail = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => old.serving?.commit(putOps(100 + i)) ?? Promise.reject(new Error('gone'))));
    assert.ok(tail.every((r) => r.status === 'rejected'), 'nothing acknowledged by the cut-off master');
    const next = await g.waitForMaster(5000, old.id);
    for (let i = 11; i <= 15; i++) await next.serving!.commit(putOps(i));
    const oldContents = await contents(old.store);
    assert.ok(oldContents.some(([seq]) => seq >= 100), 'the old master wrote its tail locally');

    g.heal(old.id);
    await waitFor(5000, () => old.node.role === 'slave', 'the old master to rejoin as a slave');
    await g.waitForPosition([old.id], next.serving!.assignedPosition);
    assert.deepEqual(await contents(old.store), await contents(next.store));
    assert.ok(!(await contents(old.store)).some(([seq]) => seq >= 100), 'the diverged tail is gone');
    assert.ok(next.log.has(/sending a snapshot/), 'a diverged log is replaced by a snapshot');
  });

  it('snapshot - a slave too far behind the retained log catches up by snapshot, then streams', async () => {
    await group3({ logRetentionBatches: 10 });
    const m = await g.waitForMaster();
    const lagging = [...g.nodes.keys()].find((id) => id !== m.id)!;
    g.network.partition(m.id, lagging);
    for (let i = 1; i <= 100; i++) await m.serving!.commit(putOps(i));
    await m.serving!.commit([{ t: OpType.REMOVE_MESSAGE, dest: 'queue://Q', seq: 50 }]);
    g.network.heal(m.id, lagging);
    await g.waitForPosition([lagging], m.serving!.assignedPosition);
    assert.ok(m.log.has(/snapshot sent/), 'the master sent a snapshot');
    for (let i = 101; i <= 110; i++) await m.serving!.commit(putOps(i));
    await g.waitForPosition([lagging], m.serving!.assignedPosition);
    assert.deepEqual(await contents(g.get(lagging).store), await contents(m.store));
    assert.equal((await contents(m.store)).length, 109);
  });

  it('restart - a stopped slave restarts from its store and catches up from the retained log', async () => {
    await group3();
    const m = await g.waitForMaster();
    const s = [...g.nodes.keys()].find((id) => id !== m.id)!;
    await g.stopNode(s);
    for (let i = 1; i <= 30; i++) await m.serving!.commit(putOps(i));
    await g.add(s);
    await g.waitForPosition([s], m.serving!.assignedPosition);
    assert.ok(!m.log.has(/sending a snapshot/), 'no snapshot needed');
    assert.deepEqual(await contents(g.get(s).store), await contents(m.store));
  });

  it('catch-up - a slave that missed more than the master keeps in memory streams from the retained log, also from a new master', async () => {
    await group3();
    const m = await g.waitForMaster();
    const [b, c] = [...g.nodes.keys()].filter((id) => id !== m.id) as [string, string];
    const commitMany = async (rs: NonNullable<typeof m.serving>, from: number, n: number): Promise<void> => {
      for (let i = from; i < from + n; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => rs.commit(putOps(i + k))));
    };
    await g.stopNode(c);
    await commitMany(m.serving!, 1, 400); // more than the 256 recent batches kept in memory
    await g.add(c);
    await g.waitForPosition([c], m.serving!.assignedPosition);
    assert.ok(!m.log.has(/sending a snapshot/), 'streamed from the master\'s log');

    // c misses more; then the master goes. b (which has everything, in its own log as a slave)
    // is elected with c and catches c up from its log: batches from before its own term.
    await g.stopNode(c);
    await commitMany(m.serving!, 401, 300);
    const acked = await contents(m.store);
    await g.stopNode(m.id);
    await g.add(c);
    const next = await g.waitForMaster(10000, m.id);
    assert.equal(next.id, b);
    await g.waitForPosition([c], next.serving!.assignedPosition);
    assert.ok(!next.log.has(/sending a snapshot/), 'streamed from the new master\'s log');
    assert.deepEqual(await contents(g.get(c).store), acked);
  });

  it('stop - a master that stops cleanly hands over to a slave holding every acknowledged batch', async () => {
    await group3();
    const m = await g.waitForMaster();
    for (let i = 1; i <= 20; i++) await m.serving!.commit(putOps(i));
    const acked = await contents(m.store);
    await g.stopNode(m.id);
    const next = await g.waitForMaster(5000, m.id);
    assert.deepEqual(await contents(next.store), acked);
    assert.ok(next.serving!.epoch > m.store.position.epoch);
  });

  it('quorum - with both slaves gone the master stops serving and serves again when one returns', async () => {
    await group3({ replicationTimeout: 300 });
    const m = await g.waitForMaster();
    const [b, c] = [...g.nodes.keys()].filter((id) => id !== m.id) as [string, string];
    await g.stopNode(b);
    await g.stopNode(c);
    await waitFor(5000, () => m.node.role !== 'master', 'the master to give up');
    assert.equal(g.servingNodes().length, 0);
    await g.add(b);
    const again = await g.waitForMaster(5000);
    await again.serving!.commit(putOps(1));
  });

  it('role change - a master that cannot serve (its client port in use) steps aside; the process carries on and another member serves', async () => {
    // No 'error' listener on the nodes: a failed role change must not end the process.
    const rejections: unknown[] = [];
    const onRejection = (r: unknown): void => void rejections.push(r);
    process.on('unhandledRejection', onRejection);
    try {
      await group3({ failServes: 1 });
      const failed = await waitFor(5000, () => [...g.nodes.values()].find((t) => t.log.has(/role change failed/)), 'a failed attempt to serve');
      const m = await g.waitForMaster(10000);
      assert.notEqual(m.id, failed.id, 'a member that could serve took over');
      await m.serving!.commit(putOps(1));
      assert.deepEqual(rejections, []);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});
