// A source of deliveries: a queue, or one subscription of a topic. It owns pending messages
// and dispatches them to its consumers within their prefetch windows. Queue-specific rules
// (groups, exclusive consumers, paging) live in queue.ts; subscription rules in topic.ts.
import { isTransientStoreError } from './store-health';
import type { Destination, WireMessage } from '@wharf/protocol';
import { OpType, type StoreOp } from '@wharf/store';
import { Entry, EntryState } from './entry';
import { PendingList } from './pending';
import type { ServerConsumer } from './consumer';
import type { ResolvedPolicy } from './policy';
import type { Broker } from './broker';
import { MemoryUsage } from './memory';

export abstract class MessageSource {
  readonly pending: PendingList;
  consumers: ServerConsumer[] = [];
  /** Entries dispatched and not yet acknowledged. */
  inflightCount = 0;
  /** In flight for a prepared XA branch with no consumer (handlers/xa.ts): still counted in the depth. */
  reserved = 0;
  private dispatchScheduled = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  protected rr = 0;
  /** Highest seq written by MARK_DELIVERED for this source. */
  deliveredMark = 0;
  /** Highest seq whose delivered mark went into its own write (concurrent store and dispatch). */
  premarkMax = 0;
  /** Sends wait for the MARK_DELIVERED write before them, to keep dispatch order. */
  private sendChain: Promise<void> | null = null;
  // Statistics, as ActiveMQ's destination statistics.
  enqueued = 0;
  /** Removed for good: consumed, purged, moved to a dead letter queue or expired (ActiveMQ counts all four). */
  dequeued = 0;
  /** Of the dequeued, consumed by a network bridge (ActiveMQ's ForwardCount). */
  forwarded = 0;
  dispatched = 0;
  expired = 0;
  closed = false;

  /** Its destination's memory (a topic's subscriptions share their topic's), under the broker's. */
  readonly usage: MemoryUsage;

  constructor(readonly broker: Broker, readonly destination: Destination, public policy: ResolvedPolicy, usage?: MemoryUsage) {
    this.pending = new PendingList(policy.prioritizedMessages);
    // Without a limit of its own a destination counts straight into the broker's (one object
    // less per destination: a broker may hold 100,000).
    this.usage = usage ?? destinationUsage(broker, policy);
  }

  /** The key this source's acks are stored under (queue: none; durable sub: its key). */
  abstract readonly subKey: string | null;

  /** Store ops that remove `e` for this source once consumed. */
  abstract removalOps(e: Entry): StoreOp[];

  /** Called after entries left this source for good (acked, DLQ, expired, purged). */
  protected onRemoved(_entries: Entry[]): void {}

  /** May this consumer take this entry (selector, noLocal, groups, exclusivity)? */
  protected abstract accepts(c: ServerConsumer, e: Entry): boolean;

  /** Pick the consumer for an entry among those with credit, or null. */
  protected pickConsumer(e: Entry): ServerConsumer | null {
    const cs = this.consumers;
    const n = cs.length;
    if (n === 0) return null;
    let best: ServerConsumer | null = null;
    let bestIdx = -1;
    for (let k = 0; k < n; k++) {
      const idx = (this.rr + k) % n;
      const c = cs[idx]!;
      if (!c.hasCredit || !this.accepts(c, e)) continue;
      if (best === null || c.priority > best.priority) {
        best = c;
        bestIdx = idx;
      }
    }
    if (best) this.rr = (bestIdx + 1) % n;
    return best;
  }

  get hasConsumerWithCredit(): boolean {
    for (const c of this.consumers) if (c.hasCredit) return true;
    return false;
  }

  addConsumer(c: ServerConsumer): void {
    this.consumers.push(c);
    c.sources.push(this);
    this.broker.slowConsumers.watch(this.policy.slowConsumerStrategy);
    this.scheduleDispatch();
  }

  removeConsumer(c: ServerConsumer): void {
    const i = this.consumers.indexOf(c);
    if (i >= 0) this.consumers.splice(i, 1);
    const j = c.sources.indexOf(this);
    if (j >= 0) c.sources.splice(j, 1);
  }

  /** A new message for this source. */
  enqueue(e: Entry): void {
    this.enqueued++;
    this.pending.add(e);
    this.usage.add(e.size);
    this.scheduleDispatch();
  }

  /** Put a detached entry back among the pending ones (redelivery, release). */
  requeue(e: Entry, delay: number): void {
    e.state = EntryState.PENDING;
    e.consumer = null;
    e.deliveredAcked = false;
    e.txId = null;
    e.availableAt = delay > 0 ? Date.now() + delay : 0;
    this.pending.add(e);
    this.scheduleDispatch();
  }

  scheduleDispatch(): void {
    if (this.dispatchScheduled || this.closed) return;
    this.dispatchScheduled = true;
    queueMicrotask(() => {
      this.dispatchScheduled = false;
      try {
        this.dispatch();
      } catch (err) {
        // A fault here would end the process from a microtask: log it; the next event retries.
        this.broker.log.error({ err, destination: this.destination.url }, 'dispatch failed');
      }
    });
  }

