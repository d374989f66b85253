// A queue: each message to exactly one consumer, in order within a priority; round-robin over
// consumers with credit; exclusive consumers; message groups; a bounded window of messages in
// memory with the rest paged in from the store in order (docs/ARCHITECTURE.md: invariants, large backlogs).
import { OpType, type StoreOp } from '@wharf/store';
import { Entry, EntryState } from './entry';
import { MessageSource } from './source';
import type { ServerConsumer } from './consumer';
import { filterable } from './filter';

export class Queue extends MessageSource {
  readonly subKey = null;
  /** JMSXGroupID → the consumer that owns the group. */
  private groups: Map<string, ServerConsumer> | null = null; // made on the first group
  private exclusiveOwner: ServerConsumer | null = null;
  // Paging: persistent messages with seq > storeCursor are only in the store.
  storeCursor = 0;
  pagedMaxSeq = 0;
  pagedCount = 0;
  private pagingIn = false;
  /** Messages at or below this seq may have been delivered before a restart. */
  recoveredDeliveredMark = 0;
  /** Temporary queue owner connection id. */
  owner: string | null = null;

  /** Sends to this queue waiting for their write before they are enqueued. */
  storing = 0;

  removalOps(e: Entry): StoreOp[] {
    // Consumed before its write started (concurrent store and dispatch): nothing to remove.
    if (this.broker.concurrentDispatch && this.broker.store.cancelQueuedPut!(this.destination.url, e.seq)) return [];
    return [{ t: OpType.REMOVE_MESSAGE, dest: this.destination.url, seq: e.seq }];
  }

  /** True when `e` would stay in memory if enqueued now, with a consumer to take it. */
  holdsInMemory(e: Entry): boolean {
    return this.storing === 0 && this.pagedCount === 0 && this.consumers.length > 0 && !this.closed &&
      this.pending.bytes + e.size <= this.policy.memoryLimit;
  }

  override enqueue(e: Entry): void {
    if (e.stored) {
      if (this.pagedCount > 0 || this.pending.bytes > this.policy.memoryLimit || this.broker.memory.full) {
        this.enqueued++;
        this.pagedCount++;
        if (e.seq > this.pagedMaxSeq) this.pagedMaxSeq = e.seq;
        this.afterDispatch();
        return;
      }
      if (e.seq > this.storeCursor) this.storeCursor = e.seq;
    }
    super.enqueue(e);
  }

  override get depth(): number {
    return this.pending.size + this.inflightCount + this.reserved + this.pagedCount;
  }

  protected override afterDispatch(): void {
    // Without a consumer nothing would leave memory again: stored messages stay in the store
    // (a restart with many queues would otherwise read them all in), and are paged in when a
    // consumer comes (browsing reads the store directly).
    if (this.pagedCount === 0 || this.pagingIn || this.closed || this.consumers.length === 0) return;
    const lowWater = Math.max(this.policy.maxPageSize * 2, 400);
    if (this.pending.size >= lowWater && this.pending.bytes > 0) return;
    if (this.pending.bytes > this.policy.memoryLimit / 2) return;
    // A failed read is handled inside (onStoreFailure); anything else is a fault to log.
    this.pageIn(lowWater * 2).catch((err: Error) => this.broker.log.error({ err, destination: this.destination.url }, 'paging messages in failed'));
  }

  /**
   * A stored message a prepared XA branch acknowledged (restart recovery): the branch holds it,
   * so paging passes over it.
   */
  holdForPrepared(e: Entry): void {
    (this.heldSeqs ??= new Set()).add(e.seq);
    if (this.pagedCount > 0) this.pagedCount--;
  }
  private heldSeqs: Set<number> | null = null;

