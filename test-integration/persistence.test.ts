import { strict as assert } from 'node:assert';
import { ConnectionFactory, Session, DeliveryMode, type Connection } from '@wharf/client';
import { Broker } from '@wharf/broker';
import { Ledger, removeDir, tempDir, startBrokerProcess } from '@wharf/testkit';
import { text } from './helpers';

/** A persistent broker on `dir` that can be stopped and started again on the same data. */
async function brokerOn(dir: string, name = 'persist'): Promise<Broker> {
  const b = new Broker({ brokerName: name, dataDirectory: dir, persistent: true, transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }], logLevel: 'silent' });
  await b.start();
  return b;
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
});
