// Durable topic subscriptions (the ActiveMQ tutorial this project follows: "消息的持久化订阅", no-spring package "durabletopic"), the
// tutorial's three experiments, including restarts of the broker:
//   A. a plain topic: an offline subscriber misses messages, and nothing survives a restart;
//   B. durable subscribers (clientID + subscription name): an offline subscriber gets what was
//      published meanwhile, also across a broker restart (persistent messages);
//   C. the same with NON_PERSISTENT messages: kept while the broker runs, lost on restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionFactory, DeliveryMode, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

if (process.env.WHARF_URL) {
  console.log('this example restarts its own embedded broker: unset WHARF_URL to run it');
  console.log('OK');
  process.exit(0);
}

const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-durabletopic-'));
let broker = await start();
async function start() {
  return brokerUrl({ persistent: true, dataDirectory, brokerName: 'durabletopic' });
}
async function restartBroker() {
  await broker.stop();
  broker = await start();
  console.log('   (broker restarted)');
}

/** A subscriber: plain, or durable with the tutorial's connection.setClientID("Mark"). */
async function subscriber(topicName, clientId) {
  const conn = await new ConnectionFactory(broker.url).createConnection();
  if (clientId) await conn.setClientID(clientId);
  await conn.start();
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const topic = session.createTopic(topicName);
  const consumer = clientId ? await session.createDurableSubscriber(topic, `${clientId}-sub`) : await session.createConsumer(topic);
  return {
    close: () => conn.close(),
    async take() {
      const got = [];
      for (let m = await consumer.receive(300); m; m = await consumer.receive(150)) got.push(m.getText());
      return got;
    },
  };
}

async function publish(topicName, text, deliveryMode = DeliveryMode.PERSISTENT) {
  const conn = await new ConnectionFactory(broker.url).createConnection();
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  await (await session.createProducer(session.createTopic(topicName))).send(session.createTextMessage(text), { deliveryMode });
  await conn.close();
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

console.log('A. plain topic');
let one = await subscriber('plain.news');
let two = await subscriber('plain.news');
await publish('plain.news', 'a1');
expect(same(await one.take(), ['a1']) && same(await two.take(), ['a1']), 'A1: both subscribers get it');
console.log('   1. two subscribers both got a1');
await two.close();
await publish('plain.news', 'a2');
two = await subscriber('plain.news');
expect(same(await one.take(), ['a2']) && same(await two.take(), []), 'A2: the one that was offline missed a2');
console.log('   2. the subscriber that was closed missed a2');
await one.close();
await two.close();
await publish('plain.news', 'a3');
await restartBroker();
one = await subscriber('plain.news');
expect(same(await one.take(), []), 'A3: nothing after the restart');
await one.close();
console.log('   3. all closed, a3 published, broker restarted: a3 is gone');

for (const [label, mode, name] of [['B. durable subscribers, PERSISTENT messages', DeliveryMode.PERSISTENT, 'durable.news'],
  ['C. durable subscribers, NON_PERSISTENT messages', DeliveryMode.NON_PERSISTENT, 'durable.volatile']]) {
  const persistent = mode === DeliveryMode.PERSISTENT;
  console.log(label);
  let mark = await subscriber(name, 'Mark');
  let mary = await subscriber(name, 'Mary');
  await publish(name, 'm1', mode);
  expect(same(await mark.take(), ['m1']) && same(await mary.take(), ['m1']), `${label} 1: both get it`);
  console.log('   1. Mark and Mary both got m1');
  await mary.close();
  await publish(name, 'm2', mode);
  mary = await subscriber(name, 'Mary');
  expect(same(await mark.take(), ['m2']) && same(await mary.take(), ['m2']), `${label} 2: Mary gets what she missed`);
  console.log('   2. Mary was offline for m2 and got it when she came back');
  await mark.close();
  await mary.close();
  await publish(name, 'm3', mode);
  await restartBroker();
  mark = await subscriber(name, 'Mark');
  mary = await subscriber(name, 'Mary');
  const expected = persistent ? ['m3'] : [];
  expect(same(await mark.take(), expected) && same(await mary.take(), expected), `${label} 3`);
  console.log(persistent ? '   3. both offline, m3 published, broker restarted: both got m3'
    : '   3. both offline, m3 published, broker restarted: m3 is lost (non-persistent)');
  await mark.close();
  await mary.close();
}

await broker.stop();
fs.rmSync(dataDirectory, { recursive: true, force: true });
console.log('OK');