  private async pageIn(batch: number): Promise<void> {
    this.pagingIn = true;
    const limiter = this.broker.pageLimiter;
    await limiter.acquire(this.consumers.length > 0);
    try {
      if (this.closed) return;
      const rows = await this.broker.store.loadMessages(this.destination.url, this.storeCursor, batch);
      if (this.closed) return;
      let added = 0;
      for (const r of rows) {
        if (r.seq > this.pagedMaxSeq) break;
        this.storeCursor = r.seq;
        if (this.heldSeqs?.has(r.seq)) {
          added++;
          continue;
        }
        const e = new Entry(r.seq, r.msg, this, this.broker.sizeOf(r.msg), true, null);
        if (r.seq <= this.recoveredDeliveredMark) e.redelivered = true;
        this.pagedCount--;
        added++;
        super.enqueue(e);
        this.enqueued--; // counted when it arrived
      }
      // Everything stored is in memory now (or consumed). A short read alone does not say so:
      // a message stored while this read ran (pagedMaxSeq moved on) is after what it saw, and
      // is read by the next pass.
      if (rows.length === 0 || added < rows.length || this.storeCursor >= this.pagedMaxSeq) {
        this.pagedCount = 0;
      }
    } catch (err) {
      this.broker.onStoreFailure(err as Error);
    } finally {
      limiter.release();
      this.pagingIn = false;
    }
    this.scheduleDispatch();
  }

  protected accepts(c: ServerConsumer, e: Entry): boolean {
    if (this.exclusiveOwner && c !== this.exclusiveOwner) return false;
    if (c.selector && !c.selector.matches(filterable(e.msg, e.redelivered, e.deliveryCount + 1))) return false;
    const gid = e.msg.groupId;
    if (gid !== undefined && gid !== null) {
      const owner = this.groups?.get(gid);
      if (owner && owner !== c && !owner.closed) return false;
    }
    return true;
  }

  protected override pickConsumer(e: Entry): ServerConsumer | null {
    const gid = e.msg.groupId;
    if (gid !== undefined && gid !== null) {
      const owner = this.groups?.get(gid);
      if (owner && !owner.closed && this.consumers.includes(owner)) {
        return owner.hasCredit && this.accepts(owner, e) ? owner : null;
      }
      const c = super.pickConsumer(e);
      if (c) {
        // JMSXGroupSeq -1 closes the group (ActiveMQ message groups).
        if (e.msg.groupSeq === -1) this.groups?.delete(gid);
        else (this.groups ??= new Map()).set(gid, c);
      }
      return c;
    }
    return super.pickConsumer(e);
  }

  override addConsumer(c: ServerConsumer): void {
    super.addConsumer(c);
    this.chooseExclusive();
    this.broker.queueConsumersChanged(this, c, 'added');
  }

  override removeConsumer(c: ServerConsumer): void {
    super.removeConsumer(c);
    if (this.groups) for (const [g, owner] of this.groups) if (owner === c) this.groups.delete(g);
    if (this.exclusiveOwner === c) this.exclusiveOwner = null;
    this.chooseExclusive();
    this.scheduleDispatch();
    this.broker.queueConsumersChanged(this, c, 'removed');
  }

  private chooseExclusive(): void {
    if (this.exclusiveOwner && !this.exclusiveOwner.closed) return;
    let best: ServerConsumer | null = null;
    for (const c of this.consumers) if (c.exclusive && (!best || c.priority > best.priority)) best = c;
    this.exclusiveOwner = best;
  }

  /** Group owners, for the console. */
  groupCount(): number {
    return this.groups?.size ?? 0;
  }

  /**
   * Messages for a browser: pending and in flight, in seq order; paged ones from the store. Not
   * those a prepared XA branch acknowledged: ActiveMQ lists them to no browser.
   */
  async browse(limit: number): Promise<Entry[]> {
    const out: Entry[] = [];
    const xa = this.broker.xa;
    for (const c of this.consumers) {
      for (const e of c.inflight.values()) {
        if (e.source === this && !(e.txId !== null && xa.get(e.txId)?.prepared === true)) out.push(e);
      }
    }
    out.push(...this.pending.toArray());
    out.sort((a, b) => a.seq - b.seq);
    if (out.length < limit && this.pagedCount > 0) {
      const rows = await this.broker.store.loadMessages(this.destination.url, this.storeCursor, limit - out.length);
      for (const r of rows) {
        if (r.seq > this.pagedMaxSeq) break;
        // Held for a prepared XA branch since recovery (or back in memory once it rolled back).
        if (this.heldSeqs?.has(r.seq)) continue;
        const e = new Entry(r.seq, r.msg, this, 0, true, null);
        e.state = EntryState.PENDING;
        out.push(e);
      }
    }
    return out.slice(0, limit);
  }
}
