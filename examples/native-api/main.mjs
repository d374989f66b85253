// The "native API" chapter of the ActiveMQ tutorial this project follows: a producer, a synchronous consumer (receive) and an
// asynchronous one (message listener) on a queue.
import { ConnectionFactory, Session, DeliveryMode } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl();
const factory = new ConnectionFactory(url);
const connection = await factory.createConnection();
await connection.start();
const session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
const queue = session.createQueue('native.api');

const producer = await session.createProducer(queue);
producer.setDeliveryMode(DeliveryMode.PERSISTENT);
for (let i = 1; i <= 3; i++) await producer.send(session.createTextMessage(`Hello ActiveMQ ${i}`));
console.log('producer: sent 3 messages');

// Synchronous consumption: receive() blocks until a message arrives (or the timeout).
const consumer = await session.createConsumer(queue);
const first = await consumer.receive(1000);
console.log(`sync consumer received: ${first.getText()}`);
expect(first.getText() === 'Hello ActiveMQ 1', 'first message in order');
await consumer.close();

// Asynchronous consumption: a listener is called as messages arrive.
const got = [];
const done = new Promise((resolve) => {
  session.createConsumer(queue).then((c) =>
    c.setMessageListener((m) => {
      console.log(`async listener received: ${m.getText()}`);
      got.push(m.getText());
      if (got.length === 2) resolve();
    }),
  );
});
await done;
expect(got.join(',') === 'Hello ActiveMQ 2,Hello ActiveMQ 3', 'listener got the rest in order');
await connection.close();
await stop();
console.log('OK');
