// Slow topic subscribers (ActiveMQ's pendingMessageLimitStrategy): beyond the limit, the oldest
// non-persistent messages waiting for a subscriber that does not read are discarded, counted
// and advised; persistent ones and fast subscribers are untouched.
import { strict as assert } from 'node:assert';
import { DeliveryMode, Session, type Connection, type JMSError } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { ADVISORY_RETENTION, type TopicSubscription } from '@wharf/broker';
import { CommandType, encodeCommand, vmConnect } from '@wharf/protocol';
import { hello, raw, text, world, type World } from './helpers';

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

  // ActiveMQ's abortSlowConsumerStrategy: checked every 50 ms, slow for 200 ms is too long.
  const abortAfter200 = { type: 'abortSlowConsumer', maxSlowDuration: 200, checkPeriod: 50 } as const;

  /** A connection whose exception listener's errors are awaited. */
  async function watched(w: World, opts: Parameters<World['connect']>[0] = {}): Promise<{ c: Connection; errors: JMSError[] }> {
    const c = await w.connect(opts);
    const errors: JMSError[] = [];
    c.setExceptionListener((e) => errors.push(e));
    return { c, errors };
  }

  it('slow consumers - abortSlowConsumer: a topic subscriber that stops reading is closed with an error, advised; a fast one and its connection go on', async () => {
    w = await world({ destinationPolicy: [{ topic: '>', slowConsumerStrategy: abortAfter200, advisoryForSlowConsumers: true }] });
    const slow = await watched(w, { prefetchPolicy: { topicPrefetch: 5 } });
    const ss = slow.c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await ss.createConsumer(ss.createTopic('SLOW'));
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const advisories = await s.createConsumer(s.createTopic('ActiveMQ.Advisory.SlowConsumer.Topic.SLOW'));
    const fast = await s.createConsumer(s.createTopic('SLOW'));
    const p = await s.createProducer(s.createTopic('SLOW'));
    p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
    for (let i = 0; i < 20; i++) {
      await p.send(s.createTextMessage(`m${i}`));
      assert.equal(text(await fast.receive(2000)), `m${i}`);
    }
    const advisory = await advisories.receive(2000);
    assert.ok(advisory, 'a SlowConsumer advisory');
    assert.match(String(advisory.getStringProperty('consumerId')), new RegExp(`^${slow.c.getConnectionId()}:`));
    const err = await checkFor(5000, () => slow.errors[0], 'the slow consumer is told it was aborted');
    assert.match(err.message, /slow consumer aborted: slow too often \(>-1\) or too long \(>200 ms\)/);
    const t = w.broker.topics.get('topic://SLOW')!;
    assert.equal(t.subs.size, 1, 'only the fast subscriber is left');
    assert.equal(w.broker.slowConsumers.aborted, 1);
    // The slow subscriber's connection is still usable.
    const again = await ss.createConsumer(ss.createTopic('SLOW'));
    await p.send(s.createTextMessage('after'));
    assert.equal(text(await again.receive(2000)), 'after');
    assert.equal(text(await fast.receive(2000)), 'after');
  });

  it('slow consumers - abortSlowConsumer with abortConnection: the slow subscriber\'s connection is closed; maxSlowCount counts turns to slow', async () => {
    w = await world({ destinationPolicy: [{ topic: '>', slowConsumerStrategy: { ...abortAfter200, maxSlowDuration: -1, maxSlowCount: 1, abortConnection: true } }] });
    const slow = await watched(w, { prefetchPolicy: { topicPrefetch: 5 } });
    const ss = slow.c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await ss.createConsumer(ss.createTopic('SLOW'));
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createTopic('SLOW'));
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(`m${i}`));
    const err = await checkFor(5000, () => slow.errors[0], 'the slow connection is told');
    assert.match(err.message, /connection aborted: 1 consumer\(s\) slow too often \(>1\)/);
    await checkFor(5000, () => w.broker.connections.size === 1 || undefined, 'the slow connection is gone');
    await p.send(s.createTextMessage('still'));
  });

  it('slow consumers - abortSlowAckConsumer: a queue consumer holding messages unacknowledged past maxTimeSinceLastAck is closed, its messages go to another; an idle one stays', async () => {
    w = await world({ destinationPolicy: [{ queue: '>', slowConsumerStrategy: { type: 'abortSlowAckConsumer', maxTimeSinceLastAck: 200, maxSlowDuration: 100, checkPeriod: 50 } }] });
    const idle = await watched(w);
    const is = idle.c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await is.createConsumer(is.createQueue('OTHER'));
    const slow = await watched(w, { prefetchPolicy: { queuePrefetch: 5 } });
    const ss = slow.c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
    const holder = await ss.createConsumer(ss.createQueue('WORK'));
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue('WORK'));
    for (let i = 0; i < 3; i++) await p.send(s.createTextMessage(`w${i}`));
    assert.equal(text(await holder.receive(2000)), 'w0', 'received, never acknowledged');
    const err = await checkFor(5000, () => slow.errors[0], 'the consumer that does not acknowledge is aborted');
    assert.match(err.message, /slow consumer aborted/);
    const other = await s.createConsumer(s.createQueue('WORK'));
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(text(await other.receive(2000)));
    assert.deepEqual(got, ['w0', 'w1', 'w2']);
    assert.equal(idle.errors.length, 0, 'a consumer holding nothing is not slow (ignoreIdleConsumers)');
    assert.equal(w.broker.queues.get('queue://OTHER')!.consumers.length, 1);
  });

  it('slow consumers - abortSlowConsumer: an aborted durable subscriber\'s subscription keeps its messages for the next connection', async () => {
    w = await world({ destinationPolicy: [{ topic: '>', slowConsumerStrategy: abortAfter200 }] });
    const slow = await watched(w, { clientID: 'durable-slow', prefetchPolicy: { durableTopicPrefetch: 5 } });
    const ss = slow.c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await ss.createDurableSubscriber(ss.createTopic('SLOW.D'), 'd');
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createTopic('SLOW.D'));
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(`d${i}`));
    assert.match((await checkFor(5000, () => slow.errors[0], 'the durable subscriber is aborted')).message, /slow consumer aborted/);
    const sub = w.broker.durables.get('durable-slow:d')!;
    assert.equal(sub.active, null, 'the subscription is inactive, not removed');
    await slow.c.close();
    const again = await w.connect({ clientID: 'durable-slow' });
    const as = again.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const d = await as.createDurableSubscriber(as.createTopic('SLOW.D'), 'd');
    for (let i = 0; i < 20; i++) assert.equal(text(await d.receive(2000)), `d${i}`);
  });

  it('slow consumers - a network bridge\'s consumer is left alone (ignoreNetworkConsumers) while a client\'s beside it is aborted', async () => {
    w = await world({ destinationPolicy: [{ topic: '>', slowConsumerStrategy: abortAfter200 }] });
    const bridge = await raw(w.url);
    w.ledger.defer(() => bridge.sock.destroy());
    await hello(bridge, { networkBridge: true, user: 'bridge' });
    bridge.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 2 });
    bridge.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'topic://SLOW.N', prefetch: 5, network: { target: 'other', ttl: 2, path: ['other'] } });
    assert.equal((await bridge.next()).type, CommandType.RECEIPT);
    const slow = await watched(w, { prefetchPolicy: { topicPrefetch: 5 } });
    const ss = slow.c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await ss.createConsumer(ss.createTopic('SLOW.N'));
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createTopic('SLOW.N'));
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(`n${i}`));
    await checkFor(5000, () => slow.errors[0], 'the client\'s slow subscriber is aborted');
    const left = [...w.broker.topics.get('topic://SLOW.N')!.subs];
    assert.equal(left.length, 1);
    assert.ok(left[0]!.consumer.networkPath && left[0]!.consumer.slow, 'the bridge\'s consumer, slow as well, is still there');
  });
});

