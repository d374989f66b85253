// LevelStore's group commit. Commits are queued in log order (their positions are assigned when
// they are made); one writer drains the queue: everything queued while a write is in flight goes
// into the next single LevelDB batch, written with sync when any of its commits asked for it.
// So one fsync serves every commit that arrived during the previous one, and a busy store writes
// fewer, bigger batches. The batch also carries the last position (P).
//
// A dispatchable commit (concurrent store and dispatch) is held a moment before it is written:
// its messages are on their way to consumers, and one consumed before the write takes its put
// back (cancelQueuedPut), so messages consumed at once are never written: only their
// producers' sequence numbers are (duplicate detection of a resend), without an fsync.
import type { StoreError } from '@wharf/protocol';
import { encodePosition } from './codec';
import { Kind, POSITION_KEY } from './keys';
import type { BatchOp, Db } from './level-db';
import { batchOp, expandClears, finishClears, skipSteps, type DeferredClear, type LazyPutStep, type PendingWrite } from './level-write';
import { OpType, type Position, type StoreOp } from './types';

/** How long an idle writer waits before writing a dispatchable commit (see enqueue). */
const DISPATCH_HOLD_MS = 1;
const EMPTY_GROUP: PendingWrite[] = [];

/** What the writer needs of its store. */
export interface WriterHost {
  db(): Db;
  /** False once the store failed (it refuses writes until it heals or is reopened). */
  canWrite(): boolean;
  /** A write is on disk (its commits resolve right after). */
  landed(last: Position, commits: number, sync: boolean, messageDelta: number, bytes: number): void;
  /** Range removals finished after their write removed this many messages. */
  cleared(messages: number): void;
  /** A write failed: the store's failure, which everything queued is rejected with. */
  failed(err: Error): StoreError;
}

export class GroupWriter {
  private queue: PendingWrite[] = [];
  /** Queue message puts of dispatchable commits still in `queue`: dest → seq → its write. */
  private queuedPuts = new Map<string, Map<number, { p: PendingWrite; first: number; end: number }>>();
  private writing = false;
  private idleWaiters: Array<() => void> = [];
  private markerSeq = 0;
  private holdTimer: NodeJS.Timeout | null = null;
  /** Puts taken back before they were written. */
  cancelled = 0;

  constructor(
    private readonly host: WriterHost,
    private readonly inlineRemoveLimit: number,
    private readonly maxWriteBytes: number,
  ) {}

  /** Forgets what is queued (a store opened afresh). */
  reset(): void {
    this.queue = [];
    this.queuedPuts.clear();
    this.markerSeq = 0;
  }

