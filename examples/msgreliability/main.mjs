// Message reliability (the ActiveMQ tutorial this project follows: no-spring package "msgreliability"):
// 1. a persistent send resolves only once the broker has stored the message;
// 2. transacted sends are invisible until commit();
// 3. AUTO_ACKNOWLEDGE with a listener that throws: the message is redelivered;
// 4. CLIENT_ACKNOWLEDGE without acknowledge(): the message comes again to the next consumer;
// 5. DUPS_OK_ACKNOWLEDGE: lazy batched acknowledgement.
import { ConnectionFactory, Session } from '@wharf/client';
import { brokerUrl, expect } from '../lib.mjs';

const { url, stop } = await brokerUrl();
const factory = new ConnectionFactory(url, { redeliveryPolicy: { initialRedeliveryDelay: 100, redeliveryDelay: 100 } });

// 1. Synchronous persistent send.
const pconn = await factory.createConnection();
const psession = pconn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const producer = await psession.createProducer(psession.createQueue('reliability.sync'));
await producer.send(psession.createTextMessage('stored before send() returned'));
console.log('1. persistent send returned after the broker stored the message');

// 2. Transacted send.
const tsession = pconn.createSession(true, Session.SESSION_TRANSACTED);
const tproducer = await tsession.createProducer(tsession.createQueue('reliability.tx'));
await tproducer.send(tsession.createTextMessage('tx message'));
const cconn = await factory.createConnection();
await cconn.start();
const csession = cconn.createSession(false, Session.AUTO_ACKNOWLEDGE);
const txConsumer = await csession.createConsumer(csession.createQueue('reliability.tx'));
expect((await txConsumer.receive(200)) === null, 'nothing visible before commit');
await tsession.commit();
expect((await txConsumer.receive(1000))?.getText() === 'tx message', 'visible after commit');
console.log('2. transacted send became visible only after commit()');

// 3. A listener that throws once: AUTO_ACKNOWLEDGE redelivers.
const attempts = [];
const listener = await csession.createConsumer(csession.createQueue('reliability.sync'));
await new Promise((resolve) => {
  listener.setMessageListener((m) => {
    attempts.push(m.getJMSRedelivered());
    if (attempts.length === 1) throw new Error('processing failed');
    resolve();
  });
});
await listener.close();
console.log(`3. listener attempts (redelivered flags): ${attempts.join(', ')}`);
expect(attempts[1] === true, 'the failed message was redelivered');

// 4. CLIENT_ACKNOWLEDGE: forget acknowledge(), restart the consumer, get it again.
await (await psession.createProducer(psession.createQueue('reliability.client'))).send(psession.createTextMessage('ack me'));
const a = await factory.createConnection();
await a.start();
const as = a.createSession(false, Session.CLIENT_ACKNOWLEDGE);
const first = await (await as.createConsumer(as.createQueue('reliability.client'))).receive(1000);
expect(first?.getText() === 'ack me', 'received');
await a.close(); // no acknowledge()
const b = await factory.createConnection();
await b.start();
const bs = b.createSession(false, Session.CLIENT_ACKNOWLEDGE);
const again = await (await bs.createConsumer(bs.createQueue('reliability.client'))).receive(1000);
expect(again?.getText() === 'ack me' && again.getJMSRedelivered(), 'redelivered to the restarted consumer');
await again.acknowledge();
console.log('4. CLIENT_ACKNOWLEDGE without acknowledge(): redelivered after restart; acknowledged now');

// 5. DUPS_OK_ACKNOWLEDGE.
const dq = psession.createQueue('reliability.dups');
const dp = await psession.createProducer(dq);
for (let i = 0; i < 10; i++) await dp.send(psession.createTextMessage(`d${i}`));
const ds = cconn.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
const dc = await ds.createConsumer(ds.createQueue('reliability.dups'));
let n = 0;
while (await dc.receive(500)) n++;
expect(n === 10, 'all received in DUPS_OK mode');
console.log('5. DUPS_OK_ACKNOWLEDGE consumed 10 messages with lazy acknowledgements');

for (const c of [pconn, cconn, b]) await c.close();
await stop();
console.log('OK');
