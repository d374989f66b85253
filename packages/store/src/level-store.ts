// LevelStore: the Store contract on LevelDB (classic-level through `level`), docs/ARCHITECTURE.md: invariants.
//
// Group commit: commit() assigns the next position at once (call order is log order), encodes
// its ops and queues them. One writer drains the queue: everything queued while a write is in
// flight goes into the next single LevelDB batch, written with sync when any of its commits
// asked for it. So one fsync serves every commit that arrived during the previous one, and a
// busy store writes fewer, bigger batches. Every batch also carries its commits' retained-log
// entries (L), the last position (P) and the deletes that trim the log to its bounds.
// apply() (the slave path) queues a batch that already has its position through the same code.
import { rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StoreError, type WireMessage } from '@wharf/protocol';
import { isTransientIoError, StoreDamagedError, StoreUnavailableError } from './errors';
import { checkFiles, CommittedMark, describeDamage, missingBatches, verifyAtOpen, type StoreDamage } from './integrity';
import { decodePosition, encodePosition, type EncodedBatch } from './codec';
import { Kind, LAYOUT_VERSION, logKey, logKeyEpoch, logKeyIndex, POSITION_KEY, VERSION_KEY } from './keys';
import { openDb, reopenDb, scan, type BatchOp, type Db, type OpenedDb } from './level-db';
import { getMessage, loadJobs, loadMessages, loadRefs, readLogAfter, recoverState, type ReadCounter } from './level-read';
import {
  batchOp, expandClears, finishClears, pendingClears, prepareWrite, skipSteps, validateApplyOps, type LazyPutStep, type DeferredClear, type PendingWrite,
} from './level-write';
import { healDelay, resourcesBack } from './level-heal';
import { SnapshotReader, settleSnapshotDirs, swapSnapshot, writeSnapshot, type SnapshotEntry } from './level-snapshot';
import { formatPosition, validateOps, validatePosition } from './ops';
import { RetainedLog } from './retained-log';
import { directoryBytes } from './dir-size';
import {
  comparePositions, OpType, ZERO_POSITION,
  type CommitOptions, type JobRecord, type LogBatch, type Position, type RecoveredState, type Store, type StoreOp,
  type StoreStats, type StoredMessage,
} from './types';

export interface LevelStoreOptions {
  /** The data directory (created if missing); one store per directory. */
  directory: string;
  /** Bytes of retained replication log to keep (default 64 MiB). */
  logRetentionBytes?: number;
  /** Batches of retained replication log to keep (default 100000; 0 writes no log). */
  logRetentionBatches?: number;
  /** Range removals of up to this many keys are written inside their batch (default 10000). */
  inlineRemoveLimit?: number;
  /** A merged write stops growing past this many bytes (default 16 MiB). */
  maxWriteBytes?: number;
  /**
   * Open a store whose files are damaged, serving what is left (default false: open() throws
   * StoreDamagedError naming the damage). What was accepted is in `damageAccepted`.
   */
  acceptDamage?: boolean;
  /**
   * Verify every table block's checksum at open when the tables total at most this many bytes
   * (default 32 MiB; LevelDB itself does not check them on read). Larger stores are checked by
   * `wharf store check`.
   */
  verifyTablesUpTo?: number;
}

type State = 'closed' | 'opening' | 'open' | 'closing';

/** How long an idle writer waits before writing a dispatchable commit (see enqueue). */
const DISPATCH_HOLD_MS = 1;
const EMPTY_GROUP: PendingWrite[] = [];

export class LevelStore implements Store {
  readonly kind = 'leveldb' as const;
  readonly directory: string;
  private readonly retentionBytes: number;
  private readonly retentionBatches: number;
  private readonly inlineRemoveLimit: number;
  private readonly maxWriteBytes: number;
  private readonly acceptDamage: boolean;
  private mark: CommittedMark | null = null;
  /** Damage found and accepted at the last open (acceptDamage). */
  damageAccepted: StoreDamage[] = [];

