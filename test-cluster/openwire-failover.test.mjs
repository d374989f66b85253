// Java clients (ActiveMQ 5.17's own client jar) against a replicated group of real `wharf start`
// processes and a real ZooKeeper, through failover:(tcp://n1,tcp://n2,tcp://n3):
//  - the master is killed with SIGKILL 5 times while Java producers send persistent messages
//    synchronously and a Java consumer receives: every send that returned is consumed, a
//    message delivered twice is marked redelivered the second time, and sends resume on each
//    new master;
//  - a Java client given only a slave's URL is told the members by the slave and finds the master;
//  - open local transactions across a failover: a consuming transaction's commit fails with
//    TransactionRolledBackException and its message comes again, redelivered; a producing
//    transaction (replayed by the client on the new master) commits its messages once. This is
//    what ActiveMQ 5.17 does with a shared-store master/slave pair, line for line
//    (scripts/openwire-failover-vs-activemq.sh runs the same program there);
//  - a connection with a client id and a durable subscription carries on on the new master.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Group, root, sharedZooKeeper, until } from './lib/group.mjs';

const require = createRequire(import.meta.url);
const java = require(path.join(root, 'packages', 'openwire', 'dist', 'test', 'java.js'));
const ROUNDS = 5;
const SESSION_MS = 2000;
const BUILD = path.join(os.tmpdir(), `wharf-tc-java-${process.getuid?.() ?? 0}`);

/** One Java program (test-cluster/java/OwFailover.java); its stdout lines are kept and awaited. */
class JavaProgram {
  constructor(args) {
    this.lines = [];
    /** When each line arrived (Date.now()), for the failure messages. */
    this.times = [];
    this.child = spawn('java', ['-cp', `${BUILD}${path.delimiter}${java.classpath()}`, 'OwFailover', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.stderr = '';
    let buf = '';
    this.child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.lines.push(line);
        this.times.push(Date.now());
        this.onLine?.(line);
        if (process.env.WHARF_TEST_LOG) console.log(`[java ${args[0]}] ${line}`);
      }
    });
    this.child.stderr.on('data', (d) => (this.stderr += d));
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.running = true;
    this.exited.then(() => (this.running = false));
  }

  /** The first line (from index `from`) matching `re`. */
  async line(re, ms, from = 0) {
    return until(ms, () => {
      if (!this.running && !this.lines.slice(from).some((l) => re.test(l))) {
        throw Object.assign(new Error(`the Java program ended (${this.stderr.slice(-2000)})`), { fatal: true });
      }
      return this.lines.slice(from).find((l) => re.test(l));
    }, `a Java line matching ${re} (last: ${this.lines.slice(-3).join(' | ')})`);
  }

  write(line) {
    this.child.stdin.write(`${line}\n`);
  }

  async close(ms = 20_000) {
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }

  kill() {
    if (this.running) this.child.kill('SIGKILL');
  }
}

