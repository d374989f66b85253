// Topics: every current subscriber gets every message. Each subscription is a source of its
// own: a non-durable one lives as long as its consumer; a durable one (clientId + name) keeps
// messages while its consumer is away. A persistent message for durable subscribers is stored
// once, with one reference per subscription present at send time (docs/ARCHITECTURE.md: invariants).
import type { Destination } from '@wharf/protocol';
import { OpType, type StoreOp, type SubscriptionRecord } from '@wharf/store';
import type { Entry } from './entry';
import { MessageSource } from './source';
import type { ServerConsumer } from './consumer';
import type { Broker } from './broker';
import type { ResolvedPolicy } from './policy';

/** A non-durable subscription: exactly one consumer, gone with it. */
export class TopicSubscription extends MessageSource {
  readonly subKey = null;
  constructor(broker: Broker, destination: Destination, policy: ResolvedPolicy, readonly consumer: ServerConsumer) {
    super(broker, destination, policy);
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
  constructor(broker: Broker, destination: Destination, policy: ResolvedPolicy, public record: SubscriptionRecord) {
    super(broker, destination, policy);
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
  constructor(readonly destination: Destination) {}
  get consumerCount(): number {
    let n = this.subs.size;
    for (const d of this.durables) if (d.active) n++;
    return n;
  }
}
