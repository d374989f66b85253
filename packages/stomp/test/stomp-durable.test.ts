// Durable topic subscriptions over STOMP (activemq.subscriptionName + CONNECT client-id) across a
// broker restart on the same LevelDB directory.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import type { Broker } from '@wharf/broker';
import { RawStomp, portOf, startBroker, stompjs, tempDir, waitFor } from './stomp-harness.test';

describe('stomp durable subscriptions', function () {
  this.timeout(30000);
  let dir: string;
  let b: Broker | null = null;
  const start = async (): Promise<Broker> => (b = await startBroker({ brokerName: 'stomp-durable', persistent: true, dataDirectory: dir }));
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await b?.stop();
    b = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stomp durable - persistent messages wait for an offline subscriber across a restart; non-persistent ones do not', async () => {
    let broker = await start();
    const sub = await stompjs(broker, 'tcp', { 'client-id': 'app-1' });
    const s = sub.subscribe('/topic/news', { id: 'd1', 'activemq.subscriptionName': 'news-sub' });
    await s.ready;
    const pub = await stompjs(broker, 'ws');
    await pub.publish('/topic/news', 'online');
    assert.equal((await s.messages.next()).body, 'online');
    await sub.close();
    await waitFor(() => !broker.durables.get('app-1:news-sub')?.active, 'subscriber offline');
    await pub.publish('/topic/news', 'kept', { persistent: 'true' });
    await pub.publish('/topic/news', 'lost on restart');
    await pub.publish('/topic/news', 'kept too', { persistent: 'true', priority: '9' });
    await pub.close();
    await broker.stop();

    broker = await start();
    assert.ok(broker.durables.has('app-1:news-sub'), 'the subscription survived the restart');
    const again = await stompjs(broker, 'tcp', { 'client-id': 'app-1' });
    const s2 = again.subscribe('/topic/news', { id: 'd1', ack: 'client', 'activemq.subscriptionName': 'news-sub' });
    const got = [await s2.messages.next(), await s2.messages.next()];
    assert.deepEqual(got.map((m) => m.body).sort(), ['kept', 'kept too']);
    for (const m of got) assert.equal(m.headers.persistent, 'true');
    got[1]!.ack();
    // UNSUBSCRIBE with activemq.subscriptionName removes the durable subscription once no
    // consumer is on it (ActiveMQ refuses to remove an active one).
    s2.unsubscribe();
    again.client.unsubscribe('d1', { 'activemq.subscriptionName': 'news-sub', receipt: 'unsub' });
    await new Promise<void>((resolve) => again.client.watchForReceipt('unsub', () => resolve()));
    assert.equal(broker.durables.has('app-1:news-sub'), false);
    await again.close();
  });

  it('stomp durable - without client-id the connection id names the subscription; a queue cannot be durable', async () => {
    const broker = await start();
    const { c, connected } = await RawStomp.open(portOf(broker, 'stomp'));
    await c.request('SUBSCRIBE', { id: '1', destination: '/topic/t', 'activemq.subscriptionName': 'x' });
    assert.ok(broker.durables.has(`${connected.headers.get('session')}:x`), 'keyed by the CONNECTED session (ActiveMQ)');
    const { c: d } = await RawStomp.open(portOf(broker, 'stomp'), { 'accept-version': '1.2', 'client-id': 'cid' });
    d.send('SUBSCRIBE', { id: '1', destination: '/queue/q', 'activemq.subscriptionName': 'x' });
    await d.expectErrorAndCarryOn(/^Invalid Subscription: cannot durably subscribe to a Queue destination!$/);
    await d.request('SEND', { destination: '/queue/q' }, 'still connected');
  });

  it('stomp durable - the UNSUBSCRIBE receipt confirms removal even without an open subscription', async () => {
    const broker = await start();
    const { c } = await RawStomp.open(portOf(broker, 'stomp'), { 'accept-version': '1.2', 'client-id': 'cid-2' });
    await c.request('SUBSCRIBE', { id: '1', destination: '/topic/t2', 'activemq.subscriptionName': 'keep' });
    await c.request('UNSUBSCRIBE', { id: '1' });
    assert.ok(broker.durables.has('cid-2:keep'), 'a plain UNSUBSCRIBE keeps the durable subscription');
    // As ActiveMQ, UNSUBSCRIBE needs an id even when it names the durable subscription.
    await c.request('UNSUBSCRIBE', { id: '1', 'activemq.subscriptionName': 'keep' });
    assert.equal(broker.durables.has('cid-2:keep'), false);
    c.close();
  });

  it('stomp durable - selectors on string properties of a durable subscription use convert_string_expressions', async () => {
    const broker = await start();
    const sub = await stompjs(broker, 'tcp', { 'client-id': 'sel-1' });
    const s = sub.subscribe('/topic/sel', { id: 's', selector: 'num > 5', 'activemq.subscriptionName': 'big' });
    await sub.publish('/topic/sel', 'small', { num: '3', persistent: 'true' });
    await sub.publish('/topic/sel', 'big', { num: '10', persistent: 'true' });
    assert.equal((await s.messages.next()).body, 'big');
    await sub.close();
  });

  it('stomp durable - frames after a durable SUBSCRIBE wait for it: a SEND in the same packet reaches the new subscription', async () => {
    const broker = await start();
    const c = await RawStomp.connect(portOf(broker, 'stomp'));
    c.write([
      'CONNECT\naccept-version:1.2\nclient-id:same-packet\n\n\0',
      'SUBSCRIBE\nid:1\ndestination:/topic/ordered\nactivemq.subscriptionName:s\n\n\0',
      'SEND\ndestination:/topic/ordered\npersistent:true\n\nfirst\0',
    ].join(''));
    assert.equal((await c.next()).command, 'CONNECTED');
    const m1 = await c.next();
    assert.deepEqual([m1.headers.get('subscription'), m1.body.toString()], ['1', 'first']);
    c.write([
      'UNSUBSCRIBE\nid:1\n\n\0',
      'UNSUBSCRIBE\nid:1\nactivemq.subscriptionName:s\n\n\0',
      'SEND\ndestination:/topic/ordered\npersistent:true\n\nnobody subscribed\0',
      'SUBSCRIBE\nid:2\ndestination:/topic/ordered\nactivemq.subscriptionName:s\n\n\0',
      'SEND\ndestination:/topic/ordered\n\nsecond\0',
    ].join(''));
    const m2 = await c.next();
    assert.deepEqual([m2.headers.get('subscription'), m2.body.toString()], ['2', 'second'], 'the re-created subscription has only the later message');
    c.close();
  });
});
