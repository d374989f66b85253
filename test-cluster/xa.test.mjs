// Acceptance 4 (issue 16), the group part: XA branches prepared by ActiveMQ's Java client on the
// master of a three-process group (real ZooKeeper) survive a SIGKILL of that master. The new
// master lists them in XAResource.recover, keeps what they acknowledged reserved and what they
// sent invisible, and completes them (commit one, roll back the other): nothing lost, nothing
// doubled; both for a new transaction manager on the new master (a restarted application
// server) and for one Java program whose failover:(...) connection moves to it. The same Java
// program as packages/openwire/test/xa.test.ts (XaProbe.java). And a branch still active (started,
// not ended) when the master dies: its work is rolled back, as ActiveMQ does with a broker killed
// under a failover connection (scripts/xa-vs-activemq.sh records the same lines).
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

/** XaProbe `hold` or `active`, which wait for a line on stdin (the master is killed then); killed on close. */
function hold(url, queue, tag, mode = 'hold') {
  const child = spawn('java', ['-cp', `${CLASSES}${path.delimiter}${java.classpath()}`, 'XaProbe', mode, url, queue, tag], { stdio: ['pipe', 'pipe', 'pipe'] });
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

  /** The master a test killed comes back as a slave: three members again; resolves with the master. */
  async function threeMembers() {
    for (const n of g.nodes) if (n.role === 'down') await n.start();
    await until(30_000, () => g.nodes.every((n) => n.role === 'master' || n.role === 'slave'), `three members (roles: ${g.roles()})`);
    const m = await g.waitForMaster();
    await g.waitCaughtUp(30_000, 2, 0);
    return m;
  }

  /**
   * XaProbe `mode` on failover:(...) to a group of three: once it prints `line`, the master is
   * killed; the program goes on on the new master. Resolves with its key=value lines.
   */
  async function acrossKill(mode, queue, tag, line) {
    const m = await threeMembers();
    held = hold(g.failoverUrl(), queue, tag, mode);
    await until(60_000, () => held.stdout.includes(`${line}\n`) || held.code !== null, `XaProbe ${mode} to print ${line} (${held.stderr})`);
    assert.equal(held.code, null, `XaProbe ${mode} exited early:\n${held.stdout}\n${held.stderr}`);
    await m.kill();
    await g.waitForMaster(30_000, m);
    held.child.stdin.write('go\n');
    const code = await held.exited;
    assert.equal(code, 0, `XaProbe ${mode} failed:\n${held.stdout}\n${held.stderr}`);
    return parse(held.stdout);
  }

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
    assert.equal(after['browse.after'], '[p2, r1]');
    assert.equal(after['visible.after'], '[p2, r1]');
  });

  it('cluster xa - one Java transaction manager on failover:(...) prepares, the master is killed, it recovers and completes on the new master', async () => {
    const out = await acrossKill('hold', 'xa.failover.tm', 'tm', 'prepared');
    assert.equal(out['prepare.A'], '0:p1');
    assert.equal(out['prepare.B'], '0:p2');
    assert.equal(out.recover, '[22359:tm-A:[1], 22359:tm-B:[1]]');
    assert.equal(out['recover.after'], '[]');
    assert.equal(out['visible.after'], '[p2, r1]');
  });

  it('cluster xa - a branch still active when the master is killed is rolled back: end and prepare fail, its send is gone, its message comes back', async () => {
    const out = await acrossKill('active', 'xa.failover.active', 'active', 'active');
    // ActiveMQ 5.17's lines: end fails with XAER_RMFAIL, prepare and commit with XA_RBINTEGRITY
    // (the client knows the branch's outcome is in doubt), rollback succeeds; nothing is prepared;
    // q1 is available again (redelivered) and s1 was never sent.
    assert.deepEqual(out, {
      'active.received': 'q1',
      'active.end': '-7',
      'active.prepare': '103',
      'active.commit': '103',
      'active.rollback': 'ok',
      'active.recover': '[]',
      'active.browse': '[q1]',
      'active.visible': '[q1(redelivered)]',
    });
  });

  it('cluster xa - a branch ended but not prepared when the master is killed, committed in one phase after, is delivered though its producer stored a later branch', async () => {
    const out = await acrossKill('interleaved', 'xa.failover.interleaved', 'interleaved', 'interleaved');
    // ActiveMQ 5.17 answers this commit OK too, but never delivers x1 (docs/ACTIVEMQ-DIFFERENCES.md).
    assert.deepEqual(out, { 'interleaved.commit': 'ok', 'interleaved.visible': '[x1, y1]' });
  });
});
