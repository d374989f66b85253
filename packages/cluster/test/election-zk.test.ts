// The election against a real ZooKeeper (Debian's package; scripts/install-zookeeper.sh).
// Each node talks to ZooKeeper through its own TCP proxy, so a test can cut one node off
// (a blackhole: the connection stays open, nothing gets through) and heal it.

import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  agreed, electionConformanceCases, member, waitForAll, waitForLost, waitForState, type ElectionFixture,
} from './election-conformance';
import type { ElectionLogger } from '../src/election/types';
import { ZooKeeperElection } from '../src/election/zookeeper';
import { startZooKeeper, startZooKeeperEnsemble, type ZooKeeperHandle } from '@wharf/testkit';
import {
  Code, create, createClient, digestId, getAcl, getChildren, getData, isCode, remove, type Client,
} from '../src/election/zk-client';
import { readClusterStatus } from '../src/status';

const SESSION_MS = 2000;
const WAIT_MS = 10_000;

// WHARF_TEST_LOG=1 shows the election's logs.
const logger: ElectionLogger | undefined = process.env.WHARF_TEST_LOG
  ? {
      debug: (o, m) => console.debug(new Date().toISOString(), m, JSON.stringify(o)),
      info: (o, m) => console.info(new Date().toISOString(), m, JSON.stringify(o)),
      warn: (o, m) => console.warn(new Date().toISOString(), m, JSON.stringify(o)),
      error: (o, m) => console.error(new Date().toISOString(), m, JSON.stringify(o)),
    }
  : undefined;

/** A TCP proxy to ZooKeeper that can drop its connections or swallow all traffic. */
class Proxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private blocked = false;
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.accept(client));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no proxy port');
    this.port = addr.port;
    return this;
  }

  /** From now on nothing gets through, and no connection is closed (a silent network). */
  blackhole(): void {
    this.blocked = true;
  }

  /** Traffic flows again; connections of the blackhole period are dropped (bytes were lost). */
  heal(): void {
    this.blocked = false;
    this.reset();
  }

  /** Drops every connection (the client reconnects). */
  reset(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.blocked) return; // held open, never answered
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.track(upstream);
    client.on('data', (d) => {
      if (!this.blocked) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!this.blocked) client.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!this.blocked) client.destroy();
    });
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => this.sockets.delete(s));
  }
}

function connectClient(connectString: string): Promise<Client> {
  const client = createClient(connectString, { sessionTimeout: SESSION_MS });
  return new Promise((resolve) => {
    client.once('connected', () => resolve(client));
    client.connect();
  });
}

async function deleteTree(client: Client, path: string): Promise<void> {
  const children = await getChildren(client, path).catch(() => [] as string[]);
  for (const child of children) await deleteTree(client, `${path}/${child}`);
  await remove(client, path, -1).catch(() => undefined);
}

