// The journal: encoded batches, oldest first, in append-only segment files. The cluster keeps its
// retained replication log in one (`<dataDirectory>/replication-log`, docs/CLUSTER.md): the
// batches a node committed as master or applied as slave, so that a slave that was away streams
// the batches it missed instead of taking a snapshot.
//
// Why files and not LevelDB: in LevelDB every message was stored twice, and the log's key range,
// interleaved with the messages' in every memtable flush, was rewritten by compaction again and
// again: on the benchmark machine a store with the log cost about twice the CPU per message of
// one without, and replicated throughput fell by half (docs/PERFORMANCE.md, bench-cluster). Here
// a batch is written once, as the bytes shipped to the slaves (no re-encoding), with one
// synchronous write per turn of the event loop into the page cache (a thread-pool hand-off per
// write costs more than the write), and fsynced only when asked (sync(), below).
//
// Crash safety without fsync: the store is the truth about what is written, the journal an index
// into its history and a buffer for what the store has not written yet. A writer that puts a
// batch here before handing it to its store has it back after a crash of the process (not a
// power loss: no fsync). open() checks every record (record.ts), cuts the journal at the first
// bad one, and hands back the records after the store's position, for the store to apply. A
// journal that does not hold the store's position starts afresh there. A journal that ends
// early or starts late only means that a reader further behind must get its data elsewhere.
//
// Durability (quorum_disk): sync() writes what is queued and fdatasyncs the segments written
// since the last sync (and the directory after a segment was created); only batches the store
// has written (written()) are trimmed, so the journal always reaches back to a position the
// store has on disk. A synced journal preallocates its segments with zeros (segment.ts).
import { promises as fsp, closeSync, fdatasyncSync, fsyncSync, openSync, unlinkSync } from 'node:fs';
import { formatPosition } from '../ops';
import type { Position } from '../types';
import { encodeHeader, FLAG_SYNC, HEADER } from './record';
import { readRecords } from './reader';
import { loadSegments, recordsAfter } from './recovery';
import { RecordIndex } from './record-index';
import { closeSegment, createSegment, writeAt, zeroFill, type Segment } from './segment';

/** One retained batch. */
export interface JournalRecord {
  position: Position;
  bytes: Uint8Array;
  /** Whether it was a sync commit (a quorum_disk slave then writes it with fsync). */
  sync: boolean;
}

/** pino-compatible: `(fields, message)`. */
export interface JournalLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface JournalOptions {
  /** The journal's directory (created when missing). */
  directory: string;
  /** Batches to keep (default 100000; 0 keeps none). */
  retentionBatches?: number;
  /** Bytes of batches to keep (default 64 MiB; the newest batch is kept however big). */
  retentionBytes?: number;
  logger?: JournalLogger;
  /** What log lines call it (default 'journal'). */
  label?: string;
}

interface Pending {
  seg: Segment;
  offset: number;
  bufs: Buffer[];
  bytes: number;
}

const fmt = formatPosition;

export class Journal {
  readonly directory: string;
  private readonly retentionBatches: number;
  private readonly retentionBytes: number;
  private readonly segmentBytes: number;
  private readonly segmentRecords: number;
  private readonly log: JournalLogger | undefined;
  private readonly label: string;
  private readonly index = new RecordIndex();
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
  /** Set once the journal is synced: its segments are then preallocated (zeroFill). */
  private preallocate = false;

  constructor(opts: JournalOptions) {
    this.directory = opts.directory;
    this.retentionBatches = opts.retentionBatches ?? 100000;
    this.retentionBytes = opts.retentionBytes ?? 64 * 1024 * 1024;
    // About eight segments per retention bound: the files dropped at a time are small.
    this.segmentBytes = Math.min(64 * 1024 * 1024, Math.max(64 * 1024, Math.ceil(this.retentionBytes / 8)));
    this.segmentRecords = Math.max(1, Math.ceil(this.retentionBatches / 8));
    this.log = opts.logger;
    this.label = opts.label ?? 'journal';
  }

  get count(): number {
    return this.index.count;
  }

  /** The last position appended (the base when empty). */
  get end(): Position {
    return this.index.end;
  }

