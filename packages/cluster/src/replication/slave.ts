// The slave's side of replication: connect to the master's replication URL, say where our log
// ends, then apply what the master sends through store.apply() (the master's own write path),
// with its messages left encoded (the master's bytes are written as they are). Each frame is
// acknowledged as soon as it is in the retained log's file (received: what quorum_mem counts);
// under quorum_disk the log's files are synced first and that acknowledgement also says written
// (on disk: what quorum_disk counts). A frame the master marks `ack: false` (its commits wait for
// another slave) is acknowledged with the next hand-off to the store instead, within about
// 20 ms: one answer for many frames. No commit waits for the store, so the batches of about
// 20 ms go to it together (the retained log gives them back after a crash: replication-log.ts);
// the store's writes report progress (written) to the master a little later.
// A snapshot replaces the whole store (LevelStore.importSnapshot: written beside it, swapped in
// when complete). Fencing: frames of an epoch older than one this node has seen are refused,
// and every batch must follow the last one exactly (index + 1), or the link is dropped and the
// handshake decides again. The link is re-established until stop().
import { decodeEncodedBatch, type EncodedBatch, type Position, type SnapshotEntry } from '@wharf/store';
import {
  FrameType, REPLICATION_VERSION, type BatchesFrame, type ReplicationFrame, type SnapChunkFrame,
} from './frames';
import type { ReplicationLink, ReplicationTransport } from './transport';
import { ChunkQueue } from './chunk-queue';
import type { ReplicationLog } from './replication-log';
import { fmt, type ClusterLogger, type ReplicableStore, type SyncPolicy } from '../types';

export interface SlaveOptions {
  nodeId: string;
  token: string;
  store: ReplicableStore;
  transport: ReplicationTransport;
  sync: SyncPolicy;
  heartbeatMs: number;
  logger: ClusterLogger;
  /** The master to follow. */
  masterId: string;
  masterUrl: string;
  /** The master's epoch as the election reported it. */
  epoch: number;
  /** The highest epoch this node has seen (fencing). */
  maxEpochSeen: number;
  /**
   * The node's retained log: every batch received is appended, and written before it is
   * acknowledged (default: the store keeps its own log, and batches go to the store at once).
   */
  log?: ReplicationLog;
  /** The received position moved (the node tells the election). */
  onPosition(p: Position): void;
  /** The local store failed: the node cannot go on. */
  onFailure(err: Error): void;
}

/**
 * No commit waits for a slave's store (quorum_mem counts batches received, quorum_disk batches in
 * the synced retained log, local_disk none), so the batches received within this many ms go to
 * the store together: a busy slave then writes its LevelDB about 50 times a second instead of
 * once per frame (each store write is a hand-off to libuv's thread pool and to LevelDB's writer).
 * What it acknowledged is already in its retained log's file, which a restarted node writes to
 * its store first; stop() and a snapshot write what is pending first, and so does a link that
 * closes (the timer runs).
 */
const APPLY_DELAY_MS = 20;
const APPLY_MAX_BYTES = 4 * 1024 * 1024;

export class SlaveReplicator {
  private received: Position;
  private link: ReplicationLink | null = null;
  private stopped = false;
  private work: Promise<void> = Promise.resolve();
  private lastApply: Promise<void> = Promise.resolve();
  private snapshot: { queue: ChunkQueue; done: Promise<Position> } | null = null;
  private welcomed = false;
  private lastHeard = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private retryWake: (() => void) | null = null;
  private loop: Promise<void> = Promise.resolve();
  private maxEpochSeen: number;
  /** Highest index written by the local store in this session (-1: none yet). */
  private durable = -1;
  private ackScheduled = false;
  /** Batches received in frames that asked for no answer at once: acknowledged with the next hand-off. */
  private ackOwed = false;
  private lazyTimer: NodeJS.Timeout | null = null;
  /** Batches received (and acknowledged as received) that the store has not been given yet. */
  private unapplied: EncodedBatch[] = [];
  /** quorum_disk with a retained log that keeps batches: written acks follow its syncs. */
  private logSyncs = false;
  /** quorum_disk: the log's sync at the end of this turn is scheduled. */
  private syncTurn: NodeJS.Immediate | null = null;
  private pendingBytes = 0;
  private applyTimer: NodeJS.Timeout | null = null;
  /** Set when the session is attached and streaming (for status and tests). */
  attached = false;

