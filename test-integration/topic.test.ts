import { strict as assert } from 'node:assert';
import { Session, DeliveryMode } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { world, text, type World } from './helpers';

describe('topic', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(() => w.ledger.closeAll());

  it('topic - two subscribers both get every message', async () => {
    const got: string[][] = [[], []];
    for (const i of [0, 1]) {
      const c = await w.connect();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      (await s.createConsumer(s.createTopic('NEWS'))).setMessageListener((m) => void got[i]!.push(text(m)));
    }
    const pc = await w.connect();
    const ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await ps.createProducer(ps.createTopic('NEWS'));
    for (let i = 0; i < 100; i++) await p.send(ps.createTextMessage(`n${i}`), { deliveryMode: DeliveryMode.NON_PERSISTENT });
    await checkFor(5000, () => got[0]!.length === 100 && got[1]!.length === 100, 'both subscribers');
    assert.deepEqual(got[0], got[1]);
  });

  it('topic - a subscriber that was not there misses messages (non-durable)', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createTopic('NEWS.LATE'));
    await p.send(s.createTextMessage('before'));
    const cons = await s.createConsumer(s.createTopic('NEWS.LATE'));
    await p.send(s.createTextMessage('after'));
    assert.equal(text(await cons.receive(1000)), 'after');
    assert.equal(await cons.receive(100), null);
  });

  it('topic - durable subscriber that was offline gets what was published meanwhile', async () => {
    const sub1 = await w.connect({ clientID: 'Mark' });
    const s1 = sub1.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const d1 = await s1.createDurableSubscriber(s1.createTopic('durable.news'), 'sub-A');
    await d1.close();
    await sub1.close();
    const pc = await w.connect();
    const ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await ps.createProducer(ps.createTopic('durable.news'));
    for (let i = 0; i < 5; i++) await p.send(ps.createTextMessage(`d${i}`));
    const sub2 = await w.connect({ clientID: 'Mark' });
    const s2 = sub2.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const d2 = await s2.createDurableSubscriber(s2.createTopic('durable.news'), 'sub-A');
    for (let i = 0; i < 5; i++) assert.equal(text(await d2.receive(1000)), `d${i}`);
    await d2.close();
    await s2.unsubscribe('sub-A');
    assert.equal(w.broker.durables.size, 0);
  });

  it('topic - durable subscriber needs a clientID; a second active one is refused', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await assert.rejects(s.createDurableSubscriber(s.createTopic('T'), 'x'), /clientID/);
    const a = await w.connect({ clientID: 'dup' });
    const sa = a.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await sa.createDurableSubscriber(sa.createTopic('T'), 'x');
    await assert.rejects(sa.createDurableSubscriber(sa.createTopic('T'), 'x'), /in use/);
    await assert.rejects(w.connect({ clientID: 'dup' }), /already connected/);
  });

  it('topic - wildcard subscriptions', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const star = await s.createConsumer(s.createTopic('PRICE.*.NASDAQ'));
    const rest = await s.createConsumer(s.createTopic('PRICE.>'));
    const p = await s.createProducer(null);
    await p.send(s.createTopic('PRICE.STOCK.NASDAQ'), s.createTextMessage('a'));
    await p.send(s.createTopic('PRICE.STOCK.NYSE'), s.createTextMessage('b'));
    assert.equal(text(await star.receive(1000)), 'a');
    assert.equal(await star.receive(100), null);
    assert.deepEqual([text(await rest.receive(1000)), text(await rest.receive(1000))], ['a', 'b']);
  });

  it('topic - noLocal suppresses the connection\'s own messages', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const t = s.createTopic('CHAT');
    const mine = await s.createConsumer(t, undefined, true);
    const other = await w.connect();
    const os = other.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const all = await os.createConsumer(os.createTopic('CHAT'));
    await (await s.createProducer(t)).send(s.createTextMessage('self'));
    await (await os.createProducer(os.createTopic('CHAT'))).send(os.createTextMessage('from-other'));
    assert.equal(text(await mine.receive(1000)), 'from-other');
    assert.deepEqual([text(await all.receive(1000)), text(await all.receive(1000))], ['self', 'from-other']);
  });

  it('topic - advisory messages report consumers', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const adv = await s.createConsumer(s.createTopic('ActiveMQ.Advisory.Consumer.Queue.ADV.Q'));
    const cons = await s.createConsumer(s.createQueue('ADV.Q'));
    const m = await adv.receive(2000);
    assert.ok(m, 'advisory arrived');
    assert.equal(m!.getIntProperty('consumerCount'), 1);
    await cons.close();
    const m2 = await adv.receive(2000);
    assert.equal(m2!.getIntProperty('consumerCount'), 0);
  });
});
