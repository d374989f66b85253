// An OpenWire client that stops reading: the broker holds what it dispatches to it instead of
// encoding every prefetched message into its socket buffer.
import assert from 'node:assert/strict';
import type { Broker } from '@wharf/broker';
import { ConnectionFactory, DeliveryMode, Session } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { startBroker, stopBroker } from './broker';
import { DataType } from '../src/index';
import { RawOpenWire } from './raw-client';

describe('openwire congestion', () => {
  let b: Broker;
  beforeEach(async () => {
    b = await startBroker();
  });
  afterEach(() => stopBroker(b));

  it('openwire congestion - a consumer that does not read gets a socket buffer\'s worth of a prefetch of 1,000, and everything once it reads', async () => {
    const N = 300;
    const port = Number(/:(\d+)$/.exec(b.connectorUrl('tcp'))![1]);
    const c = await RawOpenWire.connect(port);
    assert.equal((await c.request({ type: DataType.CONNECTION_INFO, connectionId: { type: DataType.CONNECTION_ID, value: 'ID:cong-1' }, clientId: null, brokerPath: null })).type, DataType.RESPONSE);
    assert.equal((await c.request({ type: DataType.SESSION_INFO, sessionId: { type: DataType.SESSION_ID, connectionId: 'ID:cong-1', value: 1 } })).type, DataType.RESPONSE);
    assert.equal((await c.request({
      type: DataType.CONSUMER_INFO, consumerId: { type: DataType.CONSUMER_ID, connectionId: 'ID:cong-1', sessionId: 1, value: 1 },
      destination: { type: DataType.QUEUE, physicalName: 'CONG' }, prefetchSize: 1000, brokerPath: null,
    })).type, DataType.RESPONSE);
    c.socket.pause(); // reads nothing from here on

    const conn = await new ConnectionFactory(b.connectorUrl('tcp')).createConnection();
    try {
      const s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('CONG'));
      p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      for (let i = 0; i < N; i++) {
        const m = s.createBytesMessage();
        m.writeBytes(Buffer.alloc(100 * 1024, i));
        await p.send(m);
      }
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
});