  private state: State = 'closed';
  private opened: OpenedDb | null = null;
  private epoch = 0;
  /** Last position handed out (commit) or accepted (apply), written or still queued. */
  private assigned: Position = ZERO_POSITION;
  /** Last position on disk. */
  private written: Position = ZERO_POSITION;
  private queue: PendingWrite[] = [];
  /** Queue message puts of dispatchable commits still in `queue`: dest → seq → its write. */
  private queuedPuts = new Map<string, Map<number, { p: PendingWrite; first: number; end: number }>>();
  private writing = false;
  private idleWaiters: Array<() => void> = [];
  private failure: StoreError | null = null;
  private log = new RetainedLog();
  private markerSeq = 0;

  private commits = 0;
  private syncs = 0;
  private cancelled = 0;
  private messages = 0;
  private approxBytes = 0;
  private bytesSinceApprox = 0;
  private approxAt = 0;
  private approxRefresh: Promise<void> | null = null;
  /** Values read from LevelDB since open (recovery reads keys, not bodies). */
  readonly reads: ReadCounter = { values: 0, bytes: 0 };

  constructor(opts: LevelStoreOptions) {
    if (!opts || typeof opts.directory !== 'string' || opts.directory === '') throw new StoreError('LevelStore needs a directory');
    this.directory = opts.directory;
    this.retentionBytes = opts.logRetentionBytes ?? 64 * 1024 * 1024;
    this.retentionBatches = opts.logRetentionBatches ?? 100000;
    this.inlineRemoveLimit = opts.inlineRemoveLimit ?? 10000;
    this.maxWriteBytes = opts.maxWriteBytes ?? 16 * 1024 * 1024;
    this.acceptDamage = opts.acceptDamage === true;
    this.verifyTablesUpTo = opts.verifyTablesUpTo ?? 32 * 1024 * 1024;
  }
  private readonly verifyTablesUpTo: number;

  get position(): Position {
    return this.written;
  }

  setEpoch(epoch: number): void {
    validatePosition({ epoch, index: 0 });
    this.epoch = epoch;
  }

  // ---- open and close ---------------------------------------------------------------------

