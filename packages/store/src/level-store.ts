// LevelStore: the Store contract on LevelDB (classic-level through `level`), docs/ARCHITECTURE.md: invariants.
//
// commit() assigns the next position at once (call order is log order), encodes its ops and
// hands them to the group commit (level-group-commit.ts); apply() (the slave path) queues a batch
// that already has its position through the same code. The store keeps no replication log: a
// cluster node keeps it in a Journal beside LevelDB (journal/journal.ts), and readLog answers
// only for the store's own position.
import { rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StoreError, type WireMessage } from '@wharf/protocol';
import { isTransientIoError, StoreDamagedError, StoreUnavailableError } from './errors';
import { CommittedMark, missingBatches } from './committed-mark';
import { damaged, describeDamage, verifyAtOpen, type StoreDamage } from './integrity';
import type { EncodedBatch } from './codec';
import { openDb, type Db, type OpenedDb } from './level-db';
import { GroupWriter } from './level-group-commit';
import { getMessage, loadJobs, loadMessages, loadRefs, openLayout, pruneProducers, recoverState, type ReadCounter } from './level-read';
import { ProducerMarks } from './producer-marks';
import { dropRetainedLog, finishClears, pendingClears, prepareWrite, validateApplyOps, type PendingWrite } from './level-write';
import { Healer, reopenAfterFailure } from './level-heal';
import { SnapshotReader, settleSnapshotDirs, swapSnapshot, writeSnapshot, type SnapshotEntry } from './level-snapshot';
import { formatPosition, validateOps, validatePosition } from './ops';
import { SizeGauge } from './dir-size';
import {
  comparePositions, ZERO_POSITION,
  type CommitOptions, type JobRecord, type LogBatch, type Position, type RecoveredState, type Store, type StoreOp,
  type StoreStats, type StoredMessage,
} from './types';

export interface LevelStoreOptions {
  /** The data directory (created if missing); one store per directory. */
  directory: string;
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

export class LevelStore implements Store {
  readonly kind = 'leveldb' as const;
  readonly directory: string;
  private readonly acceptDamage: boolean;
  private readonly verifyTablesUpTo: number;
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
  private readonly writer: GroupWriter;
  private failure: StoreError | null = null;
  /** Each producer's highest stored sequence: what a write of its producer key may not go below. */
  private readonly producerMarks = new ProducerMarks();

  private commits = 0;
  private syncs = 0;
  private messages = 0;
  private readonly size = new SizeGauge();
  /** Values read from LevelDB since open (recovery reads keys, not bodies). */
  readonly reads: ReadCounter = { values: 0, bytes: 0 };

  constructor(opts: LevelStoreOptions) {
    if (!opts || typeof opts.directory !== 'string' || opts.directory === '') throw new StoreError('LevelStore needs a directory');
    this.directory = opts.directory;
    const host = {
      db: () => this.db(),
      canWrite: () => this.failure === null,
      landed: (last: Position, commits: number, sync: boolean, delta: number, bytes: number) => this.landed(last, commits, sync, delta, bytes),
      cleared: (messages: number) => this.cleared(messages),
      failed: (err: Error) => this.failed(err),
    };
    this.writer = new GroupWriter(host, opts.inlineRemoveLimit ?? 10000, opts.maxWriteBytes ?? 16 * 1024 * 1024);
    this.acceptDamage = opts.acceptDamage === true;
    this.verifyTablesUpTo = opts.verifyTablesUpTo ?? 32 * 1024 * 1024;
  }

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
      this.opened = await openDb(this.directory).catch((err: Error) => damaged(dir, err));
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
      throw await damaged(dir, err as Error);
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

