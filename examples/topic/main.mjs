// Publish/subscribe: every subscriber of a topic gets every message; a subscriber that was not
// running misses what was published meanwhile (non-durable).
import { ConnectionFactory, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl();
const factory = new ConnectionFactory(url);
const conn = await factory.createConnection();
await conn.start();
const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const topic = session.createTopic('news');
const s1 = await session.createConsumer(topic);
const s2 = await session.createConsumer(topic);
const producer = await session.createProducer(topic);
await producer.send(session.createTextMessage('headline 1'));
const a = await s1.receive(1000);
const b = await s2.receive(1000);
console.log(`subscriber 1 got "${a.getText()}", subscriber 2 got "${b.getText()}"`);
expect(a.getText() === 'headline 1' && b.getText() === 'headline 1', 'both subscribers got the message');
await s2.close();
await producer.send(session.createTextMessage('headline 2'));
const late = await session.createConsumer(topic);
expect((await late.receive(200)) === null, 'a subscriber started later misses earlier messages');
expect((await s1.receive(1000)).getText() === 'headline 2', 'the live subscriber got it');
console.log('a subscriber that was offline missed "headline 2", as the tutorial shows');
await conn.close();
await stop();
console.log('OK');