  constructor(private readonly o: SlaveOptions) {
    this.received = o.store.position;
    this.maxEpochSeen = Math.max(o.maxEpochSeen, o.epoch);
  }

  get position(): Position {
    return this.received;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops following; resolves once every received batch is applied (or an import undone). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retryWake?.();
    this.link?.close('slave stopping');
    this.snapshot?.queue.fail(new Error('replication stopped'));
    await this.loop;
    await this.work.catch(() => undefined);
    this.applyPending();
    await this.lastApply.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let delay = 50;
    while (!this.stopped) {
      const ended = await this.session().catch((err: Error) => err.message);
      if (this.stopped) break;
      this.o.logger.info({ master: this.o.masterId, url: this.o.masterUrl, reason: ended }, 'replication: not attached to the master; retrying');
      await new Promise<void>((resolve) => {
        this.retryWake = resolve;
        this.retry = setTimeout(resolve, delay);
      });
      this.retryWake = null;
      delay = Math.min(delay * 2, 1000);
      if (this.attached) delay = 50;
    }
  }

  /** One connection: resolves with the reason it ended. */
  private async session(): Promise<string> {
    const link = await this.o.transport.connect(this.o.masterUrl, Math.max(1000, this.o.heartbeatMs * 4));
    if (this.stopped) {
      link.close('slave stopping');
      return 'stopped';
    }
    this.link = link;
    this.durable = this.o.store.position.index;
    this.ackOwed = false;
    this.welcomed = false;
    this.attached = false;
    this.lastHeard = Date.now();
    const ended = new Promise<string>((resolve) => {
      link.start({
        frame: (f) => {
          this.lastHeard = Date.now();
          this.work = this.work.then(() => this.onFrame(link, f)).catch((err: Error) => {
            this.o.logger.warn({ master: this.o.masterId, err: err.message }, 'replication: dropping the link');
            link.close(err.message);
          });
        },
        closed: (reason) => resolve(reason),
      });
    });
    // The master counts the position we announce as written: under quorum_disk, on disk.
    if (this.o.sync === 'quorum_disk') await this.onDisk();
    link.send({
      t: FrameType.HELLO, version: REPLICATION_VERSION, nodeId: this.o.nodeId, position: this.received,
      epoch: this.maxEpochSeen, token: this.o.token,
    });
    this.timer = setInterval(() => {
      const silent = Date.now() - this.lastHeard;
      if (silent > this.o.heartbeatMs * 4) link.close(`no data from the master for ${silent} ms`);
    }, this.o.heartbeatMs);
    this.timer.unref();
    try {
      return await ended;
    } finally {
      clearInterval(this.timer);
      this.attached = false;
      this.link = null;
      const snap = this.snapshot;
      if (snap) {
        // The copy is abandoned: the store stays as it was (the import swaps only when complete).
        snap.queue.fail(new Error('the link to the master closed during the snapshot'));
        await snap.done.catch(() => undefined);
        this.snapshot = null;
      }
      await this.work.catch(() => undefined);
    }
  }