  /** Hand pending entries to consumers with credit, in priority then seq order. */
  dispatch(): void {
    if (this.closed || this.pending.size === 0 || !this.hasConsumerWithCredit) {
      this.afterDispatch();
      return;
    }
    const now = Date.now();
    const assigned: Entry[] = [];
    const expired: Entry[] = [];
    let faulty = null as Array<{ e: Entry; err: unknown }> | null;
    let wake = Infinity;
    this.pending.scan((e) => {
      if (e.msg.expiration > 0 && e.msg.expiration <= now) {
        expired.push(e);
        return;
      }
      if (e.availableAt > now) {
        if (e.availableAt < wake) wake = e.availableAt;
        return;
      }
      if (e.msg.deliveryTime > now) {
        if (e.msg.deliveryTime < wake) wake = e.msg.deliveryTime;
        return;
      }
      let c: ServerConsumer | null;
      try {
        c = this.pickConsumer(e);
      } catch (err) {
        // A message no filter can read (stored by an older version, or by a bug): it would
        // fail the same way at every dispatch, so it leaves for the dead letter queue.
        (faulty ??= []).push({ e, err });
        return;
      }
      if (!c) return !this.hasConsumerWithCredit;
      this.assign(c, e);
      assigned.push(e);
      return;
    }, this.policy.maxPageSize + this.consumers.length * 1000);
    for (const e of assigned) this.pending.remove(e);
    if (expired.length) {
      for (const e of expired) this.pending.remove(e);
      this.expired += expired.length;
      this.broker.expire(this, expired);
    }
    if (faulty) for (const { e, err } of faulty) this.undeliverable(e, err, 'cannot select');
    if (wake < Infinity) this.wakeUpAt(wake);
    if (assigned.length) this.send(assigned);
    this.afterDispatch();
  }

  /** Hook: a queue pages in from the store here. */
  protected afterDispatch(): void {}

  private assign(c: ServerConsumer, e: Entry): void {
    e.state = EntryState.INFLIGHT;
    e.consumer = c;
    e.deliveryCount++;
    e.deliveryId = c.conn.nextDeliveryId();
    e.deliveredAcked = false;
    c.inflight.set(e.deliveryId, e);
    c.outstanding++;
    if (c.prefetch === 0) c.pullCredit--;
    this.inflightCount++;
    this.dispatched++;
  }

  private send(entries: Entry[]): void {
    // The store must know a message may have been delivered before the consumer can see it,
    // so that after a crash it comes back marked redelivered (written without fsync: a process
    // crash keeps it; see docs/ARCHITECTURE.md, invariants).
    let mark = 0;
    if (this.broker.store.kind !== 'memory') {
      // A premarked entry's mark is in its own write (concurrent store and dispatch).
      for (const e of entries) if (e.stored && !e.premarked && e.seq > this.deliveredMark) mark = e.seq > mark ? e.seq : mark;
    }
    if (mark > 0) {
      // The one mark key must not go down: a premark of a higher seq may be on disk already.
      if (this.premarkMax > mark) mark = this.premarkMax;
      this.deliveredMark = mark;
      const op: StoreOp = this.subKey ? { t: OpType.MARK_DELIVERED, dest: this.destination.url, seq: mark, key: this.subKey } : { t: OpType.MARK_DELIVERED, dest: this.destination.url, seq: mark };
      const write = this.broker.store.commit([op], { sync: false });
      // Handled below, but only once the previous dispatch's write ends: a failure before that
      // (a lost mastership fails every waiting write at once) must not count as unhandled.
      write.catch(() => undefined);
      const prev = this.sendChain;
      const chain: Promise<void> = (prev ? prev.then(() => write) : write).then(
        () => this.transmit(entries),
        (err) => {
          this.broker.onStoreFailure(err as Error);
          // A mark that could not be written for now only weakens the redelivered flag after a
          // crash: the messages still go out.
          if (isTransientStoreError(err)) this.transmit(entries);
        },
      ).finally(() => {
        if (this.sendChain === chain) this.sendChain = null;
      });
      this.sendChain = chain;
    } else if (this.sendChain) {
      const chain: Promise<void> = this.sendChain.then(() => this.transmit(entries)).finally(() => {
        if (this.sendChain === chain) this.sendChain = null;
      });
      this.sendChain = chain;
    } else {
      this.transmit(entries);
    }
  }

  private transmit(entries: Entry[]): void {
    for (const e of entries) {
      const c = e.consumer;
      if (!c || c.closed || e.state !== EntryState.INFLIGHT) continue;
      try {
        c.conn.sendDispatch(c, e);
      } catch (err) {
        this.undeliverable(e, err, `cannot deliver to consumer ${c.label}`);
      }
    }
  }

