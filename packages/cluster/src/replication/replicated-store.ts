// ReplicatedStore: the Store the broker uses on a master (docs/CLUSTER.md). It is an ordinary Store to
// the broker. commit() gives the batch the next position of this master's epoch, writes it to
// the local store through apply() (the same code path as a slave's) and, at the same time,
// hands it to every slave session; a sync commit resolves only once the sync policy holds:
//   quorum_mem  — the local write is done and floor(replicas/2) slaves have received the batch;
//   quorum_disk — the local write is done and floor(replicas/2) slaves have written it durably;
//   local_disk  — the local write is done (slaves get it asynchronously).
// A sync commit whose quorum does not answer within replicationTimeout fails with a StoreError
// saying how many nodes hold the batch. Non-sync commits (acks, delivered marks) are shipped
// too but never wait. Once deactivated (mastership lost) every waiting commit fails at once
// and no commit is accepted: a deposed master acknowledges nothing.
import { StoreError } from '@wharf/protocol';
import {
  OpType,
  encodeBatchForApply, validateOps, type EncodedBatch,
  type CommitOptions, type JobRecord, type LogBatch, type Position, type RecoveredState, type Store, type StoreOp,
  type StoreStats, type StoredMessage,
} from '@wharf/store';
import type { WireMessage } from '@wharf/protocol';
import { BatchBuffer } from './batch-buffer';
import { MasterSession } from './master-session';
import type { BufferedBatch, ReplicatedStoreOptions } from './replicated-store-options';
import { StoreReplicationLog, type ReplicationLog } from './replication-log';
import type { ReplicationLink } from './transport';
import {
  fmt, quorumOf, samePosition, type MasterStatus, type ReplicableStore,
} from '../types';

export type { BufferedBatch, ReplicatedStoreOptions } from './replicated-store-options';

type AckKind = 'received' | 'durable';

/**
 * What a term's store answers when a commit cannot be acknowledged and its node stops serving
 * for it (mastership lost; slaves not acknowledging within replicationTimeout): not a failure of
 * the store (the broker logs it as a warning; the node stops that broker).
 */
class NotServingError extends StoreError {
  readonly fenced = true;
  constructor(message: string) {
    super(message);
    this.name = 'StoreError'; // what clients and logs have always seen
  }
}

/** An asked slave that leaves a frame unanswered this long (ms) is asked no more (wantsPrompt). */
const STALL_MS = 100;

interface Waiter {
  index: number;
  kind: AckKind;
  deadline: number;
  resolve(): void;
  reject(err: Error): void;
}

