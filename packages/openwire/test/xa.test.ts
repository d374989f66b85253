// XA through ActiveMQ's own Java client (XaProbe.java drives XAResource directly, as a
// transaction manager would): two-phase and one-phase commit, rollback, recover and the
// XAException codes a transaction manager acts on, with sends and acks inside XA; and branches
// prepared before a broker restart, recovered and completed after it. The expected lines are
// what Apache ActiveMQ 5.17 prints for the same program (scripts/xa-vs-activemq.sh).
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Broker } from '@wharf/broker';
import { removeDir, tempDir } from '@wharf/testkit';
import { startBroker, stopBroker } from './broker';
import { classpath, compileJava, runJava } from './java';

const CLASSES = path.join(__dirname, '..', 'java-build', 'xa');
const SRC = path.join(__dirname, '..', '..', 'test', 'java');

async function probe(args: string[]): Promise<Record<string, string>> {
  const r = await runJava(CLASSES, 'XaProbe', args);
  assert.equal(r.code, 0, `XaProbe ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

describe('openwire - XA transactions with the Java client', function () {
  this.timeout(120000);
  before(function () {
    if (!classpath()) this.skip();
    compileJava(SRC, CLASSES);
  });

  it('openwire xa - XAResource prepare, commit, rollback, one-phase commit and recover, sends and acks inside XA, with ActiveMQ\'s error codes', async () => {
    const broker = await startBroker({ persistent: true });
    try {
      const out = await probe(['twophase', broker.connectorUrl('tcp'), 'xa.twophase']);
      assert.deepEqual(out, {
        // Sends: not visible while prepared, listed by recover, delivered at commit.
        'prepare.sends': '0',
        'browse.prepared': '[]',
        'visible.prepared': '[]',
        'recover.prepared': '[22359:send-commit:[1]]',
        'recover.committed': '[]',
        'visible.committed': '[a1, a2]',
        // A prepared branch rolled back sends nothing; a one-phase commit sends.
        'prepare.rollback': '0',
        'visible.rolledback.onephase': '[c1]',
        // Acks: a prepared ack keeps the message from every other consumer; commit consumes it.
        'xa.received': 'd1',
        'prepare.ack': '0',
        // Nor does a QueueBrowser list it, while the consumer that received it is open or after.
        'browse.ackprepared.open': '[]',
        'browse.ackprepared': '[]',
        'visible.ackprepared': '[]',
        'visible.ackcommitted': '[]',
        // A prepared ack rolled back: the message comes back, redelivered.
        'xa.received2': 'e1',
        'prepare.ack2': '0',
        'ackrolledback': 'e1,redelivered=true',
        // XA_RDONLY for a branch that did nothing (and it is then gone: XAER_NOTA).
        'prepare.empty': '3',
        'commit.afterReadOnly': '-4',
        // XAER_NOTA for an unknown xid, XAER_PROTO for a two-phase commit without prepare; a
        // second prepare answers as the first; a prepared branch commits with either flag.
        'commit.unknown': '-4',
        'rollback.unknown': '-4',
        // ActiveMQ answers a prepare of an unknown xid with an IllegalStateException, which
        // its client turns into XAER_RMFAIL.
        'prepare.unknown': '-7',
        'forget.unknown': '-4',
        'commit.twophase.unprepared': '-6',
        'prepare.again': 'ok',
        'commit.onephase.prepared': 'ok',
        'forget.prepared': '-4',
        // ActiveMQ's XAResource has no transaction timeout: the transaction manager keeps time.
        'timeout.set': 'false',
        'timeout.get': '0',
        'visible.end': '[h1]',
      });
    } finally {
      await stopBroker(broker);
    }
  });

  it('openwire xa - branches prepared before a broker restart are recovered after it and completed: nothing lost, nothing doubled', async () => {
    const dir = tempDir();
    let broker: Broker | undefined;
    try {
      broker = await startBroker({ persistent: true, dataDirectory: dir });
      const before = await probe(['prepare', broker.connectorUrl('tcp'), 'xa.restart', 'restart']);
      // A consumed p1 and sent r1; B consumed p2 and sent r2. Nothing is visible while prepared,
      // to a consumer or a browser.
      assert.equal(before['prepare.A'], '0:p1');
      assert.equal(before['prepare.B'], '0:p2');
      assert.equal(before['browse.prepared'], '[]');
      assert.equal(before['visible.prepared'], '[]');
      assert.equal(before.recover, '[22359:restart-A:[1], 22359:restart-B:[1]]');
      await broker.stop();
      broker = await startBroker({ persistent: true, dataDirectory: dir });
      const after = await probe(['complete', broker.connectorUrl('tcp'), 'xa.restart', 'restart']);
      assert.equal(after.recover, '[22359:restart-A:[1], 22359:restart-B:[1]]');
      // Still reserved after the restart: before the outcome, a browser and a consumer see only
      // p3, the message no branch holds.
      assert.equal(after['browse.before'], '[p3]');
      assert.equal(after['visible.before'], '[p3]');
      assert.equal(after['recover.after'], '[]');
      // A committed: p1 consumed, r1 delivered. B rolled back: p2 back, r2 never sent.
      assert.equal(after['browse.after'], '[p2, r1]');
      assert.equal(after['visible.after'], '[p2, r1]');
    } finally {
      if (broker) await broker.stop();
      removeDir(dir);
    }
  });
});