  private async load(db: Db): Promise<void> {
    this.written = this.assigned = await openLayout(db, this.opened!.directory);
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
    this.writer.reset();
    this.commits = this.syncs = this.messages = 0;
    this.reads.values = this.reads.bytes = 0;
    // A removal a crash interrupted is finished before anything reads the store.
    await finishClears(db, await pendingClears(db));
    await dropRetainedLog(db);
    this.producerMarks.clear();
    await pruneProducers(db, undefined, this.producerMarks);
    await this.size.reset(this.opened!.directory);
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    await this.healer.stop();
    await this.writer.idle();
    await this.size.settled();
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
      p = prepareWrite(position, ops, this.producerMarks, opts?.sync ?? true, opts?.dispatchable === true);
    } catch (err) {
      return Promise.reject(asStoreError(err));
    }
    this.assigned = position;
    return new Promise<Position>((resolve, reject) => {
      p.resolve = () => resolve(position);
      p.reject = reject;
      this.writer.enqueue(p, ops);
    });
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
      p = prepareWrite(position, batch.ops, this.producerMarks, opts?.sync ?? true);
    } catch (err) {
      return Promise.reject(asStoreError(err));
    }
    this.assigned = p.position;
    return new Promise<void>((resolve, reject) => {
      p.resolve = resolve;
      p.reject = reject;
      this.writer.enqueue(p);
    });
  }

  cancelQueuedPut(dest: string, seq: number): boolean {
    return this.writer.cancelQueuedPut(dest, seq);
  }

  private checkWritable(): void {
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new StoreError(`store ${this.directory} is ${this.state === 'closing' ? 'closing' : 'not open'}`);
  }

  /** A write is on disk (its commits resolve right after). */
  private landed(last: Position, commits: number, sync: boolean, messageDelta: number, bytes: number): void {
    if (sync) this.mark?.write(last);
    this.written = last;
    this.commits += commits;
    if (sync) this.syncs++;
    this.messages = Math.max(0, this.messages + messageDelta);
    this.size.wrote(bytes, this.opened!.directory);
  }

  /** Range removals finished after their write removed this many messages. */
  private cleared(messages: number): void {
    this.messages = Math.max(0, this.messages - messages);
  }

  /**
   * A failed write fails everything queued. A transient cause (disk full, out of descriptors)
   * makes the store refuse writes until it heals (Healer); any other leaves its state unknown:
   * it must be reopened.
   */
  private failed(err: Error): StoreError {
    if (isTransientIoError(err)) {
      this.failure = new StoreUnavailableError(
        `store ${this.directory} cannot write: ${err.message} — free disk space (or file descriptors); writes resume by themselves once one succeeds`,
      );
      this.healer.schedule();
    } else {
      this.failure = new StoreError(`store ${this.directory} failed and must be reopened: write failed: ${err.message}`);
    }
    return this.failure;
  }

  private readonly healer = new Healer(() => this.heal(), () => this.state === 'open');

  /** Writes go on once LevelDB is reopened after the transient failure (level-heal.ts). */
  private async heal(): Promise<boolean> {
    if (this.state !== 'open' || !(this.failure instanceof StoreUnavailableError)) return true;
    await this.size.settled();
    const written = await reopenAfterFailure(this.opened!, this.written);
    if (!written) return false;
    this.written = this.assigned = written;
    this.mark?.write(this.written);
    this.failure = null;
    return true;
  }

  /** Measure the store's files now (stats().bytes is otherwise at most 5 s old plus later writes). */
  async refreshSize(): Promise<number> {
    if (this.state === 'open') await this.size.refresh(this.opened!.directory);
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
    await this.writer.idle();
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
    const { state, messages } = await recoverState(this.db(), this.written, this.reads).catch((err: Error) => damaged(this.opened?.directory ?? resolve(this.directory), err));
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

  /** Nothing after the store's position; nothing retained before it (a Journal keeps the log). */
  async readLog(from: Position, _limit: number): Promise<LogBatch[] | undefined> {
    return comparePositions(from, this.written) >= 0 ? [] : undefined;
  }

  stats(): StoreStats {
    return {
      bytes: this.size.bytes,
      messages: this.messages,
      commits: this.commits,
      syncs: this.syncs,
      cancelledPuts: this.writer.cancelled,
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
    const healing = this.healer.running;
    return healing ? healing.then(run) : run();
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
