// Advisory topics (ActiveMQ.Advisory.*): non-persistent messages about consumers, producers,
// connections, destinations, expired and dead-lettered messages. Published only when someone
// listens, so they cost nothing otherwise.
import { BodyKind, DeliveryMode, isQueueKind, isTemporary, type Destination, type WireMessage } from '@wharf/protocol';
import type { Broker } from './broker';

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
    const msg: WireMessage = {
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
    try {
      b.applyPlan(b.router.plan(msg, null));
    } catch (err) {
      b.log.warn({ err, topicName }, 'advisory not published');
    }
  }

  private isAdvisory(d: Destination): boolean {
    return d.name.startsWith(PREFIX);
  }

  consumersChanged(d: Destination, consumerCount: number, consumerId?: string): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}Consumer.${kindName(d)}.${d.name}`, { consumerCount }, { destination: d.url, consumerCount, consumerId: consumerId ?? null });
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

  messageDLQd(d: Destination, m: WireMessage): void {
    if (this.isAdvisory(d)) return;
    this.publish(`${PREFIX}MessageDLQd.${kindName(d)}.${d.name}`, { orignalMessageId: m.messageId }, { messageId: m.messageId, destination: d.url });
  }
}
