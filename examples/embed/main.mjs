// An embedded broker (the ActiveMQ tutorial this project follows: no-spring package "embed"): the broker runs inside this process and
// the application talks to it through vm://, with no network port at all.
import { Broker } from '@wharf/broker';
import { ConnectionFactory, Session } from '@wharf/client';
import { expect } from '../lib.mjs';

const broker = new Broker({ brokerName: 'embedded', persistent: false, transportConnectors: [], logLevel: 'warn' });
await broker.start();
console.log('embedded broker started');

const connection = await new ConnectionFactory('vm://embedded').createConnection();
await connection.start();
const session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
const queue = session.createQueue('embed.queue');
await (await session.createProducer(queue)).send(session.createTextMessage('hello from the same process'));
const m = await (await session.createConsumer(queue)).receive(1000);
console.log(`received over vm://: ${m.getText()}`);
expect(m.getText() === 'hello from the same process', 'vm:// round trip');
await connection.close();
await broker.stop();
console.log('OK');