  async open(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state !== 'closed') throw new StoreError(`store ${this.directory} is ${this.state}`);
    this.state = 'opening';
    const dir = resolve(this.directory);
    this.damageAccepted = [];
    try {
      await settleSnapshotDirs(dir);
      // Before LevelDB reads its logs: it would drop a damaged record without a word.
      const damage = await verifyAtOpen(dir, this.verifyTablesUpTo);
      if (damage.length > 0) {
        if (!this.acceptDamage) throw new StoreDamagedError(dir, damage, describeDamage);
        this.damageAccepted.push(...damage);
      }
      this.opened = await openDb(this.directory).catch((err: Error) => this.damaged(dir, err));
    } catch (err) {
      this.state = 'closed';
      throw err;
    }
    try {
      await this.load(this.opened.db);
    } catch (err) {
      this.mark?.close();
      this.mark = null;
      await this.opened.db.close().catch(() => undefined);
      this.opened.release();
      this.opened = null;
      this.state = 'closed';
      throw await this.damaged(dir, err as Error);
    }
    this.state = 'open';
  }

  /**
   * Move a (closed) store's directory aside, to `<directory>.damaged-<time>`, so that the next
   * open starts empty: a replicated node does this with a damaged store and catches up from its
   * master. Resolves with the new path; nothing is deleted.
   */
  async setAside(): Promise<string> {
    if (this.state !== 'closed') throw new StoreError(`store ${this.directory} must be closed to be set aside`);
    const dir = resolve(this.directory);
    const aside = `${dir}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(dir, aside);
    return aside;
  }

  /** A LevelDB corruption error becomes a StoreDamagedError naming the damaged blocks. */
  private async damaged(dir: string, err: Error): Promise<never> {
    if (err instanceof StoreDamagedError || !/Corruption/i.test(err.message + String((err as { cause?: unknown }).cause ?? ''))) throw err;
    const found = await checkFiles(dir).catch(() => ({ damage: [] as StoreDamage[] }));
    const cause = (err.message.match(/Corruption:[^\n]*/)?.[0] ?? err.message).trim();
    throw new StoreDamagedError(dir, found.damage, describeDamage, `LevelDB: ${cause}`);
  }

  private async load(db: Db): Promise<void> {
    const [version, pos] = await db.getMany([VERSION_KEY, POSITION_KEY]);
    if (version) {
      const v = version.readUInt32BE(0);
      if (v !== LAYOUT_VERSION) throw new StoreError(`data directory ${this.opened!.directory} holds store layout ${v}; this Wharf reads layout ${LAYOUT_VERSION}`);
    } else {
      const any = await db.keys({ limit: 1 }).all();
      if (any.length > 0) throw new StoreError(`data directory ${this.opened!.directory} holds a LevelDB that is not a Wharf store`);
      const v = Buffer.allocUnsafe(4);
      v.writeUInt32BE(LAYOUT_VERSION, 0);
      await db.batch([{ type: 'put', key: VERSION_KEY, value: v }], { sync: true });
    }
    this.written = this.assigned = pos ? decodePosition(pos) : ZERO_POSITION;
    this.mark = new CommittedMark(this.opened!.directory);
    const committed = this.mark.read;
    if (committed && comparePositions(committed, this.written) > 0) {
      const lost = missingBatches(this.written, committed);
      if (!this.acceptDamage) throw new StoreDamagedError(this.opened!.directory, [lost], describeDamage);
      this.damageAccepted.push(lost);
    }
    if (this.damageAccepted.length > 0) this.mark.reset(this.written);
    else this.mark.write(this.written);
    this.epoch = this.written.epoch;
    this.failure = null;
    this.queue = [];
    this.queuedPuts.clear();
    this.commits = this.syncs = this.messages = 0;
    this.reads.values = this.reads.bytes = 0;
    // A removal a crash interrupted is finished before anything reads the store.
    await finishClears(db, await pendingClears(db));
    this.markerSeq = 0;
    await this.loadLogIndex(db);
    this.approxBytes = await directoryBytes(this.opened!.directory);
    this.bytesSinceApprox = 0;
    this.approxAt = Date.now();
  }

  private async loadLogIndex(db: Db): Promise<void> {
    this.log = new RetainedLog();
    await scan(db.iterator({ gte: Buffer.from([Kind.LOG]), lt: Buffer.from([Kind.LOG + 1]), fillCache: false }), ([k, v]) => {
      this.log.push(logKeyEpoch(k), logKeyIndex(k), v.length, undefined);
    });
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    if (this.healTimer) clearTimeout(this.healTimer);
    this.healTimer = null;
    await this.healing;
    await this.idle();
    await this.approxRefresh;
    const o = this.opened!;
    this.opened = null;
    this.mark?.close();
    this.mark = null;
    try {
      await o.db.close();
    } finally {
      o.release();
      this.state = 'closed';
    }
  }

  private idle(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private db(): Db {
    if (this.state !== 'open' && this.state !== 'closing') throw new StoreError(`store ${this.directory} is not open`);
    return this.opened!.db;
  }

  // ---- writing ----------------------------------------------------------------------------

  commit(ops: StoreOp[], opts?: CommitOptions): Promise<Position> {
    let p: PendingWrite;
    let position: Position;
    try {
      this.checkWritable();
      validateOps(ops);
      const last = this.assigned;
      position = { epoch: this.epoch > last.epoch ? this.epoch : last.epoch, index: last.index + 1 };
      // With a retained log every batch is replayed as committed: no puts are taken back then.
      const dispatchable = opts?.dispatchable === true && this.retentionBatches === 0;
      p = prepareWrite(position, ops, opts?.sync ?? true, this.retentionBatches > 0, dispatchable);
    } catch (err) {
      return Promise.reject(asStoreError(err));
    }
    this.assigned = position;
    return new Promise<Position>((resolve, reject) => {
      p.resolve = () => resolve(position);
      p.reject = reject;
      if (p.puts) {
        // Resolving early is only right when the commit is nothing but those puts (and marks).
        for (const op of ops) if (op.t !== OpType.MARK_DELIVERED && !(op.t === OpType.PUT_MESSAGE && !op.subs)) p.live = -1;
        for (const put of p.puts) {
          let m = this.queuedPuts.get(put.dest);
          if (!m) this.queuedPuts.set(put.dest, (m = new Map()));
          m.set(put.seq, { p, first: put.first, end: put.end });
        }
      }
      this.enqueue(p);
    });
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

  /**
   * Writes a batch that already has its position (a slave's, and a master's own write). Its
   * messages may come encoded (EncodedBatch, codec.ts): they are then written as they are.
   */
  apply(batch: LogBatch | EncodedBatch, opts?: CommitOptions): Promise<void> {
    let p: PendingWrite;
    try {
      this.checkWritable();
      validatePosition(batch.position);
      if (comparePositions(batch.position, this.assigned) <= 0) {
        throw new StoreError(`apply: position ${formatPosition(batch.position)} does not follow the store's position ${formatPosition(this.assigned)}`);
      }
      validateApplyOps(batch.ops);
      const position = { epoch: batch.position.epoch, index: batch.position.index };
      p = prepareWrite(position, batch.ops, opts?.sync ?? true, this.retentionBatches > 0);
    } catch (err) {
      return Promise.reject(asStoreError(err));
    }
    this.assigned = p.position;
    return new Promise<void>((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
      this.enqueue(p);
    });
  }

  private checkWritable(): void {
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new StoreError(`store ${this.directory} is ${this.state === 'closing' ? 'closing' : 'not open'}`);
  }

  private enqueue(p: PendingWrite): void {
    this.queue.push(p);
    if (p.puts) p.queuedAt = performance.now();
    if (!this.writing) {
      this.writing = true;
      // Start on a microtask: commits issued in the same tick share the first write too. A
      // dispatchable commit's messages are on their way to consumers: the writer gives their
      // acks DISPATCH_HOLD_MS to arrive (takeGroup), so messages consumed at once are never
      // written at all.
      queueMicrotask(() => void this.writeLoop());
    }
  }

  private holdTimer: NodeJS.Timeout | null = null;
  private readonly startHeld = (): void => {
    this.holdTimer = null;
    void this.writeLoop();
  };

  private async writeLoop(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
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
        this.fail(err as Error, group);
      }
    }
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
    const db = this.db();
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
    for (let i = 0; i < n; i++) {
      const p = group[i]!;
      if (p.logSize > 0) this.log.push(p.position.epoch, p.position.index, p.logSize, undefined);
    }
    this.log.trim(this.retentionBatches, this.retentionBytes, (pos) => ops.push({ type: 'del', key: logKey(pos.epoch, pos.index) }));
    // Commits whose messages were all consumed before this write leave nothing to write; with no
    // retained log the position on disk may then stay behind (it only orders the log).
    const nothing = ops.length === 0 && !sync && this.retentionBatches === 0 && deferred.length === 0;
    if (!nothing) {
      ops.push({ type: 'put', key: POSITION_KEY, value: encodePosition(last) });
      await db.batch(ops, { sync });
      if (sync) this.mark?.write(last);
    }

    this.written = last;
    this.commits += n;
    if (sync) this.syncs++;
    this.messages = Math.max(0, this.messages + delta);
    this.bytesSinceApprox += bytes;
    // A commit with a deferred clear is the write's last; it resolves once the clear is done,
    // so its caller reads the removal it asked for.
    const settled = deferred.length > 0 ? n - 1 : n;
    for (let i = 0; i < settled; i++) group[i]!.resolve();
    if (deferred.length > 0) {
      this.messages = Math.max(0, this.messages - (await finishClears(db, deferred)));
      group[n - 1]!.resolve();
    }
    if (Date.now() - this.approxAt > 5000 && !this.approxRefresh) this.refreshApprox();
  }

  /**
   * A failed write fails everything queued. A transient cause (disk full, out of descriptors)
   * makes the store refuse writes until it heals (scheduleHeal); any other leaves its state
   * unknown: it must be reopened.
   */
  private fail(err: Error, group: PendingWrite[]): void {
    if (isTransientIoError(err)) {
      this.failure = new StoreUnavailableError(
        `store ${this.directory} cannot write: ${err.message} — free disk space (or file descriptors); writes resume by themselves once one succeeds`,
      );
      this.scheduleHeal();
    } else {
      this.failure = new StoreError(`store ${this.directory} failed and must be reopened: write failed: ${err.message}`);
    }
    const queued = this.queue;
    this.queue = [];
    this.queuedPuts.clear();
    for (const p of group) p.reject(this.failure);
    for (const p of queued) p.reject(this.failure);
  }

  private healTimer: NodeJS.Timeout | null = null;
  private healing: Promise<void> | null = null;
  private healAttempts = 0;

  private scheduleHeal(): void {
    if (this.healTimer || this.healing || this.state !== 'open') return;
    this.healTimer = setTimeout(() => {
      this.healTimer = null;
      this.healing = this.heal().then(
        (healed) => {
          this.healing = null;
          if (!healed) this.scheduleHeal();
        },
        () => {
          this.healing = null;
          this.scheduleHeal();
        },
      );
    }, healDelay(this.healAttempts++));
    this.healTimer.unref();
  }

  /**
   * Reopen LevelDB once the cause of a transient failure is gone (LevelDB keeps a failed write's
   * error until reopened). The position is read back: a write reported failed may have reached
   * the log after all (its fsync failed), and then it counts.
   */
  private async heal(): Promise<boolean> {
    if (this.state !== 'open' || !(this.failure instanceof StoreUnavailableError)) return true;
    const o = this.opened!;
    if (!(await resourcesBack(o.directory))) return false;
    await this.approxRefresh;
    await o.db.close().catch(() => undefined);
    let db: Db;
    try {
      db = await reopenDb(o.directory);
    } catch {
      return false;
    }
    o.db = db;
    try {
      const [pos] = await db.getMany([POSITION_KEY]);
      const onDisk = pos ? decodePosition(pos) : ZERO_POSITION;
      if (comparePositions(onDisk, this.written) > 0) this.written = onDisk;
      this.assigned = this.written;
      await db.batch([{ type: 'put', key: POSITION_KEY, value: encodePosition(this.written) }], { sync: true });
      if (this.retentionBatches > 0) await this.loadLogIndex(db);
    } catch {
      await db.close().catch(() => undefined);
      return false;
    }
    this.mark?.write(this.written);
    this.failure = null;
    this.healAttempts = 0;
    return true;
  }

  /**
   * Measure the files again. Writes made while measuring may or may not be in the files' sizes;
   * they stay counted on top (an overestimate by at most one interval's writes).
   */
  private refreshApprox(): Promise<void> {
    if (this.approxRefresh) return this.approxRefresh;
    this.approxAt = Date.now();
    const counted = this.bytesSinceApprox;
    this.approxRefresh = directoryBytes(this.opened!.directory).then(
      (size) => {
        this.approxBytes = size;
        this.bytesSinceApprox -= counted;
      },
      () => undefined,
    ).finally(() => {
      this.approxRefresh = null;
    });
    return this.approxRefresh;
  }

  /** Measure the store's files now (stats().bytes is otherwise at most 5 s old plus later writes). */
  async refreshSize(): Promise<number> {
    if (this.state === 'open') await this.refreshApprox();
    return this.stats().bytes;
  }

  // ---- whole-store copies (replication snapshots, level-snapshot.ts) -------------------------

  /** A consistent copy of everything stored, read in chunks (the master's side of a snapshot). */
  exportSnapshot(): SnapshotReader {
    return new SnapshotReader(this.db().iterator({ gte: Buffer.from([0x00]), lt: Buffer.from([0xff]), fillCache: false }));
  }

  /**
   * Replace this store's content with a copy read from `chunks` (a slave's side of a snapshot).
   * No commit or apply may run meanwhile. The copy is written beside the store and swapped in
   * only when complete: if the import fails, the store is unchanged and still open. Resolves
   * with the new position.
   */
  async importSnapshot(chunks: AsyncIterable<SnapshotEntry[]>): Promise<Position> {
    this.checkWritable();
    await this.idle();
    const dir = this.opened!.directory;
    const tmp = `${dir}.snapshot`;
    await writeSnapshot(tmp, chunks);
    await this.close();
    await swapSnapshot(dir, tmp);
    await this.open();
    return this.written;
  }

  // ---- reading ----------------------------------------------------------------------------

  async recover(): Promise<RecoveredState> {
    const { state, messages } = await recoverState(this.db(), this.written, this.reads).catch((err: Error) => this.damaged(this.opened?.directory ?? resolve(this.directory), err));
    // Exact as of the scan; writes made while it ran are counted twice or not at all, so
    // recover before writing (as the broker does).
    this.messages = messages;
    return state;
  }

  loadMessages(dest: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
    return this.read(() => loadMessages(this.db(), dest, afterSeq, limit, this.reads));
  }

  loadSubscriptionRefs(dest: string, key: string, afterSeq: number, limit: number): Promise<number[]> {
    return this.read(() => loadRefs(this.db(), dest, key, afterSeq, limit));
  }

  getMessage(dest: string, seq: number): Promise<WireMessage | undefined> {
    return this.read(() => getMessage(this.db(), dest, seq, this.reads));
  }

  loadJobs(until: number, limit: number, after?: { due: number; id: string }): Promise<JobRecord[]> {
    return this.read(() => loadJobs(this.db(), until, limit, this.reads, after));
  }

  readLog(from: Position, limit: number): Promise<LogBatch[] | undefined> {
    // The index is updated as a write is built, just before it lands: while a trimming write is
    // in flight, a reader at the very edge of the log may get undefined a moment early (and
    // falls back to a snapshot), never a batch list with a hole.
    return this.read(async () => {
      if (comparePositions(from, this.written) >= 0) return [];
      if (!this.log.covers(from)) return undefined;
      return readLogAfter(this.db(), from, limit, this.reads);
    });
  }

  stats(): StoreStats {
    return {
      bytes: this.approxBytes + this.bytesSinceApprox,
      messages: this.messages,
      commits: this.commits,
      syncs: this.syncs,
      cancelledPuts: this.cancelled,
    };
  }

  private read<T>(fn: () => Promise<T>): Promise<T> {
    const run = (): Promise<T> => {
      try {
        return fn().catch((err: unknown) => {
          throw this.readError(err);
        });
      } catch (err) {
        return Promise.reject(this.readError(err));
      }
    };
    // A read waits out a reopen in progress rather than fail on the closed database.
    return this.healing ? this.healing.then(run) : run();
  }

  /** While the store is out of a resource, its reads fail with that cause, not fatally. */
  private readError(err: unknown): Error {
    if (this.failure instanceof StoreUnavailableError) return this.failure;
    if (isTransientIoError(err)) return new StoreUnavailableError(`store ${this.directory} cannot read: ${(err as Error).message}`);
    return asStoreError(err);
  }
}

function asStoreError(err: unknown): Error {
  if (err instanceof StoreError) return err;
  const e = err as Error;
  return new StoreError(e?.message ?? String(err));
}

/**
 * A merged write sets each producer's last sequence number once per commit that sent for it;
 * only the last of them matters (producer keys are never deleted), so the others are left out.
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