  private async onFrame(link: ReplicationLink, f: ReplicationFrame): Promise<void> {
    if (link.closed || this.stopped) return;
    switch (f.t) {
      case FrameType.WELCOME:
        if (f.epoch < this.maxEpochSeen) throw new Error(`master ${f.nodeId} has epoch ${f.epoch}, older than epoch ${this.maxEpochSeen} seen here`);
        this.maxEpochSeen = f.epoch;
        this.welcomed = true;
        if (!f.snapshot) {
          this.attached = true;
          this.o.logger.info({ master: f.nodeId, epoch: f.epoch, position: fmt(this.received) }, 'replication: attached to the master');
        }
        return;
      case FrameType.REFUSE:
        throw new Error(`the master refused: ${f.reason}`);
      case FrameType.BATCHES:
        return this.onBatches(link, f);
      case FrameType.SNAP_BEGIN:
        return this.beginSnapshot(link);
      case FrameType.SNAP_CHUNK:
        return this.onChunk(f);
      case FrameType.SNAP_END: {
        const s = this.snapshot;
        if (!s) throw new Error('snapshot end without a snapshot');
        s.queue.end();
        const pos = await s.done;
        this.snapshot = null;
        if (pos.index !== f.position.index || pos.epoch !== f.position.epoch) {
          throw new Error(`snapshot position ${fmt(pos)} is not the master's ${fmt(f.position)}`);
        }
        this.received = pos;
        this.durable = pos.index;
        this.attached = true;
        this.o.onPosition(pos);
        this.o.logger.info({ master: this.o.masterId, position: fmt(pos) }, 'replication: snapshot installed, streaming');
        link.send({ t: FrameType.ACK, received: pos.index, durable: pos.index });
        return;
      }
      case FrameType.PING:
        link.send({ t: FrameType.PONG });
        return;
      case FrameType.PONG:
        return;
      default:
        throw new Error(`unexpected frame type ${f.t} from the master`);
    }
  }

  private onBatches(link: ReplicationLink, f: BatchesFrame): void {
    if (!this.welcomed || this.snapshot) throw new Error('batches before the session was set up');
    if (f.epoch < this.maxEpochSeen) throw new Error(`batches of epoch ${f.epoch}, older than epoch ${this.maxEpochSeen} seen here`);
    const n = f.items.length;
    if (n === 0) return;
    for (let i = 0; i < n; i++) {
      // Messages stay encoded: the store writes the bytes the master wrote.
      const batch = decodeEncodedBatch(f.items[i]!);
      const p = batch.position;
      const prev = this.received;
      if (p.index !== prev.index + 1 || p.epoch < prev.epoch || p.epoch > f.epoch) {
        throw new Error(`batch ${fmt(p)} does not follow ${fmt(prev)} in epoch ${f.epoch}`);
      }
      this.received = p;
      this.o.log?.append(p, f.items[i]!, f.sync[i] === true);
      this.unapplied.push(batch);
      this.pendingBytes += f.items[i]!.length;
    }
    // In the retained log's file before the acknowledgement (a microtask away): a batch
    // acknowledged as received survives this process.
    const kept = this.o.log?.flush() ?? false;
    this.o.onPosition(this.received);
    // quorum_disk commits wait for this node to hold the batch on disk: the retained log's files
    // are synced at the end of this turn (one fdatasync for every frame read in it), and one ACK
    // then says received and written. A frame the master does not need on this node's disk now
    // (durable: false: enough other slaves sync theirs) is on disk with the next store write
    // instead. The store gets the batches a little later, as under the other policies (a
    // restarted node writes the log's tail to its store first): the batches received within
    // APPLY_DELAY_MS go to it together. When the log cannot keep what was received, the store
    // writes it at once instead (with fsync under quorum_disk).
    // A frame that asks for no answer at once (ack: false, another slave answers for the
    // commits) is acknowledged with the hand-off to the store below, within APPLY_DELAY_MS.
    this.logSyncs = kept && this.o.sync === 'quorum_disk';
    if (this.logSyncs && f.durable !== false) this.syncTurn ??= setImmediate(() => this.syncLog(link));
    else if (f.ack === false && kept) this.ackOwed = true;
    else if (!this.syncTurn) this.scheduleAck(link);
    if (!kept || this.pendingBytes >= APPLY_MAX_BYTES) this.applyPending();
    else this.applyTimer ??= setTimeout(() => this.applyPending(), APPLY_DELAY_MS);
  }

  /** quorum_disk: the retained log's files to disk, then the acknowledgement. */
  private syncLog(link: ReplicationLink): void {
    this.syncTurn = null;
    if (link.closed || link !== this.link) return;
    try {
      const index = this.o.log!.sync();
      if (index > this.durable) this.durable = index;
    } catch (err) {
      this.logSyncs = false;
      this.o.logger.warn({ err: (err as Error).message }, 'replication: the retained log could not be synced; writing to the store at once');
      this.applyPending();
    }
    this.scheduleAck(link);
  }

