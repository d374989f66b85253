// An OpenWire client that stops reading: the broker holds what it dispatches to it instead of
// encoding every prefetched message into its socket buffer.
import assert from 'node:assert/strict';
import type { Broker } from '@wharf/broker';
import { ConnectionFactory, DeliveryMode, Session } from '@wharf/client';
import { checkFor, floodHeld, SocketFlood } from '@wharf/testkit';
import { startBroker, stopBroker } from './broker';
import { DataType } from '../src/index';
import { RawOpenWire } from './raw-client';

describe('openwire congestion', () => {
  let b: Broker;
  beforeEach(async () => {
    b = await startBroker();
  });
  afterEach(() => stopBroker(b));

  /** A raw OpenWire connection (ID:cong-1) with a consumer of prefetch 1,000 on `queue`. */
  async function consumerOn(queue: string): Promise<RawOpenWire> {
    const port = Number(/:(\d+)$/.exec(b.connectorUrl('tcp'))![1]);
    const c = await RawOpenWire.connect(port);
    assert.equal((await c.request({ type: DataType.CONNECTION_INFO, connectionId: { type: DataType.CONNECTION_ID, value: 'ID:cong-1' }, clientId: null, brokerPath: null })).type, DataType.RESPONSE);
    assert.equal((await c.request({ type: DataType.SESSION_INFO, sessionId: { type: DataType.SESSION_ID, connectionId: 'ID:cong-1', value: 1 } })).type, DataType.RESPONSE);
    assert.equal((await c.request({
      type: DataType.CONSUMER_INFO, consumerId: { type: DataType.CONSUMER_ID, connectionId: 'ID:cong-1', sessionId: 1, value: 1 },
      destination: { type: DataType.QUEUE, physicalName: queue }, prefetchSize: 1000, brokerPath: null,
    })).type, DataType.RESPONSE);
    return c;
  }

  /** `n` non-persistent bytes messages of 100 KB to `queue`. */
  async function fill(s: Session, queue: string, n: number): Promise<void> {
    const p = await s.createProducer(s.createQueue(queue));
    p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
    for (let i = 0; i < n; i++) {
      const m = s.createBytesMessage();
      m.writeBytes(Buffer.alloc(100 * 1024, i));
      await p.send(m);
    }
  }

  it('openwire congestion - a consumer that does not read gets a socket buffer\'s worth of a prefetch of 1,000, and everything once it reads', async () => {
    const N = 300;
    const c = await consumerOn('CONG');
    c.socket.pause(); // reads nothing from here on

    const conn = await new ConnectionFactory(b.connectorUrl('tcp')).createConnection();
    try {
      await fill(conn.createSession(false, Session.AUTO_ACKNOWLEDGE), 'CONG', N);
      await checkFor(10000, () => b.queues.get('queue://CONG')?.depth === N, 'every message queued');
      const server = await checkFor(10000, () => [...b.connections.values()].find((x) => x.congested), 'the OpenWire connection congested');
      const consumer = [...server.consumers.values()][0]!;
      assert.ok(consumer.outstanding < 120, `${consumer.outstanding} of ${N} messages of 100 KB dispatched to a consumer that does not read`);

      c.socket.resume();
      for (let i = 0; i < N; i++) await c.waitFor((x) => x.type === DataType.MESSAGE_DISPATCH, `dispatch ${i}`);
      await checkFor(10000, () => !server.congested || undefined, 'the connection drained');
    } finally {
      c.close();
      await conn.close();
    }
  });

  it('openwire congestion - a client that does not read has its messages left unread until it reads; others are served; then all are processed', async () => {
    const QUEUED = 300;
    const SENDS = 640;
    const c = await consumerOn('CONG.IN');
    c.socket.pause();
    const conn = await new ConnectionFactory(b.connectorUrl('tcp')).createConnection();
    try {
      await conn.start();
      const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await fill(s, 'CONG.IN', QUEUED);
      const server = await checkFor(10000, () => [...b.connections.values()].find((x) => x.congested), 'the OpenWire connection congested');

      const content = Buffer.alloc(4 + 64 * 1024, 0x78);
      content.writeInt32BE(64 * 1024);
      const producerId = { type: DataType.PRODUCER_ID, connectionId: 'ID:cong-1', sessionId: 1, value: 1 };
      const flood = new SocketFlood(c.socket, SENDS, (i) => c.wf.encode({
        type: DataType.TEXT_MESSAGE, commandId: 10 + i, responseRequired: false, producerId,
        destination: { type: DataType.QUEUE, physicalName: 'CONG.OUT' },
        messageId: { type: DataType.MESSAGE_ID, textView: null, producerId, producerSequenceId: i + 1, brokerSequenceId: 0 },
        persistent: false, priority: 4, content, marshalledProperties: null,
      }));
      const health = s.createQueue('CONG.HEALTH');
      const hp = await s.createProducer(health);
      const hc = await s.createConsumer(health);
      const accepted = (): number => b.queues.get('queue://CONG.OUT')?.depth ?? 0;
      const taken = await floodHeld(flood, accepted, async () => {
        await hp.send(s.createTextMessage('ok'));
        assert.ok(await hc.receive(5000), 'another connection is served');
      });
      assert.ok(taken < SENDS / 4, `the broker took ${taken} of ${SENDS} messages from a congested connection`);
      assert.equal(server.congested, true);

      c.socket.resume();
      for (let i = 0; i < QUEUED; i++) await c.waitFor((x) => x.type === DataType.MESSAGE_DISPATCH, `dispatch ${i}`);
      await flood.done;
      await checkFor(10000, () => accepted() === SENDS, 'every message processed once the client reads');
    } finally {
      c.close();
      await conn.close();
    }
  });
});
