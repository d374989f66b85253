// Property: no sequence of native commands, valid or not, from several in-process clients stops
// the broker; afterwards every connection is gone with what it opened, and a fresh client still
// sends and receives. The commands are generated (fast-check): plausible ones with ids from a
// small range, so they meet each other's consumers, transactions and deliveries, and the same
// with one field replaced by anything msgpack can carry (bigints, maps, arrays, NaN…).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ConnectionFactory, Session } from '@wharf/client';
import { CommandType, encodeCommand, vmConnect, type Command, type VmEndpoint } from '@wharf/protocol';
import type { Broker } from '@wharf/broker';
import { DEFAULT_STOMP_OPTIONS, StompConnection, type StompSink } from '@wharf/stomp';
import { checkFor, startBroker, stopBroker } from '@wharf/testkit';

const CLIENTS = 3;
type Raw = Record<string, unknown>;

const id = fc.integer({ min: 0, max: 3 });
const corr = fc.nat({ max: 50 });
const dest = fc.constantFrom('queue://FZ.A', 'queue://FZ.B', 'topic://FZ.T', 'queue://FZ.>', 'topic://FZ.>', 'temp-queue://fz-1', 'queue://FZ.A,topic://FZ.T', '', 'nonsense');
const txId = fc.constantFrom('tx1', 'tx2');
const small = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }));
const anything = fc.oneof(small, fc.anything({ maxDepth: 3, withBigInt: true, withNullPrototype: true }), fc.array(small, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), small, { maxKeys: 3 }));

const message = fc.record({
  messageId: fc.string({ maxLength: 12 }), destination: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('queue://FZ.A', 'queue://FZ.B', 'topic://FZ.T') }, dest), deliveryMode: fc.constantFrom(1, 2), priority: fc.integer({ min: 0, max: 9 }),
  timestamp: fc.nat(), expiration: fc.constantFrom(0, 0, 0, 1, Date.now() + 60000), deliveryTime: fc.constantFrom(0, 1),
  producerId: fc.constantFrom('fz:1', 'fz:2'), producerSeq: fc.nat({ max: 30 }), properties: fc.dictionary(fc.string({ maxLength: 4 }), small, { maxKeys: 3 }),
  bodyKind: fc.integer({ min: 0, max: 5 }), body: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null), fc.array(small, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), small)),
  correlationId: fc.string({ maxLength: 5 }), replyTo: dest, groupId: fc.constantFrom('g1', 'g2'), brokerPath: fc.array(fc.constantFrom('b1', 'b2'), { maxLength: 2 }),
}, { requiredKeys: ['messageId', 'destination', 'deliveryMode', 'priority', 'producerId', 'producerSeq', 'bodyKind'] });

