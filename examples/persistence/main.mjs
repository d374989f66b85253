// Message persistence (the ActiveMQ tutorial this project follows: "消息存储的持久化"): with the default LevelDB store (the tutorial's KahaDB
// role) persistent queue messages survive a broker restart and non-persistent ones do not; with
// the memory store (persistent: false) nothing survives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConnectionFactory, DeliveryMode, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const QUEUE = 'orders';
const PERSISTENT = ['persistent 1', 'persistent 2', 'persistent 3'];

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

// Against a broker you run (WHARF_URL), the restart is yours: `send`, restart it, `check`.
if (process.env.WHARF_URL) {
  const url = process.env.WHARF_URL;
  const step = process.argv[2];
  if (step === 'send') {
    await sendBoth(url, 'persistence.orders');
    console.log(`sent 3 persistent and 2 non-persistent messages to persistence.orders at ${url}.`);
    console.log('Now restart that broker, then run: node examples/persistence/main.mjs check');
    process.exit(0);
  }
  if (step === 'check') {
    const got = await receiveAll(url, 'persistence.orders');
    console.log(`after the restart the queue holds [${got.join(', ')}]`);
    expect(JSON.stringify(got) === JSON.stringify(PERSISTENT), `${JSON.stringify(PERSISTENT)} after the restart (a broker with persistent: true)`);
    console.log('OK');
    process.exit(0);
  }
  console.error(`WHARF_URL is set (${url}): this example needs its broker restarted between two steps.`);
  console.error('  1. node examples/persistence/main.mjs send');
  console.error('  2. restart the broker (with persistent: true, the default)');
  console.error('  3. node examples/persistence/main.mjs check');
  console.error('Or unset WHARF_URL: the example then starts and restarts its own embedded broker.');
  process.exit(2);
}

for (const persistent of [true, false]) {
  const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-persistence-'));
  const opts = { persistent, dataDirectory, brokerName: 'persistence' };
  let broker = await brokerUrl(opts);
  await sendBoth(broker.url, QUEUE);
  await broker.stop();
  broker = await brokerUrl(opts);
  const got = await receiveAll(broker.url, QUEUE);
  await broker.stop();
  fs.rmSync(dataDirectory, { recursive: true, force: true });
  const store = persistent ? 'LevelDB store' : 'memory store';
  console.log(`${store}: after a restart the queue holds [${got.join(', ')}]`);
  const expected = persistent ? PERSISTENT : [];
  expect(JSON.stringify(got) === JSON.stringify(expected), `${store}: ${JSON.stringify(expected)} after the restart`);
}
console.log('OK');
