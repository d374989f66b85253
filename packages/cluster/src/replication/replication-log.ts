// The retained replication log (docs/CLUSTER.md): the encoded batches this node committed (as master)
// or applied (as slave), oldest first, so that a slave that was away streams the batches it
// missed instead of taking a snapshot. Only replication reads it.
//
// FileReplicationLog keeps it in append-only segment files (`<dataDirectory>/replication-log`),
// not in LevelDB (LevelStore's logRetentionBatches is 0 on a cluster node). In LevelDB every
// message was stored twice, and the log's key range, interleaved with the messages' in every
// memtable flush, was rewritten by compaction again and again: on the benchmark machine a store
// with the log cost about twice the CPU per message of one without, its write stalls set the
// master's pace, and replicated throughput fell by half (docs/PERFORMANCE.md, bench-cluster).
// Here a batch is written once, as the bytes shipped to the slaves (no re-encoding), with one
// synchronous write per turn of the event loop into the page cache (a thread-pool hand-off per
// write costs more than the write), and fsynced only on a quorum_disk slave (sync(), below).
//
// Crash safety without fsync: the store is the truth about what is written, the log an index
// into its history and a buffer for what the store has not written yet. A slave writes what it
// receives here before it acknowledges it and hands it to its store a little later (slave.ts),
// so a batch acknowledged as received survives the slave process (not a power loss: no fsync,
// as before). open() checks every record (length, checksum, consecutive indexes), cuts the log
// at the first bad one, and hands back the records after the store's position, for the store to
// apply (on a master: commits whose local write a crash interrupted, which is as if it had
// completed). A log that does not hold the store's position starts afresh there. A log that
// ends early or starts late only means that a slave further behind gets a snapshot.
//
// quorum_disk: a slave syncs the log (fdatasync of the segments written since the last sync,
// and of the directory after a segment was created) before it acknowledges batches as written,
// so they survive a power loss before its store has them; its store writes are synced too, and
// only batches the store has written are trimmed, so the log always reaches back to a position
// the store has on disk. A synced log preallocates its segments with zeros (zeroFill); open()
// takes zeros after a segment's last record as its end, and zeros followed by records as a hole.
//
// Record: u32 payload length, u32 epoch, u32 index (high), u32 index (low), u32 epoch of the
// batch before (0xffffffff: unknown), u8 flags (1: sync commit), u32 CRC-32 of the bytes from
// the epoch to the end of the payload; then the payload (the batch as encodeBatch wrote it).
// Segment files are named by their first index.
import {
  promises as fsp, closeSync, fdatasyncSync, fsyncSync, openSync, read, unlinkSync, writeSync, writevSync,
} from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { decodeEncodedBatch, encodeBatch, ZERO_POSITION, type EncodedBatch, type Position, type Store } from '@wharf/store';
import { fmt, samePosition, type ClusterLogger, type ReplicableStore } from '../types';

/** One retained batch. */
export interface LogRecord {
  position: Position;
  bytes: Uint8Array;
  /** Whether it was a sync commit (a quorum_disk slave then writes it with fsync). */
  sync: boolean;
}

export interface ReplicationLog {
  /**
   * Loads the log (the store is open at `storePosition`) and returns the batches it holds after
   * that position, which the store must apply before anything else.
   */
  open(storePosition: Position): Promise<LogRecord[]>;
  /** Appends the batch that follows the log's end (a batch that does not follow restarts the log). */
  append(position: Position, bytes: Uint8Array, sync: boolean): void;
  /**
   * Writes what was appended now (otherwise at the end of the turn). True when every batch
   * appended is in the log's files: a crash of the process no longer loses it.
   */
  flush(): boolean;
  /**
   * Writes what was appended and makes it durable, now, on this thread (fdatasync of the files
   * written since the last sync: one sync serves every batch appended before it). Returns the
   * last index on disk; throws when the log cannot keep batches (then flush() says false too).
   */
  sync(): number;
  /** The store has written every batch up to `index`: retention may drop them now. */
  written(index: number): void;
  /** Whether a slave at `p` can stream from here: p is a retained batch or the point the log starts after. */
  holds(p: Position): Promise<boolean>;
  /** Up to `limit` batches (about `maxBytes`) after `from`; undefined when `from` is not held. */
  read(from: Position, limit: number, maxBytes: number): Promise<LogRecord[] | undefined>;
  /** Forgets everything: the store was replaced by a snapshot at `p`. */
  reset(p: Position): Promise<void>;
  /** Writes what is pending and releases the files. */
  close(): Promise<void>;
}

