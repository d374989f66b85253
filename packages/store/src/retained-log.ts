// MemoryStore's retained log: the batches it committed, oldest first, with their positions and
// sizes, bounded by count (readLog serves them; a cluster node built on a MemoryStore in tests
// streams to its slaves from here). LevelStore keeps none: a node's log is a Journal.
import { comparePositions, type Position } from './types';

export class RetainedLog<T> {
  private epochs: number[] = [];
  private indexes: number[] = [];
  private sizes: number[] = [];
  private items: T[] = [];
  private head = 0;
  /** Sum of the retained batches' sizes. */
  bytes = 0;

  get count(): number {
    return this.indexes.length - this.head;
  }

  push(epoch: number, index: number, size: number, item: T): void {
    this.epochs.push(epoch);
    this.indexes.push(index);
    this.sizes.push(size);
    this.items.push(item);
    this.bytes += size;
  }

  /** The oldest retained position, if any. */
  first(): Position | undefined {
    return this.count > 0 ? { epoch: this.epochs[this.head]!, index: this.indexes[this.head]! } : undefined;
  }

  /** Drop the oldest batch; returns its position. */
  shift(): Position {
    const h = this.head;
    const p = { epoch: this.epochs[h]!, index: this.indexes[h]! };
    this.bytes -= this.sizes[h]!;
    this.items[h] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.indexes.length) {
      this.epochs = this.epochs.slice(this.head);
      this.indexes = this.indexes.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  /**
   * Drop the oldest batches while over a bound. The count bound is exact; the byte bound keeps
   * at least the newest batch, however big, so a reader one batch behind can still catch up.
   */
  trim(maxCount: number, maxBytes: number, dropped?: (p: Position) => void): void {
    while (this.count > maxCount || (this.count > 1 && this.bytes > maxBytes)) {
      const p = this.shift();
      dropped?.(p);
    }
  }

  /**
   * Whether every batch after `from` is still retained (readLog answers undefined otherwise).
   * Indexes run on across epochs, so the batch just before the oldest retained one has index
   * `first.index - 1`: a reader at exactly that point misses nothing.
   */
  covers(from: Position): boolean {
    const first = this.first();
    if (!first) return false;
    return comparePositions(from, first) >= 0 || from.index === first.index - 1;
  }

  /** Offset (0 = oldest retained) of the first batch after `from`. */
  offsetAfter(from: Position): number {
    let lo = this.head;
    let hi = this.indexes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.epochs[mid]! !== from.epoch ? this.epochs[mid]! - from.epoch : this.indexes[mid]! - from.index;
      if (c <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  itemAt(offset: number): T {
    return this.items[this.head + offset]!;
  }
}
