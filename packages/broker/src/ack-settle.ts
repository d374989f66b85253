// What each kind of acknowledgement does to a source's in-flight entries (ActiveMQ's ack types:
// MessageAck STANDARD, INDIVIDUAL, DELIVERED, REDELIVERED, POISON, EXPIRED, and RELEASE for
// prefetched messages never handed to the application).
import { AckType } from '@wharf/protocol';
import type { StoreOp } from '@wharf/store';
import { EntryState, type Entry } from './entry';
import type { MessageSource } from './source';

/**
 * Handles an ack of entries of `source`; store ops of consumed entries are added to `ops` (the
 * caller writes the ops of every source an ack touched in one store write).
 */
export function settleAck(source: MessageSource, ackType: number, entries: Entry[], cause: string | undefined, ops: StoreOp[]): void {
  switch (ackType) {
    case AckType.STANDARD:
    case AckType.INDIVIDUAL:
      source.consume(entries, ops);
      break;
    case AckType.DELIVERED:
      for (const e of entries) {
        if (e.state === EntryState.INFLIGHT && !e.deliveredAcked && e.consumer) {
          e.deliveredAcked = true;
          e.consumer.outstanding--;
          for (const s of e.consumer.sources) s.scheduleDispatch();
        }
      }
      break;
    case AckType.REDELIVERED:
      source.redeliver(entries);
      break;
    case AckType.RELEASE:
      source.release(entries);
      break;
    case AckType.POISON:
      source.deadLetter(entries.filter((e) => e.state === EntryState.INFLIGHT), cause ?? 'poison ack');
      break;
    case AckType.EXPIRED: {
      const live = entries.filter((e) => e.state === EntryState.INFLIGHT);
      for (const e of live) source.detachInflight(e);
      for (const e of live) e.state = EntryState.PENDING;
      source.expired += live.length;
      source.broker.expire(source, live);
      break;
    }
  }
}
