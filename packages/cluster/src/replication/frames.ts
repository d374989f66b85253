// The replication protocol's frames (docs/CLUSTER.md). A slave says HELLO with its log position; the
// master answers WELCOME (stream from that position, or send a snapshot first) or REFUSE, then
// streams BATCHES (several encoded log batches per frame); the slave ACKs what it received and
// what it has applied. Frames are msgpack (the protocol's codec); each log batch inside is the
// store's own encoding (encodeBatch), so master and slave write exactly the same batch.
import { decodeValue, encodeValue, lengthPrefixed } from '@wharf/protocol';
import type { Position } from '@wharf/store';

/** 2: batches carry their messages encoded (store codec.ts); 1 carried them as objects. */
export const REPLICATION_VERSION = 2;

/** Frame types. On the wire: ONLY ADD TO THE END. */
export const FrameType = {
  HELLO: 1,
  WELCOME: 2,
  REFUSE: 3,
  BATCHES: 4,
  ACK: 5,
  SNAP_BEGIN: 6,
  SNAP_CHUNK: 7,
  SNAP_ACK: 8,
  SNAP_END: 9,
  PING: 10,
  PONG: 11,
} as const;

/** slave → master: who I am and where my log ends. */
export interface HelloFrame {
  t: 1;
  version: number;
  nodeId: string;
  position: Position;
  /** The highest epoch this slave has seen: a master of a lower epoch is deposed. */
  epoch: number;
  token: string;
}
/** master → slave: the session is open; `snapshot` means a full copy comes first. */
export interface WelcomeFrame { t: 2; nodeId: string; epoch: number; snapshot: boolean }
/** master → slave: no session (not master, stale epoch, bad token); the link closes. */
export interface RefuseFrame { t: 3; reason: string }
/**
 * master → slave: consecutive log batches; `sync[i]` says whether batch i was a sync commit.
 * `durable: false` (quorum_disk): the master does not wait for this slave to have these batches
 * on disk (enough other slaves do), so it need not sync its log for them now.
 * `ack: false`: no commit waits for this slave's acknowledgement of these batches now (enough
 * other slaves answer at once), so it acknowledges them with its next store hand-off (within
 * about 20 ms) instead of at once. Absent (an older master): at once.
 */
export interface BatchesFrame { t: 4; epoch: number; items: Uint8Array[]; sync: boolean[]; durable?: boolean; ack?: boolean }
/** slave → master: log indexes received (in memory) and applied (written; fsynced when asked). */
export interface AckFrame { t: 5; received: number; durable: number }
export interface SnapBeginFrame { t: 6; epoch: number }
export interface SnapChunkFrame { t: 7; seq: number; entries: Array<[Uint8Array, Uint8Array]> }
/** slave → master: chunk `seq` is written (flow control of the copy). */
export interface SnapAckFrame { t: 8; seq: number }
export interface SnapEndFrame { t: 9; position: Position }
export interface PingFrame { t: 10 }
export interface PongFrame { t: 11 }

export type ReplicationFrame =
  | HelloFrame | WelcomeFrame | RefuseFrame | BatchesFrame | AckFrame
  | SnapBeginFrame | SnapChunkFrame | SnapAckFrame | SnapEndFrame | PingFrame | PongFrame;

export const MAX_REPLICATION_FRAME = 512 * 1024 * 1024;

export function encodeFrame(frame: ReplicationFrame): Buffer {
  return lengthPrefixed(encodeValue(frame));
}

/** Streaming decoder of length-prefixed frames; throws on a malformed stream. */
export class FrameReader {
  /** Received bytes not yet decoded, kept as chunks: a large frame is joined once, when complete. */
  private chunks: Buffer[] = [];
  private size = 0;
  private need = 0;

  push(chunk: Buffer, emit: (frame: ReplicationFrame) => void): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size >= 4) {
      if (this.need === 0) {
        const head = this.take(4, false);
        const len = head.readUInt32BE(0);
        if (len === 0 || len > MAX_REPLICATION_FRAME) throw new Error(`replication frame of ${len} bytes is out of bounds`);
        this.need = len + 4;
      }
      if (this.size < this.need) return;
      const bytes = this.take(this.need, true).subarray(4);
      this.need = 0;
      const frame = decodeValue<ReplicationFrame>(bytes);
      if (frame === null || typeof frame !== 'object' || typeof (frame as { t?: unknown }).t !== 'number') {
        throw new Error('replication frame is not an object with a type');
      }
      emit(frame);
    }
  }

  /** The first n buffered bytes; removed from the buffer when `consume`. */
  private take(n: number, consume: boolean): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) out = first.subarray(0, n);
    else {
      const all = Buffer.concat(this.chunks, this.size);
      this.chunks = [all];
      out = all.subarray(0, n);
    }
    if (consume) {
      const head = this.chunks[0]!;
      if (head.length === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
      this.size -= n;
    }
    return out;
  }
}