  /** The oldest retained position, if any. */
  get first(): Position | undefined {
    return this.index.first;
  }

  // ---- open (recovery) and close ----------------------------------------------------------------

  /**
   * Loads the journal (the store is open at `storePosition`) and returns the batches it holds
   * after that position, which the store must apply before anything else.
   */
  async open(storePosition: Position): Promise<JournalRecord[]> {
    await this.close();
    const ix = this.index;
    ix.clear(storePosition);
    this.failure = null;
    this.writtenIndex = storePosition.index;
    if (this.retentionBatches === 0) {
      await fsp.rm(this.directory, { recursive: true, force: true });
      this.opened = true;
      return [];
    }
    await fsp.mkdir(this.directory, { recursive: true });
    const loaded = await loadSegments(this.directory, ix, (file, offset, problem) => {
      this.log?.warn({ file, offset, problem }, `${this.label}: cut at a damaged record`);
    });
    this.segments = loaded.segments;
    let replay: JournalRecord[];
    if (ix.holds(storePosition)) {
      replay = recordsAfter(ix, storePosition, loaded.contents);
    } else {
      if (ix.count > 0) {
        this.log?.info({ log: `${fmt(ix.first!)}..${fmt(ix.end)}`, store: fmt(storePosition) }, `${this.label}: does not hold the store's position; starting it afresh`);
      }
      await this.removeAll();
      ix.clear(storePosition);
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

  /** Writes what is pending and releases the files. */
  async close(): Promise<void> {
    if (!this.opened) return;
    this.flush();
    this.opened = false;
    this.dirty.clear();
    for (const seg of this.segments) closeSegment(seg);
    this.segments = [];
    this.tail = null;
  }

  /** Forgets everything: the store was replaced by a copy at `p`. */
  async reset(p: Position): Promise<void> {
    await this.close();
    await this.removeAll();
    await this.open(p);
  }

  private async removeAll(): Promise<void> {
    for (const seg of this.segments) closeSegment(seg);
    this.segments = [];
    this.tail = null;
    await fsp.rm(this.directory, { recursive: true, force: true });
    if (this.retentionBatches > 0) await fsp.mkdir(this.directory, { recursive: true });
  }

  // ---- appending and trimming -----------------------------------------------------------------

  /** Appends the batch that follows the journal's end (a batch that does not follow restarts it). */
  append(position: Position, bytes: Uint8Array, sync: boolean): void {
    if (!this.opened || this.failure || this.retentionBatches === 0) return;
    const end = this.index.end;
    if (position.index !== end.index + 1 || position.epoch < end.epoch) {
      // Not the next batch: what is retained is no longer this node's history up to `position`.
      this.log?.warn({ end: fmt(end), batch: fmt(position) }, `${this.label}: a batch that does not follow its end; starting it afresh`);
      this.restartAt(position);
    }
    let seg = this.tail;
    if (!seg || seg.size >= this.segmentBytes || seg.records >= this.segmentRecords) {
      try {
        seg = createSegment(this.directory, position.index);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      this.dirDirty = true;
      this.segments.push(seg);
      this.tail = seg;
    }
    const header = encodeHeader(position, this.index.lastEpoch, sync, bytes);
    const payload = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const offset = seg.size;
    seg.size += HEADER + bytes.length;
    seg.records++;
    this.index.push(position.epoch, seg, offset, bytes.length, sync ? FLAG_SYNC : 0);
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

  /** Everything retained is dropped; the journal goes on from `p` (its predecessor unknown). */
  private restartAt(p: Position): void {
    while (this.index.count > 0) this.dropFirst();
    const tail = this.tail;
    this.tail = null;
    if (tail && tail.live === 0) this.dropSegment(tail);
    this.index.base = { epoch: -1, index: p.index - 1 };
    if (this.syncedIndex > this.index.base.index) this.syncedIndex = this.index.base.index;
  }

  /** The store has written every batch up to `index`: retention may drop them now. */
  written(index: number): void {
    if (index <= this.writtenIndex) return;
    this.writtenIndex = index;
    if (this.opened) this.trim();
  }

  private trim(): void {
    const ix = this.index;
    // Only batches the store holds: the others are all there is of them after a crash.
    while ((ix.count > this.retentionBatches || (ix.count > 1 && ix.bytes > this.retentionBytes)) && ix.base.index + 1 <= this.writtenIndex) {
      this.dropFirst();
    }
    ix.compact();
  }

  private dropFirst(): void {
    const seg = this.index.dropFirst();
    if (seg.live === 0 && seg !== this.tail) this.dropSegment(seg);
  }

  private dropSegment(seg: Segment): void {
    seg.dropped = true;
    this.dirty.delete(seg);
    this.segments = this.segments.filter((s) => s !== seg);
    // The name is free at once; a read in progress goes on on its descriptor, closed after it.
    try {
      unlinkSync(seg.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.warn({ file: seg.path, err: (err as Error).message }, `${this.label}: could not delete a segment`);
    }
    if (seg.readers === 0) this.release(seg);
  }

  private release(seg: Segment): void {
    // Queued writes to it go first: its descriptor number must not be reused while one is queued.
    this.flush();
    closeSegment(seg);
  }

  // ---- writing and durability -----------------------------------------------------------------

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
   * Writes the queued records now, synchronously: a write into the page cache costs a few
   * microseconds, handing it to libuv's thread pool several times more (a thread wake-up per
   * write), and a process that dies right after still leaves it in the file. True when every
   * batch appended is in the files: a crash of the process no longer loses it.
   */
  flush(): boolean {
    while (this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (job.seg.fd < 0) continue;
      try {
        const end = job.offset + job.bytes;
        if (this.preallocate && end > job.seg.allocated) zeroFill(job.seg, end);
        writeAt(job.seg, job.bufs, job.bytes, job.offset);
        // Records written before the first sync (a slave writes each frame before it syncs)
        // lengthen the file too: the zeros of a later preallocation go after them, not over them.
        if (end > job.seg.allocated) job.seg.allocated = end;
        this.dirty.add(job.seg);
      } catch (err) {
        this.fail(err as Error);
        return false;
      }
    }
    return this.opened && this.failure === null && this.retentionBatches > 0;
  }

  /**
   * Writes what was appended and makes it durable, now, on this thread (fdatasync of the files
   * written since the last sync: one sync serves every batch appended before it). Returns the
   * last index on disk; throws when the journal cannot keep batches (then flush() says false too).
   */
  sync(): number {
    this.preallocate = true;
    if (!this.opened || this.failure || this.retentionBatches === 0 || !this.flush()) {
      throw this.failure ?? new Error(`the ${this.label} keeps no batches`);
    }
    const index = this.index.end.index;
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

  private fail(err: Error): void {
    if (this.failure) return;
    // Without the journal a slave that falls behind gets a snapshot, and a slave writes what it
    // receives to its store at once (flush() says false from now on).
    this.failure = err;
    this.log?.warn({ dir: this.directory, err: err.message }, `${this.label}: write failed; not retaining batches any more`);
    this.queue = [];
    while (this.index.count > 0) this.dropFirst();
    this.index.base = { epoch: -1, index: this.index.base.index };
  }

  // ---- reading --------------------------------------------------------------------------------

  /** Whether a reader at `p` can stream from here: p is a retained batch or the point the journal starts after. */
  async holds(p: Position): Promise<boolean> {
    return this.opened && this.retentionBatches > 0 && this.index.holds(p);
  }

  /** Up to `limit` batches (about `maxBytes`) after `from`; undefined when `from` is not held. */
  async read(from: Position, limit: number, maxBytes: number): Promise<JournalRecord[] | undefined> {
    if (!(await this.holds(from))) return undefined;
    // Queued records are read from the files too.
    this.flush();
    return readRecords(this.index, from, limit, maxBytes, this.label, (seg) => this.release(seg));
  }

  describe(): string {
    const ix = this.index;
    return ix.count > 0 ? `${fmt(ix.first!)}..${fmt(ix.end)} (${ix.count} batches, ${ix.bytes} bytes)` : `empty after ${fmt(ix.base)}`;
  }
}
