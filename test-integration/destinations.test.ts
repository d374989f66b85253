// Virtual topics, composite destinations, mirrored queues and wildcards over real TCP, with the
// seed's own names (docs/ACTIVEMQ-BEHAVIOUR.md: virtual topics, composite and mirrored destinations; seed: "虚拟Destination", "组合Destination", "Mirrored Queue").
import { strict as assert } from 'node:assert';
import { Session, type Message, type MessageConsumer } from '@wharf/client';
import type { BrokerConfig } from '@wharf/broker';
import { world, text, type World } from './helpers';

async function drain(c: MessageConsumer, quietMs = 200): Promise<Message[]> {
  const out: Message[] = [];
  for (let m = await c.receive(quietMs); m; m = await c.receive(quietMs)) out.push(m);
  return out;
}

describe('destinations', () => {
  let w: World;
  afterEach(() => w.ledger.closeAll());

  async function session(config: Partial<BrokerConfig> = {}): Promise<Session> {
    w = await world(config);
    return (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
  }

  async function other(): Promise<Session> {
    return (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
  }

  it('destinations - virtual topic: each group gets every message once, shared inside the group (Consumer.A/B.VirtualTopic.vtgroup)', async () => {
    const s = await session();
    const a1 = await s.createConsumer(s.createQueue('Consumer.A.VirtualTopic.vtgroup'));
    const a2 = await (await other()).createConsumer(s.createQueue('Consumer.A.VirtualTopic.vtgroup'));
    const b = await s.createConsumer(s.createQueue('Consumer.B.VirtualTopic.vtgroup'));
    const plain = await s.createConsumer(s.createTopic('VirtualTopic.vtgroup'));
    const p = await s.createProducer(s.createTopic('VirtualTopic.vtgroup'));
    const sent = Array.from({ length: 20 }, (_, i) => `order-${i}`);
    for (const t of sent) await p.send(s.createTextMessage(t));
    const [gotA1, gotA2, gotB, gotPlain] = await Promise.all([drain(a1), drain(a2), drain(b), drain(plain)]);
    const groupA = [...gotA1, ...gotA2].map(text).sort();
    assert.deepEqual(groupA, [...sent].sort(), 'group A: every message once');
    assert.ok(gotA1.length > 0 && gotA2.length > 0, `shared inside the group (${gotA1.length}/${gotA2.length})`);
    assert.deepEqual(gotB.map(text), sent, 'group B: every message, in order');
    assert.deepEqual(gotPlain.map(text), sent, 'the topic itself still has its subscribers');
    assert.equal(gotB[0]!.getJMSDestination()?.url, 'queue://Consumer.B.VirtualTopic.vtgroup');
  });

  it('destinations - virtual topic: a group queue keeps messages while its consumers are away', async () => {
    const s = await session();
    await (await s.createConsumer(s.createQueue('Consumer.Offline.VirtualTopic.keep'))).close();
    const p = await s.createProducer(s.createTopic('VirtualTopic.keep'));
    await p.send(s.createTextMessage('kept'));
    assert.equal(text(await (await s.createConsumer(s.createQueue('Consumer.Offline.VirtualTopic.keep'))).receive(1000)), 'kept');
    // Queues that do not fit the pattern get nothing.
    assert.equal(w.broker.queues.get('queue://VirtualTopic.keep'), undefined);
  });

  it('destinations - virtual topic with a configured name, prefix and postfix', async () => {
    const s = await session({ virtualTopics: [{ name: 'Events.>', prefix: '', postfix: '.Group.*' }] });
    const x = await s.createConsumer(s.createQueue('Events.signup.Group.X'));
    const y = await s.createConsumer(s.createQueue('Events.signup.Group.Y'));
    const stray = await s.createConsumer(s.createQueue('Consumer.A.Events.signup'));
    await (await s.createProducer(s.createTopic('Events.signup'))).send(s.createTextMessage('hello'));
    assert.equal(text(await x.receive(1000)), 'hello');
    assert.equal(text(await y.receive(1000)), 'hello');
    assert.equal(await stray.receive(200), null, 'the default prefix is replaced');
    // The default VirtualTopic.> rule is replaced too.
    const old = await s.createConsumer(s.createQueue('Consumer.A.VirtualTopic.none'));
    await (await s.createProducer(s.createTopic('VirtualTopic.none'))).send(s.createTextMessage('no'));
    assert.equal(await old.receive(200), null);
  });

  it('destinations - selectorAware virtual topic: a group queue only gets what one of its consumers selects', async () => {
    for (const selectorAware of [true, false]) {
      const s = await session({ virtualTopics: [{ name: 'VirtualTopic.>', prefix: 'Consumer.*.', selectorAware }] });
      const red = await s.createConsumer(s.createQueue('Consumer.Red.VirtualTopic.paint'), "color = 'red'");
      const p = await s.createProducer(s.createTopic('VirtualTopic.paint'));
      for (const color of ['red', 'blue', 'red']) {
        const m = s.createTextMessage(color);
        m.setStringProperty('color', color);
        await p.send(m);
      }
      assert.deepEqual((await drain(red)).map(text), ['red', 'red']);
      const depth = w.broker.queues.get('queue://Consumer.Red.VirtualTopic.paint')!.depth;
      assert.equal(depth, selectorAware ? 0 : 1, `selectorAware=${selectorAware}: the blue one ${selectorAware ? 'was not' : 'was'} queued`);
      await w.ledger.closeAll();
    }
    w = await world();
  });

  it('destinations - composite queue FOO.A,FOO.B,FOO.C: one send reaches all three', async () => {
    const s = await session();
    const consumers = await Promise.all(['FOO.A', 'FOO.B', 'FOO.C'].map((n) => s.createConsumer(s.createQueue(n))));
    await (await s.createProducer(s.createQueue('FOO.A,FOO.B,FOO.C'))).send(s.createTextMessage('to all'));
    for (const [i, c] of consumers.entries()) {
      const m = await c.receive(1000);
      assert.equal(m && text(m), 'to all', `FOO.${'ABC'[i]}`);
      assert.equal(m!.getJMSDestination()?.url, `queue://FOO.${'ABC'[i]}`);
    }
  });

  it('destinations - composite of mixed kinds cd.queue,topic://cd.mark', async () => {
    const s = await session();
    const q = await s.createConsumer(s.createQueue('cd.queue'));
    const t = await s.createConsumer(s.createTopic('cd.mark'));
    const p = await s.createProducer(s.createQueue('cd.queue,topic://cd.mark'));
    for (let i = 0; i < 3; i++) await p.send(s.createTextMessage(`cd${i}`));
    assert.deepEqual((await drain(q)).map(text), ['cd0', 'cd1', 'cd2']);
    assert.deepEqual((await drain(t)).map(text), ['cd0', 'cd1', 'cd2']);
    assert.equal(w.broker.topics.has('topic://cd.queue'), false);
    assert.equal(w.broker.queues.has('queue://cd.mark'), false);
  });

  it('destinations - mirrored queue with the seed config (prefix "", postfix ".qmirror")', async () => {
    const s = await session({ useMirroredQueues: true, mirroredQueue: { prefix: '', postfix: '.qmirror', copyMessage: true } });
    const monitor = await s.createConsumer(s.createTopic('mirror.orders.qmirror'));
    const worker = await (await other()).createConsumer(s.createQueue('mirror.orders'));
    const p = await s.createProducer(s.createQueue('mirror.orders'));
    for (let i = 0; i < 5; i++) await p.send(s.createTextMessage(`m${i}`));
    assert.deepEqual((await drain(worker)).map(text), ['m0', 'm1', 'm2', 'm3', 'm4'], 'the queue works as before');
    const seen = await drain(monitor);
    assert.deepEqual(seen.map(text), ['m0', 'm1', 'm2', 'm3', 'm4'], 'the monitor sees the flow');
    assert.equal(seen[0]!.getJMSDestination()?.url, 'topic://mirror.orders.qmirror');
  });

  it('destinations - mirrored queue default prefix VirtualTopic.Mirror. feeds virtual topic groups', async () => {
    const s = await session({ useMirroredQueues: true });
    const audit = await s.createConsumer(s.createQueue('Consumer.Audit.VirtualTopic.Mirror.payments'));
    const live = await s.createConsumer(s.createTopic('VirtualTopic.Mirror.payments'));
    await (await s.createProducer(s.createQueue('payments'))).send(s.createTextMessage('pay 10'));
    assert.equal(text(await live.receive(1000)), 'pay 10');
    assert.equal(text(await audit.receive(1000)), 'pay 10');
    assert.equal(w.broker.queues.get('queue://payments')!.depth, 1, 'the queue still holds its message');
  });

  it('destinations - wildcards: * is one element, > the rest, for queues and topics', async () => {
    const s = await session();
    const star = await s.createConsumer(s.createQueue('wq.*.eu'));
    const rest = await s.createConsumer(s.createTopic('wt.>'));
    const p = await s.createProducer(null);
    await p.send(s.createQueue('wq.orders.eu'), s.createTextMessage('q1'));
    await p.send(s.createQueue('wq.orders.us'), s.createTextMessage('q2'));
    await p.send(s.createQueue('wq.a.b.eu'), s.createTextMessage('q3'));
    await p.send(s.createTopic('wt.a'), s.createTextMessage('t1'));
    await p.send(s.createTopic('wt.a.b.c'), s.createTextMessage('t2'));
    await p.send(s.createTopic('wtx'), s.createTextMessage('t3'));
    assert.deepEqual((await drain(star)).map(text), ['q1']);
    assert.deepEqual((await drain(rest)).map(text), ['t1', 't2']);
  });
});