/**
 * Opens `log` for `store` (open) and writes to the store the batches the log holds beyond the
 * store's position: received (and acknowledged) as a slave or committed as master, but not yet
 * written when the process ended. Resolves with how many there were.
 */
export async function openAndRecover(log: ReplicationLog, store: Pick<ReplicableStore, 'position' | 'apply'>, logger?: ClusterLogger): Promise<number> {
  const tail = await log.open(store.position);
  if (tail.length === 0) return 0;
  const batches: EncodedBatch[] = [];
  for (const r of tail) {
    let batch: EncodedBatch | undefined;
    try {
      batch = decodeEncodedBatch(r.bytes);
    } catch {
      batch = undefined;
    }
    if (!batch || !samePosition(batch.position, r.position)) {
      logger?.warn({ position: fmt(r.position) }, 'replication log: a retained batch does not decode; the log starts afresh after the batches before it');
      break;
    }
    batches.push(batch);
  }
  let last: Promise<void> | undefined;
  for (const [i, b] of batches.entries()) last = store.apply(b, { sync: i === batches.length - 1 });
  await last;
  if (batches.length < tail.length) await log.reset(store.position);
  else log.written(store.position.index);
  return batches.length;
}

/**
 * The log kept by the store itself (Store.readLog: a LevelStore with logRetentionBatches > 0,
 * MemoryStore): for nodes built without a FileReplicationLog, e.g. in tests.
 */
export class StoreReplicationLog implements ReplicationLog {
  constructor(private readonly store: Pick<Store, 'position' | 'readLog'>) {}

  async open(): Promise<LogRecord[]> {
    return [];
  }
  append(): void {}
  flush(): boolean {
    return false;
  }
  sync(): number {
    throw new Error('the store keeps the retained log: nothing to sync');
  }
  written(): void {}
  async reset(): Promise<void> {}
  async close(): Promise<void> {}

  async holds(p: Position): Promise<boolean> {
    if (samePosition(p, this.store.position)) return true;
    if (p.index === 0) return samePosition(p, ZERO_POSITION) && (await this.store.readLog(ZERO_POSITION, 1)) !== undefined;
    // The batch at p's index, if the retained log still has it, must be p itself.
    const probe = await this.store.readLog({ epoch: p.epoch, index: p.index - 1 }, 1);
    const found = probe?.[0];
    return found !== undefined && samePosition(found.position, p);
  }

  async read(from: Position, limit: number): Promise<LogRecord[] | undefined> {
    const batches = await this.store.readLog(from, limit);
    return batches?.map((b) => ({ position: b.position, bytes: encodeBatch(b), sync: true }));
  }
}

export interface FileReplicationLogOptions {
  /** The log's directory (created when missing). */
  directory: string;
  /** Batches to keep (default 100000; 0 keeps none). */
  retentionBatches?: number;
  /** Bytes of batches to keep (default 64 MiB; the newest batch is kept however big). */
  retentionBytes?: number;
  logger?: ClusterLogger;
}

const HEADER = 25;
const UNKNOWN_EPOCH = 0xffffffff;
const MAX_RECORD = 512 * 1024 * 1024;
const SEGMENT_NAME = /^(\d{20})\.seg$/;
const FLAG_SYNC = 1;
/** Preallocation step of a synced log's segments (zeroFill). */
const PREALLOCATE = 1024 * 1024;
let zeros: Buffer | undefined;