export class ReplicatedStore implements Store {
  readonly inner: ReplicableStore;
  /** Batches older than the in-memory buffer are read from here. */
  readonly log: ReplicationLog;
  readonly epoch: number;
  readonly opts: ReplicatedStoreOptions;
  /** Slaves whose acks count towards the quorum: floor(replicas / 2). */
  readonly needed: number;
  private activeFlag = true;
  private reason = '';
  private assigned: Position;
  /** Set when this term started: slaves caught up to it make the term ready to serve. */
  readonly startPosition: Position;
  private readonly buffer = new BatchBuffer();
  readonly sessions = new Set<MasterSession>();
  private waiters: Waiter[] = [];
  private catchUp: Array<{ index: number; resolve(): void; reject(err: Error): void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout;
  private lastLocal: Promise<unknown> = Promise.resolve();
  private pumpScheduled = false;
  private promptScheduled = false;
  /** The slaves asked to answer at once (wantsPrompt): kept while they stream and answer. */
  private readonly asked = new Set<MasterSession>();

  constructor(inner: ReplicableStore, opts: ReplicatedStoreOptions) {
    this.inner = inner;
    this.log = opts.log ?? new StoreReplicationLog(inner);
    this.opts = opts;
    this.epoch = opts.epoch;
    this.needed = quorumOf(opts.replicas) - 1;
    this.assigned = inner.position;
    this.startPosition = inner.position;
    this.heartbeat = setInterval(() => {
      for (const s of this.sessions) s.tick();
    }, opts.heartbeatMs);
    this.heartbeat.unref();
  }

  get kind(): Store['kind'] {
    return this.inner.kind;
  }

  get active(): boolean {
    return this.activeFlag;
  }

  /** The last position handed out (written or queued). */
  get assignedPosition(): Position {
    return this.assigned;
  }

  get position(): Position {
    return this.inner.position;
  }

  // ---- life of the term ---------------------------------------------------------------------

  /** The broker opens and closes its store; the local store stays open across broker restarts. */
  async open(): Promise<void> {
    if (!this.activeFlag) throw this.notMaster();
  }

  async close(): Promise<void> {}

  setEpoch(_epoch: number): void {
    // The term's epoch is fixed; a new term is a new ReplicatedStore.
  }

  /** Mastership is gone: fail every waiting commit, refuse new ones, drop the slaves. */
  deactivate(reason: string): void {
    if (!this.activeFlag) return;
    this.activeFlag = false;
    this.reason = reason;
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const err = new NotServingError(`replication: the batch is not acknowledged: ${reason}`);
    for (const w of this.waiters.splice(0)) w.reject(err);
    for (const c of this.catchUp.splice(0)) c.reject(err);
    for (const s of [...this.sessions]) s.close(`this node is no longer master: ${reason}`);
  }

  /** Resolves once every local write this term started has finished. */
  drain(): Promise<void> {
    return this.lastLocal.then(() => undefined);
  }

  /** Accept a slave's link. */
  accept(link: ReplicationLink): void {
    const s = new MasterSession(link, this);
    this.sessions.add(s);
    s.start();
  }

  /** Called by a session when it ends. */
  removeSession(s: MasterSession): void {
    this.sessions.delete(s);
    this.asked.delete(s);
    this.acked();
  }

  // ---- commits ------------------------------------------------------------------------------

  commit(ops: StoreOp[], opts?: CommitOptions): Promise<Position> {
    if (!this.activeFlag) return Promise.reject(this.notMaster());
    const position = { epoch: this.epoch, index: this.assigned.index + 1 };
    let bytes: Uint8Array;
    let batch: EncodedBatch;
    try {
      validateOps(ops);
      // Each message is encoded once: the same bytes go to the local store, the log and the slaves.
      ({ bytes, batch } = encodeBatchForApply({ position, ops }));
    } catch (err) {
      return Promise.reject(err instanceof StoreError ? err : new StoreError((err as Error).message));
    }
    const sync = opts?.sync ?? true;
    // A delivered mark must outlive the master before the message is dispatched (ARCHITECTURE
    // invariant 4): after a failover it is what makes a redelivery carry `redelivered`. It waits
    // for a quorum to hold it in memory, without an fsync, like its local write.
    const mark = !sync && ops.some((op) => op.t === OpType.MARK_DELIVERED);
    this.assigned = position;
    const entry: BufferedBatch = { position, bytes, sync, written: false };
    this.buffer.push(entry);
    this.log.append(position, bytes, sync);
    this.opts.onAssigned?.(position);
    const local = this.inner.apply(batch, { sync }).then(
      () => {
        entry.written = true;
        this.buffer.trim();
        this.log.written(position.index);
      },
      (err: Error) => {
        this.opts.onFailure?.(err);
        throw err;
      },
    );
    this.lastLocal = local.catch(() => undefined);
    this.schedulePump();
    if ((!sync && !mark) || this.opts.sync === 'local_disk' || this.needed === 0) return local.then(() => position);
    const kind: AckKind = sync && this.opts.sync === 'quorum_disk' ? 'durable' : 'received';
    return Promise.all([local, this.waitFor(position.index, kind)]).then(() => position);
  }

  apply(_batch: LogBatch, _opts?: CommitOptions): Promise<void> {
    return Promise.reject(new StoreError('replication: a master commits; it does not apply batches'));
  }

  private notMaster(): StoreError {
    return new NotServingError(`replication: this node is no longer master (${this.reason || 'deactivated'}); nothing is acknowledged`);
  }

  /**
   * Slaves are sent what was committed once per turn of the event loop: every commit that
   * arrived in the same I/O phase goes out in one frame (one write per slave, one ack back).
   * A slave the commits wait for whose link is idle (nothing unacknowledged: no commit in
   * flight) is sent the batch at once instead, when the callback that committed it ends: a lone
   * synchronous producer then does not wait for the rest of the turn before its batch leaves,
   * and under load, when frames are in flight, commits still gather for the next frame.
   */
  private schedulePump(): void {
    if (!this.promptScheduled) {
      this.promptScheduled = true;
      queueMicrotask(this.pumpIdle);
    }
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      for (const s of this.sessions) s.pump();
    });
  }

  private readonly pumpIdle = (): void => {
    this.promptScheduled = false;
    for (const s of this.sessions) if (s.idle() && this.wantsPrompt(s)) s.pump();
  };

  private waitFor(index: number, kind: AckKind): Promise<void> {
    if (this.replicatedIndex(kind) >= index && (this.opts.mayAcknowledge?.() ?? true)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ index, kind, deadline: Date.now() + this.opts.replicationTimeout, resolve, reject });
      if (!this.timer) this.armTimer();
    });
  }

  private armTimer(): void {
    const head = this.waiters[0];
    if (!head || !this.activeFlag) return;
    this.timer = setTimeout(() => this.expire(), Math.max(1, head.deadline - Date.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = null;
    const now = Date.now();
    let message: string | undefined;
    while (this.waiters.length > 0 && this.waiters[0]!.deadline <= now) {
      const w = this.waiters.shift()!;
      message = this.timeoutMessage(w.index, w.kind);
      w.reject(new NotServingError(message));
    }
    if (message) {
      this.opts.logger.warn({ epoch: this.epoch, slaves: this.status().slaves }, message);
      this.opts.onQuorumTimeout?.(message);
    }
    this.armTimer();
  }

  private timeoutMessage(index: number, key: AckKind): string {
    let holders = 1;
    for (const s of this.sessions) if (s.isStreaming() && s[key] >= index) holders++;
    return `replication: only ${holders} of ${this.opts.replicas} nodes hold the batch (quorum ${quorumOf(this.opts.replicas)}) ` +
      `after ${this.opts.replicationTimeout} ms (sync ${this.opts.sync})`;
  }

  /** Fails every commit waiting for its quorum now (the node restarts serving after a resync). */
  failWaiting(message: string): void {
    const err = new NotServingError(message);
    for (const w of this.waiters.splice(0)) w.reject(err);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Whether the next frame to `session` asks for an answer at once: an acknowledgement as soon as
   * the slave holds it (quorum_mem), after syncing its retained log (quorum_disk; BatchesFrame
   * durable). floor(replicas/2) slaves are asked (a commit needs that many), and every other
   * slave's immediate answer would only cost CPU on both sides, at the moment the commit's own
   * work needs it. The others acknowledge (and have the batches on disk) with their next store
   * hand-off, about 20 ms later. An asked slave stays asked while it streams and answers: each
   * change costs the commits of the moment up to that hand-off (the newly asked slave still has
   * frames that asked for none). One that leaves, or leaves a frame unanswered for STALL_MS, is
   * replaced; meanwhile the others' acknowledgements release the commits, a little later.
   * Under local_disk no commit waits for a slave.
   */
  wantsPrompt(session: MasterSession): boolean {
    if (this.opts.sync === 'local_disk' || !session.isStreaming()) return false;
    if (this.asked.has(session)) return true;
    for (const a of this.asked) if (!a.isStreaming() || a.silentFor() > STALL_MS) this.asked.delete(a);
    if (this.asked.size >= this.needed) return false;
    this.asked.add(session);
    return true;
  }

  /** The highest log index that floor(replicas/2) slaves hold (per the sync policy); -1 if none. */
  replicatedIndex(kind: AckKind = this.opts.sync === 'quorum_disk' ? 'durable' : 'received'): number {
    const needed = this.needed;
    if (needed === 0) return this.assigned.index;
    if (needed === 1) {
      // Three nodes: the best slave's (no array, no sort: this runs for every acknowledgement).
      let best = -1;
      for (const s of this.sessions) if (s.isStreaming() && s[kind] > best) best = s[kind];
      return best;
    }
    const acks: number[] = [];
    for (const s of this.sessions) if (s.isStreaming()) acks.push(s[kind]);
    if (acks.length < needed) return -1;
    acks.sort((a, b) => b - a);
    return acks[needed - 1]!;
  }

  /** A slave acknowledged: release the commits and catch-up waits its acks complete. */
  acked(): void {
    const received = this.replicatedIndex('received');
    const durable = this.opts.sync === 'quorum_disk' || this.waiters.length > 0 ? this.replicatedIndex('durable') : -1;
    const rep = this.opts.sync === 'quorum_disk' ? durable : received;
    if (this.waiters.length > 0 && (this.opts.mayAcknowledge?.() ?? true)) {
      let kept = 0;
      for (const w of this.waiters) {
        if (w.index <= (w.kind === 'durable' ? durable : received)) w.resolve();
        else this.waiters[kept++] = w;
      }
      this.waiters.length = kept;
    }
    if (this.waiters.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    for (let i = this.catchUp.length - 1; i >= 0; i--) {
      const c = this.catchUp[i]!;
      if (c.index <= rep) {
        this.catchUp.splice(i, 1);
        c.resolve();
      }
    }
  }

  /**
   * Resolves when floor(replicas/2) slaves hold everything this master has now (ActiveMQ's
   * master start waits the same way): only then does it serve clients.
   */
  whenCaughtUp(): Promise<void> {
    if (!this.activeFlag) return Promise.reject(this.notMaster());
    const index = this.assigned.index;
    if (this.replicatedIndex() >= index) return Promise.resolve();
    return new Promise((resolve, reject) => this.catchUp.push({ index, resolve, reject }));
  }

  /** Slaves (of `needed`) not yet caught up to the current position. */
  missingSlaves(): number {
    let ok = 0;
    const index = this.assigned.index;
    const key = this.opts.sync === 'quorum_disk' ? 'durable' : 'received';
    for (const s of this.sessions) if (s.isStreaming() && s[key] >= index) ok++;
    return Math.max(0, this.needed - ok);
  }

  // ---- the log, for sessions ------------------------------------------------------------------

  /** Buffered batches from index `from` on (up to the limits); undefined if `from` is not buffered. */
  buffered(from: number, maxItems: number, maxBytes: number): BufferedBatch[] | undefined {
    return this.buffer.from(from, this.assigned.index, maxItems, maxBytes);
  }

  /**
   * Where to stream from for a slave at `p`: `p` itself when `p` is in this master's history and
   * every batch after it can still be read; undefined when the slave needs a snapshot (its log
   * diverged, e.g. an old master's unacknowledged tail, or it is older than the retained log).
   */
  async startFor(p: Position): Promise<Position | undefined> {
    // Ahead of this master (an old master's tail beyond our end): diverged.
    if (p.index > this.assigned.index) return undefined;
    const buffered = this.buffer.has(p);
    if (buffered !== undefined) return buffered ? p : undefined;
    // Before the buffer: the batch at p's index is on disk, in the retained log.
    if (samePosition(p, this.inner.position)) return p;
    return (await this.log.holds(p)) ? p : undefined;
  }

  status(): MasterStatus {
    const slaves = [...this.sessions].filter((s) => s.nodeId !== '').map((s) => s.status(this.assigned.index));
    return { epoch: this.epoch, position: { ...this.assigned }, slaves };
  }

  describe(): string {
    return `epoch ${this.epoch} at ${fmt(this.assigned)}`;
  }

  // ---- reads: the local store's ---------------------------------------------------------------

  recover(): Promise<RecoveredState> {
    return this.inner.recover();
  }
  loadMessages(dest: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
    return this.inner.loadMessages(dest, afterSeq, limit);
  }
  loadSubscriptionRefs(dest: string, key: string, afterSeq: number, limit: number): Promise<number[]> {
    return this.inner.loadSubscriptionRefs(dest, key, afterSeq, limit);
  }
  getMessage(dest: string, seq: number): Promise<WireMessage | undefined> {
    return this.inner.getMessage(dest, seq);
  }
  loadJobs(until: number, limit: number, after?: { due: number; id: string }): Promise<JobRecord[]> {
    return this.inner.loadJobs(until, limit, after);
  }
  readLog(from: Position, limit: number): Promise<LogBatch[] | undefined> {
    return this.inner.readLog(from, limit);
  }
  stats(): StoreStats {
    return this.inner.stats();
  }
}