  /**
   * A message that cannot be delivered (its conversion for the consumer's protocol failed, or
   * a filter could not read it): to the dead letter queue with the cause, never back to
   * pending, where it would fail again at every dispatch and every restart.
   */
  private undeliverable(e: Entry, err: unknown, what: string): void {
    const cause = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    this.broker.log.warn({ err, messageId: describeId(e.msg.messageId), destination: this.destination.url }, `${what}: message sent to the dead letter queue`);
    this.deadLetter([e], cause.slice(0, 1000));
  }

  private wakeUpAt(t: number): void {
    if (t >= this.wakeAt && this.wakeTimer) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = t;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.wakeAt = Infinity;
      this.dispatch();
    }, Math.max(1, t - Date.now()));
    this.wakeTimer.unref?.();
  }

  /**
   * Consumed: remove for good. Returns the store ops to commit (the caller batches them with
   * other sources' ops into one store write).
   */
  consume(entries: Entry[], ops: StoreOp[]): void {
    let bytes = 0;
    for (const e of entries) {
      if (e.state === EntryState.DONE) continue;
      if (e.consumer?.networkPath) this.forwarded++;
      this.detachInflight(e);
      e.state = EntryState.DONE;
      this.dequeued++;
      bytes += e.size;
      if (e.stored) for (const op of this.removalOps(e)) ops.push(op);
    }
    this.usage.release(bytes);
    this.onRemoved(entries);
    this.scheduleDispatch();
  }

  /** Take an in-flight entry off its consumer. */
  detachInflight(e: Entry): void {
    const c = e.consumer;
    if (c && e.state === EntryState.INFLIGHT) {
      c.inflight.delete(e.deliveryId);
      if (!e.deliveredAcked) c.outstanding--;
      this.inflightCount--;
      // Credit came back: other sources of this consumer may now dispatch to it.
      for (const s of c.sources) if (s !== this) s.scheduleDispatch();
    }
    e.consumer = null;
  }

  /**
   * The consumer gave the entries back after delivering them (REDELIVERED ack, consumer closed,
   * connection lost): they return marked redelivered. Redelivery delays and the poison limit are
   * the client's business, as in ActiveMQ (its RedeliveryPolicy lives in the client).
   */
  redeliver(entries: Entry[]): void {
    for (const e of entries) {
      if (e.state !== EntryState.INFLIGHT) continue;
      this.detachInflight(e);
      e.redelivered = true;
      this.requeue(e, 0);
    }
  }

  /** Prefetched but never given to the application: back unchanged. */
  release(entries: Entry[]): void {
    for (const e of entries) {
      if (e.state !== EntryState.INFLIGHT) continue;
      this.detachInflight(e);
      e.deliveryCount = Math.max(0, e.deliveryCount - 1);
      this.requeue(e, 0);
    }
  }

  /** Move in-flight or pending entries to the dead letter queue. */
  deadLetter(entries: Entry[], cause: string, expired = false): void {
    this.dequeued += entries.length;
    for (const e of entries) {
      if (e.state === EntryState.INFLIGHT) this.detachInflight(e);
      else if (e.state === EntryState.PENDING) this.pending.remove(e);
      e.state = EntryState.DONE;
    }
    this.usage.release(sumSize(entries));
    this.broker.sendToDeadLetter(this, entries, cause, expired);
    this.onRemoved(entries);
    this.scheduleDispatch();
  }

  /** All messages this source holds, pending first (browse, console). */
  snapshot(): Entry[] {
    return this.pending.toArray();
  }

  get depth(): number {
    return this.pending.size + this.inflightCount + this.reserved;
  }

  /** Remove every pending message (console purge). Returns store ops. */
  purge(ops: StoreOp[]): number {
    const removed = this.pending.clear();
    for (const e of removed) {
      e.state = EntryState.DONE;
      if (e.stored) for (const op of this.removalOps(e)) ops.push(op);
    }
    this.usage.release(sumSize(removed));
    this.dequeued += removed.length;
    this.onRemoved(removed);
    return removed.length;
  }

  close(): void {
    this.closed = true;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.usage.release(this.pending.bytes);
  }

  /** For tests and the console: a message by id. */
  findPending(messageId: string): Entry | undefined {
    let found: Entry | undefined;
    this.pending.scan((e) => {
      if (e.msg.messageId === messageId) {
        found = e;
        return true;
      }
      return false;
    });
    return found;
  }
}

function describeId(id: unknown): string {
  return typeof id === 'string' ? id.slice(0, 200) : typeof id;
}

/** The memory a destination under `policy` counts its messages in. */
export function destinationUsage(broker: Broker, policy: ResolvedPolicy): MemoryUsage {
  return policy.destinationMemoryLimit > 0 ? new MemoryUsage(policy.destinationMemoryLimit, broker.memory) : broker.memory;
}

export function sumSize(entries: Entry[]): number {
  let s = 0;
  for (const e of entries) s += e.size;
  return s;
}

export type { WireMessage };
