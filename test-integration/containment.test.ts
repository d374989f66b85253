// Containment: a message that cannot be delivered goes to the dead letter queue with its cause
// (never into a crash loop), and a fault handling one connection's command ends that connection
// only, logged with its cause.
import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConnectionFactory, Session } from '@wharf/client';
import { CommandType, StoreError, type WireMessage } from '@wharf/protocol';
import { OpType } from '@wharf/store';
import { Broker } from '@wharf/broker';
import { stompProtocol } from '@wharf/stomp';
import { Ledger, checkFor, startBroker, stopBroker, tempDir } from '@wharf/testkit';
import { hello, raw, stompSubscribe, text, wireMessage } from './helpers';

/** A message no client can send any more (the schema refuses it): as an older version stored it. */
function storedBad(over: Record<string, unknown>): WireMessage {
  return wireMessage({ messageId: 'ID:old:1:1', destination: 'queue://OLD', producerId: 'old:1', body: 'bad', ...over });
}

async function dlqCause(broker: Broker, ledger: Ledger): Promise<string> {
  const c = await new ConnectionFactory(broker.connectorUrl('tcp')).createConnection();
  ledger.add(c, (x) => x.close());
  await c.start();
  const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const m = await (await s.createConsumer(s.createQueue('ActiveMQ.DLQ'))).receive(5000);
  assert.ok(m, 'the undeliverable message is in the DLQ');
  assert.equal(text(m), 'bad');
  return m.getStringProperty('dlqDeliveryFailureCause') ?? '';
}

describe('containment', () => {
  const ledger = new Ledger();
  afterEach(() => ledger.closeAll());

  it('containment - a stored message a STOMP subscriber cannot take goes to the DLQ with the cause, also after a restart', async () => {
    const dataDirectory = tempDir();
    ledger.defer(() => import('node:fs').then((fs) => fs.rmSync(dataDirectory, { recursive: true, force: true })));
    const connectors = [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }, { name: 'stomp', uri: 'stomp://127.0.0.1:0' }];
    const first = await startBroker({ persistent: true, dataDirectory, transportConnectors: connectors }, { protocols: [stompProtocol] });
    await first.send(storedBad({ replyTo: 5 }), null);
    await stopBroker(first, { keepData: true });

    const b = await startBroker({ persistent: true, dataDirectory, transportConnectors: connectors }, { protocols: [stompProtocol] });
    ledger.defer(() => stopBroker(b, { keepData: true }));
    const { bodies } = await stompSubscribe(Number(new URL(b.connectorUrl('stomp')).port), '/queue/OLD', ledger);
    assert.match(await dlqCause(b, ledger), /cannot deliver to consumer .*: /);
    await b.send(storedBad({ messageId: 'ID:old:1:2', producerSeq: 2, body: 'good' }), null);
    await checkFor(5000, () => bodies.includes('good'), 'the STOMP subscriber goes on with the next message');
    assert.deepEqual(bodies, ['good']);
  });

  it('containment - a stored message a network consumer\'s filter cannot read goes to the DLQ', async () => {
    const b = await startBroker();
    ledger.defer(() => stopBroker(b));
    await b.send(storedBad({ brokerPath: 5 }), null);
    const bridge = await raw(b.connectorUrl('tcp'));
    ledger.defer(() => bridge.sock.destroy());
    await hello(bridge, { networkBridge: true });
    bridge.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    bridge.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://OLD', prefetch: 10, network: { target: 'x', ttl: 2, path: ['x'] } });
    assert.equal((await bridge.next()).type, CommandType.RECEIPT);
    assert.match(await dlqCause(b, ledger), /cannot select: /);
  });

  it('containment - a fault handling one connection\'s command closes that connection only, logged with its cause', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) }));
    const b = new Broker({ brokerName: `containment-${process.pid}`, persistent: false, transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }] }, { logger });
    await b.start();
    ledger.defer(() => b.stop());
    // The broker's send hook (the scheduler's) failing as a bug would: a TypeError, not a JMSError.
    b.interceptors.push({
      intercept: (m) => {
        if (m.destination === 'queue://BOOM') throw new TypeError('interceptor bug');
        return false;
      },
    });
    const p = await raw(b.connectorUrl('tcp'));
    await hello(p);
    p.send({ type: CommandType.SEND, corr: 5, producerId: 'p:1', message: storedBad({ destination: 'queue://BOOM', producerId: 'p:1' }) });
    const err = await p.next();
    assert.equal(err.type, CommandType.ERROR);
    await p.closed;
    assert.ok(lines.some((l) => /unexpected error handling a command/.test(l) && /interceptor bug/.test(l)), 'logged with the cause');
    const c = await new ConnectionFactory(b.connectorUrl('tcp')).createConnection();
    ledger.add(c, (x) => x.close());
    await c.start();
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const q = s.createQueue('FINE');
    await (await s.createProducer(q)).send(s.createTextMessage('still'));
    assert.equal(text(await (await s.createConsumer(q)).receive(2000)), 'still');
  });
});

