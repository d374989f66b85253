// One slave, seen from the master. After the slave's HELLO the session either streams from the
// slave's position (it is in the master's history and still retained) or first sends a
// snapshot, a consistent copy of the whole store, and streams from the copy's position. While
// streaming, the pump sends every batch after the cursor: from the master's in-memory buffer of
// recent batches when it has them, else from the retained log on disk, several per frame.
import type { Position } from '@wharf/store';
import {
  FrameType, REPLICATION_VERSION, type HelloFrame, type ReplicationFrame,
} from './frames';
import type { ReplicationLink } from './transport';
import type { ReplicatedStore } from './replicated-store';
import { fmt, type SlaveStatus } from '../types';

const FRAME_MAX_BATCHES = 512;
const FRAME_MAX_BYTES = 1024 * 1024;
const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** Snapshot chunks in flight before the slave has written them. */
const SNAPSHOT_WINDOW = 4;
/**
 * Frames of batches a slave has not yet acknowledged. Beyond it, new commits wait for the next
 * acknowledgement and then go out together: under load frames grow instead of multiplying (one
 * write, one read, one store write and one ack per frame on every node).
 */
const FRAME_WINDOW = 2;

export class MasterSession {
  nodeId = '';
  private state: SlaveStatus['state'] = 'handshake';
  private closed = false;
  /** Last position sent. */
  private cursor: Position = { epoch: 0, index: 0 };
  /** Acknowledged log indexes; -1 until the slave's position is known to be in our history. */
  received = -1;
  durable = -1;
  private pumping = false;
  private again = false;
  /** Last log index of each frame sent and not yet acknowledged as received. */
  private unacked: number[] = [];
  /** Since when the oldest frame in `unacked` has waited for an answer (performance.now()). */
  private waitingSince = 0;
  /** Whether the last frame of batches asked for an answer at once (ReplicatedStore.wantsPrompt). */
  prompt = false;
  private lastHeard = Date.now();
  private lastSent = Date.now();
  private snapAcked = 0;
  private snapWake: (() => void) | null = null;

  constructor(private readonly link: ReplicationLink, private readonly store: ReplicatedStore) {}

  start(): void {
    this.link.start({
      frame: (f) => this.onFrame(f),
      closed: (reason) => this.ended(reason),
    });
  }

  isStreaming(): boolean {
    return this.state === 'streaming' && !this.closed;
  }

  status(head: number): SlaveStatus {
    return { nodeId: this.nodeId, state: this.state, received: this.received, durable: this.durable, lag: this.received < 0 ? head : Math.max(0, head - this.received) };
  }

  close(reason: string): void {
    if (this.closed) return;
    this.send({ t: FrameType.REFUSE, reason });
    this.link.close(reason);
    this.ended(reason);
  }

  /** Heartbeat: ping an idle link, drop a silent one. */
  tick(): void {
    if (this.closed) return;
    const now = Date.now();
    const hb = this.store.opts.heartbeatMs;
    if (now - this.lastHeard > hb * 4) {
      this.store.opts.logger.warn({ slave: this.nodeId, silentMs: now - this.lastHeard }, 'replication: slave stopped answering; dropping it');
      this.close(`no answer from the slave for ${now - this.lastHeard} ms`);
      return;
    }
    if (now - this.lastSent >= hb) this.send({ t: FrameType.PING });
  }

  private send(f: ReplicationFrame): void {
    this.lastSent = Date.now();
    this.link.send(f);
  }

  private ended(reason: string): void {
    const wasOpen = !this.closed;
    this.closed = true;
    this.snapWake?.();
    this.store.removeSession(this);
    if (wasOpen && this.nodeId) this.store.opts.logger.info({ slave: this.nodeId, reason }, 'replication: slave session ended');
  }

  private onFrame(f: ReplicationFrame): void {
    if (this.closed) return;
    this.lastHeard = Date.now();
    switch (f.t) {
      case FrameType.HELLO:
        void this.handshake(f).catch((err: Error) => this.close(`handshake failed: ${err.message}`));
        return;
      case FrameType.ACK:
        if (this.state !== 'streaming') return;
        if (f.received > this.received) this.received = f.received;
        if (f.durable > this.durable) this.durable = f.durable;
        if (this.unacked.length > 0 && this.unacked[0]! <= this.received) {
          while (this.unacked.length > 0 && this.unacked[0]! <= this.received) this.unacked.shift();
          this.waitingSince = performance.now();
          this.pump();
        }
        this.store.acked();
        return;
      case FrameType.SNAP_ACK:
        if (f.seq > this.snapAcked) this.snapAcked = f.seq;
        this.snapWake?.();
        return;
      case FrameType.PING:
        this.send({ t: FrameType.PONG });
        return;
      case FrameType.PONG:
        return;
      default:
        this.close(`unexpected frame type ${f.t} from the slave`);
    }
  }

