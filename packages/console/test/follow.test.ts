// The console of a cluster node: one console for the life of the process, following the broker
// of the node's current term (followBroker). A slave is alive but not ready and its API names
// the master; a master's console shows its broker; a new term's broker replaces the old one.
import assert from 'node:assert/strict';
import type { Broker } from '@wharf/broker';
import { ConsoleErrorCode, followBroker, startConsole, type ConsoleHandle } from '../src/index';
import { FakeNode, newBroker } from './fake-node';
import { http } from './helpers';
import { parsePrometheusText, valueOf } from './prom-text';

describe('console follow - the console of a cluster node follows the current term\'s broker', function () {
  this.timeout(20000);
  let node: FakeNode;
  let c: ConsoleHandle;
  const brokers: Broker[] = [];

  beforeEach(async () => {
    node = new FakeNode();
    c = await startConsole(followBroker(node, { name: 'orders' }), { host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await c.close();
    for (const b of brokers.splice(0)) await b.stop();
  });

  async function becomeMaster(): Promise<Broker> {
    const b = await newBroker();
    brokers.push(b);
    node.current = b;
    node.nodeRole = 'master';
    node.master = { id: 'orders-1', clientUrl: 'tcp://10.0.0.1:61616' };
    node.epoch++;
    return b;
  }

  it('a slave is alive, not ready, and its API answers 503 naming the master', async () => {
    assert.deepEqual((await http(`${c.url}/healthz`)).body, { status: 'ok' });

    const ready = await http(`${c.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.role, 'slave');
    assert.equal(ready.body.node, 'orders-1');
    assert.deepEqual(ready.body.master, { id: 'orders-2', clientUrl: 'tcp://10.0.0.2:61616', epoch: 3 });
    assert.equal(ready.body.code, ConsoleErrorCode.NOT_SERVING);
    assert.match(ready.body.reason, /the master is tcp:\/\/10\.0\.0\.2:61616 \(node orders-2, epoch 3\)/);

    for (const path of ['/api/overview', '/api/queues', '/api/queues/ORDERS/messages', '/api/topics', '/api/connections', '/api/jobs']) {
      const r = await http(`${c.url}${path}`);
      assert.equal(r.status, 503, path);
      assert.equal(r.body.code, ConsoleErrorCode.NOT_SERVING, path);
      assert.match(r.body.error, /is a slave; the master is tcp:\/\/10\.0\.0\.2:61616/, path);
      assert.equal(r.body.master.id, 'orders-2', path);
      assert.equal(r.body.role, 'slave', path);
    }
    const send = await http(`${c.url}/api/send`, 'POST', { destination: 'queue://ORDERS', body: 'x' });
    assert.equal(send.status, 503);
    assert.equal((await http(`${c.url}/api/queues/ORDERS/purge`, 'POST', {})).status, 503);

    const info = await http(`${c.url}/api/broker`);
    assert.equal(info.status, 200);
    assert.equal(info.body.name, 'orders');
    assert.equal(info.body.role, 'slave');
    assert.equal(info.body.serving, false);
    assert.equal(info.body.store.messages, 7, 'the replicated store of the slave');

    const cluster = await http(`${c.url}/api/cluster`);
    assert.equal(cluster.status, 200);
    assert.equal(cluster.body.enabled, true);
    assert.equal(cluster.body.role, 'slave');
    assert.equal(cluster.body.master, 'orders-2');
    assert.equal(cluster.body.masterUrl, 'tcp://10.0.0.2:61616');
    assert.deepEqual(cluster.body.position, { epoch: 3, index: 42 });

    const metrics = await http(`${c.url}/metrics`);
    assert.equal(metrics.status, 200);
    const f = parsePrometheusText(metrics.text);
    assert.equal(valueOf(f, 'wharf_cluster_master'), 0);
    assert.equal(valueOf(f, 'wharf_role', { role: 'slave' }), 1);
    assert.equal(valueOf(f, 'wharf_serving'), 0);
    assert.equal(valueOf(f, 'wharf_store_messages'), 7);
  });

  it('a candidate with no master elected is not ready and says so', async () => {
    node.nodeRole = 'candidate';
    node.master = null;
    const r = await http(`${c.url}/readyz`);
    assert.equal(r.status, 503);
    assert.equal(r.body.role, 'candidate');
    assert.equal(r.body.master, null);
    assert.match(r.body.reason, /no master is elected yet/);
    assert.equal((await http(`${c.url}/api/queues`)).status, 503);
  });

  it('as master it shows and acts on the broker of the current term, and on the next term\'s broker after that', async () => {
    const first = await becomeMaster();
    const ready = await http(`${c.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.role, 'master');
    assert.equal(ready.body.master.id, 'orders-1');
    assert.equal((await http(`${c.url}/api/send`, 'POST', { destination: 'queue://TERM1', body: 'one' })).status, 201);
    assert.equal(first.queues.get('queue://TERM1')?.depth, 1);
    assert.deepEqual((await http(`${c.url}/api/queues`)).body.map((q: { name: string }) => q.name), ['TERM1']);
    assert.equal((await http(`${c.url}/api/broker`)).body.name, first.name);
    let f = parsePrometheusText((await http(`${c.url}/metrics`)).text);
    assert.equal(valueOf(f, 'wharf_cluster_master'), 1);
    assert.equal(valueOf(f, 'wharf_serving'), 1);
    assert.equal(valueOf(f, 'wharf_queue_depth', { destination: 'TERM1', type: 'queue' }), 1);

    // Deposed: the term's broker stops, the node follows the new master.
    await first.stop();
    node.current = undefined;
    node.nodeRole = 'slave';
    node.master = { id: 'orders-3', clientUrl: 'tcp://10.0.0.3:61616' };
    node.epoch++;
    const slave = await http(`${c.url}/readyz`);
    assert.equal(slave.status, 503);
    assert.equal(slave.body.master.clientUrl, 'tcp://10.0.0.3:61616');
    assert.equal((await http(`${c.url}/api/queues`)).status, 503);

    // Master again: a new Broker, and the console serves that one.
    const second = await becomeMaster();
    assert.equal((await http(`${c.url}/readyz`)).status, 200);
    assert.equal((await http(`${c.url}/api/send`, 'POST', { destination: 'queue://TERM3', body: 'three' })).status, 201);
    assert.equal(second.queues.get('queue://TERM3')?.depth, 1);
    assert.deepEqual((await http(`${c.url}/api/queues`)).body.map((q: { name: string }) => q.name), ['TERM3']);
    assert.equal((await http(`${c.url}/api/broker`)).body.name, second.name);
    f = parsePrometheusText((await http(`${c.url}/metrics`)).text);
    assert.equal(valueOf(f, 'wharf_queue_depth', { destination: 'TERM3', type: 'queue' }), 1);
    assert.equal(valueOf(f, 'wharf_queue_depth', { destination: 'TERM1', type: 'queue' }), undefined);
  });

  it('an elected master whose broker is not serving yet is not ready', async () => {
    const b = await becomeMaster();
    b.serving = false;
    node.serving = () => false;
    node.notServingReason = () => 'node orders-1 is the master (epoch 4) but is not serving yet: waiting for its slaves to catch up';
    const r = await http(`${c.url}/readyz`);
    assert.equal(r.status, 503);
    assert.equal(r.body.role, 'master');
    assert.match(r.body.reason, /waiting for its slaves/);
    assert.equal((await http(`${c.url}/api/broker`)).body.serving, false);
    assert.equal((await http(`${c.url}/api/queues`)).status, 503);
  });
});
