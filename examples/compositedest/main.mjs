// Composite destinations (the ActiveMQ tutorial this project follows: "组合Destination", no-spring package "compositedest"): one send
// to a comma-separated list reaches every destination in it; queue:// and topic:// mix kinds.
import { ConnectionFactory, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl();
const conn = await new ConnectionFactory(url).createConnection();
await conn.start();
const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);

// 1. new ActiveMQQueue("FOO.A,FOO.B,FOO.C")
const foo = {};
for (const name of ['FOO.A', 'FOO.B', 'FOO.C']) foo[name] = await session.createConsumer(session.createQueue(name));
await (await session.createProducer(session.createQueue('FOO.A,FOO.B,FOO.C'))).send(session.createTextMessage('to three queues'));
for (const [name, consumer] of Object.entries(foo)) {
  const m = await consumer.receive(1000);
  console.log(`${name} got: ${m?.getText()}`);
  expect(m?.getText() === 'to three queues', `${name} got the message`);
}

// 2. new ActiveMQQueue("cd.queue,topic://cd.mark"): a queue and a topic in one send.
const queue = await session.createConsumer(session.createQueue('cd.queue'));
const topic = await session.createConsumer(session.createTopic('cd.mark'));
await (await session.createProducer(session.createQueue('cd.queue,topic://cd.mark'))).send(session.createTextMessage('to a queue and a topic'));
const q = await queue.receive(1000);
const t = await topic.receive(1000);
console.log(`queue cd.queue got: ${q?.getText()} (destination ${q?.getJMSDestination()?.url})`);
console.log(`topic cd.mark got:  ${t?.getText()} (destination ${t?.getJMSDestination()?.url})`);
expect(q?.getText() === 'to a queue and a topic' && t?.getText() === 'to a queue and a topic', 'both kinds got it');

await conn.close();
await stop();
console.log('OK');
