// Destination statistics as ActiveMQ keeps them: a message leaves its queue's count of
// dequeued messages however it left — consumed, moved to the dead letter queue, or expired.
import { strict as assert } from 'node:assert';
import { Session } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { world, type World } from './helpers';

describe('destination statistics', function () {
  this.timeout(20000);
  let w: World;
  beforeEach(async () => {
    w = await world({ persistent: true });
  });
  afterEach(() => w.ledger.closeAll());

  it('counters - messages moved to the DLQ count as dequeued from their queue', async () => {
    const c = await w.connect({ redeliveryPolicy: { maximumRedeliveries: 0, initialRedeliveryDelay: 0, redeliveryDelay: 0 } });
    const s = c.createSession(true, Session.SESSION_TRANSACTED);
    const q = s.createQueue('COUNT.DLQ');
    const p = await s.createProducer(q);
    for (let i = 0; i < 3; i++) await p.send(s.createTextMessage(`m${i}`));
    await s.commit();
    const consumer = await s.createConsumer(q);
    // One is consumed, two are rolled back once (past maximumRedeliveries 0: to the DLQ).
    assert.equal((await consumer.receive(5000))?.text, 'm0');
    await s.commit();
    assert.ok(await consumer.receive(5000));
    assert.ok(await consumer.receive(5000));
    await s.rollback();
    const queue = w.broker.queues.get('queue://COUNT.DLQ')!;
    const dlq = await checkFor(5000, () => (w.broker.queues.get('queue://ActiveMQ.DLQ')?.depth === 2 ? w.broker.queues.get('queue://ActiveMQ.DLQ') : null), 'two messages in the DLQ');
    assert.equal(queue.enqueued, 3);
    assert.equal(queue.dequeued, 3, '1 consumed + 2 dead-lettered');
    assert.equal(queue.depth, 0);
    assert.equal(dlq.enqueued, 2);
  });

  it('counters - expired messages count as dequeued and as expired', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('COUNT.EXPIRY');
    const p = await s.createProducer(q);
    // Long enough to be enqueued (a message expired on arrival is never enqueued), then left to
    // expire on the queue: its time to live is what the test waits for.
    const short = s.createTextMessage('short-lived');
    await p.send(short, { timeToLive: 200 });
    await p.send(s.createTextMessage('lasting'));
    const queue = w.broker.queues.get('queue://COUNT.EXPIRY')!;
    assert.equal(queue.enqueued, 2);
    await checkFor(5000, () => Date.now() > short.getJMSExpiration(), 'the first message\'s expiration');
    const consumer = await s.createConsumer(q);
    assert.equal((await consumer.receive(5000))?.text, 'lasting');
    await checkFor(5000, () => queue.dequeued === 2, 'both dequeued').catch((err: Error) => { throw new Error(`${err.message}: enqueued ${queue.enqueued} dequeued ${queue.dequeued} expired ${queue.expired} depth ${queue.depth}`); });
    assert.equal(queue.expired, 1);
    assert.equal(queue.enqueued, 2);
  });
});
