// The web console on every node of a group (docs/CLUSTER.md, "The console on every node"): /healthz answers on
// every live node, /readyz is 200 only on the serving master and 503 naming the master elsewhere,
// the REST API of a slave answers 503 naming the master, /api/cluster agrees with
// `wharf cluster status`, and after kill -9 of the master the new master's console turns ready
// and shows its broker (with the messages the old master replicated).
/* global AbortSignal -- a Node 20 global */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { Group, runCli, sharedZooKeeper, until } from './lib/group.mjs';

async function get(url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  let body = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, body, text };
}

const post = (url, body) => get(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('cluster (processes) - console on every node', function () {
  this.timeout(60_000);
  let g;

  before(async () => {
    const zk = await sharedZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, console: true });
    await g.start();
  });

  after(async () => {
    await g?.close();
  });

  it('cluster console - readiness only on the master, slaves name it, /api/cluster agrees with wharf cluster status; it follows a kill -9 failover', async () => {
    const m = await g.waitForMaster();
    await g.waitForRoles(20_000, g.nodes.map((n) => (n === m ? 'master' : 'slave')));
    const slaves = g.nodes.filter((n) => n !== m);

    await until(10_000, async () => (await get(`${m.consoleUrl}/readyz`)).status === 200, `${m.id} /readyz 200`);
    const ready = await get(`${m.consoleUrl}/readyz`);
    assert.equal(ready.body.role, 'master');
    assert.equal(ready.body.master.id, m.id);
    for (const n of g.nodes) assert.deepEqual((await get(`${n.consoleUrl}/healthz`)).body, { status: 'ok' }, `${n.id} /healthz`);

    for (const s of slaves) {
      const r = await get(`${s.consoleUrl}/readyz`);
      assert.equal(r.status, 503, `${s.id} /readyz`);
      assert.equal(r.body.role, 'slave');
      assert.equal(r.body.node, s.id);
      assert.deepEqual(r.body.master, { id: m.id, clientUrl: m.url, epoch: m.epoch });
      const api = await get(`${s.consoleUrl}/api/queues`);
      assert.equal(api.status, 503);
      assert.equal(api.body.code, 'WHARF_CONSOLE_NOT_SERVING');
      assert.match(api.body.error, new RegExp(`is a slave; the master is ${m.url.replace(/\./g, '\\.')} \\(node ${m.id}`));
      assert.equal((await get(`${s.consoleUrl}/admin/`)).status, 200, 'the UI is served on a slave too');
      assert.match((await get(`${s.consoleUrl}/metrics`)).text, /^wharf_cluster_master 0$/m);
    }
    assert.match((await get(`${m.consoleUrl}/metrics`)).text, /^wharf_cluster_master 1$/m);

    // The master's console acts on its broker; the message is replicated.
    for (let i = 0; i < 3; i++) assert.equal((await post(`${m.consoleUrl}/api/send`, { destination: 'queue://CONSOLE', body: `m${i}` })).status, 201);
    assert.equal((await get(`${m.consoleUrl}/api/queues/CONSOLE`)).body.pending, 3);

    // `wharf cluster status` once the master's status znode (written about once a second) has
    // its current position and both slaves are caught up.
    const own = (await get(`${m.consoleUrl}/api/cluster`)).body.position;
    const view = await until(20_000, async () => {
      const { view: v } = await g.status();
      const p = v?.master?.position;
      const caughtUp = v?.members.filter((x) => x.role === 'slave' && x.lag === 0).length === 2;
      return p && p.epoch === own.epoch && p.index === own.index && caughtUp ? v : undefined;
    }, `wharf cluster status with the master at ${own.epoch}:${own.index} and both slaves caught up (roles: ${g.roles()})`);
    for (const n of g.nodes) {
      const c = (await get(`${n.consoleUrl}/api/cluster`)).body;
      assert.equal(c.enabled, true);
      assert.equal(c.self, n.id);
      assert.equal(c.role, n === m ? 'master' : 'slave', `${n.id} role`);
      assert.equal(c.epoch, view.epoch, `${n.id} epoch`);
      assert.equal(c.master, view.master.id);
      assert.equal(c.masterUrl, view.master.clientUrl);
      assert.deepEqual(c.members.map((x) => x.id).sort(), view.members.map((x) => x.id).sort());
      for (const mem of c.members) assert.equal(mem.role, mem.id === view.master.id ? 'master' : 'slave', `${n.id} sees ${mem.id}`);
      assert.equal(c.replicas, 3);
      // Every node's page shows the slaves as wharf cluster status does (what they received and
      // wrote), not the position they published when they registered.
      await until(10_000, async () => {
        const now = (await get(`${n.consoleUrl}/api/cluster`)).body;
        return slaves.every((s) => {
          const mine = now.members.find((x) => x.id === s.id);
          const cli = view.members.find((x) => x.id === s.id);
          return mine?.received === cli.received && mine?.written === cli.durable && mine?.position === undefined;
        });
      }, `${n.id}'s console shows the slaves' received/written as wharf cluster status`);
      if (n === m) {
        assert.deepEqual(c.position, view.master.position, 'the master position wharf cluster status shows');
        for (const s of slaves) assert.equal(c.lag[s.id], view.members.find((x) => x.id === s.id).lag, `lag of ${s.id}`);
      } else {
        assert.ok(c.position.index >= view.members.find((x) => x.id === n.id).durable, `${n.id} holds what it acknowledged`);
      }
    }

    // kill -9 the master: the new master's console turns ready and shows its own broker.
    await m.kill();
    const next = await until(30_000, async () => {
      for (const s of slaves) if ((await get(`${s.consoleUrl}/readyz`)).status === 200) return s;
      return undefined;
    }, 'a new master whose /readyz is 200');
    const other = slaves.find((s) => s !== next);
    assert.equal((await get(`${next.consoleUrl}/readyz`)).body.role, 'master');
    assert.equal((await get(`${next.consoleUrl}/api/queues/CONSOLE`)).body.pending, 3, 'the new master\'s broker has the replicated messages');
    await until(20_000, async () => {
      const r = await get(`${other.consoleUrl}/readyz`);
      return r.status === 503 && r.body.master?.id === next.id;
    }, `${other.id} /readyz naming ${next.id}`);
    assert.equal((await get(`${other.consoleUrl}/healthz`)).status, 200);

    // Two of three members: wharf cluster status says one is missing and exits 4 (not 3, no master).
    const short = await until(20_000, async () => {
      const r = await g.status();
      return r.code === 4 && r.view?.master?.id === next.id ? r : undefined;
    }, 'wharf cluster status exiting 4 with the new master');
    assert.equal(short.view.replicas, 3);
    assert.equal(short.view.missing, 1);
    assert.equal(short.view.members.length, 2);
    const text = await runCli(['cluster', 'status', '--zk', g.zkAddress, '--zk-path', g.zkPath]);
    assert.equal(text.code, 4, text.stderr);
    assert.match(text.stdout, /, 2 of 3 members/);
    assert.match(text.stderr, /wharf: 1 of the group's 3 members is missing: only .* registered in ZooKeeper/);
    const page = await until(10_000, async () => {
      const c = (await get(`${next.consoleUrl}/api/cluster`)).body;
      return c.members.length === 2 ? c : undefined;
    }, 'the console lists the two members left');
    assert.equal(page.replicas, 3);

    // The nodes' stdout is JSON (not a terminal), one format, every key once (a node's lines
    // named it twice).
    for (const n of g.nodes) {
      for (const line of fs.readFileSync(n.logFile, 'utf8').split('\n').filter((l) => l.startsWith('{'))) {
        const again = JSON.stringify(JSON.parse(line));
        for (const k of Object.keys(JSON.parse(line))) assert.equal(line.split(`"${k}":`).length, again.split(`"${k}":`).length, `${k} repeated in ${line}`);
      }
    }
  });
});
