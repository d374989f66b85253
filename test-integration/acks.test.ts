import { strict as assert } from 'node:assert';
import { Session, TransactionRolledBackError, IllegalStateError } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { world, text, type World } from './helpers';

const fastRedelivery = { maximumRedeliveries: 6, initialRedeliveryDelay: 10, redeliveryDelay: 10 };

describe('acknowledgement and transactions', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(() => w.ledger.closeAll());

  async function fill(queue: string, n: number): Promise<void> {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue(queue));
    for (let i = 0; i < n; i++) await p.send(s.createTextMessage(`m${i}`));
    await c.close();
  }

  it('acks - CLIENT ack forgotten: the next consumer gets the message with redelivered set', async () => {
    await fill('ACK.CLIENT', 3);
    const c1 = await w.connect();
    const s1 = c1.createSession(false, Session.CLIENT_ACKNOWLEDGE);
    const cons1 = await s1.createConsumer(s1.createQueue('ACK.CLIENT'));
    const m0 = await cons1.receive(1000);
    assert.equal(text(m0), 'm0');
    assert.equal(m0!.getJMSRedelivered(), false);
    await c1.close(); // never acknowledged
    const c2 = await w.connect();
    const s2 = c2.createSession(false, Session.CLIENT_ACKNOWLEDGE);
    const cons2 = await s2.createConsumer(s2.createQueue('ACK.CLIENT'));
    const again = await cons2.receive(1000);
    assert.equal(text(again), 'm0');
    assert.equal(again!.getJMSRedelivered(), true);
    const m1 = await cons2.receive(1000);
    const m2 = await cons2.receive(1000);
    await m2!.acknowledge(); // acknowledges every message delivered in the session
    assert.equal(text(m1), 'm1');
    await c2.close();
    const c3 = await w.connect();
    const s3 = c3.createSession(false, Session.AUTO_ACKNOWLEDGE);
    assert.equal(await (await s3.createConsumer(s3.createQueue('ACK.CLIENT'))).receive(200), null);
  });

  it('acks - INDIVIDUAL ack acknowledges only that message', async () => {
    await fill('ACK.IND', 2);
    const c1 = await w.connect();
    const s1 = c1.createSession(false, Session.INDIVIDUAL_ACKNOWLEDGE);
    const cons = await s1.createConsumer(s1.createQueue('ACK.IND'));
    await cons.receive(1000);
    const m1 = await cons.receive(1000);
    await m1!.acknowledge();
    await c1.close();
    const c2 = await w.connect();
    const s2 = c2.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const cons2 = await s2.createConsumer(s2.createQueue('ACK.IND'));
    assert.equal(text(await cons2.receive(1000)), 'm0');
    assert.equal(await cons2.receive(200), null);
  });

  it('acks - DUPS_OK consumes everything', async () => {
    await fill('ACK.DUPS', 50);
    const c = await w.connect();
    const s = c.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
    const cons = await s.createConsumer(s.createQueue('ACK.DUPS'));
    for (let i = 0; i < 50; i++) assert.equal(text(await cons.receive(1000)), `m${i}`);
    await cons.close();
    await checkFor(3000, () => w.broker.queues.get('queue://ACK.DUPS')!.depth === 0, 'all acknowledged');
  });

  it('acks - recover() redelivers unacknowledged messages in CLIENT mode', async () => {
    await fill('ACK.RECOVER', 2);
    const c = await w.connect({ redeliveryPolicy: fastRedelivery });
    const s = c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
    const cons = await s.createConsumer(s.createQueue('ACK.RECOVER'));
    assert.equal(text(await cons.receive(1000)), 'm0');
    await s.recover();
    const again = await cons.receive(1000);
    assert.equal(text(again), 'm0');
    assert.equal(again!.getJMSRedelivered(), true);
  });

  it('transactions - sends are invisible until commit; rollback discards them', async () => {
    const c = await w.connect();
    const s = c.createSession(true, Session.SESSION_TRANSACTED);
    const p = await s.createProducer(s.createQueue('TX.SEND'));
    await p.send(s.createTextMessage('t1'));
    const rc = await w.connect();
    const rs = rc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const cons = await rs.createConsumer(rs.createQueue('TX.SEND'));
    assert.equal(await cons.receive(150), null);
    await s.commit();
    assert.equal(text(await cons.receive(1000)), 't1');
    await p.send(s.createTextMessage('t2'));
    await s.rollback();
    await p.send(s.createTextMessage('t3'));
    await s.commit();
    assert.equal(text(await cons.receive(1000)), 't3');
  });

  it('transactions - rollback redelivers consumed messages, commit removes them', async () => {
    await fill('TX.CONSUME', 2);
    const c = await w.connect({ redeliveryPolicy: fastRedelivery });
    const s = c.createSession(true, Session.SESSION_TRANSACTED);
    const cons = await s.createConsumer(s.createQueue('TX.CONSUME'));
    assert.equal(text(await cons.receive(1000)), 'm0');
    await s.rollback();
    const again = await cons.receive(1000);
    assert.equal(text(again), 'm0');
    assert.ok(again!.getJMSRedelivered());
    assert.equal(again!.getIntProperty('JMSXDeliveryCount'), 2);
    assert.equal(text(await cons.receive(1000)), 'm1');
    await s.commit();
    await checkFor(2000, () => w.broker.queues.get('queue://TX.CONSUME')!.depth === 0, 'queue empty after commit');
  });

  it('transactions - commit on a non-transacted session is an IllegalStateError', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await assert.rejects(s.commit(), IllegalStateError);
    await assert.rejects(s.rollback(), IllegalStateError);
    assert.ok(TransactionRolledBackError);
  });

  it('redelivery - a throwing listener in AUTO mode is redelivered, then lands in the DLQ with its cause', async () => {
    await fill('DLQ.TEST', 1);
    const c = await w.connect({ redeliveryPolicy: { ...fastRedelivery, maximumRedeliveries: 2 } });
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    let attempts = 0;
    (await s.createConsumer(s.createQueue('DLQ.TEST'))).setMessageListener(() => {
      attempts++;
      throw new Error('cannot process order 42');
    });
    const dc = await w.connect();
    const ds = dc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const dlq = await ds.createConsumer(ds.createQueue('ActiveMQ.DLQ'));
    const dead = await dlq.receive(5000);
    assert.ok(dead, 'message reached ActiveMQ.DLQ');
    assert.equal(text(dead), 'm0');
    assert.equal(attempts, 3, '1 delivery + maximumRedeliveries(2)');
    assert.match(dead!.getStringProperty('dlqDeliveryFailureCause')!, /cannot process order 42/);
  });

  it('redelivery - individual dead letter strategy uses DLQ.<queue>', async () => {
    const w2 = await world({ destinationPolicy: [{ queue: '>', deadLetterStrategy: { type: 'individual', queuePrefix: 'DLQ.' } }] });
    try {
      const c = await w2.connect({ redeliveryPolicy: { ...fastRedelivery, maximumRedeliveries: 0 } });
      const s = c.createSession(true, Session.SESSION_TRANSACTED);
      const p = await s.createProducer(s.createQueue('ORDERS'));
      await p.send(s.createTextMessage('o1'));
      await s.commit();
      const cons = await s.createConsumer(s.createQueue('ORDERS'));
      assert.equal(text(await cons.receive(1000)), 'o1');
      await s.rollback();
      const ds = (await w2.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
      const dead = await (await ds.createConsumer(ds.createQueue('DLQ.ORDERS'))).receive(3000);
      assert.equal(text(dead), 'o1');
    } finally {
      await w2.ledger.closeAll();
    }
  });
});
