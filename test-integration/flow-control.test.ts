import { strict as assert } from 'node:assert';
import { Session, DeliveryMode, ResourceAllocationError } from '@wharf/client';
import { checkFor, du } from '@wharf/testkit';
import { world, text } from './helpers';

const KB = 'x'.repeat(1024);

describe('producer flow control', () => {
  it('flow control - a full store fails persistent sends with a clear error when sendFailIfNoSpace', async () => {
    const w = await world({ persistent: true, storeLimit: 64 * 1024, sendFailIfNoSpace: true });
    try {
      const c = await w.connect();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('FC.STORE'));
      let sent = 0;
      let failure: unknown;
      for (; sent < 1000; sent++) {
        try {
          await p.send(s.createTextMessage(`${KB}${sent}`));
        } catch (err) {
          failure = err;
          break;
        }
      }
      assert.ok(failure instanceof ResourceAllocationError, `got ${String(failure)}`);
      assert.match((failure as Error).message, /Store is Full.*storeLimit/);
      assert.ok(sent > 10 && sent < 1000, `sent ${sent} before the limit`);
      // The limit is measured on the store's files: they do hold the limit's worth of bytes.
      const files = du(w.broker.config.dataDirectory);
      assert.ok(files >= 64 * 1024, `the store's files hold ${files} bytes when the limit of ${64 * 1024} is reported full`);
      // Everything accepted is still there.
      const cons = await s.createConsumer(s.createQueue('FC.STORE'));
      for (let i = 0; i < sent; i++) assert.equal(text(await cons.receive(2000)), `${KB}${i}`);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('flow control - a producer blocks while memory is full and resumes when a consumer drains', async () => {
    const w = await world({ memoryLimit: 40 * 1024 });
    try {
      const c = await w.connect({ alwaysSyncSend: true });
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('FC.MEM'));
      p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      const N = 100;
      let accepted = 0;
      const producing = (async () => {
        for (let i = 0; i < N; i++) {
          await p.send(s.createTextMessage(`${i}`.padEnd(1024, '.')));
          accepted++;
        }
      })();
      const conn = await checkFor(5000, () => [...w.broker.connections.values()].find((x) => x.blockedSends > 0), 'a blocked producer');
      assert.ok(accepted < N, 'the producer is held back');
      assert.ok(w.broker.memory.full);
      const cons = await (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(s.createQueue('FC.MEM'));
      for (let i = 0; i < N; i++) assert.equal(text(await cons.receive(3000)).split('.')[0], `${i}`, 'order kept across the block');
      await producing;
      assert.equal(conn.blockedSends, 0);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('flow control - a blocked producer of big messages is held back by TCP after a few MB, not after 1,000 messages; every send arrives once drained', async () => {
    const w = await world({ memoryLimit: 100 * 1024 });
    try {
      const c = await w.connect();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('FC.BIG'));
      p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      const N = 200;
      const body = 'x'.repeat(100 * 1024);
      // Asynchronous sends: the client writes as fast as the socket takes them.
      const producing = (async () => {
        for (let i = 0; i < N; i++) await p.send(s.createTextMessage(`${i}.${body}`));
      })();
      const conn = await checkFor(10000, () => [...w.broker.connections.values()].find((x) => x.readingHeld), 'the broker stops reading the blocked producer');
      // What waits for space is bounded by bytes (4 MB and the messages of the chunk being read), not by count.
      assert.ok(conn.blockedSends <= 45, `${conn.blockedSends} sends of 100 KB held while blocked`);
      const cons = await (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(s.createQueue('FC.BIG'));
      for (let i = 0; i < N; i++) assert.equal(text(await cons.receive(5000)).split('.')[0], `${i}`, 'every send arrives, in order');
      await producing;
      await checkFor(5000, () => (conn.blockedSends === 0 && !conn.readingHeld) || undefined, 'reading again');
      assert.equal(conn.blockedBytes, 0);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('flow control - what many blocked producers hold together is bounded (16 MB), not 4 MB times the connections', async () => {
    const w = await world({ memoryLimit: 100 * 1024 });
    try {
      const N = 10;
      const body = 'x'.repeat(100 * 1024);
      const producing: Array<Promise<void>> = [];
      for (let k = 0; k < N; k++) {
        const c = await w.connect();
        const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        const p = await s.createProducer(s.createQueue('FC.MANY'));
        p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        producing.push((async () => {
          for (let i = 0; i < 60; i++) await p.send(s.createTextMessage(`${k}.${i}.${body}`));
        })().catch(() => undefined));
      }
      const held = (): number => [...w.broker.connections.values()].reduce((a, x) => a + x.blockedBytes, 0);
      // Each connection may go on past the total by what one read held (about a message here).
      const bound = 16 * 1024 * 1024 + N * 512 * 1024;
      const allHeld = (): boolean => [...w.broker.connections.values()].filter((x) => x.readingHeld).length === N;
      await checkFor(20000, () => allHeld() || held() > bound, 'the broker to stop reading every blocked producer');
      assert.ok(held() <= bound, `${(held() / 1048576).toFixed(1)} MB of blocked sends held`);
      assert.equal(w.broker.blockedBytes, held());
      const cs = (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE);
      const cons = await cs.createConsumer(cs.createQueue('FC.MANY'));
      for (let i = 0; i < N * 60; i++) assert.ok(await cons.receive(5000), 'every send arrives once drained');
      await Promise.all(producing);
      await checkFor(5000, () => w.broker.blockedBytes === 0 || undefined, 'nothing blocked');
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('flow control - a blocked send fails after sendFailIfNoSpaceAfterTimeout', async () => {
    const w = await world({ memoryLimit: 20 * 1024, sendFailIfNoSpaceAfterTimeout: 200 });
    try {
      const c = await w.connect({ alwaysSyncSend: true });
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('FC.TIMEOUT'));
      p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      let failure: unknown;
      for (let i = 0; i < 200 && !failure; i++) await p.send(s.createTextMessage(KB)).catch((e: unknown) => (failure = e));
      assert.ok(failure instanceof ResourceAllocationError);
      assert.match((failure as Error).message, /Memory Limit reached.*waited 200 ms/);
    } finally {
      await w.ledger.closeAll();
    }
  });

  // Per-destination memory (a policy entry's memoryLimit): queue FULL.A may hold 20 KB.
  const perDestination = { destinationPolicy: [{ queue: 'FULL.A', memoryLimit: 20 * 1024 }] };

  it('flow control - a destination at its own memoryLimit blocks its producers while sends to another keep being accepted and consumed; it resumes when drained', async () => {
    const w = await world(perDestination);
    try {
      // A consumer of A that takes its prefetch and stalls (never acknowledges).
      const stalled = await (await w.connect({ prefetchPolicy: { queuePrefetch: 5 } })).createSession(false, Session.CLIENT_ACKNOWLEDGE);
      const held = await stalled.createConsumer(stalled.createQueue('FULL.A'));
      const c = await w.connect({ alwaysSyncSend: true });
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const toA = await s.createProducer(s.createQueue('FULL.A'));
      toA.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      const N = 60;
      let accepted = 0;
      const producing = (async () => {
        for (let i = 0; i < N; i++) {
          await toA.send(s.createTextMessage(`${i}`.padEnd(1024, '.')));
          accepted++;
        }
      })();
      const blocked = await checkFor(5000, () => [...w.broker.connections.values()].find((x) => x.blockedSends > 0), 'the producer to A blocked');
      const a = w.broker.queues.get('queue://FULL.A')!;
      assert.ok(a.usage.full && accepted < N, `A is full (${a.usage.used} bytes) and holds its producer back after ${accepted}`);
      assert.ok(!w.broker.memory.full, 'the broker as a whole is not');
      assert.ok(w.broker.admin.queueStats(a, new Map()).memoryPercent >= 100, 'MemoryPercentUsage of its own limit');

      const other = await w.connect({ alwaysSyncSend: true });
      const os = other.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const toB = await os.createProducer(os.createQueue('FREE.B'));
      toB.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      const fromB = await os.createConsumer(os.createQueue('FREE.B'));
      for (let i = 0; i < 100; i++) await toB.send(os.createTextMessage(`b${i}`.padEnd(1024, '.')));
      for (let i = 0; i < 100; i++) assert.equal(text(await fromB.receive(3000)).split('.')[0], `b${i}`);
      assert.ok(blocked.blockedSends > 0 && a.usage.full, 'A is still blocked while B flowed');

      // Drained: the stalled consumer goes (its messages come back) and a reader takes everything.
      assert.ok(await held.receive(2000));
      await stalled.close();
      const reader = await (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(s.createQueue('FULL.A'));
      for (let i = 0; i < N; i++) assert.equal(text(await reader.receive(3000)).split('.')[0], `${i}`, 'every send to A arrives, in order');
      await producing;
      assert.equal(blocked.blockedSends, 0);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('flow control - a destination at its own memoryLimit fails its sends with sendFailIfNoSpace; producerFlowControl false lets it take more', async () => {
    const w = await world({ sendFailIfNoSpace: true, destinationPolicy: [...perDestination.destinationPolicy, { queue: 'NOPFC', memoryLimit: 20 * 1024, producerFlowControl: false }] });
    try {
      const c = await w.connect({ alwaysSyncSend: true });
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const toA = await s.createProducer(s.createQueue('FULL.A'));
      toA.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      let failure: unknown;
      let sent = 0;
      for (; sent < 100 && !failure; sent++) await toA.send(s.createTextMessage(KB)).catch((e: unknown) => (failure = e));
      assert.ok(failure instanceof ResourceAllocationError, `got ${String(failure)}`);
      assert.match((failure as Error).message, /Memory Limit reached \(queue:\/\/FULL.A: \d+ of 20480 bytes\)/);
      const toB = await s.createProducer(s.createQueue('FREE.B'));
      toB.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      for (let i = 0; i < 100; i++) await toB.send(s.createTextMessage(KB));
      const noPfc = await s.createProducer(s.createQueue('NOPFC'));
      noPfc.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      for (let i = 0; i < 100; i++) await noPfc.send(s.createTextMessage(KB));
      assert.equal(w.broker.queues.get('queue://NOPFC')!.depth, 100);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('flow control - a topic at its own memoryLimit (all its subscriptions together) blocks its producers; another topic flows', async () => {
    const w = await world({ destinationPolicy: [{ topic: 'FULL.T', memoryLimit: 20 * 1024 }] });
    try {
      const idle = (await w.connect({ prefetchPolicy: { topicPrefetch: 1 } })).createSession(false, Session.AUTO_ACKNOWLEDGE);
      for (let i = 0; i < 2; i++) await idle.createConsumer(idle.createTopic('FULL.T'));
      const c = await w.connect({ alwaysSyncSend: true });
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const toT = await s.createProducer(s.createTopic('FULL.T'));
      toT.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      void (async () => {
        for (let i = 0; i < 40; i++) await toT.send(s.createTextMessage(KB)).catch(() => undefined);
      })();
      await checkFor(5000, () => [...w.broker.connections.values()].find((x) => x.blockedSends > 0), 'the producer to FULL.T blocked');
      const t = w.broker.topics.get('topic://FULL.T')!;
      assert.ok(t.usage.full, `the topic's subscriptions hold ${t.usage.used} bytes together`);
      const other = await w.connect({ alwaysSyncSend: true });
      const os = other.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const reader = await os.createConsumer(os.createTopic('FREE.T'));
      const toFree = await os.createProducer(os.createTopic('FREE.T'));
      toFree.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      for (let i = 0; i < 50; i++) {
        await toFree.send(os.createTextMessage(`f${i}`));
        assert.equal(text(await reader.receive(3000)), `f${i}`);
      }
    } finally {
      await w.ledger.closeAll();
    }
  });
});

