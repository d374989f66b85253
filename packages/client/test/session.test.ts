import { strict as assert } from 'node:assert';
import { AckType, CommandType, ErrorCode, type Command } from '@wharf/protocol';
import { ConnectionFactory, Session, DeliveryMode, IllegalStateError, type Connection, type TextMessage } from '../src/index';
import { fakeBroker, type FakeBroker } from './fake-broker';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));
type Ack = Extract<Command, { type: 11 }>;

describe('client against a scripted broker', () => {
  let fb: FakeBroker;
  let conn: Connection;
  beforeEach(async () => {
    fb = fakeBroker();
    conn = await new ConnectionFactory(fb.url, { redeliveryPolicy: { initialRedeliveryDelay: 0, redeliveryDelay: 0, maximumRedeliveries: 2 } }).createConnection();
  });
  afterEach(async () => {
    await conn.close();
    fb.close();
  });

  it('session - HELLO, then sync persistent sends, one-way non-persistent and transacted sends', async () => {
    const hello = fb.of(CommandType.HELLO)[0]!;
    assert.equal(hello.heartbeat, 30000);
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue('Q'));
    const m = s.createTextMessage('a');
    await p.send(m);
    await p.send(s.createTextMessage('b'), { deliveryMode: DeliveryMode.NON_PERSISTENT, priority: 7, timeToLive: 1000 });
    const sends = fb.of(CommandType.SEND);
    assert.equal(typeof sends[0]!.corr, 'number', 'persistent: awaited with corr');
    assert.equal(m.getJMSMessageID(), `ID:${sends[0]!.producerId}:1`);
    assert.equal(m.getJMSDestination()!.toString(), 'queue://Q');
    assert.ok(m.getJMSTimestamp() > 0);
    await fb.waitFor((c) => c.type === CommandType.SEND && c.message.body === 'b');
    const b = fb.of(CommandType.SEND)[1]!;
    assert.equal(b.corr, undefined, 'non-persistent: one-way');
    assert.equal(b.message.priority, 7);
    assert.ok(b.message.expiration > Date.now());
    assert.equal(b.message.producerSeq, 2);
    const ts = conn.createSession(true, Session.SESSION_TRANSACTED);
    const tp = await ts.createProducer(ts.createQueue('Q'));
    await tp.send(ts.createTextMessage('t'));
    const t = await fb.waitFor((c) => c.type === CommandType.SEND && c.message.body === 't') as Extract<Command, { type: 9 }>;
    assert.equal(t.corr, undefined);
    assert.ok(t.txId);
    await ts.commit();
    const commit = fb.of(CommandType.TX_COMMIT)[0]!;
    assert.equal(commit.txId, t.txId);
    await assert.rejects(s.commit(), IllegalStateError);
  });

  it('session - AUTO receive acks are coalesced into one ACK', async () => {
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q'));
    const cid = fb.of(CommandType.CONSUMER_OPEN)[0]!.consumerId;
    assert.equal(fb.of(CommandType.CONSUMER_OPEN)[0]!.prefetch, 1000);
    for (let i = 0; i < 5; i++) fb.dispatch(cid, `m${i}`);
    await tick();
    assert.equal(await c.receiveNoWait(), null, 'nothing while the connection is stopped');
    conn.start();
    for (let i = 0; i < 5; i++) assert.equal((await c.receive(1000) as TextMessage).getText(), `m${i}`);
    const ack = await fb.waitFor((x) => x.type === CommandType.ACK) as Ack;
    await tick(20);
    assert.equal(fb.of(CommandType.ACK).length, 1);
    assert.equal(ack.ackType, AckType.STANDARD);
    assert.deepEqual(ack.deliveryIds, [1, 2, 3, 4, 5]);
  });

  it('session - a throwing listener is redelivered locally, then poison-acked with its cause', async () => {
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q'));
    const counts: number[] = [];
    c.setMessageListener((m) => {
      counts.push(m.getIntProperty('JMSXDeliveryCount'));
      throw new Error('boom 42');
    });
    conn.start();
    fb.dispatch(c['id'], 'x');
    const poison = await fb.waitFor((x) => x.type === CommandType.ACK && x.ackType === AckType.POISON) as Ack;
    assert.deepEqual(counts, [1, 2, 3], '1 delivery + maximumRedeliveries (2)');
    assert.match(poison.cause!, /^Delivery\[3\] exceeds redelivery policy limit:RedeliveryPolicy\{maximumRedeliveries=2/);
    assert.match(poison.cause!, /boom 42/);
    assert.equal(fb.of(CommandType.ACK).filter((a) => a.ackType === AckType.STANDARD).length, 0);
  });

  it('session - async listeners run one at a time per session and are acked when they resolve', async () => {
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const c1 = await s.createConsumer(s.createQueue('A'));
    const c2 = await s.createConsumer(s.createQueue('B'));
    let inFlight = 0;
    let maxInFlight = 0;
    const got: string[] = [];
    const listener = async (m: unknown): Promise<void> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick(2);
      got.push((m as TextMessage).getText()!);
      inFlight--;
    };
    c1.setMessageListener(listener);
    c2.setMessageListener(listener);
    conn.start();
    for (let i = 0; i < 3; i++) {
      fb.dispatch(c1['id'], `a${i}`);
      fb.dispatch(c2['id'], `b${i}`);
    }
    while (got.length < 6) await tick();
    assert.equal(maxInFlight, 1);
    assert.deepEqual(got.filter((g) => g.startsWith('a')), ['a0', 'a1', 'a2']);
    await tick(10);
    const acked = fb.of(CommandType.ACK).flatMap((a) => a.deliveryIds);
    assert.equal(acked.length, 6);
  });

  it('session - CLIENT acknowledge acks everything delivered; DELIVERED acks keep the window open', async () => {
    const f = new ConnectionFactory(fb.url, { prefetchPolicy: { all: 4 } });
    const c2 = await f.createConnection();
    try {
      c2.start();
      const s = c2.createSession(false, Session.CLIENT_ACKNOWLEDGE);
      const c = await s.createConsumer(s.createQueue('Q'));
      const cid = fb.of(CommandType.CONSUMER_OPEN).at(-1)!.consumerId;
      const ids = [1, 2, 3].map((i) => fb.dispatch(cid, `m${i}`));
      const m1 = await c.receive(1000);
      await c.receive(1000);
      const delivered = await fb.waitFor((x) => x.type === CommandType.ACK && x.ackType === AckType.DELIVERED) as Ack;
      assert.deepEqual(delivered.deliveryIds, ids.slice(0, 2), 'DELIVERED at half the prefetch (2)');
      await c.receive(1000);
      await m1!.acknowledge();
      const std = fb.of(CommandType.ACK).filter((a) => a.ackType === AckType.STANDARD);
      assert.equal(std.length, 1);
      assert.deepEqual(std[0]!.deliveryIds, ids);
      assert.equal(typeof std[0]!.corr, 'number', 'acknowledge() waits for the broker');
    } finally {
      await c2.close();
    }
  });

  it('session - transacted: commit acks with the txId then commits; rollback redelivers locally in order', async () => {
    conn.start();
    const s = conn.createSession(true, Session.SESSION_TRANSACTED);
    const c = await s.createConsumer(s.createQueue('Q'));
    const cid = fb.of(CommandType.CONSUMER_OPEN)[0]!.consumerId;
    const [d1, d2] = [fb.dispatch(cid, 'm1'), fb.dispatch(cid, 'm2')];
    assert.equal((await c.receive(1000) as TextMessage).getText(), 'm1');
    assert.equal((await c.receive(1000) as TextMessage).getText(), 'm2');
    await s.rollback();
    assert.equal(fb.of(CommandType.TX_ROLLBACK).length, 1);
    const again = await c.receive(1000) as TextMessage;
    assert.equal(again.getText(), 'm1');
    assert.equal(again.getJMSRedelivered(), true);
    assert.equal(again.getIntProperty('JMSXDeliveryCount'), 2);
    assert.equal((await c.receive(1000) as TextMessage).getText(), 'm2');
    await s.commit();
    const acks = fb.of(CommandType.ACK);
    const commit = fb.of(CommandType.TX_COMMIT)[0]!;
    assert.equal(acks.length, 1);
    assert.deepEqual(acks[0]!.deliveryIds, [d1, d2]);
    assert.equal(acks[0]!.txId, commit.txId);
    assert.ok(fb.received.indexOf(acks[0]!) < fb.received.indexOf(commit), 'ACK before TX_COMMIT');
  });

  it('session - expired and over-delivered messages never reach the application', async () => {
    conn.start();
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q'));
    const cid = fb.of(CommandType.CONSUMER_OPEN)[0]!.consumerId;
    const expired = fb.dispatch(cid, 'old', { expiration: Date.now() - 1 });
    const poisoned = fb.dispatch(cid, 'again', { redelivered: true, deliveryCount: 4 });
    fb.dispatch(cid, 'fresh');
    assert.equal((await c.receive(1000) as TextMessage).getText(), 'fresh');
    const e = await fb.waitFor((x) => x.type === CommandType.ACK && x.ackType === AckType.EXPIRED) as Ack;
    assert.deepEqual(e.deliveryIds, [expired]);
    const p = fb.of(CommandType.ACK).find((a) => a.ackType === AckType.POISON)!;
    assert.deepEqual(p.deliveryIds, [poisoned]);
  });

  it('session - consumer close releases prefetched messages before CONSUMER_CLOSE; receive() ends with null', async () => {
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q'));
    const cid = fb.of(CommandType.CONSUMER_OPEN)[0]!.consumerId;
    const ids = [fb.dispatch(cid, 'a'), fb.dispatch(cid, 'b')];
    await tick();
    const waiting = c.receive();
    await c.close();
    assert.equal(await waiting, null);
    const rel = fb.of(CommandType.ACK).find((a) => a.ackType === AckType.RELEASE)!;
    assert.deepEqual(rel.deliveryIds, ids);
    const close = fb.of(CommandType.CONSUMER_CLOSE)[0]!;
    assert.ok(fb.received.indexOf(rel) < fb.received.indexOf(close));
    await assert.rejects(s.createConsumer(s.createQueue('X'), 'a = '), /selector|column/i);
  });

  it('session - prefetch 0 pulls for each receive', async () => {
    const c2 = await new ConnectionFactory(fb.url, { prefetchPolicy: { all: 0 } }).createConnection();
    try {
      c2.start();
      const s = c2.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const c = await s.createConsumer(s.createQueue('Q'));
      const cid = fb.of(CommandType.CONSUMER_OPEN).at(-1)!.consumerId;
      const r = c.receive(500);
      const pull = await fb.waitFor((x) => x.type === CommandType.PULL) as Extract<Command, { type: 16 }>;
      assert.ok(pull.timeout > 0 && pull.timeout <= 500);
      fb.dispatch(cid, 'pulled');
      assert.equal((await r as TextMessage).getText(), 'pulled');
      const nw = c.receiveNoWait();
      await fb.waitFor((x) => x.type === CommandType.PULL && x.timeout === 0);
      fb.dispatchNull(cid);
      assert.equal(await nw, null);
      assert.throws(() => c.setMessageListener(() => undefined), /prefetch size of zero/);
    } finally {
      await c2.close();
    }
  });

  it('session - errors: asynchronous ones reach the exception listener; a fatal one closes the connection', async () => {
    const errors: Error[] = [];
    conn.setExceptionListener((e) => errors.push(e));
    conn.start();
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q'));
    fb.fail(undefined, ErrorCode.RESOURCE_ALLOCATION, 'memory limit reached');
    await tick();
    assert.equal(errors[0]!.message, 'memory limit reached');
    const waiting = c.receive();
    fb.fail(undefined, ErrorCode.SECURITY, 'go away', true);
    assert.equal(await waiting, null);
    await tick();
    assert.ok(conn.isClosed());
    assert.ok(errors.some((e) => e.message === 'go away'));
    assert.throws(() => conn.createSession(false, 1), /closed/);
  });

  it('session - recover() in CLIENT mode redelivers the unacknowledged messages', async () => {
    conn.start();
    const s = conn.createSession(false, Session.CLIENT_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q'));
    const cid = fb.of(CommandType.CONSUMER_OPEN)[0]!.consumerId;
    fb.dispatch(cid, 'm1');
    fb.dispatch(cid, 'm2');
    await c.receive(1000);
    await s.recover();
    const got = [(await c.receive(1000) as TextMessage), (await c.receive(1000) as TextMessage)];
    assert.deepEqual(got.map((m) => m.getText()), ['m1', 'm2']);
    assert.deepEqual(got.map((m) => m.getJMSRedelivered()), [true, false]);
    await assert.rejects(conn.createSession(true, 0).recover(), IllegalStateError);
  });

  it('session - temporary queues are named after the connection and deleted through it', async () => {
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const tq = await s.createTemporaryQueue();
    assert.equal(tq.toString(), 'temp-queue://ID:fake-1:1');
    assert.equal(fb.of(CommandType.TEMP_CREATE)[0]!.destination, 'temp-queue://ID:fake-1:1');
    await tq.delete();
    assert.equal(fb.of(CommandType.TEMP_DELETE)[0]!.destination, 'temp-queue://ID:fake-1:1');
  });

  it('session - setClientID only before use; browsing ends at the null dispatch', async () => {
    await conn.setClientID('me');
    assert.equal(fb.of(CommandType.CLIENT_ID)[0]!.clientId, 'me');
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await assert.rejects(conn.setClientID('other'), IllegalStateError);
    const b = s.createBrowser(s.createQueue('Q'));
    const all = b.toArray();
    const open = await fb.waitFor((x) => x.type === CommandType.CONSUMER_OPEN && x.browser === true) as Extract<Command, { type: 7 }>;
    for (const t of ['x', 'y']) fb.send({ type: CommandType.DISPATCH, consumerId: open.consumerId, deliveryId: 0, message: { ...baseMsg(), body: t } });
    fb.dispatchNull(open.consumerId);
    assert.deepEqual((await all).map((m) => (m as TextMessage).getText()), ['x', 'y']);
    await fb.waitFor((x) => x.type === CommandType.CONSUMER_CLOSE && x.consumerId === open.consumerId);
  });

  it('session - a consumer closed from its own listener acknowledges the message in hand', async () => {
    conn.start();
    const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q'));
    c.setMessageListener(async () => {
      await c.close();
    });
    const id = fb.dispatch(c['id'], 'only');
    const close = await fb.waitFor((x) => x.type === CommandType.CONSUMER_CLOSE);
    const ack = fb.of(CommandType.ACK).find((a) => a.ackType === AckType.STANDARD)!;
    assert.deepEqual(ack.deliveryIds, [id]);
    assert.ok(fb.received.indexOf(ack) < fb.received.indexOf(close));
  });

  it('session - DUPS_OK batches acknowledgements (half the window or 100 ms)', async () => {
    conn.start();
    const s = conn.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q?consumer.prefetchSize=6'));
    assert.equal(fb.of(CommandType.CONSUMER_OPEN)[0]!.prefetch, 6);
    const ids = [1, 2, 3, 4].map((i) => fb.dispatch(c['id'], `m${i}`));
    for (let i = 0; i < 4; i++) await c.receive(1000);
    await tick(20);
    const first = fb.of(CommandType.ACK);
    assert.equal(first.length, 1, 'one ACK at half the window');
    assert.deepEqual(first[0]!.deliveryIds, ids.slice(0, 3));
    await fb.waitFor((x) => x.type === CommandType.ACK && x.deliveryIds[0] === ids[3], 1000);
  });

  it('session - INDIVIDUAL acknowledge acks just that message', async () => {
    conn.start();
    const s = conn.createSession(false, Session.INDIVIDUAL_ACKNOWLEDGE);
    const c = await s.createConsumer(s.createQueue('Q'));
    const ids = [fb.dispatch(c['id'], 'a'), fb.dispatch(c['id'], 'b')];
    await c.receive(1000);
    const b = await c.receive(1000);
    await b!.acknowledge();
    const acks = fb.of(CommandType.ACK).filter((a) => a.ackType === AckType.INDIVIDUAL);
    assert.equal(acks.length, 1);
    assert.deepEqual(acks[0]!.deliveryIds, [ids[1]]);
    await s.recover();
    assert.equal((await c.receive(1000) as TextMessage).getText(), 'a', 'the unacknowledged one comes again');
  });

  it('session - a consumer closed inside a transaction still takes part in its commit', async () => {
    conn.start();
    const s = conn.createSession(true, Session.SESSION_TRANSACTED);
    const c = await s.createConsumer(s.createQueue('Q'));
    const id = fb.dispatch(c['id'], 'x');
    await c.receive(1000);
    await c.close();
    assert.equal(fb.of(CommandType.CONSUMER_CLOSE).length, 0, 'close waits for the transaction');
    await s.commit();
    const ack = fb.of(CommandType.ACK).find((a) => a.txId)!;
    assert.deepEqual(ack.deliveryIds, [id]);
    await fb.waitFor((x) => x.type === CommandType.CONSUMER_CLOSE);
    await assert.rejects(c.receive(10), IllegalStateError);
  });
});

function baseMsg(): Extract<Command, { type: 10 }>['message'] & object {
  return {
    messageId: 'ID:x:1', destination: 'queue://Q', deliveryMode: 2, priority: 4, timestamp: 1, expiration: 0, deliveryTime: 0,
    redelivered: false, deliveryCount: 0, producerId: 'x', producerSeq: 1, properties: {}, bodyKind: 1, body: null,
  };
}
