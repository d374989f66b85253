// The scheduler's window on the store's jobs. Jobs live in the store, ordered by (due, id); in
// memory there is only a min-heap holding a prefix of that order up to `boundary`, refilled
// from the store (with a cursor just after the boundary) as it drains.
//
// The window invariant: every job committed in the store whose key is at or below `boundary`
// is in the heap, or in flight (its fire or removal is being written). Jobs committed beyond
// the boundary wait only in the store until a refill reaches them. `boundary === null` means
// every stored job is in memory.
//
// While a refill reads, other writes go on: jobs whose stored state changes meanwhile are
// `touched` (the refill skips what it read of them) and new versions wait in `admitLater`.
import type { Logger } from 'pino';
import { OpType, type JobRecord, type Store } from '@wharf/store';
import { JobHeap, compareKeys, type HeapNode, type JobKey } from './heap';
import { isJobData, jobInfo, type JobData, type JobInfo } from './job';
import { MAX_DUE } from './timing';

export type Node = HeapNode<JobData>;

export function nodeOf(id: string, due: number, data: JobData): Node {
  return { id, due, data, pos: -1 };
}

/** Jobs read per page when the store is searched (management). */
const PAGE = 2000;

export class JobWindow {
  readonly heap = new JobHeap<JobData>();
  /** Jobs whose store update (fire, reschedule, removal) is being written: id → due. */
  readonly inflight = new Map<string, number>();
  /** Removed while their fire was being written: the next fire is removed as well. */
  readonly cancelled = new Set<string>();
  boundary: JobKey | null = null;
  reloading = false;
  private touched = new Set<string>();
  private admitLater = new Map<string, Node>();
  /** False once a Store is seen to ignore loadJobs' `after` cursor (then it reads from the first). */
  private cursorReads = true;
  reloads = 0;
  removed = 0;
  running = false;

  constructor(
    private readonly store: () => Store,
    private readonly log: Logger,
    /** Jobs kept in memory at most (twice this before a trim). */
    readonly size: number,
    /** Jobs read per refill, and the heap size that starts one. */
    readonly refill: number,
    /** The first job may have changed: aim the timer again. */
    private readonly changed: () => void,
  ) {}

  /** Nothing is known to be in memory yet: the first refill reads from the start. */
  reset(): void {
    this.heap.clear();
    this.boundary = { due: -1, id: '' };
  }

  get wantsRefill(): boolean {
    return this.running && !this.reloading && this.boundary !== null && this.heap.size < this.refill;
  }

  /** A job's store write is done: take it into the window if it belongs there. */
  admit(node: Node): void {
    if (!this.running) return;
    if (this.reloading) {
      this.touched.add(node.id);
      this.admitLater.set(node.id, node);
      return;
    }
    if (this.boundary !== null && compareKeys(node, this.boundary) > 0) return; // waits in the store
    this.heap.push(node);
    if (this.heap.size > 2 * this.size) this.trim();
    if (this.heap.peek() === node) this.changed();
  }

  /** Too many jobs in memory: keep the first `size`, leave the rest to the store. */
  private trim(): void {
    const last = this.heap.truncate(this.size);
    if (last) this.boundary = { due: last.due, id: last.id };
  }

  /** Store writes for these jobs are over. */
  settled(ids: Iterable<string>): void {
    for (const id of ids) {
      this.inflight.delete(id);
      if (this.reloading) this.touched.add(id);
    }
  }

  /** Read the next jobs after the boundary into the heap. */
  async reload(): Promise<void> {
    if (!this.running || this.reloading || this.boundary === null) return;
    this.reloading = true;
    const after = this.boundary.due < 0 ? null : this.boundary;
    let rows: JobRecord[];
    try {
      rows = await this.storeJobs(MAX_DUE, this.refill, after);
    } catch (err) {
      this.endReload();
      this.admitPending();
      if (this.running) this.log.error({ err }, 'scheduler: loading jobs from the store failed');
      throw err;
    }
    const skip = this.touched;
    this.endReload();
    if (!this.running) return;
    this.reloads++;
    for (const r of rows) {
      if (this.heap.has(r.id) || this.inflight.has(r.id) || skip.has(r.id)) continue;
      if (!isJobData(r.data)) {
        this.log.warn({ jobId: r.id }, 'scheduler: ignoring a stored job it cannot read');
        continue;
      }
      this.heap.push(nodeOf(r.id, r.due, r.data));
    }
    const last = rows.at(-1);
    this.boundary = rows.length < this.refill || !last ? null : { due: last.due, id: last.id };
    this.admitPending();
    if (this.heap.size > 2 * this.size) this.trim();
    this.changed();
  }

  private endReload(): void {
    this.reloading = false;
    this.touched = new Set();
  }

  /** Jobs whose writes finished while a refill was reading. */
  private admitPending(): void {
    const later = [...this.admitLater.values()];
    this.admitLater.clear();
    for (const n of later) this.admit(n);
  }

