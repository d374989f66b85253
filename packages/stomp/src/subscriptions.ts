// The STOMP subscriptions of one connection and their acknowledgement bookkeeping
// (ActiveMQ's StompSubscription): which deliveries are still unacknowledged, and which of them
// an ACK or NACK frame names. No I/O: the converter turns the answers into native ACKs.

export type StompAckMode = 'auto' | 'client' | 'client-individual';
export const ACK_MODES: ReadonlySet<string> = new Set(['auto', 'client', 'client-individual']);

export interface Subscription {
  /** The SUBSCRIBE `id` (1.0 without an id: the destination). */
  readonly id: string;
  /** Whether the client gave an id (MESSAGE frames then carry `subscription`). */
  readonly hasId: boolean;
  readonly consumerId: number;
  readonly ack: StompAckMode;
  readonly browser: boolean;
  /** The destination as the client wrote it. */
  readonly destination: string;
  /** Delivered and not acknowledged (client modes), in delivery order: deliveryId → message-id. */
  readonly unacked: Map<number, string>;
  readonly byMessageId: Map<string, number>;
}

export type Delivery = readonly [deliveryId: number, messageId: string];

export class SubscriptionTable {
  private readonly byId = new Map<string, Subscription>();
  private readonly byConsumer = new Map<number, Subscription>();
  private nextConsumerId = 0;

  get size(): number {
    return this.byId.size;
  }

  create(id: string, hasId: boolean, ack: StompAckMode, browser: boolean, destination: string): Subscription {
    const sub: Subscription = {
      id, hasId, ack, browser, destination, consumerId: ++this.nextConsumerId, unacked: new Map(), byMessageId: new Map(),
    };
    this.byId.set(id, sub);
    this.byConsumer.set(sub.consumerId, sub);
    return sub;
  }

  get(id: string): Subscription | undefined {
    return this.byId.get(id);
  }

  forConsumer(consumerId: number): Subscription | undefined {
    return this.byConsumer.get(consumerId);
  }

  /** STOMP 1.0 UNSUBSCRIBE may name the destination instead of an id. */
  findByDestination(destination: string): Subscription | undefined {
    for (const s of this.byId.values()) if (s.destination === destination) return s;
    return undefined;
  }

  remove(sub: Subscription): void {
    this.byId.delete(sub.id);
    this.byConsumer.delete(sub.consumerId);
  }

  /** A message was written to the client on a client-acknowledged subscription. */
  delivered(sub: Subscription, deliveryId: number, messageId: string): void {
    sub.unacked.set(deliveryId, messageId);
    sub.byMessageId.set(messageId, deliveryId);
  }

  /**
   * The delivery an ACK/NACK names: STOMP 1.2 `id` (the MESSAGE's `ack` header, `ackPrefix`
   * and the delivery id), else `message-id`, within `subscription` when given (1.1) or on any
   * subscription (1.0). Undefined when it names nothing unacknowledged.
   */
  resolve(headers: Map<string, string>, ackPrefix: string): { sub: Subscription; deliveryId: number } | undefined {
    const ackId = headers.get('id');
    if (ackId !== undefined) {
      if (!ackId.startsWith(ackPrefix)) return undefined;
      const deliveryId = Number(ackId.slice(ackPrefix.length));
      for (const sub of this.byConsumer.values()) if (sub.unacked.has(deliveryId)) return { sub, deliveryId };
      return undefined;
    }
    const messageId = headers.get('message-id');
    if (messageId === undefined) return undefined;
    const subId = headers.get('subscription');
    const candidates = subId !== undefined && this.byId.has(subId) ? [this.byId.get(subId)!] : [...this.byConsumer.values()];
    for (const sub of candidates) {
      const deliveryId = sub.byMessageId.get(messageId);
      if (deliveryId !== undefined) return { sub, deliveryId };
    }
    return undefined;
  }

  /**
   * Take deliveries out of the unacknowledged set: just `deliveryId`, or (cumulative, `client`
   * mode) it and every earlier one.
   */
  take(sub: Subscription, deliveryId: number, cumulative: boolean): Delivery[] {
    const out: Delivery[] = [];
    if (cumulative) {
      for (const [id, mid] of sub.unacked) {
        if (id > deliveryId) break;
        out.push([id, mid]);
      }
    } else {
      const mid = sub.unacked.get(deliveryId);
      if (mid !== undefined) out.push([deliveryId, mid]);
    }
    for (const [id, mid] of out) {
      sub.unacked.delete(id);
      if (sub.byMessageId.get(mid) === id) sub.byMessageId.delete(mid);
    }
    return out;
  }

  /** An aborted transaction's acks: the deliveries are unacknowledged again, in order. */
  restore(sub: Subscription, deliveries: readonly Delivery[]): void {
    if (this.byConsumer.get(sub.consumerId) !== sub || deliveries.length === 0) return;
    const all: Delivery[] = [...sub.unacked, ...deliveries].sort((a, b) => a[0] - b[0]);
    sub.unacked.clear();
    for (const [id, mid] of all) this.delivered(sub, id, mid);
  }

  all(): IterableIterator<Subscription> {
    return this.byId.values();
  }
}