  /** Resolves once nothing is queued or being written. */
  idle(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Queues `p`, the write of `ops`. */
  enqueue(p: PendingWrite, ops?: StoreOp[]): void {
    if (p.puts && ops) {
      // Resolving early is only right when the commit is nothing but those puts (and marks).
      for (const op of ops) if (op.t !== OpType.MARK_DELIVERED && !(op.t === OpType.PUT_MESSAGE && !op.subs)) p.live = -1;
      for (const put of p.puts) {
        let m = this.queuedPuts.get(put.dest);
        if (!m) this.queuedPuts.set(put.dest, (m = new Map()));
        m.set(put.seq, { p, first: put.first, end: put.end });
      }
    }
    this.queue.push(p);
    if (p.puts) p.queuedAt = performance.now();
    if (!this.writing) {
      this.writing = true;
      // Start on a microtask: commits issued in the same tick share the first write too. A
      // dispatchable commit's messages are on their way to consumers: the writer gives their
      // acks DISPATCH_HOLD_MS to arrive (takeGroup).
      queueMicrotask(this.runWriter);
    }
  }

  cancelQueuedPut(dest: string, seq: number): boolean {
    const m = this.queuedPuts.get(dest);
    const q = m?.get(seq);
    if (!q) return false;
    m!.delete(seq);
    this.cancelled++;
    const { p } = q;
    skipSteps(p, q.first, q.end);
    p.messageDelta--;
    if (p.live > 0 && --p.live === 0) {
      // Every message of this commit was consumed before it was written: the producer's send is
      // done, and what is left of the write (producer sequence numbers) needs no fsync.
      p.sync = false;
      const resolve = p.resolve;
      p.resolve = () => undefined;
      resolve();
    }
    return true;
  }

  /** The writer took these commits: their puts can no longer be taken back. */
  private unindex(group: PendingWrite[], n: number): void {
    for (let i = 0; i < n; i++) {
      const puts = group[i]!.puts;
      if (!puts) continue;
      for (const put of puts) {
        const m = this.queuedPuts.get(put.dest);
        if (!m) continue;
        m.delete(put.seq);
        if (m.size === 0) this.queuedPuts.delete(put.dest);
      }
    }
  }

  private readonly startHeld = (): void => {
    this.holdTimer = null;
    this.runWriter();
  };

  private readonly runWriter = (): void => {
    // The loop handles a failed write itself; a fault of its own fails what is queued the same
    // way, rather than leave the writer stuck and the fault unhandled.
    this.writeLoop().catch((err: Error) => {
      this.failQueued(this.host.failed(err), EMPTY_GROUP);
      this.stopWriting();
    });
  };

  private async writeLoop(): Promise<void> {
    while (this.queue.length > 0 && this.host.canWrite()) {
      const group = this.takeGroup();
      if (group.length === 0) {
        // The head is a young dispatchable commit: come back when it is old enough.
        const wait = DISPATCH_HOLD_MS - (performance.now() - this.queue[0]!.queuedAt);
        this.holdTimer = setTimeout(this.startHeld, Math.max(0, Math.ceil(wait)));
        return;
      }
      try {
        await this.writeGroup(group);
      } catch (err) {
        this.failQueued(this.host.failed(err as Error), group);
      }
    }
    this.stopWriting();
  }

  private failQueued(failure: StoreError, group: PendingWrite[]): void {
    const queued = this.queue;
    this.queue = [];
    this.queuedPuts.clear();
    for (const p of group) p.reject(failure);
    for (const p of queued) p.reject(failure);
  }

  private stopWriting(): void {
    this.writing = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * The queued commits for the next write: all of them, up to maxWriteBytes, but not past a
   * dispatchable commit younger than DISPATCH_HOLD_MS whose messages may still be consumed
   * (an empty group: the loop waits for it to age).
   */
  private takeGroup(): PendingWrite[] {
    const q = this.queue;
    let bytes = 0;
    let n = 0;
    let now = 0;
    while (n < q.length && (n === 0 || bytes < this.maxWriteBytes)) {
      const p = q[n]!;
      if (p.live > 0) {
        if (now === 0) now = performance.now();
        if (now - p.queuedAt < DISPATCH_HOLD_MS) break;
      }
      bytes += p.bytes;
      n++;
    }
    if (n === 0) return EMPTY_GROUP;
    if (this.queuedPuts.size > 0) this.unindex(q, n);
    if (n === q.length) {
      this.queue = [];
      return q;
    }
    return q.splice(0, n);
  }

  private async writeGroup(group: PendingWrite[]): Promise<void> {
    const db = this.host.db();
    let ops: BatchOp[] = [];
    let sync = false;
    let delta = 0;
    let bytes = 0;
    let deferred: DeferredClear[] = [];
    let n = group.length;
    for (let i = 0; i < n; i++) {
      const p = group[i]!;
      if (p.sync) sync = true;
      delta += p.messageDelta;
      bytes += p.bytes;
      if (!p.hasClear) {
        if (p.puts) {
          for (const s of p.steps) if (s.type !== 'skip') ops.push(batchOp(s as BatchOp | LazyPutStep));
        } else if (n === 1) ops = p.steps as BatchOp[];
        else for (const s of p.steps) ops.push(s as BatchOp);
        continue;
      }
      const r = await expandClears(db, p, ops, this.inlineRemoveLimit, () => ++this.markerSeq);
      delta += r.messageDelta;
      if (r.deferred.length > 0) {
        // The deferred clear must run before any later batch: end this write here.
        deferred = r.deferred;
        this.queue = group.slice(i + 1).concat(this.queue);
        n = i + 1;
      }
    }
    if (n > 1) ops = lastProducerSeqOnly(ops);
    const last = group[n - 1]!.position;
    // Commits whose messages were all consumed before this write leave nothing to write: the
    // position on disk may then stay behind, as nothing it orders was written.
    if (ops.length > 0 || sync || deferred.length > 0) {
      ops.push({ type: 'put', key: POSITION_KEY, value: encodePosition(last) });
      await db.batch(ops, { sync });
    }
    this.host.landed(last, n, sync, delta, bytes);
    // A commit with a deferred clear is the write's last; it resolves once the clear is done,
    // so its caller reads the removal it asked for.
    const settled = deferred.length > 0 ? n - 1 : n;
    for (let i = 0; i < settled; i++) group[i]!.resolve();
    if (deferred.length > 0) {
      this.host.cleared(await finishClears(db, deferred));
      group[n - 1]!.resolve();
    }
  }
}

/**
 * A merged write sets each producer's mark once per commit that sent for it (rising: ProducerMarks);
 * only the last, the highest, matters (producer keys are never deleted), so the others are left out.
 */
function lastProducerSeqOnly(ops: BatchOp[]): BatchOp[] {
  let seen: Set<string> | null = null;
  let drop = 0;
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    if (op.type !== 'put' || op.key[0] !== Kind.PRODUCER) continue;
    const k = op.key.toString('latin1');
    seen ??= new Set();
    if (seen.has(k)) {
      ops[i] = SKIPPED;
      drop++;
    } else seen.add(k);
  }
  return drop === 0 ? ops : ops.filter((op) => op !== SKIPPED);
}
const SKIPPED: BatchOp = { type: 'del', key: Buffer.alloc(0) };
