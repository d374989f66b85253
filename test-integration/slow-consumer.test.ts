// Slow topic subscribers (ActiveMQ's pendingMessageLimitStrategy): beyond the limit, the oldest
// non-persistent messages waiting for a subscriber that does not read are discarded, counted
// and advised; persistent ones and fast subscribers are untouched.
import { strict as assert } from 'node:assert';
import { DeliveryMode, Session, type Connection } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { ADVISORY_RETENTION, type TopicSubscription } from '@wharf/broker';
import { CommandType, encodeCommand, vmConnect } from '@wharf/protocol';
import { text, world, type World } from './helpers';

async function slowSubscriber(w: World, prefetch: number): Promise<{ c: Connection; receive(): Promise<string | null> }> {
  const c = await w.connect({ prefetchPolicy: { topicPrefetch: prefetch } });
  const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const cons = await s.createConsumer(s.createTopic('SLOW'));
  return { c, receive: async () => {
    const m = await cons.receive(500);
    return m ? text(m) : null;
  } };
}

function subscription(w: World): TopicSubscription {
  return [...w.broker.topics.get('topic://SLOW')!.subs][0]!;
}

describe('slow consumers', () => {
  let w: World;
  afterEach(() => w.ledger.closeAll());

  for (const [name, strategy] of [['constant limit 10', { type: 'constant', limit: 10 }], ['prefetchRatio 2 of prefetch 5', { type: 'prefetchRatio', multiplier: 2 }]] as const) {
    it(`slow consumers - ${name}: the oldest non-persistent messages past the limit are discarded, counted and advised`, async () => {
      w = await world({ destinationPolicy: [{ topic: '>', pendingMessageLimitStrategy: strategy }] });
      const slow = await slowSubscriber(w, 5);
      const c = await w.connect();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const advisories = await s.createConsumer(s.createTopic('ActiveMQ.Advisory.MessageDiscarded.Topic.SLOW'));
      const p = await s.createProducer(s.createTopic('SLOW'));
      p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      for (let i = 0; i < 100; i++) await p.send(s.createTextMessage(`m${i}`));
      await checkFor(5000, () => subscription(w).discarded === 85 || undefined, 'discarded 100 - 5 in flight - 10 kept');
      assert.equal(subscription(w).pending.size, 10);
      assert.ok(await advisories.receive(2000), 'a MessageDiscarded advisory');
      const got: string[] = [];
      for (let m = await slow.receive(); m !== null; m = await slow.receive()) got.push(m);
      assert.deepEqual(got, [...[0, 1, 2, 3, 4], ...Array.from({ length: 10 }, (_, i) => 90 + i)].map((i) => `m${i}`));
    });
  }

  it('slow consumers - persistent messages and subscribers that keep up are never discarded', async () => {
    w = await world({ destinationPolicy: [{ topic: '>', pendingMessageLimitStrategy: { type: 'constant', limit: 0 } }] });
    const slow = await slowSubscriber(w, 5);
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const fast = await s.createConsumer(s.createTopic('SLOW'));
    const p = await s.createProducer(s.createTopic('SLOW'));
    p.setDeliveryMode(DeliveryMode.PERSISTENT);
    for (let i = 0; i < 30; i++) await p.send(s.createTextMessage(`p${i}`));
    for (let i = 0; i < 30; i++) assert.equal(text(await fast.receive(2000)), `p${i}`, 'the fast subscriber gets every message');
    const subs = [...w.broker.topics.get('topic://SLOW')!.subs];
    assert.equal(subs.reduce((n, x) => n + x.discarded, 0), 0);
    const got: string[] = [];
    for (let m = await slow.receive(); m !== null; m = await slow.receive()) got.push(m);
    assert.equal(got.length, 30, 'persistent messages wait for the slow subscriber');
  });

  it('slow consumers - the advisories kept for an offline durable subscriber are bounded under connection churn', async () => {
    w = await world();
    const owner = await w.connect({ clientID: 'watcher' });
    const os = owner.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await os.createDurableSubscriber(os.createTopic('ActiveMQ.Advisory.Connection'), 'churn')).close();
    await owner.close();
    for (let i = 0; i < 700; i++) {
      const server = vmConnect(w.broker.name, { deliver: () => undefined, closed: () => undefined });
      server.deliver(encodeCommand({ type: CommandType.HELLO, corr: 1, version: 1, heartbeat: 0 }));
      server.closed();
    }
    const sub = w.broker.durables.get('watcher:churn')!;
    await checkFor(5000, () => sub.discarded >= 1400 - ADVISORY_RETENTION || undefined, 'the oldest advisories were discarded');
    assert.equal(sub.pending.size, ADVISORY_RETENTION);
  });
});
