// Acceptance 4 (issue 16), the group part: XA branches prepared by ActiveMQ's Java client on the
// master of a three-process group (real ZooKeeper) survive a SIGKILL of that master. The new
// master lists them in XAResource.recover, keeps what they acknowledged reserved and what they
// sent invisible, and completes them (commit one, roll back the other): nothing lost, nothing
// doubled; both for a new transaction manager on the new master (a restarted application
// server) and for one Java program whose failover:(...) connection moves to it. The same Java
// program as packages/openwire/test/xa.test.ts (XaProbe.java).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Group, root, sharedZooKeeper, until } from './lib/group.mjs';

const require = createRequire(import.meta.url);
const java = require(path.join(root, 'packages', 'openwire', 'dist', 'test', 'java.js'));
const CLASSES = path.join(root, 'packages', 'openwire', 'dist', 'java-build', 'xa');
const SRC = path.join(root, 'packages', 'openwire', 'test', 'java');

function parse(stdout) {
  const out = {};
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function probe(args) {
  const r = await java.runJava(CLASSES, 'XaProbe', args);
  assert.equal(r.code, 0, `XaProbe ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return parse(r.stdout);
}

/** XaProbe `hold`, which waits on stdin between prepare and completion; killed on close. */
function hold(url, queue, tag) {
  const child = spawn('java', ['-cp', `${CLASSES}${path.delimiter}${java.classpath()}`, 'XaProbe', 'hold', url, queue, tag], { stdio: ['pipe', 'pipe', 'pipe'] });
  const h = { child, stdout: '', stderr: '', code: null };
  child.stdout.on('data', (d) => { h.stdout += d; });
  child.stderr.on('data', (d) => { h.stderr += d; });
  h.exited = new Promise((resolve) => child.on('exit', (code) => { h.code = code; resolve(code); }));
  return h;
}

describe('cluster (processes) - XA across a failover', function () {
  this.timeout(120_000);
  let g;

  before(function () {
    if (!java.classpath()) this.skip();
    java.compileJava(SRC, CLASSES);
  });

  let held;
  after(async () => {
    held?.child.kill('SIGKILL');
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
    assert.equal(after['browse.before'], '[p3]');
    assert.equal(after['visible.before'], '[p3]');
    assert.equal(after['recover.after'], '[]');
    // A committed: p1 consumed, r1 delivered. B rolled back: p2 back, r2 never sent.
    assert.equal(after['visible.after'], '[p2, r1]');
  });

  it('cluster xa - one Java transaction manager on failover:(...) prepares, the master is killed, it recovers and completes on the new master', async () => {
    // The master the first test killed comes back as a slave: three members again.
    for (const n of g.nodes) if (n.role === 'down') await n.start();
    await until(30_000, () => g.nodes.every((n) => n.role === 'master' || n.role === 'slave'), `three members (roles: ${g.roles()})`);
    const m = await g.waitForMaster();
    await g.waitCaughtUp(30_000, 2, 0);
    held = hold(g.failoverUrl(), 'xa.failover.tm', 'tm');
    await until(60_000, () => held.stdout.includes('prepared\n') || held.code !== null, `the Java program to prepare (${held.stderr})`);
    assert.equal(held.code, null, `XaProbe hold exited early:\n${held.stdout}\n${held.stderr}`);
    await m.kill();
    await g.waitForMaster(30_000, m);
    held.child.stdin.write('go\n');
    const code = await held.exited;
    assert.equal(code, 0, `XaProbe hold failed:\n${held.stdout}\n${held.stderr}`);
    const out = parse(held.stdout);
    assert.equal(out['prepare.A'], '0:p1');
    assert.equal(out['prepare.B'], '0:p2');
    assert.equal(out.recover, '[22359:tm-A:[1], 22359:tm-B:[1]]');
    assert.equal(out['recover.after'], '[]');
    assert.equal(out['visible.after'], '[p2, r1]');
  });
});
