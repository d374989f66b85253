// Master-slave with ZooKeeper and a replicated LevelDB store (the ActiveMQ tutorial this project follows: "Replicated LevelDB Store"):
// three `wharf start` nodes elect a master through ZooKeeper; only the master serves clients; the
// master streams every write to the two slaves. Kill the master (kill -9) and a slave with the
// newest log becomes master; a failover: client carries on and no acknowledged message is lost.
// (docs/CLUSTER.md; needs Debian's zookeeper package: scripts/install-zookeeper.sh.)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// A throwaway ZooKeeper for this example, from the repository's test helpers; in production the
// group uses your ZooKeeper ensemble (cluster.zkAddress).
import { startZooKeeper, freePorts } from '@wharf/testkit';
import { ConnectionFactory, Session, DeliveryMode } from '@wharf/client';
import { expect } from '../lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const wharf = path.resolve(here, '..', '..', 'packages', 'cli', 'dist', 'src', 'bin.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-master-slave-'));
const zk = await startZooKeeper();
console.log(`ZooKeeper at ${zk.connectString}`);

// Three nodes of the group "orders", as `wharf start` with a cluster configuration.
const ports = await freePorts(6);
const nodes = [1, 2, 3].map((i) => {
  const node = { id: `orders-${i}`, url: `tcp://127.0.0.1:${ports[i - 1]}`, role: 'starting' };
  node.child = spawn(process.execPath, [wharf, 'start', '--brokerName', 'orders', '--nodeId', String(i),
    '--dataDirectory', path.join(work, `node-${i}`), '--port', String(ports[i - 1]), '--console.enabled', 'false',
    '--zkAddress', zk.connectString, '--zkPath', '/wharf/orders', '--zkSessionTimeout', '2000',
    '--replicationBind', `tcp://127.0.0.1:${ports[i + 2]}`, '--logLevel', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  node.child.stdout.on('data', (d) => {
    for (const m of d.toString().matchAll(/Wharf node (\S+): (\w+) \(epoch (\d+)/g)) {
      node.role = m[2];
      console.log(`  ${m[1]} is ${m[2]} (epoch ${m[3]})`);
    }
  });
  return node;
});
async function waitFor(what, cond, ms = 30_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    expect(Date.now() < end, what);
    await new Promise((r) => setTimeout(r, 50));
  }
}
await waitFor('one master and two slaves', () => nodes.filter((n) => n.role === 'master').length === 1 && nodes.filter((n) => n.role === 'slave').length === 2);

// The application knows all three nodes; it talks to whichever is master.
const url = `failover:(${nodes.map((n) => n.url).join(',')})?randomize=false&initialReconnectDelay=50&maxReconnectDelay=500`;
const connection = await new ConnectionFactory(url).createConnection();
await connection.start();
const session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
const queue = session.createQueue('orders');
const producer = await session.createProducer(queue);
producer.setDeliveryMode(DeliveryMode.PERSISTENT);
for (let i = 1; i <= 10; i++) await producer.send(session.createTextMessage(`order-${i}`));
console.log(`sent 10 orders through ${connection.getRemoteAddress()}`);

// The master dies.
const master = nodes.find((n) => n.role === 'master');
master.child.kill('SIGKILL');
master.role = 'killed';
console.log(`killed the master ${master.id}`);
for (let i = 11; i <= 20; i++) await producer.send(session.createTextMessage(`order-${i}`));
console.log(`sent 10 more orders: the client failed over to ${connection.getRemoteAddress()}`);

// Every acknowledged order is there, on the new master.
const consumer = await session.createConsumer(queue);
const got = [];
for (let m = await consumer.receive(10_000); m; m = got.length < 20 ? await consumer.receive(10_000) : null) got.push(m.getText());
console.log(`received ${got.length} orders from the new master`);
expect(JSON.stringify([...new Set(got)].sort()) === JSON.stringify(Array.from({ length: 20 }, (_, i) => `order-${i + 1}`).sort()), 'all 20 orders, none lost');

await connection.close();
for (const n of nodes) if (n.role !== 'killed') n.child.kill('SIGTERM');
await Promise.all(nodes.map((n) => new Promise((r) => (n.child.exitCode !== null || n.child.signalCode !== null ? r() : n.child.once('exit', r)))));
await zk.stop();
fs.rmSync(work, { recursive: true, force: true });
console.log('OK');