const valid: fc.Arbitrary<Raw> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ type: fc.constant(CommandType.SEND), corr, producerId: fc.constantFrom('fz:1', 'fz:2'), txId, message, failIfNoSpace: fc.boolean() }, { requiredKeys: ['type', 'producerId', 'message'] }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant(CommandType.ACK), corr, consumerId: id, ackType: fc.integer({ min: 0, max: 6 }), deliveryIds: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 4 }), txId, cause: fc.string({ maxLength: 5 }) }, { requiredKeys: ['type', 'consumerId', 'ackType', 'deliveryIds'] }) },
  fc.record({ type: fc.constant(CommandType.HELLO), corr, version: fc.constant(1), heartbeat: fc.constant(0), clientId: fc.constantFrom('c1', 'c2'), networkBridge: fc.boolean() }, { requiredKeys: ['type', 'corr', 'version', 'heartbeat'] }),
  fc.record({ type: fc.constant(CommandType.SESSION_OPEN), sessionId: id, ackMode: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ type: fc.constant(CommandType.SESSION_CLOSE), corr, sessionId: id }),
  fc.record({ type: fc.constant(CommandType.PRODUCER_OPEN), corr, sessionId: id, producerId: fc.constantFrom('fz:1', 'fz:2'), destination: dest }, { requiredKeys: ['type', 'corr', 'sessionId', 'producerId'] }),
  fc.record({ type: fc.constant(CommandType.PRODUCER_CLOSE), producerId: fc.constantFrom('fz:1', 'fz:2') }),
  fc.record({
    type: fc.constant(CommandType.CONSUMER_OPEN), corr, sessionId: id, consumerId: id, destination: dest, prefetch: fc.integer({ min: -1, max: 3 }),
    durableName: fc.constantFrom('d1', 'd2'), browser: fc.boolean(), selector: fc.constantFrom("color = 'red'", 'JMSPriority > 3', 'bad ( selector'),
    network: fc.record({ target: fc.constantFrom('b1', 'b2'), ttl: fc.integer({ min: 1, max: 3 }), path: fc.array(fc.constantFrom('b1', 'b2'), { maxLength: 2 }) }),
    exclusive: fc.boolean(),
  }, { requiredKeys: ['type', 'corr', 'sessionId', 'consumerId', 'destination', 'prefetch'] }),
  fc.record({ type: fc.constant(CommandType.CONSUMER_CLOSE), corr, consumerId: id }),
  fc.record({ type: fc.constant(CommandType.PULL), consumerId: id, timeout: fc.constantFrom(-1, 0, 5) }),
  fc.record({ type: fc.constantFrom(CommandType.TX_BEGIN, CommandType.TX_COMMIT, CommandType.TX_ROLLBACK), corr, sessionId: id, txId }),
  { weight: 3, arbitrary: fc.record({ type: fc.constant(CommandType.XA), corr, op: fc.integer({ min: 0, max: 8 }), txId, onePhase: fc.boolean() }, { requiredKeys: ['type', 'corr', 'op'] }) },
  fc.record({ type: fc.constant(CommandType.UNSUBSCRIBE), corr, name: fc.constantFrom('d1', 'd2') }),
  fc.record({ type: fc.constantFrom(CommandType.TEMP_CREATE, CommandType.TEMP_DELETE), corr, destination: fc.constantFrom('temp-queue://fz-1', 'temp-topic://fz-2', 'queue://FZ.A') }),
  fc.record({ type: fc.constant(CommandType.CLIENT_ID), corr, clientId: fc.constantFrom('c1', 'c2') }),
  fc.record({ type: fc.constantFrom(CommandType.PING, CommandType.PONG, CommandType.SHUTDOWN, CommandType.DISPATCH, CommandType.RECEIPT, 99) }),
);

/** A plausible command, or one with a field (or the message's) replaced by anything. */
const command: fc.Arbitrary<Raw> = fc.oneof(
  { weight: 3, arbitrary: valid },
  { weight: 2, arbitrary: valid.chain((c) => fc.tuple(fc.constant(c), fc.constantFrom(...Object.keys(c)), anything)).map(([c, k, v]) => ({ ...c, [k]: v })) },
  { weight: 3, arbitrary: fc.tuple(valid.filter((c) => c.type === CommandType.SEND), fc.constantFrom('replyTo', 'correlationId', 'type', 'groupId', 'userId', 'originalDestination', 'brokerPath', 'properties', 'body', 'bodyKind', 'deliveryCount', 'redelivered'), anything)
    .map(([c, k, v]) => ({ ...c, message: { ...(c.message as Raw), [k]: v } })) },
);

const step = fc.oneof(
  { weight: 12, arbitrary: fc.record({ client: fc.nat({ max: CLIENTS - 1 }), cmd: command }) },
  { weight: 1, arbitrary: fc.record({ client: fc.nat({ max: CLIENTS - 1 }), reconnect: fc.constant(true) }) },
);

let producerSeq = 0;

