// The slave's side of replication: connect to the master's replication URL, say where our log
// ends, then apply what the master sends through store.apply() (the master's own write path),
// acknowledging each frame when received (quorum_mem) and again once written (quorum_disk).
// A snapshot replaces the whole store (LevelStore.importSnapshot: written beside it, swapped in
// when complete). Fencing: frames of an epoch older than one this node has seen are refused,
// and every batch must follow the last one exactly (index + 1), or the link is dropped and the
// handshake decides again. The link is re-established until stop().
import { decodeBatch, type Position, type SnapshotEntry } from '@wharf/store';
import {
  FrameType, REPLICATION_VERSION, type BatchesFrame, type ReplicationFrame, type SnapChunkFrame,
} from './frames';
import type { ReplicationLink, ReplicationTransport } from './transport';
import { ChunkQueue } from './chunk-queue';
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
  /** The received position moved (the node tells the election). */
  onPosition(p: Position): void;
  /** The local store failed: the node cannot go on. */
  onFailure(err: Error): void;
}

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
  private lazyTimer: NodeJS.Timeout | null = null;
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
    const quorumDisk = this.o.sync === 'quorum_disk';
    let last: Promise<void> | undefined;
    for (let i = 0; i < f.items.length; i++) {
      const batch = decodeBatch(f.items[i]!);
      const p = batch.position;
      const prev = this.received;
      if (p.index !== prev.index + 1 || p.epoch < prev.epoch || p.epoch > f.epoch) {
        throw new Error(`batch ${fmt(p)} does not follow ${fmt(prev)} in epoch ${f.epoch}`);
      }
      this.received = p;
      last = this.o.store.apply(batch, { sync: quorumDisk && f.sync[i] === true });
      last.catch((err: Error) => this.failed(err));
    }
    if (!last) return;
    this.lastApply = last;
    const index = this.received.index;
    this.o.onPosition(this.received);
    this.scheduleAck(link);
    last.then(() => {
      if (index > this.durable) this.durable = index;
      // Only quorum_disk commits wait for written acks; otherwise they are progress reports
      // (status, lag) and ride on the next received ack, or go out a little later.
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
    // Nothing may be applied while the store is replaced.
    const done = this.lastApply.catch(() => undefined).then(() => this.o.store.importSnapshot(queue));
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
