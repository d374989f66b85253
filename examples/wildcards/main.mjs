// Wildcard subscriptions (the ActiveMQ tutorial this project follows: no-spring package "wildcards"): "." separates path elements,
// "*" matches one element, ">" matches the rest.
import { ConnectionFactory, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl();
const conn = await new ConnectionFactory(url).createConnection();
await conn.start();
const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const all = await session.createConsumer(session.createTopic('PRICE.>'));
const stocks = await session.createConsumer(session.createTopic('PRICE.STOCK.*'));
const producer = await session.createProducer(null);
await producer.send(session.createTopic('PRICE.STOCK.IBM'), session.createTextMessage('IBM 140'));
await producer.send(session.createTopic('PRICE.BOND.T10'), session.createTextMessage('T10 4.1%'));
const gotAll = [(await all.receive(1000)).getText(), (await all.receive(1000)).getText()];
const gotStocks = [(await stocks.receive(1000)).getText()];
expect((await stocks.receive(200)) === null, 'PRICE.STOCK.* does not match PRICE.BOND.T10');
console.log(`PRICE.>       got: ${gotAll.join(' | ')}`);
console.log(`PRICE.STOCK.* got: ${gotStocks.join(' | ')}`);
await conn.close();
await stop();
console.log('OK');
