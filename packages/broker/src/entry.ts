// One message as held by one source (a queue, or one topic subscription). The WireMessage is
// shared and never changed by delivery; per-delivery state lives here.
import type { WireMessage } from '@wharf/protocol';
import type { MessageSource } from './source';
import type { ServerConsumer } from './consumer';

export const EntryState = { PENDING: 0, INFLIGHT: 1, DONE: 2 } as const;

/** A topic message stored once for several durable subscriptions. */
export interface SharedRef {
  refs: number;
}

export class Entry {
  state: number = EntryState.PENDING;
  /** Times dispatched so far. */
  deliveryCount: number;
  redelivered: boolean;
  /** Not dispatched before this time (redelivery delay, delivery delay). */
  availableAt = 0;
  lastDelay = 0;
  consumer: ServerConsumer | null = null;
  deliveryId = 0;
  /** The consumer said it handed the message to the application (prefetch window freed). */
  deliveredAcked = false;
  /** Held by an open transaction's ack. */
  txId: string | null = null;
  /** The topic this entry's message is stored under (durable subscriptions of wildcards). */
  storeDest: string;
  /** True when the message is in the store for this source. */
  stored: boolean;
  /** Its delivered mark is written with the message itself (concurrent store and dispatch). */
  premarked = false;

  constructor(
    readonly seq: number,
    readonly msg: WireMessage,
    readonly source: MessageSource,
    readonly size: number,
    stored: boolean,
    readonly originConnId: string | null,
    readonly shared: SharedRef | null = null,
  ) {
    this.deliveryCount = msg.deliveryCount > 0 ? msg.deliveryCount : 0;
    this.redelivered = msg.redelivered;
    this.storeDest = msg.destination;
    this.stored = stored;
  }
}
