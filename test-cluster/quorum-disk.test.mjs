// sync quorum_disk with real processes: a slave acknowledges a batch as written once its retained
// log is synced, before its store has it (the store gets it about 20 ms later). Here the master
// and a slave are killed with SIGKILL at the same moment, under load, round after round: the
// slave restarts with acknowledged batches only in its retained log, writes them to its store
// first, and the group goes on. Every send that resolved is consumed afterwards; a message
// delivered twice is marked redelivered the second time.
import { strict as assert } from 'node:assert';
import { Group, sharedZooKeeper, until } from './lib/group.mjs';
import { Load } from './lib/load.mjs';

const ROUNDS = 3;

describe('cluster (processes) - quorum_disk', function () {
  this.timeout(60_000 + ROUNDS * 40_000);
  let g;
  let load;

  after(async () => {
    await load?.close();
    await g?.close();
  });

  it('cluster - quorum_disk: kill -9 of the master and a slave together under load, 3 rounds: nothing acknowledged is lost', async () => {
    const zk = await sharedZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, zkSessionTimeout: 2000, sync: 'quorum_disk' });
    await g.start();
    await g.waitForMaster();
    load = await new Load(g.failoverUrl(), { producers: 4, consumers: 1, queue: 'QUORUM.DISK' }).start();
    await load.progress(50);
    for (let round = 1; round <= ROUNDS; round++) {
      const m = await g.waitForMaster();
      await g.waitCaughtUp(30_000, 2, 5000);
      await load.progress(30);
      const s = g.nodes.find((n) => n !== m && n.role === 'slave');
      assert.ok(s, `a slave to kill (roles: ${g.roles()})`);
      await Promise.all([m.kill(), s.kill()]);
      await Promise.all([m.start(), s.start()]);
      await g.waitForMaster(60_000);
      await load.progress(20);
      await until(30_000, () => g.nodes.filter((n) => n.role === 'slave').length === 2, `two slaves again (roles: ${g.roles()})`);
    }
    await load.stopProducers();
    await until(60_000, () => load.missing().length === 0, () => `every acknowledged send to be consumed: ${load.describeMissing(g)}`);
    assert.deepEqual(load.unmarkedDuplicates(), [], 'a message delivered twice must be marked redelivered');
  });
});
