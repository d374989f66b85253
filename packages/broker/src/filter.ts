// The selector's view of a message (docs/CONVENTIONS.md: narrow views): header and property getters over a
// WireMessage, with one reusable adapter so a match allocates nothing.
import { DeliveryMode, type Selector, type WireMessage } from '@wharf/protocol';

class MessageFilterable {
  m: WireMessage | null = null;
  redelivered = false;
  deliveryCount = 1;

  getHeader(name: string): unknown {
    const m = this.m!;
    switch (name) {
      case 'JMSDestination': return m.destination;
      case 'JMSReplyTo': return m.replyTo;
      case 'JMSType': return m.type;
      case 'JMSDeliveryMode': return m.deliveryMode === DeliveryMode.PERSISTENT ? 'PERSISTENT' : 'NON_PERSISTENT';
      case 'JMSPriority': return m.priority;
      case 'JMSMessageID': return m.messageId;
      case 'JMSTimestamp': return m.timestamp;
      case 'JMSCorrelationID': return m.correlationId;
      case 'JMSExpiration': return m.expiration;
      case 'JMSRedelivered': return this.redelivered;
      case 'JMSXDeliveryCount': return this.deliveryCount;
      case 'JMSXGroupID': return m.groupId;
      case 'JMSXGroupSeq': return m.groupSeq;
      case 'JMSXUserID': return m.userId;
      default: return m.properties[name];
    }
  }

  getProperty(name: string): unknown {
    return this.m!.properties[name];
  }
}

const shared = new MessageFilterable();

export function filterable(m: WireMessage, redelivered = m.redelivered, deliveryCount = 1): MessageFilterable {
  shared.m = m;
  shared.redelivered = redelivered;
  shared.deliveryCount = deliveryCount;
  return shared;
}

/**
 * The filter of a network bridge's demand consumer (ActiveMQ's NetworkBridgeFilter): no message
 * that has already been on `target` (loops) or that has crossed `ttl` brokers, then the
 * consumer's own selector, if any.
 */
export function networkSelector(target: string, ttl: number, inner: Selector | null): Selector {
  return Object.freeze({
    text: inner?.text ?? '',
    matches: (f: unknown): boolean => {
      const path = (f as MessageFilterable).m?.brokerPath;
      if (path && (path.length >= ttl || path.includes(target))) return false;
      return inner ? inner.matches(f as MessageFilterable) : true;
    },
  });
}
