// Point-to-point: several receivers on one queue; each message goes to exactly one of them.
import { ConnectionFactory, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl();
const factory = new ConnectionFactory(url);
const receivers = [];
const received = new Map();
for (const name of ['receiver-1', 'receiver-2', 'receiver-3']) {
  const conn = await factory.createConnection();
  await conn.start();
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const consumer = await session.createConsumer(session.createQueue('p2p.orders'));
  consumer.setMessageListener((m) => received.set(m.getText(), name));
  receivers.push(conn);
}
const conn = await factory.createConnection();
const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const producer = await session.createProducer(session.createQueue('p2p.orders'));
for (let i = 0; i < 30; i++) await producer.send(session.createTextMessage(`order-${i}`));
while (received.size < 30) await new Promise((r) => setTimeout(r, 10));
const perReceiver = {};
for (const who of received.values()) perReceiver[who] = (perReceiver[who] ?? 0) + 1;
console.log('messages per receiver:', perReceiver);
expect(Object.values(perReceiver).reduce((a, b) => a + b, 0) === 30, 'each message to exactly one receiver');
for (const c of [...receivers, conn]) await c.close();
await stop();
console.log('OK');