describe('containment - store writes that fail out of order', () => {
  const ledger = new Ledger();
  afterEach(() => ledger.closeAll());

  // A replicated master that loses its mastership fails every commit still waiting for its
  // quorum at once, while an earlier commit may still wait for the local disk. A consumer's
  // delivered-mark writes are chained so that dispatches go out in order: the later write's
  // failure must be handled even though the earlier one has not finished (an unhandled
  // rejection ends the Node.js process: it stopped two nodes of a group in CI).
  it('containment - a delivered-mark write that fails while an earlier one still waits is handled; both dispatches go out in order', async () => {
    const broker = await startBroker({ persistent: true });
    ledger.defer(() => stopBroker(broker));
    const rejections: unknown[] = [];
    const onRejection = (r: unknown): void => void rejections.push(r);
    process.on('unhandledRejection', onRejection);
    ledger.defer(() => void process.off('unhandledRejection', onRejection));

    for (const n of [1, 2]) {
      await broker.send(wireMessage({ messageId: `ID:mk:1:${n}`, destination: 'queue://MARKS', producerId: 'mk:1', producerSeq: n, body: `m${n}` }), null);
    }

    // The first mark write waits (a slow disk); the second fails at once, as a lost mastership
    // fails its quorum wait; the failure is transient so the messages still go out.
    const store = broker.store;
    const commit = store.commit.bind(store);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let marks = 0;
    store.commit = (ops, o) => {
      if (!ops.some((op) => op.t === OpType.MARK_DELIVERED)) return commit(ops, o);
      marks++;
      if (marks === 1) return held.then(() => commit(ops, o));
      return Promise.reject(Object.assign(new StoreError('injected: the batch is not acknowledged: mastership lost'), { transient: true }));
    };

    const consumer = await raw(broker.connectorUrl('tcp'));
    ledger.add(consumer.sock, (s) => s.destroy());
    await hello(consumer);
    consumer.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 2 });
    // Two dispatch passes, each with its own mark write: one consumer, then another.
    consumer.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://MARKS', prefetch: 1 });
    await checkFor(5000, () => marks >= 1 || undefined, 'the first consumer is being dispatched to');
    consumer.send({ type: CommandType.CONSUMER_OPEN, corr: 3, sessionId: 1, consumerId: 2, destination: 'queue://MARKS', prefetch: 1 });
    await checkFor(5000, () => marks >= 2 || undefined, 'the second consumer is being dispatched to');
    // Node notices an unhandled rejection at the end of the turn it happened in: one more turn.
    await new Promise((r) => setImmediate(r));
    release();
    const bodies: string[] = [];
    while (bodies.length < 2) {
      const c = await consumer.next();
      if (c.type === CommandType.DISPATCH && c.message) bodies.push(String(c.message.body));
    }
    assert.deepEqual(bodies, ['m1', 'm2'], 'both messages delivered, in dispatch order');
    assert.deepEqual(rejections.map(String), [], 'no unhandled rejection');
  });
});
