import { strict as assert } from 'node:assert';
import { ConnectionFactory, Session, DeliveryMode, type Connection } from '@wharf/client';
import { Broker } from '@wharf/broker';
import { Ledger, removeDir, tempDir, startBrokerProcess } from '@wharf/testkit';
import { text } from './helpers';

/** A persistent broker on `dir` that can be stopped and started again on the same data. */
async function brokerOn(dir: string, name = 'persist', concurrentStoreAndDispatchQueues = true): Promise<Broker> {
  const b = new Broker({ brokerName: name, dataDirectory: dir, persistent: true, transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }], logLevel: 'silent', concurrentStoreAndDispatchQueues });
  await b.start();
  return b;
}

/** A second data directory, removed with the ledger. */
function tempDirFor(ledger: Ledger): string {
  const d = tempDir();
  ledger.defer(() => removeDir(d));
  return d;
}

describe('persistence', () => {
  let dir: string;
  let ledger: Ledger;
  beforeEach(() => {
    dir = tempDir();
    ledger = new Ledger();
  });
  afterEach(async () => {
    await ledger.closeAll();
    removeDir(dir);
  });

  async function connect(b: Broker, clientID?: string): Promise<Connection> {
    const c = await new ConnectionFactory(b.connectorUrl(), clientID ? { clientID } : {}).createConnection();
    ledger.add(c, (x) => x.close());
    await c.start();
    return c;
  }

  it('persistence - restart keeps persistent queue messages in order; non-persistent ones are gone', async () => {
    let b = await brokerOn(dir);
    const c = await connect(b);
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue('P.Q'));
    for (let i = 0; i < 50; i++) {
      await p.send(s.createTextMessage(`p${i}`), { deliveryMode: DeliveryMode.PERSISTENT, priority: 4 });
      await p.send(s.createTextMessage(`n${i}`), { deliveryMode: DeliveryMode.NON_PERSISTENT });
    }
    await c.close();
    await b.stop();
    b = await brokerOn(dir);
    ledger.defer(() => b.stop());
    const c2 = await connect(b);
    const s2 = c2.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const cons = await s2.createConsumer(s2.createQueue('P.Q'));
    for (let i = 0; i < 50; i++) assert.equal(text(await cons.receive(2000)), `p${i}`);
    assert.equal(await cons.receive(200), null, 'non-persistent messages did not survive');
  });

  it('persistence - durable subscription backlog survives a restart; non-persistent messages do not (seed experiment 3)', async () => {
    let b = await brokerOn(dir);
    const sub = await connect(b, 'Mark');
    const ss = sub.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await ss.createDurableSubscriber(ss.createTopic('durable.t'), 'sub1')).close();
    await sub.close();
    const pc = await connect(b);
    const ps = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await ps.createProducer(ps.createTopic('durable.t'));
    for (let i = 0; i < 10; i++) {
      await p.send(ps.createTextMessage(`keep${i}`), { deliveryMode: DeliveryMode.PERSISTENT });
      await p.send(ps.createTextMessage(`lose${i}`), { deliveryMode: DeliveryMode.NON_PERSISTENT });
    }
    await pc.close();
    await b.stop();
    b = await brokerOn(dir);
    ledger.defer(() => b.stop());
    const sub2 = await connect(b, 'Mark');
    const s2 = sub2.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const d = await s2.createDurableSubscriber(s2.createTopic('durable.t'), 'sub1');
    for (let i = 0; i < 10; i++) assert.equal(text(await d.receive(2000)), `keep${i}`);
    assert.equal(await d.receive(200), null);
  });

  it('persistence - CLIENT-mode messages never acknowledged come back after a restart, marked redelivered', async () => {
    let b = await brokerOn(dir);
    const c = await connect(b);
    const s = c.createSession(false, Session.CLIENT_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue('P.CLIENT'));
    for (let i = 0; i < 3; i++) await p.send(s.createTextMessage(`c${i}`));
    const cons = await s.createConsumer(s.createQueue('P.CLIENT'));
    const m0 = await cons.receive(1000);
    assert.equal(text(m0), 'c0');
    await m0!.acknowledge();
    assert.equal(text(await cons.receive(1000)), 'c1'); // never acknowledged
    await b.stop(); // the broker goes away under the client
    b = await brokerOn(dir);
    ledger.defer(() => b.stop());
    const c2 = await connect(b);
    const s2 = c2.createSession(false, Session.CLIENT_ACKNOWLEDGE);
    const cons2 = await s2.createConsumer(s2.createQueue('P.CLIENT'));
    const again = await cons2.receive(2000);
    assert.equal(text(again), 'c1');
    assert.equal(again!.getJMSRedelivered(), true);
    assert.equal(text(await cons2.receive(2000)), 'c2');
  });

  it('persistence - a second broker on the same data directory fails naming the lock', async () => {
    const b = await brokerOn(dir);
    ledger.defer(() => b.stop());
    await assert.rejects(brokerOn(dir, 'second'), /lock/i);
    await assert.rejects(startBrokerProcess({ dataDirectory: dir, persistent: true, transportConnectors: [{ name: 'o', uri: 'tcp://127.0.0.1:0' }] }), /lock/i);
  });

  /**
   * Producers send to a queue (synchronously, or all at once with useAsyncSend); the consumer attaches after `consumerAfter` sends
   * of the first producer (before that, sends wait for their write; after it, they may be
   * dispatched while queued). Returns what the consumer got, in order.
   */
  async function loadWithConsumer(b: Broker, producers: number, perProducer: number, consumerAfter: number, useAsyncSend = false): Promise<string[]> {
    const got: string[] = [];
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    let attach!: () => void;
    const attached = new Promise<void>((r) => (attach = r));
    const cc = await connect(b);
    const cs = cc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const consumerReady = attached.then(async () => {
      const cons = await cs.createConsumer(cs.createQueue('CSD.Q'));
      cons.setMessageListener((m) => {
        got.push(text(m));
        if (got.length === producers * perProducer) resolveAll();
      });
    });
    if (consumerAfter === 0) attach();
    await Promise.all(Array.from({ length: producers }, async (_, i) => {
      const c = await new ConnectionFactory(b.connectorUrl(), { useAsyncSend }).createConnection();
      ledger.add(c, (x) => x.close());
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('CSD.Q'));
      for (let n = 0; n < perProducer; n++) {
        if (i === 0 && n === consumerAfter && consumerAfter > 0) {
          attach();
          await consumerReady;
        }
        await p.send(s.createTextMessage(`${i}:${n}`), { deliveryMode: DeliveryMode.PERSISTENT });
      }
    }));
    await consumerReady;
    await all;
    return got;
  }

  function assertEachProducerInOrder(got: string[], producers: number, perProducer: number): void {
    assert.equal(new Set(got).size, got.length, 'no message twice');
    for (let i = 0; i < producers; i++) {
      const mine = got.filter((x) => x.startsWith(`${i}:`)).map((x) => Number(x.split(':')[1]));
      assert.deepEqual(mine, Array.from({ length: perProducer }, (_, n) => n), `producer ${i}'s messages in order`);
    }
  }

  it('persistence - concurrent store and dispatch: messages consumed before their write are never written, sends complete, order holds', async () => {
    let b = await brokerOn(dir);
    const got = await loadWithConsumer(b, 6, 80, 0);
    assertEachProducerInOrder(got, 6, 80);
    const cancelled = b.store.stats().cancelledPuts ?? 0;
    assert.ok(cancelled > 0, `some messages were consumed before their write (${cancelled} of ${got.length})`);
    await ledger.closeAll();
    await b.stop();
    b = await brokerOn(dir);
    ledger.defer(() => b.stop());
    assert.equal(b.store.stats().messages, 0, 'nothing consumed is left in the store');
    const c = await connect(b);
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    assert.equal(await (await s.createConsumer(s.createQueue('CSD.Q'))).receive(300), null, 'no consumed message comes back');
  });

  it('persistence - a consumer arriving mid-load: sends that waited for their write and ones dispatched while queued stay in order', async () => {
    const b = await brokerOn(dir);
    ledger.defer(() => b.stop());
    const got = await loadWithConsumer(b, 4, 120, 40);
    assertEachProducerInOrder(got, 4, 120);
    // Asynchronous persistent sends: many of one producer's messages wait for writes at once.
    const b2 = await brokerOn(tempDirFor(ledger), 'persist2');
    ledger.defer(() => b2.stop());
    const got2 = await loadWithConsumer(b2, 3, 400, 150, true);
    assertEachProducerInOrder(got2, 3, 400);
  });

  it('persistence - a consumer arriving while earlier sends wait for their write gets them before later ones (vm://, async sends)', async () => {
    const b = await brokerOn(dir, 'csdvm');
    ledger.defer(() => b.stop());
    for (let round = 0; round < 5; round++) {
      const c = await new ConnectionFactory('vm://csdvm', { useAsyncSend: true }).createConnection();
      ledger.add(c, (x) => x.close());
      await c.start();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const q = s.createQueue(`CSD.VM.${round}`);
      const p = await s.createProducer(q);
      // Written before dispatch (no consumer yet): these wait for their write...
      for (let n = 0; n < 30; n++) await p.send(s.createTextMessage(`${n}`), { deliveryMode: DeliveryMode.PERSISTENT });
      // ...while a consumer arrives and later sends could go out before their write.
      const cons = await s.createConsumer(q);
      for (let n = 30; n < 60; n++) await p.send(s.createTextMessage(`${n}`), { deliveryMode: DeliveryMode.PERSISTENT });
      const got: number[] = [];
      for (let n = 0; n < 60; n++) got.push(Number(text(await cons.receive(3000))));
      assert.deepEqual(got, Array.from({ length: 60 }, (_, n) => n), `round ${round}: one producer's messages in order`);
      await c.close();
    }
  });

  it('persistence - concurrentStoreAndDispatchQueues false: every message is written before dispatch', async () => {
    const b = await brokerOn(dir, 'persist', false);
    ledger.defer(() => b.stop());
    const got = await loadWithConsumer(b, 3, 50, 0);
    assertEachProducerInOrder(got, 3, 50);
    assert.equal(b.store.stats().cancelledPuts ?? 0, 0);
  });
});
