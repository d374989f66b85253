// Advisory topics (ActiveMQ.Advisory.*): non-persistent messages about consumers, producers,
// connections, destinations, expired and dead-lettered messages. Published only when someone
// listens, so they cost nothing otherwise.
import { BodyKind, DeliveryMode, isQueueKind, isTemporary, wildcardMatches, type Destination, type WireMessage } from '@wharf/protocol';
import type { Broker } from './broker';
import type { ServerConsumer } from './consumer';
import { Entry } from './entry';
import { filterable } from './filter';
import type { TopicSubscription } from './topic';

const PREFIX = 'ActiveMQ.Advisory.';
let advisorySeq = 0;

function kindName(d: Destination): string {
  if (isTemporary(d.kind)) return isQueueKind(d.kind) ? 'TempQueue' : 'TempTopic';
  return isQueueKind(d.kind) ? 'Queue' : 'Topic';
}

export class Advisories {
  constructor(private readonly broker: Broker) {}

  private wanted(topicName: string): boolean {
    const b = this.broker;
    if (!b.config.advisorySupport) return false;
    const t = b.topics.get(`topic://${topicName}`);
    if (t && (t.subs.size > 0 || t.durables.size > 0)) return true;
    for (const s of b.wildcardTopicSubs) {
      if (s.destination.name.startsWith('ActiveMQ.') || s.destination.name === '>') return true;
    }
    return false;
  }

  publish(topicName: string, properties: Record<string, string | number | boolean | null>, body: Record<string, unknown>): void {
    if (!this.wanted(topicName)) return;
    const b = this.broker;
    try {
      b.applyPlan(b.router.plan(this.message(topicName, properties, body), null));
    } catch (err) {
      b.log.warn({ err, topicName }, 'advisory not published');
    }
  }

  private message(topicName: string, properties: Record<string, string | number | boolean | null>, body: Record<string, unknown>): WireMessage {
    const b = this.broker;
    return {
      messageId: `ID:${b.name}-advisory:1:${++advisorySeq}`,
      destination: `topic://${topicName}`,
      deliveryMode: DeliveryMode.NON_PERSISTENT,
      priority: 4,
      timestamp: Date.now(),
      expiration: 0,
      deliveryTime: 0,
      type: 'Advisory',
      redelivered: false,
      deliveryCount: 0,
      producerId: `${b.name}-advisory`,
      producerSeq: advisorySeq,
      properties: { originBrokerName: b.name, ...properties },
      bodyKind: BodyKind.MAP,
      body,
    };
  }

  private isAdvisory(d: Destination): boolean {
    return d.name.startsWith(PREFIX);
  }

  /**
   * A consumer came or went. The body names it, says which, and carries its broker path (a
   * network bridge's demand consumer has one; a client's is empty): network bridges build
   * their demand from these (docs/CLUSTER.md).
   */
  consumersChanged(d: Destination, consumerCount: number, c: ServerConsumer, event: 'added' | 'removed'): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}Consumer.${kindName(d)}.${d.name}`, { consumerCount }, consumerBody(d, consumerCount, c, event));
  }

  /**
   * A new subscriber to consumer advisories (`sub`) is told of every consumer that exists
   * already, as ActiveMQ's AdvisoryBroker does, so a bridge learns the demand it connected to.
   * Only this subscriber gets these messages.
   */
  replayConsumers(sub: TopicSubscription): void {
    const b = this.broker;
    if (!b.config.advisorySupport || !sub.destination.name.startsWith('ActiveMQ.') && sub.destination.name !== '>') return;
    const offer = (d: Destination, count: number, c: ServerConsumer): void => {
      if (this.isAdvisory(d) || c === sub.consumer) return;
      const topicName = `${PREFIX}Consumer.${kindName(d)}.${d.name}`;
      if (!wildcardMatches(sub.destination.name, topicName)) return;
      const msg = this.message(topicName, { consumerCount: count }, consumerBody(d, count, c, 'added'));
      if (sub.consumer.selector && !sub.consumer.selector.matches(filterable(msg))) return;
      sub.enqueue(new Entry(b.nextSeq(), msg, sub, b.sizeOf(msg), false, null));
    };
    for (const q of b.queues.values()) for (const c of q.consumers) offer(q.destination, q.consumers.length, c);
    for (const t of b.topics.values()) {
      for (const s of t.subs) offer(t.destination, t.consumerCount, s.consumer);
      for (const s of t.durables) if (s.active) offer(t.destination, t.consumerCount, s.active);
    }
  }

  producersChanged(d: Destination, producerCount: number, producerId: string): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}Producer.${kindName(d)}.${d.name}`, { producerCount }, { destination: d.url, producerCount, producerId });
  }

  connection(event: 'added' | 'removed', connectionId: string, clientId: string | null, remoteAddress: string): void {
    this.publish(`${PREFIX}Connection`, { event }, { event, connectionId, clientId, remoteAddress });
  }

  destinationCreated(d: Destination): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}${kindName(d)}`, { event: 'added' }, { destination: d.url, event: 'added' });
  }

  expired(d: Destination, m: WireMessage): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}Expired.${kindName(d)}.${d.name}`, { orignalMessageId: m.messageId }, { messageId: m.messageId, destination: d.url });
  }

  /** A slow topic subscriber's message discarded by the pendingMessageLimitStrategy. */
  messageDiscarded(d: Destination, m: WireMessage, consumerId: string): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}MessageDiscarded.${kindName(d)}.${d.name}`, { orignalMessageId: m.messageId }, { messageId: m.messageId, destination: d.url, consumerId });
  }

  /** A subscriber turned slow (policy advisoryForSlowConsumers). */
  slowConsumer(d: Destination, c: ServerConsumer): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}SlowConsumer.${kindName(d)}.${d.name}`, { consumerId: c.label }, { destination: d.url, consumerId: c.label, brokerPath: c.networkPath ?? [] });
  }

  messageDLQd(d: Destination, m: WireMessage): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}MessageDLQd.${kindName(d)}.${d.name}`, { orignalMessageId: m.messageId }, { messageId: m.messageId, destination: d.url });
  }
}

function consumerBody(d: Destination, consumerCount: number, c: ServerConsumer, event: 'added' | 'removed'): Record<string, unknown> {
  return { destination: d.url, consumerCount, consumerId: c.label, event, brokerPath: c.networkPath ?? [] };
}
