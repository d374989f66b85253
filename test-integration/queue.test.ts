import { strict as assert } from 'node:assert';
import { Session, DeliveryMode } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { world, text, type World } from './helpers';

describe('queue', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(() => w.ledger.closeAll());

  it('queue - sync receive gets messages in order', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('TEST.ORDER');
    const p = await s.createProducer(q);
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(`m${i}`));
    const cons = await s.createConsumer(q);
    for (let i = 0; i < 20; i++) assert.equal(text(await cons.receive(2000)), `m${i}`);
    assert.equal(await cons.receiveNoWait(), null);
  });

  it('queue - two receivers share the messages with none lost or doubled', async () => {
    const c1 = await w.connect();
    const c2 = await w.connect();
    const s1 = c1.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const s2 = c2.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s1.createQueue('TEST.SHARE');
    const got1: string[] = [];
    const got2: string[] = [];
    (await s1.createConsumer(q)).setMessageListener((m) => void got1.push(text(m)));
    (await s2.createConsumer(s2.createQueue('TEST.SHARE'))).setMessageListener((m) => void got2.push(text(m)));
    const pc = await w.connect();
    const ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await ps.createProducer(ps.createQueue('TEST.SHARE'));
    const N = 400;
    for (let i = 0; i < N; i++) await p.send(ps.createTextMessage(`m${i}`), { deliveryMode: DeliveryMode.NON_PERSISTENT });
    await checkFor(10000, () => got1.length + got2.length >= N, 'all messages');
    const all = [...got1, ...got2].sort();
    assert.equal(new Set(all).size, N, 'no duplicates');
    assert.equal(all.length, N);
    assert.ok(got1.length > 0 && got2.length > 0, `both receivers got messages (${got1.length}/${got2.length})`);
  });

  async function sendPriorities(world: World): Promise<string[]> {
    const c = await world.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('TEST.PRIO');
    const p = await s.createProducer(q);
    await p.send(s.createTextMessage('low'), { priority: 1 });
    await p.send(s.createTextMessage('high'), { priority: 9 });
    await p.send(s.createTextMessage('mid'), { priority: 4 });
    const cons = await s.createConsumer(q);
    return [text(await cons.receive(1000)), text(await cons.receive(1000)), text(await cons.receive(1000))];
  }

  it('queue - pending messages go out in arrival order by default (prioritizedMessages false, as ActiveMQ)', async () => {
    assert.deepEqual(await sendPriorities(w), ['low', 'high', 'mid']);
  });

  it('queue - with the policy prioritizedMessages, higher priority first among pending messages', async () => {
    const pw = await world({ destinationPolicy: [{ queue: 'TEST.>', prioritizedMessages: true }] });
    try {
      assert.deepEqual(await sendPriorities(pw), ['high', 'mid', 'low']);
    } finally {
      await pw.ledger.closeAll();
    }
  });

  it('queue - selector picks matching messages; others stay', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('TEST.SEL');
    const p = await s.createProducer(q);
    for (let i = 0; i < 6; i++) {
      const m = s.createTextMessage(`m${i}`);
      m.setIntProperty('n', i);
      m.setStringProperty('color', i % 2 ? 'red' : 'blue');
      await p.send(m);
    }
    const red = await s.createConsumer(q, "color = 'red' AND n > 1");
    assert.equal(text(await red.receive(1000)), 'm3');
    assert.equal(text(await red.receive(1000)), 'm5');
    assert.equal(await red.receive(100), null);
    await red.close();
    const rest = await s.createConsumer(q);
    const left: string[] = [];
    for (let m = await rest.receive(500); m; m = await rest.receive(200)) left.push(text(m));
    assert.deepEqual(left, ['m0', 'm1', 'm2', 'm4']);
  });

  it('queue - prefetch 0 pulls one message per receive', async () => {
    const c = await w.connect({ prefetchPolicy: { all: 0 } });
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('TEST.PULL');
    const p = await s.createProducer(q);
    const cons1 = await s.createConsumer(q);
    const c2 = await w.connect({ prefetchPolicy: { all: 0 } });
    const s2 = c2.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const cons2 = await s2.createConsumer(s2.createQueue('TEST.PULL'));
    for (let i = 0; i < 4; i++) await p.send(s.createTextMessage(`m${i}`));
    assert.equal(text(await cons1.receive(1000)), 'm0');
    assert.equal(text(await cons2.receive(1000)), 'm1', 'the first consumer did not prefetch');
    assert.equal(text(await cons1.receiveNoWait()), 'm2');
    assert.equal(text(await cons2.receive(1000)), 'm3');
    assert.equal(await cons1.receiveNoWait(), null);
  });

  it('queue - exclusive consumer gets everything while it lives', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const ex = await s.createConsumer(s.createQueue('TEST.EXCL?consumer.exclusive=true'));
    const other = await s.createConsumer(s.createQueue('TEST.EXCL'));
    const p = await s.createProducer(s.createQueue('TEST.EXCL'));
    for (let i = 0; i < 10; i++) await p.send(s.createTextMessage(`m${i}`));
    for (let i = 0; i < 10; i++) assert.equal(text(await ex.receive(1000)), `m${i}`);
    assert.equal(await other.receive(100), null);
    await ex.close();
    await p.send(s.createTextMessage('after'));
    assert.equal(text(await other.receive(1000)), 'after');
  });

  it('queue - message groups stick to one consumer', async () => {
    const c = await w.connect({ prefetchPolicy: { all: 1 } });
    const s1 = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const s2 = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const byConsumer: Record<string, Set<string>> = { a: new Set(), b: new Set() };
    let n = 0;
    (await s1.createConsumer(s1.createQueue('TEST.GROUPS'))).setMessageListener((m) => {
      byConsumer.a!.add(m.getStringProperty('JMSXGroupID')!);
      n++;
    });
    (await s2.createConsumer(s2.createQueue('TEST.GROUPS'))).setMessageListener((m) => {
      byConsumer.b!.add(m.getStringProperty('JMSXGroupID')!);
      n++;
    });
    const ps = (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await ps.createProducer(ps.createQueue('TEST.GROUPS'));
    for (let i = 0; i < 40; i++) {
      const m = ps.createTextMessage(`m${i}`);
      m.setStringProperty('JMSXGroupID', `g${i % 4}`);
      await p.send(m);
    }
    await checkFor(5000, () => n === 40, 'all group messages');
    for (const g of byConsumer.a!) assert.ok(!byConsumer.b!.has(g), `group ${g} went to both consumers`);
  });

  it('queue - expired messages are not delivered and persistent ones reach the DLQ', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('TEST.EXPIRY');
    const p = await s.createProducer(q);
    await p.send(s.createTextMessage('short'), { timeToLive: 50 });
    await p.send(s.createTextMessage('long'));
    await new Promise((r) => setTimeout(r, 80)); // let the TTL pass: the behaviour under test is time
    const cons = await s.createConsumer(q);
    assert.equal(text(await cons.receive(1000)), 'long');
    assert.equal(await cons.receive(100), null);
  });

  it('queue - browser sees messages without consuming them', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('TEST.BROWSE');
    const p = await s.createProducer(q);
    for (let i = 0; i < 5; i++) {
      const m = s.createTextMessage(`m${i}`);
      m.setIntProperty('i', i);
      await p.send(m);
    }
    const seen: string[] = [];
    for await (const m of (await s.createBrowser(q)).getEnumeration()) seen.push(text(m));
    assert.deepEqual(seen, ['m0', 'm1', 'm2', 'm3', 'm4']);
    const odd: string[] = [];
    for await (const m of (await s.createBrowser(q, 'i > 2')).getEnumeration()) odd.push(text(m));
    assert.deepEqual(odd, ['m3', 'm4']);
    const cons = await s.createConsumer(q);
    assert.equal(text(await cons.receive(1000)), 'm0');
  });

  it('queue - temporary queue request/reply, removed with its connection', async () => {
    const server = await w.connect();
    const ss = server.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const replier = await ss.createProducer(null);
    (await ss.createConsumer(ss.createQueue('TEST.RPC'))).setMessageListener(async (m) => {
      const reply = ss.createTextMessage(text(m).toUpperCase());
      reply.setJMSCorrelationID(m.getJMSCorrelationID());
      await replier.send(m.getJMSReplyTo()!, reply);
    });
    const client = await w.connect();
    const cs = client.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const tq = await cs.createTemporaryQueue();
    const replies = await cs.createConsumer(tq);
    const req = cs.createTextMessage('ping');
    req.setJMSReplyTo(tq);
    req.setJMSCorrelationID('c-1');
    await (await cs.createProducer(cs.createQueue('TEST.RPC'))).send(req);
    const r = await replies.receive(2000);
    assert.equal(text(r), 'PING');
    assert.equal(r!.getJMSCorrelationID(), 'c-1');
    const url = tq.toString();
    assert.ok(w.broker.queues.has(url));
    await client.close();
    await checkFor(2000, () => !w.broker.queues.has(url), 'temp queue removal');
  });

  it('queue - composite destination sends to every element (seed: FOO.A,FOO.B,FOO.C and cd.queue,topic://cd.mark)', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const topicCons = await s.createConsumer(s.createTopic('cd.mark'));
    const p = await s.createProducer(s.createQueue('FOO.A,FOO.B,FOO.C'));
    await p.send(s.createTextMessage('x'));
    for (const n of ['FOO.A', 'FOO.B', 'FOO.C']) assert.equal(text(await (await s.createConsumer(s.createQueue(n))).receive(1000)), 'x');
    await (await s.createProducer(s.createQueue('cd.queue,topic://cd.mark'))).send(s.createTextMessage('y'));
    assert.equal(text(await (await s.createConsumer(s.createQueue('cd.queue'))).receive(1000)), 'y');
    assert.equal(text(await topicCons.receive(1000)), 'y');
  });

  it('queue - wildcard consumer receives from matching queues', async () => {
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const all = await s.createConsumer(s.createQueue('PRICE.STOCK.>'));
    const p = await s.createProducer(null);
    await p.send(s.createQueue('PRICE.STOCK.NYSE.IBM'), s.createTextMessage('ibm'));
    await p.send(s.createQueue('PRICE.BOND.X'), s.createTextMessage('bond'));
    await p.send(s.createQueue('PRICE.STOCK.NASDAQ.MSFT'), s.createTextMessage('msft'));
    const got = [text(await all.receive(1000)), text(await all.receive(1000))].sort();
    assert.deepEqual(got, ['ibm', 'msft']);
    assert.equal(await all.receive(100), null);
  });

  it('queue - vm:// connects in-process to an embedded broker', async () => {
    const { ConnectionFactory } = await import('@wharf/client');
    const f = new ConnectionFactory(`vm://${w.broker.name}`);
    const c = w.ledger.add(await f.createConnection(), (x) => x.close());
    await c.start();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('TEST.VM');
    await (await s.createProducer(q)).send(s.createTextMessage('in-process'));
    assert.equal(text(await (await s.createConsumer(q)).receive(1000)), 'in-process');
    await assert.rejects(new ConnectionFactory('vm://no-such-broker').createConnection(), /no broker named 'no-such-broker'/);
  });

  it('queue - a message stored while a page-in read runs is delivered, not left in the store (the read returned fewer rows than asked)', async () => {
    await w.ledger.closeAll();
    // 1 KB in memory: the third 600-byte persistent message stays in the store (paged).
    w = await world({ persistent: true, destinationPolicy: [{ queue: 'PAGE.RACE', memoryLimit: 1024 }] });
    const c = await w.connect();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('PAGE.RACE');
    const p = await s.createProducer(q);
    p.setDeliveryMode(DeliveryMode.PERSISTENT);
    const body = (i: number): string => `m${i}`.padEnd(600, '.');
    for (let i = 0; i < 4; i++) await p.send(s.createTextMessage(body(i)));
    const queue = w.broker.queues.get('queue://PAGE.RACE')!;
    assert.ok(queue.pagedCount > 0, 'messages wait in the store');
    // The page-in read sees the store as it is, then its answer is held until a new message
    // has been stored and enqueued behind it: "stored while the read ran".
    const store = w.broker.store;
    const read = store.loadMessages.bind(store);
    let readStarted!: () => void;
    const started = new Promise<void>((r) => (readStarted = r));
    let answer!: () => void;
    const held = new Promise<void>((r) => (answer = r));
    store.loadMessages = async (dest, after, limit) => {
      const rows = await read(dest, after, limit);
      if (dest === 'queue://PAGE.RACE') {
        readStarted();
        await held;
      }
      return rows;
    };
    const cons = await s.createConsumer(q);
    await started;
    await p.send(s.createTextMessage(body(4)));
    answer();
    for (let i = 0; i < 5; i++) {
      const m = await cons.receive(3000);
      assert.ok(m, `m${i} arrives (the one sent during the read is m4)`);
      assert.equal(text(m).split('.')[0], `m${i}`);
    }
  });
});