  /** Up to `limit` stored jobs due by `until` whose key comes after `after` (all without it). */
  async storeJobs(until: number, limit: number, after: JobKey | null): Promise<JobRecord[]> {
    const store = this.store();
    if (!after) return store.loadJobs(until, limit);
    if (this.cursorReads) {
      const rows = await store.loadJobs(until, limit, after);
      if (rows.length === 0 || compareKeys(rows[0]!, after) > 0) return rows;
      this.cursorReads = false;
      this.log.warn('scheduler: the store ignores the loadJobs cursor; reading from the first job instead');
    }
    for (let n = 2 * limit; ; n *= 2) {
      const rows = await store.loadJobs(until, n);
      const fresh = rows.filter((r) => compareKeys(r, after) > 0);
      if (fresh.length >= limit || rows.length < n) return fresh.slice(0, limit);
    }
  }

  // ---- removal ------------------------------------------------------------------------------------

  /** Take a job out of memory (heap or pending admit); a job being fired gets its next fire cancelled. */
  take(id: string): { node?: Node; firing: boolean } {
    const node = this.heap.remove(id) ?? this.admitLater.get(id);
    if (node) {
      this.admitLater.delete(id);
      this.changed();
      return { node, firing: false };
    }
    if (this.inflight.has(id)) {
      this.cancelled.add(id);
      return { firing: true };
    }
    return { firing: false };
  }

  /** Write the removal of jobs already taken out of memory; `restore` goes back if it fails. */
  async removeStored(keys: JobKey[], restore: Node[] = []): Promise<void> {
    if (keys.length === 0) return;
    for (const k of keys) this.inflight.set(k.id, k.due);
    try {
      await this.store().commit(keys.map((k) => ({ t: OpType.REMOVE_JOB, id: k.id, due: k.due })), { sync: true });
      this.removed += keys.length;
    } catch (err) {
      this.settled(keys.map((k) => k.id));
      for (const n of restore) this.admit(n);
      throw err;
    } finally {
      for (const k of keys) this.cancelled.delete(k.id);
    }
    this.settled(keys.map((k) => k.id));
  }

  /** Remove one job by id. Resolves false when there is no such job. */
  async removeJob(id: string): Promise<boolean> {
    const t = this.take(id);
    if (t.node) {
      await this.removeStored([t.node], [t.node]);
      return true;
    }
    if (t.firing) return true;
    // Not in memory: search the store beyond the window, a page at a time.
    for (let cursor = this.boundary; cursor !== null;) {
      const rows = await this.storeJobs(MAX_DUE, PAGE, cursor.due < 0 ? null : cursor);
      const row = rows.find((r) => r.id === id);
      if (row) {
        const again = this.take(id); // it may have come into memory meanwhile
        if (again.node) await this.removeStored([again.node], [again.node]);
        else if (!again.firing) await this.removeStored([row]);
        return true;
      }
      const last = rows.at(-1);
      cursor = rows.length < PAGE || !last ? null : last;
    }
    return false;
  }

  /** Remove every job due within [start, end]. Resolves how many were removed. */
  async removeRange(start: number, end: number): Promise<number> {
    const inRange = (due: number): boolean => due >= start && due <= end;
    let count = 0;
    for (const [id, due] of this.inflight) if (inRange(due)) this.cancelled.add(id);
    const cursor0 = this.boundary;
    const keys: Node[] = [];
    for (const n of this.heap.sorted()) if (inRange(n.due) && this.take(n.id).node) keys.push(n);
    for (const n of [...this.admitLater.values()]) if (inRange(n.due) && this.take(n.id).node) keys.push(n);
    await this.removeStored(keys, keys);
    count += keys.length;
    for (let cursor = cursor0; cursor !== null;) {
      const rows = await this.storeJobs(end, PAGE, cursor.due < 0 ? null : cursor);
      const victims: JobKey[] = [];
      const restore: Node[] = [];
      for (const r of rows) {
        if (r.due < start) continue;
        const t = this.take(r.id);
        if (t.node) {
          victims.push(t.node);
          restore.push(t.node);
        } else if (!t.firing) victims.push(r);
      }
      await this.removeStored(victims, restore);
      count += victims.length;
      const last = rows.at(-1);
      cursor = rows.length < PAGE || !last ? null : last;
    }
    return count;
  }

  // ---- listing ------------------------------------------------------------------------------------

  /** Jobs due within [start, end], in due order: those in memory, then those beyond the window. */
  async jobs(start = 0, end = MAX_DUE, limit = Infinity): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    const after = this.boundary;
    for (const n of this.heap.sorted()) {
      if (out.length >= limit || n.due > end) break;
      if (n.due >= start) out.push({ id: n.id, due: n.due, data: n.data });
    }
    if (after !== null && out.length < limit) {
      const seen = new Set(out.map((r) => r.id));
      for (let cursor: JobKey | null = after; cursor !== null && out.length < limit;) {
        const rows = await this.storeJobs(end, PAGE, cursor.due < 0 ? null : cursor);
        for (const r of rows) if (r.due >= start && !seen.has(r.id) && out.length < limit) out.push(r);
        const last = rows.at(-1);
        cursor = rows.length < PAGE || !last ? null : last;
      }
    }
    return out;
  }

  async list(limit: number): Promise<JobInfo[]> {
    return (await this.jobs(0, MAX_DUE, limit)).map((r) => jobInfo(r.id, r.due, r.data));
  }
}
