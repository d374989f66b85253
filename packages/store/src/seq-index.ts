// A map from seq to value that reads in seq order without sorting per call (MemoryStore). Seqs
// mostly arrive in increasing order (append), and leave mostly from the front (queue acks), so
// the sorted array is appended to and removed from lazily: a removed seq stays in the array as
// a dead slot until the front passes it or a compaction drops it (amortised O(1)).

export class SeqIndex<V> {
  private seqs: number[] = [];
  private head = 0;
  private readonly values = new Map<number, V>();

  get size(): number {
    return this.values.size;
  }

  get(seq: number): V | undefined {
    return this.values.get(seq);
  }

  has(seq: number): boolean {
    return this.values.has(seq);
  }

  /** Add or replace; true if the seq was not present. */
  set(seq: number, value: V): boolean {
    const fresh = !this.values.has(seq);
    this.values.set(seq, value);
    if (!fresh) return false;
    const n = this.seqs.length;
    if (n === this.head || seq > this.seqs[n - 1]!) {
      this.seqs.push(seq);
    } else {
      const i = this.lowerBound(seq);
      // A dead slot for the same seq (removed, now back) is reused.
      if (this.seqs[i] !== seq) this.seqs.splice(i, 0, seq);
    }
    return true;
  }

  delete(seq: number): boolean {
    if (!this.values.delete(seq)) return false;
    const dead = this.seqs.length - this.head - this.values.size;
    if (dead > 1024 && dead > this.values.size) this.compact();
    return true;
  }

  /** Lowest live seq, 0 when empty. */
  first(): number {
    const s = this.seqs;
    while (this.head < s.length && !this.values.has(s[this.head]!)) this.head++;
    if (this.head > 4096 && this.head * 2 > s.length) {
      this.seqs = s.slice(this.head);
      this.head = 0;
    }
    return this.head < this.seqs.length ? this.seqs[this.head]! : 0;
  }

  /** Highest live seq, 0 when empty. */
  last(): number {
    const s = this.seqs;
    while (s.length > this.head && !this.values.has(s[s.length - 1]!)) s.pop();
    return s.length > this.head ? s[s.length - 1]! : 0;
  }

  /** Up to `limit` live entries with seq > afterSeq, in seq order. */
  after(afterSeq: number, limit: number, out: (seq: number, value: V) => void): void {
    const s = this.seqs;
    let n = 0;
    for (let i = this.upperBound(afterSeq); i < s.length && n < limit; i++) {
      const seq = s[i]!;
      const v = this.values.get(seq);
      if (v === undefined && !this.values.has(seq)) continue;
      out(seq, v as V);
      n++;
    }
  }

  /** Every live seq in order. */
  *keys(): IterableIterator<number> {
    const s = this.seqs;
    for (let i = this.head; i < s.length; i++) if (this.values.has(s[i]!)) yield s[i]!;
  }

  /** First index (from head) with seqs[i] >= seq. */
  private lowerBound(seq: number): number {
    let lo = this.head;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index (from head) with seqs[i] > seq. */
  private upperBound(seq: number): number {
    let lo = this.head;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    const live: number[] = [];
    for (let i = this.head; i < this.seqs.length; i++) if (this.values.has(this.seqs[i]!)) live.push(this.seqs[i]!);
    this.seqs = live;
    this.head = 0;
  }
}
