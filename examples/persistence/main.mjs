// Message persistence (seed: "消息存储的持久化"): with the default LevelDB store (the seed's KahaDB
// role) persistent queue messages survive a broker restart and non-persistent ones do not; with
// the memory store (persistent: false) nothing survives.
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

async function sendBoth(url, queue) {
  const conn = await new ConnectionFactory(url).createConnection();
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const producer = await session.createProducer(session.createQueue(queue));
  // A persistent send returns once the broker has written the message to its store.
  for (let i = 1; i <= 3; i++) await producer.send(session.createTextMessage(`persistent ${i}`), { deliveryMode: DeliveryMode.PERSISTENT });
  for (let i = 1; i <= 2; i++) await producer.send(session.createTextMessage(`non-persistent ${i}`), { deliveryMode: DeliveryMode.NON_PERSISTENT });
  await conn.close();
}

async function receiveAll(url, queue) {
  const conn = await new ConnectionFactory(url).createConnection();
  await conn.start();
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const consumer = await session.createConsumer(session.createQueue(queue));
  const got = [];
  for (let m = await consumer.receive(500); m; m = await consumer.receive(200)) got.push(m.getText());
  await conn.close();
  return got;
}

for (const persistent of [true, false]) {
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-persistence-'));
  const opts = { persistent, dataDirectory, brokerName: 'persistence' };
  let broker = await brokerUrl(opts);
  await sendBoth(broker.url, 'orders');
  await broker.stop();
  broker = await brokerUrl(opts);
  const got = await receiveAll(broker.url, 'orders');
  await broker.stop();
  fs.rmSync(dataDirectory, { recursive: true, force: true });
  const store = persistent ? 'LevelDB store' : 'memory store';
  console.log(`${store}: after a restart the queue holds [${got.join(', ')}]`);
  const expected = persistent ? ['persistent 1', 'persistent 2', 'persistent 3'] : [];
  expect(JSON.stringify(got) === JSON.stringify(expected), `${store}: ${JSON.stringify(expected)} after the restart`);
}
console.log('OK');
