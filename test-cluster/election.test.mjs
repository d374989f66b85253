// Acceptance 1 (issue 6): three `wharf start` processes and a real ZooKeeper elect exactly one
// master; the slaves refuse clients with an error naming the master; `wharf cluster status`
// reports the same roles. The group has a cluster.zkPassword, so this also shows the whole path
// of a protected group: the nodes' election and status znodes, and the CLI reading them.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { Group, client, runCli, sharedZooKeeper, tempDir, testkit } from './lib/group.mjs';

describe('cluster (processes) - election', function () {
  this.timeout(60_000);
  let g;

  before(async () => {
    const zk = await sharedZooKeeper();
    g = await Group.create({ zkAddress: zk.connectString, zkPassword: 'election test secret' });
    await g.start();
  });

  after(async () => {
    await g?.close();
  });

  it('cluster - exactly one master; slaves refuse clients naming the master; wharf cluster status agrees', async () => {
    const m = await g.waitForMaster();
    const slaves = g.nodes.filter((n) => n !== m);
    await g.waitForRoles(20_000, g.nodes.map((n) => (n === m ? 'master' : 'slave')));

    for (const s of slaves) {
      const err = await new client.ConnectionFactory(s.url).createConnection().then(() => null, (e) => e);
      assert.ok(err, `${s.id} accepted a client`);
      assert.equal(err.code, 'WHARF_NOT_MASTER', err.message);
      assert.match(err.message, new RegExp(`the master is ${m.url.replace(/\./g, '\\.')}`));
    }
    // A failover client that knows only a slave learns the master from the refusal.
    const viaSlave = await new client.ConnectionFactory(`failover:(${slaves[0].url})?initialReconnectDelay=10&startupMaxReconnectAttempts=5`).createConnection();
    try {
      const s = viaSlave.createSession(false, client.Session.AUTO_ACKNOWLEDGE);
      await (await s.createProducer(s.createQueue('ELECTION.VIA.SLAVE'))).send(s.createTextMessage('found the master'));
    } finally {
      await viaSlave.close();
    }
    const sent = await runCli(['produce', '--url', m.url, '--queue', 'ELECTION', '--count', '5', '--quiet']);
    assert.equal(sent.code, 0, sent.stderr);
    const refused = await runCli(['produce', '--url', slaves[0].url, '--queue', 'ELECTION', '--count', '1', '--quiet']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /is a slave; the master is tcp:\/\//);

    const view = await g.waitCaughtUp();
    assert.equal(view.master.id, m.id);
    assert.equal(view.master.epoch, m.epoch);
    assert.equal(view.members.length, 3);
    for (const mem of view.members) assert.equal(mem.role, mem.id === m.id ? 'master' : 'slave', JSON.stringify(view));
    assert.ok(view.master.position.index >= 5, 'the master reports its log position');

    const text = await runCli(['cluster', 'status', '--zk', g.zkAddress, '--zk-path', g.zkPath, '--zk-password', 'election test secret']);
    assert.equal(text.code, 0, text.stderr);
    const locked = await runCli(['cluster', 'status', '--zk', g.zkAddress, '--zk-path', g.zkPath], { env: { WHARF_ZK_PASSWORD: '' } });
    assert.equal(locked.code, 1);
    assert.match(locked.stderr, /protected by a password\. Set cluster\.zkPassword/);
    assert.match(text.stdout, new RegExp(`master ${m.id} at ${m.url.replace(/\./g, '\\.')}`));
    for (const s of slaves) assert.match(text.stdout, new RegExp(`^${s.id} +slave +- +\\d+ +\\d+ +0 `, 'm'));
  });

  it('cluster - a node with the wrong zkPassword exits at once, saying so; the group carries on', async () => {
    const m = await g.waitForMaster();
    const [clientPort, replicationPort] = await testkit.freePorts(2);
    const dataDirectory = tempDir('wrong-password');
    try {
      const r = await runCli(['start', '--zkAddress', g.zkAddress, '--zkPath', g.zkPath, '--replicas', '3', '--nodeId', '9',
        '--dataDirectory', dataDirectory, '--console.enabled', 'false', '--replicationBind', `tcp://127.0.0.1:${replicationPort}`,
        '--transportConnectors', JSON.stringify([{ name: 'openwire', uri: `tcp://127.0.0.1:${clientPort}` }])],
      { env: { WHARF_ZK_PASSWORD: 'not the secret' } });
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /cannot start cluster node .*-9: ZooKeeper denied access to the group .*another password\. Set cluster\.zkPassword/);
      assert.equal((await g.waitForMaster()).id, m.id);
    } finally {
      fs.rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
});