class VmPeer {
  private server: VmEndpoint;
  private open = true;
  constructor(private readonly brokerName: string) {
    this.server = this.connect();
  }
  private connect(): VmEndpoint {
    this.open = true;
    return vmConnect(this.brokerName, { deliver: () => undefined, closed: () => (this.open = false) });
  }
  hello(): void {
    this.send({ type: CommandType.HELLO, corr: 1, version: 1, heartbeat: 0 });
    this.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 2 });
    this.send({ type: CommandType.SESSION_OPEN, sessionId: 2, ackMode: 0 });
  }
  send(cmd: Raw): void {
    if (!this.open) this.reconnect();
    // Fresh sequence numbers, or the producer audit drops most sends as duplicates of earlier runs.
    const m = cmd.type === CommandType.SEND ? (cmd.message as Raw | null) : null;
    if (m && typeof m === 'object' && typeof m.producerSeq === 'number') cmd = { ...cmd, message: { ...m, producerSeq: ++producerSeq } };
    let bytes: Buffer;
    try {
      bytes = encodeCommand(cmd as unknown as Command);
    } catch {
      return; // not encodable: no peer could send it either
    }
    this.server.deliver(bytes);
  }
  reconnect(): void {
    this.close();
    this.server = this.connect();
    this.hello();
  }
  close(): void {
    this.server.closed();
  }
}

/** A STOMP client in process (the real converter, a sink that drops what it is sent). */
class StompPeer {
  private readonly conn: StompConnection;
  constructor(broker: Broker) {
    const sink: StompSink = {
      remoteAddress: 'fuzz', write: () => undefined, end: () => undefined, congested: () => false, onDrain: (fn) => fn(), pause: () => undefined, resume: () => undefined,
    };
    this.conn = new StompConnection(broker, sink, { ...DEFAULT_STOMP_OPTIONS });
    let frames = 'CONNECT\naccept-version:1.2\nhost:x\n\n\0';
    for (const [i, d] of ['/queue/FZ.A', '/queue/FZ.B', '/topic/FZ.T', '/queue/ActiveMQ.DLQ'].entries()) frames += `SUBSCRIBE\nid:${i}\ndestination:${d}\nack:${i % 2 ? 'client' : 'auto'}\n\n\0`;
    this.conn.onData(Buffer.from(frames));
  }
  close(): void {
    this.conn.onClosed();
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('fuzz commands', function () {
  this.timeout(60000);
  let broker: Broker;
  const rejections: unknown[] = [];
  const onRejection = (r: unknown): void => void rejections.push(r);
  before(async () => {
    broker = await startBroker({ memoryLimit: 64 * 1024 });
    process.on('unhandledRejection', onRejection);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await stopBroker(broker);
  });

  it('fuzz commands - no sequence of generated commands from several clients stops the broker or leaves anything behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }), async (steps) => {
        const peers = Array.from({ length: CLIENTS }, () => new VmPeer(broker.name));
        for (const p of peers) p.hello();
        const stomp = new StompPeer(broker);
        for (const s of steps) {
          const p = peers[s.client]!;
          if ('reconnect' in s) p.reconnect();
          else p.send(s.cmd);
          await tick();
        }
        for (let i = 0; i < 3; i++) await tick();
        for (const p of peers) p.close();
        stomp.close();
        await checkFor(5000, () => broker.connections.size === 0 || undefined, 'every connection is gone');
        for (const q of broker.queues.values()) assert.equal(q.consumers.length, 0, `${q.destination.url} has no consumer left`);
        for (const d of broker.durables.values()) assert.equal(d.active, null, `durable ${d.record.key} is inactive`);
        for (const t of broker.topics.values()) assert.equal(t.subs.size, 0, `${t.destination.url} has no subscriber left`);
        assert.deepEqual(rejections, [], 'no unhandled rejection');
      }),
      { numRuns: 150, interruptAfterTimeLimit: 8000 },
    );
    // A fresh client still sends and receives.
    const c = await new ConnectionFactory(broker.connectorUrl('tcp')).createConnection();
    try {
      await c.start();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const q = s.createQueue('FZ.AFTER');
      await (await s.createProducer(q)).send(s.createTextMessage('alive'));
      const m = await (await s.createConsumer(q)).receive(2000);
      assert.equal((m as unknown as { getText(): string }).getText(), 'alive');
    } finally {
      await c.close();
    }
  });
});
