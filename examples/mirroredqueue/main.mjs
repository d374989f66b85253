// Mirrored queues (the ActiveMQ tutorial this project follows: "Mirrored Queue 镜像队列"): with useMirroredQueues the broker also
// publishes every message sent to a queue on a mirror topic, so a monitor can watch the flow
// between producers and consumers without taking messages from the queue. The tutorial's config:
//   <mirroredQueue copyMessage="true" postfix=".qmirror" prefix=""/>
import { ConnectionFactory, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl({
  config: { useMirroredQueues: true, mirroredQueue: { prefix: '', postfix: '.qmirror', copyMessage: true } },
});
const factory = new ConnectionFactory(url);

// The monitor subscribes to the mirror topic <queue name>.qmirror.
const mconn = await factory.createConnection();
await mconn.start();
const msession = mconn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const monitor = await msession.createConsumer(msession.createTopic('orders.qmirror'));
const watched = [];
monitor.setMessageListener((m) => watched.push(m.getText()));

// Producer and worker use the queue as usual.
const conn = await factory.createConnection();
await conn.start();
const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const producer = await session.createProducer(session.createQueue('orders'));
for (let i = 1; i <= 3; i++) await producer.send(session.createTextMessage(`order ${i}`));
const worker = await session.createConsumer(session.createQueue('orders'));
const worked = [];
for (let m = await worker.receive(500); m; m = await worker.receive(200)) worked.push(m.getText());

const deadline = Date.now() + 2000;
while (watched.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
console.log(`worker took from queue orders:     ${worked.join(', ')}`);
console.log(`monitor saw on topic orders.qmirror: ${watched.join(', ')}`);
if (process.env.WHARF_URL && worked.length === 3 && watched.length === 0) {
  console.error(`the monitor saw nothing on orders.qmirror: the broker at ${process.env.WHARF_URL} needs mirrored queues — start it with`);
  console.error(`  wharf start --useMirroredQueues true --mirroredQueue '{"prefix":"","postfix":".qmirror","copyMessage":true}'`);
  console.error('  (or useMirroredQueues: true and mirroredQueue: {prefix: "", postfix: ".qmirror"} in its configuration)');
}
expect(worked.length === 3, 'the queue delivered every message to its worker');
expect(JSON.stringify(watched) === JSON.stringify(worked), 'the monitor saw the same flow');

await conn.close();
await mconn.close();
await stop();
console.log('OK');