  /** Resolves once every batch received is on disk (the log synced, or else the store written). */
  private async onDisk(): Promise<void> {
    const index = this.received.index;
    if (this.durable >= index) return;
    if (this.o.log?.flush()) {
      try {
        const synced = this.o.log.sync();
        this.durable = Math.max(this.durable, synced);
        if (synced >= index) return;
      } catch {
        // the store writes them instead
      }
    }
    this.applyPending();
    await this.lastApply.catch(() => undefined);
  }

  /** Hands the received batches to the store (one write), in order. */
  private applyPending(): void {
    if (this.applyTimer) clearTimeout(this.applyTimer);
    this.applyTimer = null;
    if (this.ackOwed && this.link) this.scheduleAck(this.link);
    const batches = this.unapplied;
    if (batches.length === 0) return;
    this.unapplied = [];
    this.pendingBytes = 0;
    const quorumDisk = this.o.sync === 'quorum_disk';
    let last!: Promise<void>;
    // Under quorum_disk every store write is synced (one fsync per write of about 20 ms of
    // batches): the retained log drops only batches the store has written, and those must
    // survive a power loss as the log's synced batches do.
    for (const batch of batches) {
      last = this.o.store.apply(batch, { sync: quorumDisk });
      last.catch((err: Error) => this.failed(err));
    }
    this.lastApply = last;
    const index = batches[batches.length - 1]!.position.index;
    last.then(() => {
      if (index > this.durable) this.durable = index;
      this.o.log?.written(index);
      const link = this.link;
      if (!link) return;
      // Written acks are progress reports (status, lag) that ride on the next received ack, or
      // go out a little later; under quorum_disk commits may wait for them (the frame did not ask
      // for a sync, or the log cannot keep batches).
      if (quorumDisk) this.scheduleAck(link);
      else this.lazyAck(link);
    }, () => undefined);
  }

  private lazyAck(link: ReplicationLink): void {
    if (this.lazyTimer) return;
    this.lazyTimer = setTimeout(() => {
      this.lazyTimer = null;
      this.scheduleAck(link);
    }, 50);
    this.lazyTimer.unref();
  }

  /**
   * One ACK for what one read or one store write brought, with the latest received and written
   * indexes. A microtask, not the next turn of the event loop: the master's commits wait for it.
   */
  private scheduleAck(link: ReplicationLink): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    queueMicrotask(() => {
      this.ackScheduled = false;
      this.ackOwed = false;
      if (this.lazyTimer) clearTimeout(this.lazyTimer);
      this.lazyTimer = null;
      if (link.closed || link !== this.link) return;
      link.send({ t: FrameType.ACK, received: this.received.index, durable: this.durable });
    });
  }

  private beginSnapshot(link: ReplicationLink): Promise<void> {
    if (this.snapshot) throw new Error('a second snapshot began');
    this.o.logger.info({ master: this.o.masterId, position: fmt(this.received) }, 'replication: receiving a snapshot of the master\'s store');
    const queue = new ChunkQueue((seq) => link.send({ t: FrameType.SNAP_ACK, seq }));
    this.applyPending();
    // Nothing may be applied while the store is replaced. The retained log describes the old
    // store: it starts again at the copy's position (or stays as it was if the import fails).
    const done = this.lastApply.catch(() => undefined).then(() => this.o.store.importSnapshot(queue)).then(async (pos) => {
      await this.o.log?.reset(pos);
      return pos;
    });
    done.catch(() => undefined);
    this.snapshot = { queue, done };
    return Promise.resolve();
  }

  private onChunk(f: SnapChunkFrame): void {
    if (!this.snapshot) throw new Error('snapshot chunk without a snapshot');
    this.snapshot.queue.push(f.seq, f.entries as SnapshotEntry[]);
  }

  private failed(err: Error): void {
    if (this.stopped) return;
    this.o.logger.error({ err: err.message }, 'replication: the local store failed to apply a batch');
    this.link?.close('local store failure');
    this.o.onFailure(err);
  }
}
