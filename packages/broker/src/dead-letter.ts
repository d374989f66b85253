// Dead letters and expiry: a message past its redeliveries or its expiration leaves its source
// and (by the destination's dead letter strategy) is sent, persistent, to a dead letter queue.
import { DeliveryMode, type Properties, type WireMessage } from '@wharf/protocol';
import type { StoreOp } from '@wharf/store';
import type { Broker } from './broker';
import { EntryState, type Entry } from './entry';
import { deadLetterQueueFor } from './policy';
import type { RoutePlan } from './router';
import type { MessageSource } from './source';

export function sendToDeadLetter(b: Broker, source: MessageSource, entries: Entry[], cause: string, expired: boolean): void {
  const ops: StoreOp[] = [];
  const plans: RoutePlan[] = [];
  const strategy = source.policy.deadLetter;
  for (const e of entries) {
    if (e.stored) for (const op of source.removalOps(e)) ops.push(op);
    const persistent = e.msg.deliveryMode === DeliveryMode.PERSISTENT;
    const dlq = deadLetterQueueFor(strategy, source.destination, persistent, expired);
    if (!dlq || dlq === source.destination.url) {
      b.log.debug({ messageId: e.msg.messageId, cause }, 'message discarded by the dead letter strategy');
      continue;
    }
    // An empty cause (a STOMP NACK, as on ActiveMQ) sets no dlqDeliveryFailureCause.
    const props: Properties = cause === '' ? { ...e.msg.properties } : { ...e.msg.properties, dlqDeliveryFailureCause: cause };
    props.originalExpiration = e.msg.expiration;
    if (!persistent) props.originalDeliveryMode = 'NON_PERSISTENT';
    const copy: WireMessage = {
      ...e.msg,
      destination: dlq,
      originalDestination: e.msg.originalDestination ?? source.destination.url,
      deliveryMode: DeliveryMode.PERSISTENT,
      expiration: 0,
      redelivered: false,
      deliveryCount: 0,
      properties: props,
    };
    plans.push(b.router.plan(copy, null));
    b.advisories.messageDLQd(source.destination, e.msg);
  }
  const merged = b.router.merge(plans);
  const p = b.executePlan(merged, undefined, ops);
  p?.catch((err: Error) => b.onStoreFailure(err));
}

export function expire(b: Broker, source: MessageSource, entries: Entry[]): void {
  for (const e of entries) b.advisories.expired(source.destination, e.msg);
  source.deadLetter(entries, expiryCause(entries[0]?.msg), true);
}

/** ActiveMQ's dlqDeliveryFailureCause of an expired message: its Throwable's toString(). */
export function expiryCause(msg: WireMessage | undefined): string {
  return `java.lang.Throwable: Message Expired. Expiration:${msg?.expiration ?? 0}`;
}

/** The period of the expiry scan: the shortest expireMessagesPeriod, at most 30 s. */
export function expiryScanPeriod(b: Broker): number {
  const periods = b.config.destinationPolicy.map((p) => p.expireMessagesPeriod ?? 30000).filter((x) => x > 0);
  return Math.min(30000, ...periods);
}

/** Remove expired pending messages from every queue and subscription. */
export function expireScan(b: Broker): void {
  const now = Date.now();
  const sources: MessageSource[] = [...b.queues.values(), ...b.durables.values()];
  for (const t of b.topics.values()) for (const s of t.subs) sources.push(s);
  for (const s of sources) {
    if (s.policy.expireMessagesPeriod <= 0 || s.pending.size === 0) continue;
    const expired = s.pending.removeWhere((e) => e.msg.expiration > 0 && e.msg.expiration <= now);
    if (expired.length) {
      for (const e of expired) e.state = EntryState.PENDING;
      s.expired += expired.length;
      b.expire(s, expired);
    }
  }
}
