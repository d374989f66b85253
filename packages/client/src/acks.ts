// Acknowledgement batching for one consumer: AUTO acks go out once per tick, DUPS_OK acks at
// half the prefetch window or after 100 ms, expired acks with them, and DELIVERED acks at half
// the window for modes that acknowledge later (CLIENT, INDIVIDUAL, transacted) so the broker
// keeps the window open (ActiveMQ's deliveredAck).
import type { AckTypeValue } from '@wharf/protocol';
import { AckType } from './wire';

export const DUPS_OK_FLUSH_MS = 100;

export interface AckSink {
  sendAck(ackType: AckTypeValue, deliveryIds: number[]): void;
  /** Flush at the end of this tick (all consumers' acks together). */
  ackLater(): void;
}

export class AckBatcher {
  private consumed: number[] = [];
  private expired: number[] = [];
  private unreported: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly sink: AckSink, private readonly lazy: boolean, private halfWindow: number) {}

  setPrefetch(prefetch: number): void {
    this.halfWindow = Math.max(1, prefetch >> 1);
  }

  /** Consumed (AUTO, DUPS_OK). */
  consumedOne(deliveryId: number): void {
    this.consumed.push(deliveryId);
    if (this.consumed.length >= this.halfWindow) this.flush();
    else if (!this.lazy) this.sink.ackLater();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, DUPS_OK_FLUSH_MS);
    }
  }

  expiredOne(deliveryId: number): void {
    this.expired.push(deliveryId);
    this.sink.ackLater();
  }

  /** Delivered, acknowledged later: report at half the window. */
  deliveredOne(deliveryId: number): void {
    this.unreported.push(deliveryId);
    if (this.unreported.length >= this.halfWindow) {
      const ids = this.unreported;
      this.unreported = [];
      this.sink.sendAck(AckType.DELIVERED, ids);
    }
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.consumed.length) {
      const ids = this.consumed;
      this.consumed = [];
      this.sink.sendAck(AckType.STANDARD, ids);
    }
    if (this.expired.length) {
      const ids = this.expired;
      this.expired = [];
      this.sink.sendAck(AckType.EXPIRED, ids);
    }
  }

  /** Forget everything (failover: these deliveries belong to a dead link; close). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.consumed = [];
    this.expired = [];
    this.unreported = [];
  }
}