describe('cluster (processes) - Java clients fail over across the group', function () {
  this.timeout(180_000);
  let g;
  const programs = [];
  const run = (args) => {
    const p = new JavaProgram(args);
    programs.push(p);
    return p;
  };

  before(async function () {
    if (!java.classpath()) this.skip();
    java.compileJava(path.join(root, 'test-cluster', 'java'), BUILD);
    const zk = await sharedZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, zkSessionTimeout: SESSION_MS });
    await g.start();
    await g.waitForMaster();
  });

  after(async () => {
    for (const p of programs) p.kill();
    await g?.close();
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || !g) return;
    console.log(g.logs());
    // What the Java programs printed, beside the nodes' logs (kept with WHARF_TEST_KEEP=1).
    programs.forEach((p, i) => fs.writeFileSync(path.join(g.dir, `java-${i}.log`), `${p.lines.join('\n')}\n${p.stderr}`));
  });

  /** kill -9 of the master; resolves with it once program `p` has reconnected to the new one. */
  async function killUnder(p) {
    const m = await g.waitForMaster();
    const mark = p.lines.length;
    await m.kill();
    const next = await g.waitForMaster(30_000, m);
    // The client may touch a refusing node on its way (a short-lived connection each time).
    await p.line(new RegExp(`^RESUMED ${next.url}$`), 30_000, mark);
    return m;
  }

  /** The killed master back as a slave. */
  async function rejoin(m) {
    await m.start();
    await until(30_000, () => m.role === 'slave', `${m.id} to rejoin as a slave (roles: ${g.roles()})`);
  }

  it(`openwire failover - kill -9 of the master ${ROUNDS} times under Java load: every returned send consumed, duplicates only redelivered`, async () => {
    // The client's own duplicate suppression (its connection's message audit) is off, so that a
    // message the group stored twice, or redelivered unmarked, reaches the test.
    const load = run(['load', g.failoverUrl('&jms.checkForDuplicates=false'), 'OW.FAILOVER', '2']);
    const sent = () => load.lines.filter((l) => l.startsWith('SENT ')).length;
    const t0 = Date.now();
    const events = [];
    const at = () => `+${Date.now() - t0} ms`;
    await until(30_000, () => sent() >= 50, 'the first 50 Java sends');
    for (let round = 1; round <= ROUNDS; round++) {
      const m = await g.waitForMaster();
      await g.waitCaughtUp(30_000, 2, 5000);
      const before = sent();
      await until(20_000, () => sent() >= before + 30, `30 more Java sends before kill ${round}`);
      const killedAt = load.lines.length;
      events.push(`${at()} kill ${round} of ${m.id} (epoch ${m.epoch})`);
      await m.kill();
      const next = await g.waitForMaster(30_000, m);
      events.push(`${at()} ${next.id} master (epoch ${next.epoch})`);
      // Service resumes on the new master: sends that returned after the kill (20 of them).
      await until(30_000, () => load.lines.slice(killedAt).filter((l) => l.startsWith('SENT ')).length >= 20,
        `Java sends to resume on ${next.id} after kill ${round}`);
      await rejoin(m);
    }
    load.write('stop');
    await load.line(/^PRODUCER-DONE p1$/, 30_000);
    await load.line(/^PRODUCER-DONE p0$/, 30_000);
    const acknowledged = new Set(load.lines.filter((l) => l.startsWith('SENT ')).map((l) => l.slice(5)));
    const received = () => {
      const r = new Map();
      for (const l of load.lines) {
        const m = /^RECV (\S+) (true|false)$/.exec(l);
        if (!m) continue;
        if (!r.has(m[1])) r.set(m[1], []);
        r.get(m[1]).push(m[2] === 'true');
      }
      return r;
    };
    // A lost send is named with when it returned, among the kills and elections.
    const describeMissing = () => {
      const r = received();
      const missing = [...acknowledged].filter((b) => !r.has(b));
      const sentAt = (b) => `+${load.times[load.lines.indexOf(`SENT ${b}`)] - t0} ms`;
      return `${missing.length} missing, e.g. ${missing.slice(0, 5).map((b) => `${b} (sent ${sentAt(b)})`).join(', ')}; ${events.join('; ')}`;
    };
    await until(60_000, () => [...acknowledged].every((b) => received().has(b)), {
      toString: () => `every acknowledged Java send to be consumed (${describeMissing()})`,
    });
    const r = received();
    const unmarked = [...r].filter(([, flags]) => flags.slice(1).some((x) => !x)).map(([b]) => b);
    assert.deepEqual(unmarked, [], 'a message delivered twice must be marked redelivered the second time');
    assert.deepEqual(load.lines.filter((l) => /FAILED|TRANSPORT-ERROR/.test(l)), [], 'no Java send or connection failed');
    const duplicates = [...r.values()].filter((f) => f.length > 1).length;
    console.log(`      ${acknowledged.size} acknowledged Java sends over ${ROUNDS} kills, ${duplicates} redelivered duplicates`);
    assert.equal(await load.close(), 0, load.stderr);
  });

  it('openwire failover - a Java client given one slave\'s URL is told the members and finds the master', async () => {
    const m = await g.waitForMaster();
    const slave = g.nodes.find((n) => n.role === 'slave');
    assert.ok(slave, `a slave (roles: ${g.roles()})`);
    const p = run(['find-master', `failover:(${slave.url})`, 'OW.FIND']);
    const found = await p.line(/^FOUND /, 60_000);
    assert.equal(found, `FOUND found ${m.url}`);
    assert.equal(await p.close(), 0, p.stderr);
  });

  it('openwire failover - open local transactions: a consuming commit fails with TransactionRolledBackException, a producing one is replayed once', async () => {
    const p = run(['tx-across-failover', g.failoverUrl(), 'OW.TX']);
    assert.equal(await p.line(/^TX-RECEIVED /, 30_000), 'TX-RECEIVED before');
    await p.line(/^READY$/, 30_000);
    const m = await killUnder(p);
    p.write('go');
    const consumerCommit = await p.line(/^CONSUMER-COMMIT /, 30_000);
    assert.match(consumerCommit, /^CONSUMER-COMMIT javax\.jms\.TransactionRolledBackException: /);
    assert.equal(await p.line(/^PRODUCER-COMMIT /, 30_000), 'PRODUCER-COMMIT OK');
    assert.equal(await p.line(/^AFTER /, 30_000), 'AFTER before true');
    assert.equal(await p.line(/^CONSUMER-COMMIT-2 /, 30_000), 'CONSUMER-COMMIT-2 OK');
    await p.line(/^CLOSED$/, 30_000);
    assert.deepEqual(p.lines.filter((l) => l.startsWith('TXQ ')), ['TXQ tx-1 false', 'TXQ tx-2 false']);
    assert.deepEqual(p.lines.filter((l) => l.startsWith('LEFT ')), []);
    assert.equal(await p.close(), 0, p.stderr);
    await rejoin(m);
  });

  it('openwire failover - a connection with a client id and a durable subscription carries on on the new master', async () => {
    const p = run(['durable-across-failover', g.failoverUrl('&jms.clientID=ow-durable'), 'OW.DURABLE']);
    assert.equal(await p.line(/^READY /, 30_000), 'READY ow-durable');
    const m = await killUnder(p);
    p.write('go');
    await p.line(/^CLOSED$/, 30_000);
    const lines = p.lines.filter((l) => l.startsWith('DURABLE ')).map((l) => l.split(' '));
    // Acks the dead master had not passed on may bring a message again, marked redelivered.
    const seen = new Set();
    for (const [, id, redelivered] of lines) {
      if (seen.has(id)) assert.equal(redelivered, 'true', `${id} again without JMSRedelivered: ${p.lines.join(' | ')}`);
      seen.add(id);
    }
    assert.deepEqual([...seen], ['d-1', 'd-2', 'd-3', 'd-4', 'd-5', 'd-6', 'd-7', 'd-8', 'd-9', 'd-10']);
    assert.equal(await p.close(), 0, p.stderr);
    await rejoin(m);
  });
});
