// Topics: every current subscriber gets every message. Each subscription is a source of its
// own: a non-durable one lives as long as its consumer; a durable one (clientId + name) keeps
// messages while its consumer is away. A persistent message for durable subscribers is stored
// once, with one reference per subscription present at send time (docs/ARCHITECTURE.md: invariants).
import type { Destination } from '@wharf/protocol';
import { OpType, type StoreOp, type SubscriptionRecord } from '@wharf/store';
import { EntryState, type Entry } from './entry';
import type { PendingMessageLimitStrategyConfig } from './config';
import { MessageSource } from './source';
import type { ServerConsumer } from './consumer';
import type { Broker } from './broker';
import type { ResolvedPolicy } from './policy';
import type { MemoryUsage } from './memory';

/** A non-durable subscription: exactly one consumer, gone with it. */
export class TopicSubscription extends MessageSource {
  readonly subKey = null;
  /** Messages discarded by the pendingMessageLimitStrategy (a slow subscriber). */
  discarded = 0;
  private readonly advisory: boolean;
  constructor(broker: Broker, destination: Destination, policy: ResolvedPolicy, readonly consumer: ServerConsumer, usage?: MemoryUsage) {
    super(broker, destination, policy, usage);
    this.advisory = isAdvisory(destination);
  }

  override enqueue(e: Entry): void {
    super.enqueue(e);
    let limit = pendingLimit(this.policy.pendingMessageLimitStrategy, this.consumer.prefetch);
    if (this.advisory && (limit < 0 || limit > ADVISORY_RETENTION)) limit = ADVISORY_RETENTION;
    if (limit < 0) return;
    // What the consumer still has room for is on its way, not waiting.
    const c = this.consumer;
    const room = c.prefetch > 0 ? Math.max(0, c.prefetch - c.outstanding) : c.pullCredit;
    if (this.pending.size > limit + room) discardOldest(this, limit, room);
  }
  protected override afterDispatch(): void {
    // ActiveMQ's TopicSubscription: slow once more than a prefetch's worth waits behind a full window.
    const c = this.consumer;
    noteSlowness(this, c, c.prefetch > 1 && this.pending.size > c.prefetch);
  }
  removalOps(): StoreOp[] {
    return [];
  }
  protected accepts(): boolean {
    return true;
  }
}

/** A durable subscription, keyed `<clientId>:<name>`. */
export class DurableSubscription extends MessageSource {
  active: ServerConsumer | null = null;
  /** Highest seq marked delivered before the last restart. */
  recoveredDeliveredMark = 0;
  /** Advisories discarded past ADVISORY_RETENTION while the subscriber was away or slow. */
  discarded = 0;
  private readonly advisory: boolean;
  constructor(broker: Broker, destination: Destination, policy: ResolvedPolicy, public record: SubscriptionRecord, usage?: MemoryUsage) {
    super(broker, destination, policy, usage);
    this.advisory = isAdvisory(destination);
  }

  override enqueue(e: Entry): void {
    super.enqueue(e);
    if (this.advisory && this.pending.size > ADVISORY_RETENTION) discardOldest(this, ADVISORY_RETENTION, 0);
  }
  protected override afterDispatch(): void {
    // ActiveMQ's durable subscription: slow while messages wait and the window is full.
    const c = this.active;
    if (c) noteSlowness(this, c, this.pending.size > 0 && !c.hasCredit);
  }
  get subKey(): string {
    return this.record.key;
  }
  removalOps(e: Entry): StoreOp[] {
    const ops: StoreOp[] = [{ t: OpType.ACK_SUBSCRIPTION, dest: e.storeDest, key: this.record.key, seq: e.seq }];
    if (e.shared && --e.shared.refs <= 0) ops.push({ t: OpType.REMOVE_MESSAGE, dest: e.storeDest, seq: e.seq });
    return ops;
  }
  protected accepts(): boolean {
    return true;
  }
  override addConsumer(c: ServerConsumer): void {
    this.active = c;
    super.addConsumer(c);
  }
  override removeConsumer(c: ServerConsumer): void {
    super.removeConsumer(c);
    if (this.active === c) this.active = null;
  }
}

/** A topic destination: its statistics and the subscriptions attached to it. */
export class Topic {
  enqueued = 0;
  /** Non-durable subscriptions on exactly this topic. */
  readonly subs = new Set<TopicSubscription>();
  /** Durable subscriptions on exactly this topic. */
  readonly durables = new Set<DurableSubscription>();
  owner: string | null = null;
  /** `usage`: the memory its subscriptions' messages take, as one destination (policy memoryLimit). */
  constructor(readonly destination: Destination, readonly usage: MemoryUsage) {}
  get consumerCount(): number {
    let n = this.subs.size;
    for (const d of this.durables) if (d.active) n++;
    return n;
  }
}

/**
 * Advisories kept waiting for one subscriber (durable and away, or slow): connection churn makes
 * them without end, and nobody needs the millionth-oldest. The oldest beyond this are discarded.
 */
export const ADVISORY_RETENTION = 1000;

function noteSlowness(src: MessageSource, c: ServerConsumer, slow: boolean): void {
  if (slow && !c.slow) {
    c.slow = true;
    src.broker.slowConsumers.turnedSlow(src, c);
  } else if (!slow && c.slow && (src.pending.size === 0 || c.hasCredit)) {
    c.slow = false;
  }
}

function isAdvisory(d: Destination): boolean {
  return d.name.startsWith('ActiveMQ.Advisory.');
}

/** Messages that may wait for a subscriber beyond its prefetch; -1: no limit. */
function pendingLimit(strategy: PendingMessageLimitStrategyConfig | null, prefetch: number): number {
  if (!strategy) return -1;
  if (strategy.type === 'constant') return strategy.limit;
  return Math.floor(prefetch * strategy.multiplier);
}

/**
 * A slow subscriber (ActiveMQ's TopicSubscription with a pending message limit): the oldest
 * non-persistent pending messages past the limit are discarded, counted and advised
 * (ActiveMQ.Advisory.MessageDiscarded.Topic.<name>), so one slow reader cannot fill memory.
 */
function discardOldest(sub: TopicSubscription | DurableSubscription, limit: number, room: number): void {
  let excess = sub.pending.size - room - limit;
  // The first `room` pending messages go to the consumer at the next dispatch: not waiting.
  let next = room;
  const gone = sub.pending.removeWhere((e) => {
    if (next > 0) {
      next--;
      return false;
    }
    if (excess <= 0 || e.msg.deliveryMode === 2) return false;
    excess--;
    return true;
  });
  if (gone.length === 0) return;
  let bytes = 0;
  for (const e of gone) {
    e.state = EntryState.DONE;
    bytes += e.size;
    if (sub instanceof TopicSubscription) sub.broker.advisories.messageDiscarded(sub.destination, e.msg, sub.consumer.label);
  }
  sub.discarded += gone.length;
  sub.usage.release(bytes);
}
