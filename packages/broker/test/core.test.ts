// The broker core in process, through the core API only (openConnection and native commands; no
// sockets): routing, queue dispatch within prefetch windows, the order of pending messages,
// local transactions and dead letters. The TCP tier (test-integration/) runs the same semantics
// through the client.
import { strict as assert } from 'node:assert';
import { AckMode, AckType, CommandType } from '@wharf/protocol';
import type { Broker } from '../src';
import { CoreClient, coreBroker, until } from './core-client';

describe('broker core (in process)', () => {
  let b: Broker;
  let c: CoreClient;
  beforeEach(async () => {
    b = await coreBroker({ advisorySupport: false });
    c = new CoreClient(b);
    await c.open();
    c.session(1, AckMode.CLIENT_ACKNOWLEDGE);
  });
  afterEach(async () => {
    await b.stop();
  });

  it('routing - a topic message reaches every subscriber, a queue message one consumer, a composite each part', async () => {
    await c.consume(1, 1, 'topic://CORE.T', 10);
    await c.consume(1, 2, 'topic://CORE.T', 10);
    await c.consume(1, 3, 'queue://CORE.A', 10);
    await c.consume(1, 4, 'queue://CORE.B', 10);
    await c.send('topic://CORE.T', 'news');
    await c.send('queue://CORE.A,queue://CORE.B', 'both');
    assert.deepEqual(c.bodies(1), ['news']);
    assert.deepEqual(c.bodies(2), ['news']);
    assert.deepEqual(c.bodies(3), ['both']);
    assert.deepEqual(c.bodies(4), ['both']);
  });

  it('routing - a wildcard consumer gets the messages of every matching queue; a virtual topic feeds its consumer queues', async () => {
    await c.consume(1, 1, 'queue://CORE.W.*', 10);
    await c.send('queue://CORE.W.one', 'w1');
    await c.send('queue://CORE.W.two', 'w2');
    await c.send('queue://CORE.X.one', 'not matched');
    assert.deepEqual(c.bodies(1), ['w1', 'w2']);
    await c.consume(1, 2, 'queue://Consumer.A.VirtualTopic.Orders', 10);
    await c.send('topic://VirtualTopic.Orders', 'order');
    assert.deepEqual(c.bodies(2), ['order']);
  });

  it('dispatch - a consumer gets at most its prefetch unacknowledged; an ack lets more through', async () => {
    for (let i = 1; i <= 5; i++) await c.send('queue://CORE.PF', `m${i}`);
    await c.consume(1, 1, 'queue://CORE.PF', 2);
    assert.deepEqual(c.bodies(1), ['m1', 'm2']);
    await c.ack(1, [c.deliveries(1)[0]!.deliveryId], AckType.STANDARD);
    assert.deepEqual(c.bodies(1), ['m1', 'm2', 'm3'], 'one ack, one more message');
    await c.ack(1, c.deliveries(1).slice(1).map((d) => d.deliveryId), AckType.STANDARD);
    assert.deepEqual(c.bodies(1), ['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('dispatch - two consumers of a queue share its messages round-robin within their windows', async () => {
    await c.consume(1, 1, 'queue://CORE.RR', 1);
    await c.consume(1, 2, 'queue://CORE.RR', 1);
    for (let i = 1; i <= 4; i++) await c.send('queue://CORE.RR', `m${i}`);
    assert.deepEqual([c.bodies(1), c.bodies(2)], [['m1'], ['m2']]);
    await c.ack(1, [c.deliveries(1)[0]!.deliveryId], AckType.STANDARD);
    await c.ack(2, [c.deliveries(2)[0]!.deliveryId], AckType.STANDARD);
    assert.deepEqual([c.bodies(1), c.bodies(2)], [['m1', 'm3'], ['m2', 'm4']]);
  });

  it('dispatch - prefetch 0 delivers only on PULL, and an empty pull with no wait is answered with no message', async () => {
    await c.send('queue://CORE.PULL', 'one');
    await c.consume(1, 1, 'queue://CORE.PULL', 0);
    assert.equal(c.deliveries(1).length, 0);
    c.conn.handle({ type: CommandType.PULL, consumerId: 1, timeout: 0 });
    assert.deepEqual(c.bodies(1), ['one']);
    c.conn.handle({ type: CommandType.PULL, consumerId: 1, timeout: 0 });
    const last = c.dispatches[c.dispatches.length - 1]!;
    assert.equal(last.consumerId, 1);
    assert.equal(last.message, null);
  });

  it('pending order - arrival order by default; with prioritizedMessages higher priority first, FIFO within a priority; redelivered messages keep their place', async () => {
    await c.send('queue://CORE.FIFO', 'low', { priority: 1 });
    await c.send('queue://CORE.FIFO', 'high', { priority: 9 });
    await c.consume(1, 9, 'queue://CORE.FIFO', 100);
    assert.deepEqual(c.bodies(9), ['low', 'high'], 'arrival order without prioritizedMessages (as ActiveMQ)');
    await b.stop();
    b = await coreBroker({ advisorySupport: false, destinationPolicy: [{ queue: 'CORE.>', prioritizedMessages: true }] });
    c = new CoreClient(b);
    await c.open();
    c.session(1, AckMode.CLIENT_ACKNOWLEDGE);
    await c.send('queue://CORE.ORDER', 'low-1', { priority: 1 });
    await c.send('queue://CORE.ORDER', 'high-1', { priority: 9 });
    await c.send('queue://CORE.ORDER', 'low-2', { priority: 1 });
    await c.send('queue://CORE.ORDER', 'high-2', { priority: 9 });
    await c.send('queue://CORE.ORDER', 'normal', { priority: 4 });
    await c.consume(1, 1, 'queue://CORE.ORDER', 100);
    assert.deepEqual(c.bodies(1), ['high-1', 'high-2', 'normal', 'low-1', 'low-2']);
    // Closing the consumer gives everything back, marked redelivered, in the same order.
    await c.request({ type: CommandType.CONSUMER_CLOSE, corr: 0, consumerId: 1 });
    await c.consume(1, 2, 'queue://CORE.ORDER', 100);
    assert.deepEqual(c.bodies(2), ['high-1', 'high-2', 'normal', 'low-1', 'low-2']);
    assert.ok(c.deliveries(2).every((d) => d.redelivered === true));
  });

  it('transactions - sends are invisible until commit; a rollback discards them', async () => {
    c.session(2, AckMode.SESSION_TRANSACTED);
    await c.consume(1, 1, 'queue://CORE.TX', 10);
    await c.request({ type: CommandType.TX_BEGIN, sessionId: 2, txId: 'tx-1' });
    await c.send('queue://CORE.TX', 'in-tx', {}, 'tx-1');
    assert.equal(c.deliveries(1).length, 0, 'nothing before commit');
    await c.request({ type: CommandType.TX_COMMIT, corr: 0, sessionId: 2, txId: 'tx-1' });
    assert.deepEqual(c.bodies(1), ['in-tx']);
    await c.request({ type: CommandType.TX_BEGIN, sessionId: 2, txId: 'tx-2' });
    await c.send('queue://CORE.TX', 'rolled-back', {}, 'tx-2');
    await c.request({ type: CommandType.TX_ROLLBACK, corr: 0, sessionId: 2, txId: 'tx-2' });
    assert.deepEqual(c.bodies(1), ['in-tx']);
    assert.equal(b.admin.queues().find((q) => q.url === 'queue://CORE.TX')?.depth, 1, 'only the committed message');
  });

  it('transactions - acks in a transaction consume at commit; after a rollback the messages stay with the consumer', async () => {
    c.session(2, AckMode.SESSION_TRANSACTED);
    for (let i = 1; i <= 2; i++) await c.send('queue://CORE.TXACK', `m${i}`);
    await c.consume(2, 1, 'queue://CORE.TXACK', 10);
    const [d1, d2] = c.deliveries(1);
    await c.request({ type: CommandType.TX_BEGIN, sessionId: 2, txId: 'a' });
    // A transacted ack is answered by the commit, not on its own.
    c.conn.handle({ type: CommandType.ACK, consumerId: 1, ackType: AckType.STANDARD, deliveryIds: [d1!.deliveryId], txId: 'a' });
    await c.request({ type: CommandType.TX_ROLLBACK, corr: 0, sessionId: 2, txId: 'a' });
    assert.equal(b.admin.queues().find((q) => q.url === 'queue://CORE.TXACK')?.depth, 2, 'a rolled back ack consumes nothing');
    await c.request({ type: CommandType.TX_BEGIN, sessionId: 2, txId: 'b' });
    c.conn.handle({ type: CommandType.ACK, consumerId: 1, ackType: AckType.STANDARD, deliveryIds: [d1!.deliveryId, d2!.deliveryId], txId: 'b' });
    assert.equal(b.admin.queues().find((q) => q.url === 'queue://CORE.TXACK')?.depth, 2, 'not before commit');
    await c.request({ type: CommandType.TX_COMMIT, corr: 0, sessionId: 2, txId: 'b' });
    assert.equal(b.admin.queues().find((q) => q.url === 'queue://CORE.TXACK')?.depth, 0);
  });

  it('dead letters - a poison ack moves the message to ActiveMQ.DLQ with its cause and origin; the individual strategy uses DLQ.<queue>', async () => {
    await c.send('queue://CORE.POISON', 'bad');
    await c.consume(1, 1, 'queue://CORE.POISON', 10);
    await c.ack(1, [c.deliveries(1)[0]!.deliveryId], AckType.POISON, { cause: 'listener threw' });
    const [dead] = await b.admin.browse('queue://ActiveMQ.DLQ');
    assert.equal(dead?.message.body, 'bad');
    assert.equal(dead?.message.originalDestination, 'queue://CORE.POISON');
    assert.equal(dead?.message.properties.dlqDeliveryFailureCause, 'listener threw');
    assert.equal(b.admin.queues().find((q) => q.url === 'queue://CORE.POISON')?.depth, 0);

    const ind = await coreBroker({ destinationPolicy: [{ queue: '>', deadLetterStrategy: { type: 'individual', queuePrefix: 'DLQ.' } }] });
    try {
      const k = new CoreClient(ind);
      await k.open();
      k.session(1);
      await k.send('queue://CORE.IND', 'bad');
      await k.consume(1, 1, 'queue://CORE.IND', 10);
      await k.ack(1, [k.deliveries(1)[0]!.deliveryId], AckType.POISON, { cause: 'x' });
      assert.deepEqual((await ind.admin.browse('queue://DLQ.CORE.IND')).map((v) => v.message.body), ['bad']);
    } finally {
      await ind.stop();
    }
  });

  it('dead letters - a message that expired while pending is not dispatched and goes to the DLQ', async () => {
    const expiration = Date.now() + 30;
    await c.send('queue://CORE.EXP', 'stale', { expiration });
    await c.send('queue://CORE.EXP', 'fresh');
    await until('the expiration', () => Date.now() > expiration);
    await c.consume(1, 1, 'queue://CORE.EXP', 10);
    assert.deepEqual(c.bodies(1), ['fresh']);
    await until('the dead letter queue', () => b.admin.hasQueue('queue://ActiveMQ.DLQ'));
    const dead = await b.admin.browse('queue://ActiveMQ.DLQ');
    assert.deepEqual(dead.map((v) => v.message.body), ['stale']);
  });
});
