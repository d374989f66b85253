// A consumer as the broker sees it: its window, its in-flight deliveries and its filter.
import type { AckModeValue, Destination, RedeliveryPolicyData } from '@wharf/protocol';
import type { Selector } from '@wharf/protocol';
import type { Entry } from './entry';
import type { MessageSource } from './source';
import type { ServerConnection } from './connection';

export class ServerConsumer {
  readonly inflight = new Map<number, Entry>();
  /** Dispatched and not yet delivered-acked or consumed: what counts against prefetch. */
  outstanding = 0;
  /** Outstanding pull requests (prefetch 0). */
  pullCredit = 0;
  pullTimer: NodeJS.Timeout | null = null;
  readonly sources: MessageSource[] = [];
  closed = false;
  /** A topic subscription found it slow (window full, messages waiting): slow-consumers.ts. */
  slow = false;
  /** When it last acknowledged anything (abortSlowAckConsumer). */
  lastAckAt = Date.now();
  /** A network bridge's demand consumer: its broker path (ConsumerOpen.network.path); else null. */
  networkPath: string[] | null = null;
  /** Sources of a wildcard queue consumer are attached as queues appear. */
  constructor(
    readonly conn: ServerConnection,
    readonly id: number,
    readonly sessionId: number,
    readonly destination: Destination,
    readonly selector: Selector | null,
    public prefetch: number,
    readonly ackMode: AckModeValue,
    readonly noLocal: boolean,
    readonly exclusive: boolean,
    readonly priority: number,
    readonly redelivery: RedeliveryPolicyData | null,
    readonly durableKey: string | null,
  ) {}

  get hasCredit(): boolean {
    // A congested connection (its peer not reading) gets nothing more until it drains.
    if (this.closed || this.conn.congested) return false;
    if (this.prefetch === 0) return this.pullCredit > 0;
    return this.outstanding < this.prefetch;
  }

  /** A short label for logs and the console. */
  get label(): string {
    return `${this.conn.id}:${this.sessionId}:${this.id}`;
  }
}
