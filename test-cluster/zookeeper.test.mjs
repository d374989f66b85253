// Acceptance 6 (issue 6): ZooKeeper restarts, and ZooKeeper hangs (SIGSTOP) past the session
// timeout so that every session expires, while failover clients send and receive persistent
// messages. The group must stop acknowledging while it cannot be sure of its master, recover
// by itself, and lose nothing that was acknowledged.
import { strict as assert } from 'node:assert';
import { Group, testkit, until } from './lib/group.mjs';
import { Load } from './lib/load.mjs';

describe('cluster (processes) - ZooKeeper restart and session expiry', function () {
  this.timeout(120_000);
  let zk;
  let g;
  let load;

  after(async () => {
    await load?.close();
    await g?.close();
    await zk?.stop();
  });

  it('cluster - a ZooKeeper restart and a ZooKeeper pause beyond the session timeout lose nothing; the group recovers', async () => {
    zk = await testkit.startZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, zkSessionTimeout: 2000 });
    await g.start();
    await g.waitForMaster();
    await g.waitCaughtUp();
    load = await new Load(g.failoverUrl(), { producers: 3, consumers: 2, queue: 'ZK.LOAD' }).start();
    await load.progress(50);

    // 1. Restart (graceful stop, start with the same data).
    await zk.restart();
    await g.waitForMaster(30_000);
    await load.progress(50, 30_000);

    // 2. Hang: the server is stopped longer than the session timeout, then resumes; sessions
    // expire and every node rejoins with a new one.
    const before = g.nodes.map((n) => n.epoch);
    zk.pause();
    // A master cannot prove its session any more: it stops serving within the lease (2/3 of it).
    await until(10_000, () => g.masters().length === 0, `every master to stop serving (roles: ${g.roles()})`);
    const stalled = load.resolvedAt.length;
    await new Promise((r) => setTimeout(r, 3000)); // hold ZooKeeper past the 2 s session timeout
    assert.ok(load.resolvedAt.length - stalled <= 0, 'no send is acknowledged while no master can be sure of its session');
    zk.resume();
    const m = await g.waitForMaster(30_000);
    assert.ok(m.epoch > Math.max(...before), `a new term after the expiry (epoch ${m.epoch})`);
    await load.progress(50, 30_000);

    await load.stopProducers();
    await until(60_000, () => load.missing().length === 0, () => `every acknowledged send to be consumed: ${load.describeMissing(g)}`);
    assert.deepEqual(load.unmarkedDuplicates(), [], 'a message delivered twice must be marked redelivered');
    assert.ok(load.resolved.size >= 150);
  });
});