function isZero(data: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to && i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

interface Segment {
  /** Index of its first record (its name). */
  first: number;
  path: string;
  fd: number;
  /** Bytes assigned to it (written or queued). */
  size: number;
  /** Records written to it. */
  records: number;
  /** Records in it that are still retained. */
  live: number;
  /** Reads in progress (a dropped segment's descriptor is closed only when none). */
  readers: number;
  dropped: boolean;
  /** Length of the file: records, then zeros written ahead of them (preallocation). */
  allocated: number;
}

interface Pending {
  seg: Segment;
  offset: number;
  bufs: Buffer[];
  bytes: number;
}

const crc32: (data: Uint8Array, value?: number) => number = typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32js;

export class FileReplicationLog implements ReplicationLog {
  readonly directory: string;
  private readonly retentionBatches: number;
  private readonly retentionBytes: number;
  private readonly segmentBytes: number;
  private readonly segmentRecords: number;
  private readonly log: ClusterLogger | undefined;
  /** The position just before the first retained record (epoch -1: unknown, not holdable). */
  private base: Position = ZERO_POSITION;
  // Retained records, oldest first, from `head` on; record i has index base.index + 1 + (i - head).
  private epochs: number[] = [];
  private segs: Segment[] = [];
  private offsets: number[] = [];
  private sizes: number[] = [];
  private flags: number[] = [];
  private head = 0;
  private bytes = 0;
  private segments: Segment[] = [];
  private tail: Segment | null = null;
  /** Encoded records not yet written (they are written at the end of the turn). */
  private queue: Pending[] = [];
  private flushScheduled = false;
  private failure: Error | null = null;
  private opened = false;
  /** The store holds every batch up to this index: only those may be trimmed. */
  private writtenIndex = -1;
  /** Segments written to since the last sync, and whether a segment was created since. */
  private dirty = new Set<Segment>();
  private dirDirty = false;
  /** Last index known to be on disk (fdatasync done). */
  private syncedIndex = -1;
  /** Set once the log is synced: its segments are then preallocated (zeroFill). */
  private preallocate = false;

  constructor(opts: FileReplicationLogOptions) {
    this.directory = opts.directory;
    this.retentionBatches = opts.retentionBatches ?? 100000;
    this.retentionBytes = opts.retentionBytes ?? 64 * 1024 * 1024;
    // About eight segments per retention bound: the files dropped at a time are small.
    this.segmentBytes = Math.min(64 * 1024 * 1024, Math.max(64 * 1024, Math.ceil(this.retentionBytes / 8)));
    this.segmentRecords = Math.max(1, Math.ceil(this.retentionBatches / 8));
    this.log = opts.logger;
  }

  get count(): number {
    return this.epochs.length - this.head;
  }

  /** The last position appended (the base when empty). */
  get end(): Position {
    const n = this.count;
    return n === 0 ? this.base : { epoch: this.epochs[this.epochs.length - 1]!, index: this.base.index + n };
  }

  /** The oldest retained position, if any. */
  get first(): Position | undefined {
    return this.count > 0 ? { epoch: this.epochs[this.head]!, index: this.base.index + 1 } : undefined;
  }

  // ---- open, reconcile, close ------------------------------------------------------------------

  async open(storePosition: Position): Promise<LogRecord[]> {
    await this.close();
    this.clearIndex(storePosition);
    this.failure = null;
    this.writtenIndex = storePosition.index;
    if (this.retentionBatches === 0) {
      await fsp.rm(this.directory, { recursive: true, force: true });
      this.opened = true;
      return [];
    }
    await fsp.mkdir(this.directory, { recursive: true });
    const names = (await fsp.readdir(this.directory)).filter((n) => SEGMENT_NAME.test(n)).sort();
    const contents = new Map<Segment, Buffer>();
    let cut: string | undefined;
    let expected = -1;
    let lastEpoch = 0;
    for (const name of names) {
      const path = join(this.directory, name);
      if (cut !== undefined) {
        await fsp.rm(path, { force: true });
        continue;
      }
      const data = await fsp.readFile(path);
      const seg: Segment = {
        first: Number(SEGMENT_NAME.exec(name)![1]), path, fd: -1, size: 0, records: 0, live: 0, readers: 0, dropped: false, allocated: data.length,
      };
      let off = 0;
      let bad: string | undefined;
      while (off < data.length) {
        if (isZero(data, off, off + HEADER)) {
          // Zeros written ahead of the records (preallocation): the segment's records end here.
          // A zeroed record with records after it is a hole (data lost with the page cache).
          if (!isZero(data, off + HEADER, data.length)) bad = 'a zeroed record';
          break;
        }
        if (data.length - off < HEADER) {
          bad = 'a torn record header';
          break;
        }
        const len = data.readUInt32BE(off);
        const epoch = data.readUInt32BE(off + 4);
        const index = data.readUInt32BE(off + 8) * 2 ** 32 + data.readUInt32BE(off + 12);
        const prev = data.readUInt32BE(off + 16);
        const flag = data[off + 20]!;
        if (len > MAX_RECORD || data.length - off - HEADER < len) {
          bad = 'a torn record';
          break;
        }
        const sum = crc32(data.subarray(off + HEADER, off + HEADER + len), crc32(data.subarray(off + 4, off + 21)));
        if (sum !== data.readUInt32BE(off + 21)) {
          bad = 'a checksum mismatch';
          break;
        }
        if (expected >= 0 ? index !== expected || prev !== lastEpoch || epoch < lastEpoch : off !== 0 || index !== seg.first) {
          bad = `batch ${epoch}:${index} out of order`;
          break;
        }
        if (expected < 0) this.base = { epoch: prev === UNKNOWN_EPOCH ? -1 : prev, index: index - 1 };
        this.push(epoch, seg, off, len, flag);
        seg.records++;
        expected = index + 1;
        lastEpoch = epoch;
        off += HEADER + len;
      }
      seg.size = off;
      if (bad !== undefined || off === 0) {
        if (bad !== undefined) this.log?.warn({ file: path, offset: off, problem: bad }, 'replication log: cut at a damaged record');
        cut = name;
        if (off === 0) {
          await fsp.rm(path, { force: true });
          continue;
        }
        await fsp.truncate(path, off);
        seg.allocated = off;
      }
      contents.set(seg, data);
      this.segments.push(seg);
    }
    let replay: LogRecord[] = [];
    if (this.holdsNow(storePosition)) {
      // Batches after the store's position: received (and acknowledged) or committed, but not
      // written by the store before the process ended.
      const start = this.head + (storePosition.index - this.base.index);
      for (let i = start; i < this.epochs.length; i++) {
        const data = contents.get(this.segs[i]!)!;
        const off = this.offsets[i]! + HEADER;
        replay.push({
          position: { epoch: this.epochs[i]!, index: this.base.index + 1 + (i - this.head) },
          bytes: Buffer.from(data.subarray(off, off + this.sizes[i]!)),
          sync: (this.flags[i]! & FLAG_SYNC) !== 0,
        });
      }
    } else {
      if (this.count > 0) {
        this.log?.info({ log: `${fmt(this.first!)}..${fmt(this.end)}`, store: fmt(storePosition) }, 'replication log: does not hold the store\'s position; starting it afresh');
      }
      await this.removeAll();
      this.clearIndex(storePosition);
      replay = [];
    }
    for (const seg of this.segments) seg.fd = openSync(seg.path, 'r+');
    this.tail = this.segments[this.segments.length - 1] ?? null;
    // What the files hold may be only in the page cache (a process crash leaves it there): the
    // first sync makes it durable too.
    this.dirty = new Set(this.segments);
    this.dirDirty = true;
    this.syncedIndex = storePosition.index;
    this.opened = true;
    this.trim();
    return replay;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.flush();
    this.opened = false;
    this.dirty.clear();
    for (const seg of this.segments) this.closeFd(seg);
    this.segments = [];
    this.tail = null;
  }

  async reset(p: Position): Promise<void> {
    await this.close();
    await this.removeAll();
    await this.open(p);
  }

  private clearIndex(base: Position): void {
    this.base = { epoch: base.epoch, index: base.index };
    this.epochs = [];
    this.segs = [];
    this.offsets = [];
    this.sizes = [];
    this.flags = [];
    this.head = 0;
    this.bytes = 0;
  }

  private async removeAll(): Promise<void> {
    for (const seg of this.segments) this.closeFd(seg);
    this.segments = [];
    this.tail = null;
    await fsp.rm(this.directory, { recursive: true, force: true });
    if (this.retentionBatches > 0) await fsp.mkdir(this.directory, { recursive: true });
  }

  // ---- appending ------------------------------------------------------------------------------

  append(position: Position, bytes: Uint8Array, sync: boolean): void {
    if (!this.opened || this.failure || this.retentionBatches === 0) return;
    const end = this.end;
    if (position.index !== end.index + 1 || position.epoch < end.epoch) {
      // Not the next batch: what is retained is no longer this node's history up to `position`.
      this.log?.warn({ end: fmt(end), batch: fmt(position) }, 'replication log: a batch that does not follow its end; starting the log afresh');
      this.restartAt(position);
    }
    let seg = this.tail;
    if (!seg || seg.size >= this.segmentBytes || seg.records >= this.segmentRecords) {
      try {
        seg = this.newSegment(position.index);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
    }
    const prevEpoch = this.count > 0 ? this.epochs[this.epochs.length - 1]! : this.base.epoch;
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32BE(bytes.length, 0);
    header.writeUInt32BE(position.epoch, 4);
    header.writeUInt32BE(Math.floor(position.index / 2 ** 32), 8);
    header.writeUInt32BE(position.index >>> 0, 12);
    header.writeUInt32BE(prevEpoch < 0 ? UNKNOWN_EPOCH : prevEpoch, 16);
    header[20] = sync ? FLAG_SYNC : 0;
    header.writeUInt32BE(crc32(bytes, crc32(header.subarray(4, 21))), 21);
    const payload = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const offset = seg.size;
    seg.size += HEADER + bytes.length;
    seg.records++;
    this.push(position.epoch, seg, offset, bytes.length, sync ? FLAG_SYNC : 0);
    const last = this.queue[this.queue.length - 1];
    if (last && last.seg === seg && last.offset + last.bytes === offset) {
      last.bufs.push(header, payload);
      last.bytes += HEADER + bytes.length;
    } else {
      this.queue.push({ seg, offset, bufs: [header, payload], bytes: HEADER + bytes.length });
    }
    this.trim();
    this.scheduleFlush();
  }

  private push(epoch: number, seg: Segment, offset: number, size: number, flag: number): void {
    this.epochs.push(epoch);
    this.segs.push(seg);
    this.offsets.push(offset);
    this.sizes.push(size);
    this.flags.push(flag);
    this.bytes += size;
    seg.live++;
  }

  /** Everything retained is dropped; the log goes on from `p` (its predecessor unknown). */
  private restartAt(p: Position): void {
    while (this.count > 0) this.dropFirst();
    const tail = this.tail;
    this.tail = null;
    if (tail && tail.live === 0) this.dropSegment(tail);
    this.base = { epoch: -1, index: p.index - 1 };
    if (this.syncedIndex > this.base.index) this.syncedIndex = this.base.index;
  }

  private newSegment(first: number): Segment {
    const path = join(this.directory, `${String(first).padStart(20, '0')}.seg`);
    const seg: Segment = { first, path, fd: openSync(path, 'w+'), size: 0, records: 0, live: 0, readers: 0, dropped: false, allocated: 0 };
    this.dirDirty = true;
    this.segments.push(seg);
    this.tail = seg;
    return seg;
  }

  written(index: number): void {
    if (index <= this.writtenIndex) return;
    this.writtenIndex = index;
    if (this.opened) this.trim();
  }

  private trim(): void {
    // Only batches the store holds: the others are all there is of them after a crash.
    while ((this.count > this.retentionBatches || (this.count > 1 && this.bytes > this.retentionBytes)) && this.base.index + 1 <= this.writtenIndex) {
      this.dropFirst();
    }
    if (this.head > 4096 && this.head * 2 > this.epochs.length) {
      const h = this.head;
      this.epochs = this.epochs.slice(h);
      this.segs = this.segs.slice(h);
      this.offsets = this.offsets.slice(h);
      this.sizes = this.sizes.slice(h);
      this.flags = this.flags.slice(h);
      this.head = 0;
    }
  }

  private dropFirst(): void {
    const h = this.head;
    const seg = this.segs[h]!;
    this.base = { epoch: this.epochs[h]!, index: this.base.index + 1 };
    this.bytes -= this.sizes[h]!;
    this.segs[h] = undefined as unknown as Segment;
    this.head++;
    if (--seg.live === 0 && seg !== this.tail) this.dropSegment(seg);
  }

  private dropSegment(seg: Segment): void {
    seg.dropped = true;
    this.dirty.delete(seg);
    this.segments = this.segments.filter((s) => s !== seg);
    // The name is free at once; a read in progress goes on on its descriptor, closed after it.
    try {
      unlinkSync(seg.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.warn({ file: seg.path, err: (err as Error).message }, 'replication log: could not delete a segment');
    }
    if (seg.readers === 0) this.release(seg);
  }

  private release(seg: Segment): void {
    // Queued writes to it go first: its descriptor number must not be reused while one is queued.
    this.flush();
    this.closeFd(seg);
  }

  private closeFd(seg: Segment): void {
    if (seg.fd < 0) return;
    try {
      closeSync(seg.fd);
    } catch {
      // already closed
    }
    seg.fd = -1;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After this turn's commits: one write for all of them.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Writes the queued records, synchronously: a write into the page cache costs a few
   * microseconds, handing it to libuv's thread pool several times more (a thread wake-up per
   * write), and a process that dies right after still leaves it in the file.
   */
  flush(): boolean {
    while (this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (job.seg.fd < 0) continue;
      try {
        if (this.preallocate && job.offset + job.bytes > job.seg.allocated) this.zeroFill(job.seg, job.offset + job.bytes);
        let done = 0;
        let bufs = job.bufs;
        while (done < job.bytes) {
          const n = writevSync(job.seg.fd, bufs, job.offset + done);
          done += n;
          if (done < job.bytes) bufs = remaining(job.bufs, done);
        }
        this.dirty.add(job.seg);
      } catch (err) {
        this.fail(err as Error);
        return false;
      }
    }
    return this.opened && this.failure === null && this.retentionBatches > 0;
  }

  // ---- durability (quorum_disk) -------------------------------------------------------------

  sync(): number {
    this.preallocate = true;
    if (!this.opened || this.failure || this.retentionBatches === 0 || !this.flush()) {
      throw this.failure ?? new Error('the replication log keeps no batches');
    }
    const index = this.end.index;
    if (index <= this.syncedIndex) return this.syncedIndex;
    // Synchronous: on a slave (its only user, under quorum_disk) frames that arrive meanwhile
    // wait in the socket and share the next sync, and no thread hand-off is paid per sync, which
    // on the benchmark machine cost more CPU than the fdatasync itself.
    try {
      for (const seg of this.dirty) if (seg.fd >= 0) fdatasyncSync(seg.fd);
      if (this.dirDirty) {
        // The names of segments created since the last sync.
        const fd = openSync(this.directory, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    } catch (err) {
      this.fail(err as Error);
      throw err;
    }
    this.dirty.clear();
    this.dirDirty = false;
    this.syncedIndex = index;
    return index;
  }

  /**
   * Writes zeros ahead of the records, up to the next PREALLOCATE boundary past `end`: records
   * then overwrite blocks the file already has, and an fdatasync has no file size or block
   * allocation to write (on ext4 no journal commit): about half the cost, and the time, of a sync
   * of an appended file on the benchmark machine. A synced log preallocates (quorum_disk).
   */
  private zeroFill(seg: Segment, end: number): void {
    const target = Math.ceil(end / PREALLOCATE) * PREALLOCATE;
    zeros ??= Buffer.alloc(PREALLOCATE);
    for (let at = seg.allocated; at < target;) at += writeSync(seg.fd, zeros, 0, Math.min(zeros.length, target - at), at);
    seg.allocated = target;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    // Without the log a slave that falls behind gets a snapshot, and a slave writes what it
    // receives to its store at once (flush() says false from now on).
    this.failure = err;
    this.log?.warn({ dir: this.directory, err: err.message }, 'replication log: write failed; not retaining batches any more');
    this.queue = [];
    while (this.count > 0) this.dropFirst();
    this.base = { epoch: -1, index: this.base.index };
  }

  // ---- reading --------------------------------------------------------------------------------

  async holds(p: Position): Promise<boolean> {
    return this.opened && this.retentionBatches > 0 && this.holdsNow(p);
  }

  private holdsNow(p: Position): boolean {
    if (samePosition(p, this.base)) return true;
    const i = p.index - this.base.index - 1;
    return i >= 0 && i < this.count && this.epochs[this.head + i] === p.epoch;
  }

  async read(from: Position, limit: number, maxBytes: number): Promise<LogRecord[] | undefined> {
    if (!(await this.holds(from))) return undefined;
    const start = from.index - this.base.index; // offset of the first record after `from`
    const n = Math.min(limit, this.count - start);
    if (n <= 0) return [];
    // Which records, and the file ranges they are in (consecutive records of a segment are adjacent).
    const at = this.head + start;
    let take = 0;
    let total = 0;
    while (take < n && (take === 0 || total < maxBytes)) total += this.sizes[at + take++]!;
    const epochs = this.epochs.slice(at, at + take);
    const segs = this.segs.slice(at, at + take);
    const offsets = this.offsets.slice(at, at + take);
    const sizes = this.sizes.slice(at, at + take);
    const flags = this.flags.slice(at, at + take);
    const firstIndex = this.base.index + 1 + start;
    this.flush();
    for (const s of new Set(segs)) s.readers++;
    try {
      const out: LogRecord[] = [];
      let i = 0;
      while (i < take) {
        const seg = segs[i]!;
        let j = i;
        while (j + 1 < take && segs[j + 1] === seg) j++;
        const begin = offsets[i]!;
        const end = offsets[j]! + HEADER + sizes[j]!;
        const buf = Buffer.allocUnsafe(end - begin);
        if (seg.fd < 0) throw new Error(`replication log segment ${seg.path} is closed`);
        const { bytesRead } = await readAt(seg.fd, buf, begin);
        if (bytesRead !== buf.length) throw new Error(`replication log segment ${seg.path} is shorter than its index`);
        for (let k = i; k <= j; k++) {
          const off = offsets[k]! - begin + HEADER;
          out.push({ position: { epoch: epochs[k]!, index: firstIndex + k }, bytes: buf.subarray(off, off + sizes[k]!), sync: (flags[k]! & FLAG_SYNC) !== 0 });
        }
        i = j + 1;
      }
      return out;
    } finally {
      for (const s of new Set(segs)) {
        if (--s.readers === 0 && s.dropped) this.release(s);
      }
    }
  }

  describe(): string {
    return this.count > 0 ? `${fmt(this.first!)}..${fmt(this.end)} (${this.count} batches, ${this.bytes} bytes)` : `empty after ${fmt(this.base)}`;
  }
}

/** The buffers after the first `skip` bytes of `bufs`. */
function remaining(bufs: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

function readAt(fd: number, buf: Buffer, position: number): Promise<{ bytesRead: number }> {
  return new Promise((resolve, reject) => {
    read(fd, buf, 0, buf.length, position, (err, bytesRead) => (err ? reject(err) : resolve({ bytesRead })));
  });
}

let table: Int32Array | undefined;
/** CRC-32 (IEEE), for Node versions without zlib.crc32. */
function crc32js(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
