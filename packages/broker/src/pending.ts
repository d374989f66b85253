// Pending messages of one source, ordered by priority (9 first) and then by seq. Ten buckets,
// each an array kept sorted by seq: appends are the common case, a returned (redelivered)
// message is inserted at its place by binary search. Without `prioritized` (the destination
// policy prioritizedMessages, false by default as on ActiveMQ) every message shares one bucket:
// plain seq (FIFO) order.
import type { Entry } from './entry';

export class PendingList {
  // Made on the first add: a broker may hold 100,000 destinations, most of them empty.
  private buckets: Entry[][] = NO_BUCKETS;
  private heads: number[] = NO_HEADS;
  private count = 0;
  bytes = 0;

  /** @param prioritized order by priority first (set once, before the first add) */
  constructor(private readonly prioritized = true) {}

  private bucketOf(e: Entry): number {
    return this.prioritized ? clampPriority(e.msg.priority) : 4;
  }

  get size(): number {
    return this.count;
  }

  add(e: Entry): void {
    if (this.buckets === NO_BUCKETS) {
      this.buckets = Array.from({ length: 10 }, () => []);
      this.heads = new Array<number>(10).fill(0);
    }
    const p = this.bucketOf(e);
    const b = this.buckets[p]!;
    const head = this.heads[p]!;
    if (b.length === head || b[b.length - 1]!.seq < e.seq) {
      b.push(e);
    } else {
      let lo = head;
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid]!.seq < e.seq) lo = mid + 1;
        else hi = mid;
      }
      if (lo === head && head > 0) {
        this.heads[p] = head - 1;
        b[head - 1] = e;
      } else {
        b.splice(lo, 0, e);
      }
    }
    this.count++;
    this.bytes += e.size;
  }

  /** Visit pending entries in dispatch order; the visitor returns true to stop. */
  scan(visit: (e: Entry) => boolean | void, limit = Infinity): void {
    let seen = 0;
    for (let p = 9; p >= 0; p--) {
      const b = this.buckets[p]!;
      for (let i = this.heads[p]!; i < b.length; i++) {
        if (seen++ >= limit) return;
        if (visit(b[i]!) === true) return;
      }
    }
  }

  /** Remove entries for which `pred` is true (dispatched, expired, purged). */
  removeWhere(pred: (e: Entry) => boolean): Entry[] {
    const removed: Entry[] = [];
    for (let p = 0; p < 10; p++) {
      const b = this.buckets[p]!;
      const head = this.heads[p]!;
      if (b.length === head) continue;
      const keep: Entry[] = [];
      for (let i = head; i < b.length; i++) {
        const e = b[i]!;
        if (pred(e)) removed.push(e);
        else keep.push(e);
      }
      if (removed.length) {
        this.buckets[p] = keep;
        this.heads[p] = 0;
      }
    }
    for (const e of removed) {
      this.count--;
      this.bytes -= e.size;
    }
    return removed;
  }

  /** Remove one entry known to be pending; cheap when it is at a bucket's head. */
  remove(e: Entry): boolean {
    if (this.count === 0) return false;
    const p = this.bucketOf(e);
    const b = this.buckets[p]!;
    const head = this.heads[p]!;
    let idx = -1;
    if (b[head] === e) idx = head;
    else {
      let lo = head;
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid]!.seq < e.seq) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < b.length && b[i]!.seq === e.seq; i++) if (b[i] === e) idx = i;
    }
    if (idx < 0) return false;
    if (idx === head) {
      b[head] = undefined as unknown as Entry;
      this.heads[p] = head + 1;
      if (head + 1 === b.length) {
        b.length = 0;
        this.heads[p] = 0;
      } else if (head + 1 > 1024 && head + 1 > b.length >>> 1) {
        this.buckets[p] = b.slice(head + 1);
        this.heads[p] = 0;
      }
    } else {
      b.splice(idx, 1);
    }
    this.count--;
    this.bytes -= e.size;
    return true;
  }

  clear(): Entry[] {
    return this.removeWhere(() => true);
  }

  toArray(): Entry[] {
    const out: Entry[] = [];
    this.scan((e) => {
      out.push(e);
    });
    return out;
  }
}

// Shared by every list that never held an entry: ten empty buckets nobody writes to (add
// replaces them before its first write; removeWhere only writes a bucket it removed from).
const NO_BUCKETS: Entry[][] = Object.freeze(Array.from({ length: 10 }, () => Object.freeze([]) as unknown as Entry[])) as unknown as Entry[][];
const NO_HEADS: number[] = Object.freeze(new Array<number>(10).fill(0)) as unknown as number[];

function clampPriority(p: number): number {
  return p >= 9 ? 9 : p <= 0 ? 0 : p | 0;
}