describe('election (zookeeper)', function () {
  this.timeout(30_000);
  let zk: ZooKeeperHandle;
  let groupSeq = 0;

  before(async function () {
    this.timeout(60_000);
    zk = await startZooKeeper();
  });

  after(async () => {
    await zk?.stop();
  });

  /** Nodes connected straight to the shared server (for server-side faults). */
  async function directGroup(
    connectString = zk.connectString,
    { zkPath = `/wharf-test/direct${++groupSeq}`, zkPassword }: { zkPath?: string; zkPassword?: string } = {},
  ): Promise<{ nodes: ZooKeeperElection[]; stop(): Promise<void> }> {
    const nodes = ['a', 'b', 'c'].map(
      () => new ZooKeeperElection({ zkAddress: connectString, zkPath, zkSessionTimeout: SESSION_MS, logger, zkPassword }),
    );
    for (const [i, n] of nodes.entries()) await n.start(member(['a', 'b', 'c'][i] ?? '?', { epoch: 1, index: 30 - 10 * i }));
    return { nodes, stop: () => Promise.all(nodes.map((n) => n.stop())).then(() => undefined) };
  }

  const fixture: ElectionFixture = {
    timeoutMs: WAIT_MS,
    async group() {
      const zkPath = `/wharf-test/g${++groupSeq}`;
      const nodes: Array<{ e: ZooKeeperElection; proxy: Proxy }> = [];
      const proxyOf = (e: unknown): Proxy => {
        const found = nodes.find((n) => n.e === e);
        if (!found) throw new Error('not a node of this group');
        return found.proxy;
      };
      return {
        async create(opts) {
          const proxy = await new Proxy(zk.port).start();
          try {
            const e = new ZooKeeperElection({
              zkAddress: proxy.address, zkPath, zkSessionTimeout: SESSION_MS, replicas: opts?.replicas, logger,
            });
            nodes.push({ e, proxy });
            return e;
          } catch (err) {
            await proxy.close();
            throw err;
          }
        },
        async partition(e) {
          proxyOf(e).blackhole();
        },
        async heal(e) {
          proxyOf(e).heal();
        },
        async expire() {
          // ZooKeeper expires the silent session by itself after zkSessionTimeout.
        },
        async close() {
          await Promise.all(nodes.map((n) => n.e.stop()));
          await Promise.all(nodes.map((n) => n.proxy.close()));
        },
      };
    },
  };

  describe('conformance', () => {
    for (const c of electionConformanceCases(fixture)) it(c.name, c.run);
  });

  it('zk-server - restart keeps the port and the data (the epoch survives)', async () => {
    const zkPath = `/wharf-test/restart${++groupSeq}`;
    const solo = (): ZooKeeperElection =>
      new ZooKeeperElection({ zkAddress: zk.connectString, zkPath, zkSessionTimeout: SESSION_MS, replicas: 1, logger });
    const first = solo();
    await first.start(member('a', { epoch: 0, index: 0 }));
    assert.equal((await waitForState(first, (s) => s.role === 'master', WAIT_MS)).epoch, 1);
    await first.stop();
    const port = zk.port;
    await zk.restart();
    assert.equal(zk.port, port);
    const second = solo();
    try {
      await second.start(member('a', { epoch: 0, index: 0 }));
      assert.equal((await waitForState(second, (s) => s.role === 'master', WAIT_MS)).epoch, 2);
    } finally {
      await second.stop();
    }
  });

  it('a dropped connection: the master stops at once, and a new term begins', async () => {
    const g = await fixture.group();
    try {
      const nodes = await Promise.all([0, 1, 2].map(() => g.create()));
      const [a] = nodes as [ZooKeeperElection];
      for (const [i, n] of nodes.entries()) await n.start(member(['a', 'b', 'c'][i] ?? '?', { epoch: 1, index: 30 - 10 * i }));
      const [first] = await waitForAll(nodes, agreed('a', 3), WAIT_MS);
      const lost = waitForLost(a, WAIT_MS);
      const session = a.sessionId();
      // Drop a's connection the hard way: partition + heal = reset with nothing delivered.
      await g.partition(a);
      await g.heal(a);
      assert.match(await lost, /disconnected/);
      // At once: the reason is the dropped connection, not an expired session.
      const [second] = await waitForAll(nodes, agreed('a', 3), WAIT_MS, 'a master again');
      assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0), 'a new term has a new epoch');
      assert.equal(a.sessionId(), session, 'same session');
    } finally {
      await g.close();
    }
  });

  it('a session expired by ZooKeeper is replaced: the node rejoins with a new session (AMQ-5082)', async () => {
    const g = await fixture.group();
    try {
      const nodes = await Promise.all([0, 1, 2].map(() => g.create()));
      const [a, , c] = nodes as [ZooKeeperElection, ZooKeeperElection, ZooKeeperElection];
      for (const [i, n] of nodes.entries()) await n.start(member(['a', 'b', 'c'][i] ?? '?', { epoch: 1, index: 30 - 10 * i }));
      await waitForAll(nodes, agreed('a', 3), WAIT_MS);
      const session = c.sessionId();
      await g.partition(c);
      await waitForState(a, (s) => s.members.length === 2, WAIT_MS, 'ZooKeeper expired c');
      await g.heal(c);
      await waitForAll(nodes, agreed('a', 3), WAIT_MS, 'c rejoined');
      assert.notEqual(c.sessionId(), session);
    } finally {
      await g.close();
    }
  });

  it('znodes deleted by hand: the nodes re-register, the master steps down, and the epoch never repeats', async () => {
    const admin = await connectClient(zk.connectString);
    const { nodes, stop } = await directGroup();
    try {
      const zkPath = (nodes[0] as ZooKeeperElection).zkPath;
      const [first] = await waitForAll(nodes, agreed('a', 3), WAIT_MS);
      const [a] = nodes as [ZooKeeperElection];
      const lost = waitForLost(a, WAIT_MS);
      for (const m of await getChildren(admin, `${zkPath}/members`)) await remove(admin, `${zkPath}/members/${m}`, -1);
      // Deleting every member znode is seen either as the master znode vanishing or as quorum loss first.
      assert.match(await lost, /vanished|quorum lost/);
      const [second] = await waitForAll(nodes, agreed(undefined, 3), WAIT_MS, 'one master after the members were deleted');
      assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0));
      await deleteTree(admin, zkPath); // the epoch counter is gone too
      const [third] = await waitForAll(nodes, (s) => agreed(undefined, 3)(s) && (s[0]?.epoch ?? 0) !== second?.epoch,
        WAIT_MS, 'one master after the group was deleted');
      assert.ok((third?.epoch ?? 0) > (second?.epoch ?? 0), `epoch ${third?.epoch} after ${second?.epoch}`);
    } finally {
      await stop();
      admin.close();
    }
  });

  it('ZooKeeper killed and restarted (same data dir): the group recovers with one master', async () => {
    const { nodes, stop } = await directGroup();
    try {
      const [first] = await waitForAll(nodes, agreed('a', 3), WAIT_MS);
      const [a] = nodes as [ZooKeeperElection];
      const lost = waitForLost(a, WAIT_MS);
      await zk.kill();
      assert.match(await lost, /disconnected|no answer/);
      await waitForAll(nodes, (states) => states.every((s) => s.role === 'candidate'), WAIT_MS, 'all candidates');
      await zk.restart();
      const [second] = await waitForAll(nodes, agreed(undefined, 3), WAIT_MS, 'one master after the restart');
      assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0), 'a new term has a new epoch');
    } finally {
      await stop();
    }
  });

  it('a hung ZooKeeper (SIGSTOP): the master stops within the session timeout; after SIGCONT the group recovers', async () => {
    const { nodes, stop } = await directGroup();
    try {
      const [first] = await waitForAll(nodes, agreed('a', 3), WAIT_MS);
      const [a] = nodes as [ZooKeeperElection];
      const lost = waitForLost(a, WAIT_MS);
      const t0 = performance.now();
      zk.pause();
      try {
        assert.match(await lost, /no answer/);
        const elapsed = performance.now() - t0;
        assert.ok(elapsed < SESSION_MS, `lost after ${Math.round(elapsed)} ms, before the session could expire`);
        assert.equal(a.state().role, 'candidate');
      } finally {
        zk.resume();
      }
      const [second] = await waitForAll(nodes, agreed(undefined, 3), WAIT_MS, 'one master after SIGCONT');
      assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0), 'a new term has a new epoch');
    } finally {
      await stop();
    }
  });

  it('ensemble: one master with 2 of 3 ZooKeeper servers; none without a ZooKeeper quorum; recovery', async function () {
    this.timeout(60_000);
    const ensemble = await startZooKeeperEnsemble(3);
    const [zk1, zk2] = ensemble.servers as [ZooKeeperHandle, ZooKeeperHandle];
    try {
      const { nodes, stop } = await directGroup(ensemble.connectString);
      try {
        const [first] = await waitForAll(nodes, agreed('a', 3), WAIT_MS);
        await zk1.kill();
        await waitForAll(nodes, agreed(undefined, 3), WAIT_MS, 'one master with 2 of 3 servers');
        const master = nodes.find((n) => n.state().role === 'master');
        assert.ok(master);
        const lost = waitForLost(master, WAIT_MS);
        await zk2.kill(); // the last server has no quorum and stops serving
        await lost;
        await waitForAll(nodes, (states) => states.every((s) => s.role === 'candidate'), WAIT_MS, 'no master');
        await zk2.restart();
        const [second] = await waitForAll(nodes, agreed(undefined, 3), 20_000, 'one master again');
        assert.ok((second?.epoch ?? 0) > (first?.epoch ?? 0));
      } finally {
        await stop();
      }
    } finally {
      await ensemble.stop();
    }
  });

  it('zkPassword: the group is closed to other sessions, a wrong or missing password fails start() naming it, an open group is locked down', async () => {
    const zkPath = `/wharf-test/auth${++groupSeq}`;
    const noAuth = (err: unknown): boolean => isCode(err, Code.NO_AUTH);
    const admin = await connectClient(zk.connectString); // no credentials
    try {
      // The group first ran without a password: its znodes are open to anyone.
      const before = await directGroup(zk.connectString, { zkPath });
      await waitForAll(before.nodes, agreed('a', 3), WAIT_MS);
      await before.stop();
      await getData(admin, `${zkPath}/epoch`);

      const { nodes, stop } = await directGroup(zk.connectString, { zkPath, zkPassword: 'right horse' });
      try {
        await waitForAll(nodes, agreed('a', 3), WAIT_MS);
        // Locked down, including the znodes the open run had created.
        await assert.rejects(getData(admin, `${zkPath}/epoch`), noAuth);
        await assert.rejects(getData(admin, `${zkPath}/master`), noAuth);
        await assert.rejects(getChildren(admin, `${zkPath}/members`), noAuth);
        await assert.rejects(create(admin, `${zkPath}/members/intruder`, Buffer.from('{}'), 0), noAuth);
        await assert.rejects(create(admin, `${zkPath}/master2`, undefined, 0), noAuth);
        // The parent is shared with other groups and stays open.
        await create(admin, `/wharf-test/other${groupSeq}`, undefined, 0);
        const keyed = createClient(zk.connectString, { sessionTimeout: SESSION_MS }, 'right horse');
        try {
          await new Promise<void>((ok) => {
            keyed.once('connected', () => ok());
            keyed.connect();
          });
          const acl = await getAcl(keyed, zkPath);
          assert.deepEqual(acl.map((a) => `${a.id.scheme}:${a.id.id}:${a.permission}`), [`digest:${digestId('right horse')}:31`]);
        } finally {
          keyed.close();
        }

        // A node with another password, or none, does not join: start() fails and says why.
        const wrong = new ZooKeeperElection({ zkAddress: zk.connectString, zkPath, zkSessionTimeout: SESSION_MS, logger, zkPassword: 'wrong' });
        await assert.rejects(wrong.start(member('d', { epoch: 0, index: 0 })), /denied access to the group .*another password.*zkPassword/);
        const none = new ZooKeeperElection({ zkAddress: zk.connectString, zkPath, zkSessionTimeout: SESSION_MS, logger });
        await assert.rejects(none.start(member('e', { epoch: 0, index: 0 })), /protected by a password.*zkPassword/);
        assert.ok(agreed('a', 3)(nodes.map((n) => n.state())), 'the group carries on');

        // `wharf cluster status` reads it with the password only.
        const view = await readClusterStatus(zk.connectString, zkPath, 5000, 'right horse');
        assert.equal(view.master?.id, 'a');
        assert.equal(view.members.length, 3);
        await assert.rejects(readClusterStatus(zk.connectString, zkPath, 5000), /protected by a password/);
      } finally {
        await stop();
      }
    } finally {
      admin.close();
    }
  });
});
