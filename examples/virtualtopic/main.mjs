// Virtual topics (the ActiveMQ tutorial this project follows: "虚拟Destination", no-spring package "virtualtopic"): the producer
// publishes to an ordinary topic named VirtualTopic.vtgroup; each consumer group reads its own
// queue Consumer.<group>.VirtualTopic.vtgroup. Every group gets every message once, and the
// consumers inside a group share the group's messages, as a cluster of one application would.
import { ConnectionFactory, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl();
const factory = new ConnectionFactory(url);

async function consumerOf(group, label, got) {
  const conn = await factory.createConnection();
  await conn.start();
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const consumer = await session.createConsumer(session.createQueue(`Consumer.${group}.VirtualTopic.vtgroup`));
  consumer.setMessageListener((m) => got.push(`${label}:${m.getText()}`));
  return conn;
}

// Group A runs two instances, group B one.
const groupA = [];
const groupB = [];
const conns = [
  await consumerOf('A', 'A1', groupA),
  await consumerOf('A', 'A2', groupA),
  await consumerOf('B', 'B1', groupB),
];

const pconn = await factory.createConnection();
const psession = pconn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const producer = await psession.createProducer(psession.createTopic('VirtualTopic.vtgroup'));
const sent = [];
for (let i = 1; i <= 6; i++) {
  sent.push(`order ${i}`);
  await producer.send(psession.createTextMessage(`order ${i}`));
}

const deadline = Date.now() + 5000;
while ((groupA.length < sent.length || groupB.length < sent.length) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 20));
}
console.log(`group A (two consumers share): ${groupA.join(', ')}`);
console.log(`group B (one consumer, all):   ${groupB.join(', ')}`);
const bodies = (list) => list.map((x) => x.slice(x.indexOf(':') + 1)).sort();
expect(JSON.stringify(bodies(groupA)) === JSON.stringify([...sent].sort()), 'group A got every message exactly once');
expect(JSON.stringify(bodies(groupB)) === JSON.stringify([...sent].sort()), 'group B got every message exactly once');
expect(groupA.some((x) => x.startsWith('A1:')) && groupA.some((x) => x.startsWith('A2:')), 'both consumers of group A took a share');

for (const c of [...conns, pconn]) await c.close();
await stop();
console.log('OK');
