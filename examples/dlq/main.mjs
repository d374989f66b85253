// Dead letter queue with a redelivery policy (the ActiveMQ tutorial this project follows: no-spring package "dlq"): a consumer that
// keeps failing gets the message 1 + maximumRedeliveries times; then the broker moves it to
// ActiveMQ.DLQ, where a dead letter consumer handles it.
import { ConnectionFactory, Session, RedeliveryPolicy } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl();
const factory = new ConnectionFactory(url);
const policy = factory.getRedeliveryPolicy();
policy.setMaximumRedeliveries(2);
policy.setInitialRedeliveryDelay(100);
policy.setRedeliveryDelay(100);
expect(policy instanceof RedeliveryPolicy, 'the factory has a RedeliveryPolicy');

const conn = await factory.createConnection();
await conn.start();
const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
await (await session.createProducer(session.createQueue('dlq.orders'))).send(session.createTextMessage('poison order'));

let attempts = 0;
(await session.createConsumer(session.createQueue('dlq.orders'))).setMessageListener((m) => {
  attempts++;
  console.log(`attempt ${attempts}: redelivered=${m.getJMSRedelivered()}`);
  throw new Error('cannot process this order');
});

const dlqSession = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const dead = await (await dlqSession.createConsumer(dlqSession.createQueue('ActiveMQ.DLQ'))).receive(5000);
expect(dead?.getText() === 'poison order', 'the message reached ActiveMQ.DLQ');
console.log(`dead letter consumer got "${dead.getText()}" after ${attempts} attempts`);
console.log(`cause: ${dead.getStringProperty('dlqDeliveryFailureCause')}`);
expect(attempts === 3, '1 delivery + 2 redeliveries');
await conn.close();
await stop();
console.log('OK');