  private async handshake(h: HelloFrame): Promise<void> {
    if (this.state !== 'handshake' || this.nodeId) return this.close('HELLO sent twice');
    const o = this.store.opts;
    if (h.version !== REPLICATION_VERSION) return this.close(`replication protocol version ${h.version} is not ${REPLICATION_VERSION}`);
    if (h.token !== o.token) return this.close('the securityToken does not match the master\'s');
    if (!this.store.active) return this.close('this node is not master');
    if (h.epoch > this.store.epoch) {
      o.onDeposed?.(h.epoch);
      return this.close(`this master's epoch ${this.store.epoch} is older than epoch ${h.epoch} the slave has seen`);
    }
    this.nodeId = h.nodeId;
    const from = await this.store.startFor(h.position);
    if (this.closed) return;
    if (from) {
      o.logger.info({ slave: h.nodeId, from: fmt(from), master: this.store.describe() }, 'replication: slave attached, streaming');
      this.send({ t: FrameType.WELCOME, nodeId: o.nodeId, epoch: this.store.epoch, snapshot: false });
      this.streamFrom(from);
      return;
    }
    o.logger.info({ slave: h.nodeId, position: fmt(h.position), master: this.store.describe() },
      'replication: slave log is not in the master\'s retained history (diverged or too old); sending a snapshot');
    this.send({ t: FrameType.WELCOME, nodeId: o.nodeId, epoch: this.store.epoch, snapshot: true });
    this.state = 'snapshot';
    await this.sendSnapshot();
  }

  private streamFrom(p: Position): void {
    this.cursor = p;
    this.received = this.durable = p.index;
    this.state = 'streaming';
    this.store.acked();
    this.pump();
  }

  private async sendSnapshot(): Promise<void> {
    const reader = this.store.inner.exportSnapshot();
    const started = Date.now();
    let seq = 0;
    let bytes = 0;
    try {
      this.send({ t: FrameType.SNAP_BEGIN, epoch: this.store.epoch });
      for (;;) {
        while (!this.closed && seq - this.snapAcked >= SNAPSHOT_WINDOW) {
          await new Promise<void>((resolve) => (this.snapWake = resolve));
          this.snapWake = null;
        }
        if (this.closed) return;
        const entries = await reader.next(SNAPSHOT_CHUNK_BYTES);
        if (!entries) break;
        if (this.closed) return;
        for (const [k, v] of entries) bytes += k.length + v.length;
        this.send({ t: FrameType.SNAP_CHUNK, seq: ++seq, entries });
        if (!this.link.writable) await this.link.drained();
      }
      this.send({ t: FrameType.SNAP_END, position: reader.position });
      this.store.opts.logger.info({ slave: this.nodeId, position: fmt(reader.position), bytes, chunks: seq, ms: Date.now() - started },
        'replication: snapshot sent');
      // Counted in the quorum once the slave acknowledges the copy's position.
      this.cursor = reader.position;
      this.state = 'streaming';
      this.pump();
    } finally {
      await reader.close();
    }
  }

  /** ms the oldest unanswered frame has waited (0: none waits). */
  silentFor(): number {
    return this.unacked.length === 0 ? 0 : performance.now() - this.waitingSince;
  }

  /** Streaming with no frame unacknowledged (nor one being sent). */
  idle(): boolean {
    return this.state === 'streaming' && !this.closed && !this.pumping && this.unacked.length === 0;
  }

  /** Sends everything after the cursor; called on every commit and when the link drains. */
  pump(): void {
    if (this.state !== 'streaming' || this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.drainLog()
      .catch((err: Error) => this.close(`streaming failed: ${err.message}`))
      .finally(() => {
        this.pumping = false;
        if (this.again) this.pump();
      });
  }

  /**
   * One frame. A slave the commits do not wait for is asked to answer at once all the same when
   * the frame does not reach the end of the log (it is catching up): its answer opens the window
   * for the next frame, and waiting for its store hand-off would slow the catch-up.
   */
  private sendBatches(batches: ReadonlyArray<{ position: Position; bytes: Uint8Array; sync: boolean }>): void {
    const store = this.store;
    const prompt = store.wantsPrompt(this);
    this.prompt = prompt;
    const behind = batches[batches.length - 1]!.position.index < store.assignedPosition.index;
    this.send({
      t: FrameType.BATCHES, epoch: store.epoch, items: batches.map((b) => b.bytes), sync: batches.map((b) => b.sync),
      durable: prompt, ack: prompt || behind,
    });
  }

  private sent(last: number): void {
    if (this.unacked.length === 0) this.waitingSince = performance.now();
    this.unacked.push(last);
  }

  private async drainLog(): Promise<void> {
    const store = this.store;
    for (;;) {
      this.again = false;
      while (!this.closed && this.cursor.index < store.assignedPosition.index) {
        if (this.unacked.length >= FRAME_WINDOW) break; // the next ack pumps again
        if (!this.link.writable) {
          await this.link.drained();
          continue;
        }
        const next = this.cursor.index + 1;
        const buffered = store.buffered(next, FRAME_MAX_BATCHES, FRAME_MAX_BYTES);
        if (buffered) {
          this.sendBatches(buffered);
          this.cursor = buffered[buffered.length - 1]!.position;
          this.sent(this.cursor.index);
          continue;
        }
        const batches = await store.log.read(this.cursor, FRAME_MAX_BATCHES, FRAME_MAX_BYTES);
        if (this.closed) return;
        if (batches === undefined) {
          this.close(`the slave at ${fmt(this.cursor)} fell out of the retained log; it must reconnect for a snapshot`);
          return;
        }
        if (batches.length === 0) break; // written by now? the next commit pumps again
        this.sendBatches(batches);
        this.cursor = batches[batches.length - 1]!.position;
        this.sent(this.cursor.index);
      }
      if (!this.again || this.closed) return;
    }
  }
}
