// Acceptance 4 (issue 16), the group part: XA branches prepared by ActiveMQ's Java client on the
// master of a three-process group (real ZooKeeper) survive a SIGKILL of that master. The new
// master lists them in XAResource.recover, keeps what they acknowledged reserved and what they
// sent invisible, and completes them (commit one, roll back the other): nothing lost, nothing
// doubled. The same Java program as packages/openwire/test/xa.test.ts (XaProbe.java).
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Group, root, sharedZooKeeper } from './lib/group.mjs';

const require = createRequire(import.meta.url);
const java = require(path.join(root, 'packages', 'openwire', 'dist', 'test', 'java.js'));
const CLASSES = path.join(root, 'packages', 'openwire', 'java-build', 'xa');
const SRC = path.join(root, 'packages', 'openwire', 'test', 'java');

async function probe(args) {
  const r = await java.runJava(CLASSES, 'XaProbe', args);
  assert.equal(r.code, 0, `XaProbe ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  const out = {};
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

describe('cluster (processes) - XA across a failover', function () {
  this.timeout(120_000);
  let g;

  before(function () {
    if (!java.classpath()) this.skip();
    java.compileJava(SRC, CLASSES);
  });

  after(async () => {
    await g?.close();
  });

  it('cluster xa - branches prepared on the master are recovered on the new master after kill -9 and completed: nothing lost, nothing doubled', async () => {
    const zk = await sharedZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, zkSessionTimeout: 2000 });
    await g.start();
    const m = await g.waitForMaster();
    await g.waitCaughtUp(30_000, 2, 0);
    const before = await probe(['prepare', m.url, 'xa.failover', 'failover']);
    assert.equal(before['prepare.A'], '0:p1');
    assert.equal(before['prepare.B'], '0:p2');
    assert.equal(before.recover, '[22359:failover-A:[1], 22359:failover-B:[1]]');

    // No wait for the slaves: a prepare that answered XA_OK is on a quorum already.
    await m.kill();
    const next = await g.waitForMaster(30_000, m);
    const after = await probe(['complete', next.url, 'xa.failover', 'failover']);
    assert.equal(after.recover, '[22359:failover-A:[1], 22359:failover-B:[1]]');
    assert.equal(after['visible.before'], '[]');
    assert.equal(after['recover.after'], '[]');
    // A committed: p1 consumed, r1 delivered. B rolled back: p2 back, r2 never sent.
    assert.equal(after['visible.after'], '[p2, r1]');
  });
});
