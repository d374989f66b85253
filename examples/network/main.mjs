// A network of brokers (the ActiveMQ tutorial this project follows: "Broker Cluster", network of Brokers for load balancing): two
// brokers, each with a network connector to the other. Consumers of the same queue on both
// share the messages sent to either; a message crosses the bridge only where there is a
// consumer for it, and never comes back (docs/CLUSTER.md).
// With `wharf start`, the same bridge is one config entry on each broker:
//   networkConnectors: [{ uri: "static:(tcp://other-broker:61616)" }]
import { Broker } from '@wharf/broker';
import { startNetworkConnectors } from '@wharf/cluster';
import { ConnectionFactory, Session, DeliveryMode } from '@wharf/client';
import { expect } from '../lib.mjs';

const log = { debug() {}, info() {}, warn: (o, m) => console.warn(m, o), error: (o, m) => console.error(m, o) };
async function startBroker(name) {
  const b = new Broker({ brokerName: name, persistent: false, transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }], logLevel: 'warn' });
  await b.start();
  return b;
}
const a = await startBroker('broker-a');
const b = await startBroker('broker-b');
const bridges = [
  ...startNetworkConnectors([{ name: 'a-to-b', uri: `static:(${b.connectorUrl('tcp')})` }], { brokerName: a.name, logger: log }),
  ...startNetworkConnectors([{ name: 'b-to-a', uri: `static:(${a.connectorUrl('tcp')})` }], { brokerName: b.name, logger: log }),
];

// One consumer of "orders" on each broker.
const received = { 'broker-a': [], 'broker-b': [] };
const connections = [];
for (const broker of [a, b]) {
  const c = await new ConnectionFactory(broker.connectorUrl('tcp')).createConnection();
  connections.push(c);
  await c.start();
  const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
  // prefetch 1: a consumer takes the next message only when it has handled the last one.
  (await s.createConsumer(s.createQueue('orders?consumer.prefetchSize=1'))).setMessageListener(async (m) => {
    received[broker.name].push(m.getText());
    await new Promise((r) => setTimeout(r, 5)); // some work
  });
}
// Wait until each bridge has seen the consumer on the other side (its demand).
const deadline = Date.now() + 10_000;
while (!bridges.every((n) => n.status()[0].forwarding.includes('queue://orders'))) {
  expect(Date.now() < deadline, 'the bridges learn the consumers on the other broker');
  await new Promise((r) => setTimeout(r, 20));
}

// A producer connected to broker-a only.
const pc = await new ConnectionFactory(a.connectorUrl('tcp')).createConnection();
connections.push(pc);
const ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
const producer = await ps.createProducer(ps.createQueue('orders'));
producer.setDeliveryMode(DeliveryMode.PERSISTENT);
for (let i = 1; i <= 20; i++) await producer.send(ps.createTextMessage(`order-${i}`));
console.log('sent 20 orders to broker-a');

while (received['broker-a'].length + received['broker-b'].length < 20) {
  expect(Date.now() < deadline + 10_000, 'every order is consumed');
  await new Promise((r) => setTimeout(r, 20));
}
console.log(`consumed on broker-a: ${received['broker-a'].length}, on broker-b (over the bridge): ${received['broker-b'].length}`);
const all = [...received['broker-a'], ...received['broker-b']].sort((x, y) => Number(x.slice(6)) - Number(y.slice(6)));
expect(JSON.stringify(all) === JSON.stringify(Array.from({ length: 20 }, (_, i) => `order-${i + 1}`)), 'each order consumed exactly once');
expect(received['broker-b'].length > 0 && received['broker-a'].length > 0, 'both brokers\' consumers got work (load balancing)');

for (const c of connections) await c.close();
for (const n of bridges) await n.stop();
await a.stop();
await b.stop();
console.log('OK');
