// The Java client's temporary-destination advisories (session -1, ActiveMQ.Advisory.TempQueue,
// TempTopic): the client refuses to send to a temporary destination it has not heard of from
// them. Wharf's own advisories (map bodies) are turned into the DestinationInfo ActiveMQ sends,
// and temporary destination create/delete (DestinationInfo from the client) lands here too.
import { AckType, CommandType, type Dispatch } from '@wharf/protocol';
import type { ProtocolHost } from '@wharf/broker';
import type { Struct } from './codec';
import { DataType } from './schema';
import { destinationStruct, destinationUrl } from './message';
import { OpenWireError } from './errors';
import type { OwContext } from './context';

const ADVISORY_TEMP_QUEUE = 'ActiveMQ.Advisory.TempQueue';
const ADVISORY_TEMP_TOPIC = 'ActiveMQ.Advisory.TempTopic';

/** The advisory parts of each broker's OpenWire connections: temp-destination removals are told to all. */
const advisoriesOf = new WeakMap<ProtocolHost, Set<Advisories>>();

export class Advisories {
  /** The Java consumer the advisories go to, once the client opened it. */
  private consumer: Struct | null = null;
  /** Native consumers on the broker's temp-destination advisory topics, feeding `consumer`. */
  private readonly feeds = new Set<number>();
  private readonly myTemps = new Set<string>();
  private seq = 0;
  private released = false;

  constructor(private readonly ctx: OwContext) {
    let set = advisoriesOf.get(ctx.broker);
    if (!set) advisoriesOf.set(ctx.broker, (set = new Set()));
    set.add(this);
  }

  /** The Java advisory consumer `consumerId` opened: tell it what exists, then feed it. */
  start(consumerId: Struct, sessionId: number, nextConsumerId: () => number): void {
    this.consumer = consumerId;
    // As ActiveMQ's AdvisoryBroker: the temporary destinations that exist now, first.
    const b = this.ctx.broker;
    for (const url of b.temporaryDestinations()) this.tellTemp(destinationStruct(url), 0);
    if (!b.config.advisorySupport) return;
    for (const topic of [ADVISORY_TEMP_QUEUE, ADVISORY_TEMP_TOPIC]) {
      const nativeId = nextConsumerId();
      this.feeds.add(nativeId);
      this.ctx.conn.handle({ type: CommandType.CONSUMER_OPEN, corr: this.ctx.expect(-1), sessionId, consumerId: nativeId, destination: `topic://${topic}`, prefetch: 1000 });
    }
  }

  /** Takes a dispatch to one of the feeds; false for any other consumer's. */
  onDispatch(d: Dispatch): boolean {
    if (!this.feeds.has(d.consumerId)) return false;
    if (d.message) {
      const body = d.message.body as { destination?: unknown; event?: unknown } | null;
      if (body && typeof body.destination === 'string' && body.destination.startsWith('temp-')) {
        this.tellTemp(destinationStruct(body.destination), body.event === 'removed' ? 1 : 0);
      }
    }
    if (d.deliveryId > 0) this.ctx.conn.handle({ type: CommandType.ACK, consumerId: d.consumerId, ackType: AckType.STANDARD, deliveryIds: [d.deliveryId] });
    return true;
  }

  onDestinationInfo(c: Struct, answer: number): void {
    const ctx = this.ctx;
    ctx.requireOpen();
    const url = destinationUrl(c.destination);
    if (!url) throw new OpenWireError('DestinationInfo without a destination');
    const temp = url.startsWith('temp-');
    const add = Number(c.operationType) === 0;
    if (!temp) return ctx.answerOk(answer);
    const d = c.destination as Struct;
    ctx.conn.handle({
      type: add ? CommandType.TEMP_CREATE : CommandType.TEMP_DELETE, destination: url,
      corr: ctx.expect(answer, () => {
        if (add) this.myTemps.add(url);
        else this.myTemps.delete(url);
        if (!add) this.tellTempRemoved(d);
      }),
    });
  }

  /** The connection ends: its temporary destinations go with it (tell the others). */
  release(): void {
    if (this.released) return;
    this.released = true;
    advisoriesOf.get(this.ctx.broker)?.delete(this);
    for (const url of this.myTemps) this.tellTempRemoved(destinationStruct(url));
    this.myTemps.clear();
  }

  /** Tell every OpenWire connection of this broker that a temporary destination is gone. */
  private tellTempRemoved(dest: Struct): void {
    for (const a of advisoriesOf.get(this.ctx.broker) ?? []) a.tellTemp(dest, 1);
  }

  private tellTemp(dest: Struct, operationType: number): void {
    const consumerId = this.consumer;
    if (!consumerId || !this.ctx.isOpen()) return;
    const name = String(dest.physicalName);
    const owner = name.slice(0, Math.max(0, name.lastIndexOf(':')));
    const topic = { type: DataType.TOPIC, physicalName: dest.type === DataType.TEMP_QUEUE ? ADVISORY_TEMP_QUEUE : ADVISORY_TEMP_TOPIC };
    const seq = ++this.seq;
    const brokerName = this.ctx.broker.name;
    const message: Struct = {
      type: DataType.MESSAGE, commandId: 0, responseRequired: false,
      producerId: { type: DataType.PRODUCER_ID, connectionId: `ID:${brokerName}-advisory`, value: 1, sessionId: 1 },
      destination: topic, transactionId: null, originalDestination: null,
      messageId: {
        type: DataType.MESSAGE_ID, textView: null, producerSequenceId: seq, brokerSequenceId: 0,
        producerId: { type: DataType.PRODUCER_ID, connectionId: `ID:${brokerName}-advisory`, value: 1, sessionId: 1 },
      },
      originalTransactionId: null, groupId: null, groupSequence: 0, correlationId: null, persistent: false, expiration: 0, priority: 4,
      replyTo: null, timestamp: Date.now(), jmsType: 'Advisory', content: null, marshalledProperties: null,
      dataStructure: {
        type: DataType.DESTINATION_INFO, commandId: 0, responseRequired: false,
        connectionId: { type: DataType.CONNECTION_ID, value: owner }, destination: dest, operationType, timeout: 0, brokerPath: null,
      },
      targetConsumerId: null, compressed: false, redeliveryCounter: 0, brokerPath: null, arrival: 0, userId: null,
      receivedByDFBridge: false, droppable: false, cluster: null, brokerInTime: 0, brokerOutTime: 0, jmsxGroupFirstForConsumer: false,
    };
    this.ctx.writeCommand({ type: DataType.MESSAGE_DISPATCH, commandId: 0, responseRequired: false, consumerId, destination: topic, message, redeliveryCounter: 0 });
  }
}
