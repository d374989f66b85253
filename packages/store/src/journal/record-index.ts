// Which records the journal retains and where they are: their epochs, segments, offsets, sizes
// and flags in parallel arrays, oldest first from `head` on, so appending and trimming allocate
// nothing per record. Record i has index base.index + 1 + (i - head).
import { ZERO_POSITION, type Position } from '../types';
import type { Segment } from './segment';

export class RecordIndex {
  /** The position just before the first retained record (epoch -1: unknown, not holdable). */
  base: Position = ZERO_POSITION;
  epochs: number[] = [];
  segs: Segment[] = [];
  offsets: number[] = [];
  sizes: number[] = [];
  flags: number[] = [];
  head = 0;
  /** Sum of the retained records' payload sizes. */
  bytes = 0;

  get count(): number {
    return this.epochs.length - this.head;
  }

  /** The last position retained (the base when empty). */
  get end(): Position {
    const n = this.count;
    return n === 0 ? this.base : { epoch: this.epochs[this.epochs.length - 1]!, index: this.base.index + n };
  }

  /** The oldest retained position, if any. */
  get first(): Position | undefined {
    return this.count > 0 ? { epoch: this.epochs[this.head]!, index: this.base.index + 1 } : undefined;
  }

  /** The epoch of the last record (the base's when empty; -1: unknown). */
  get lastEpoch(): number {
    return this.count > 0 ? this.epochs[this.epochs.length - 1]! : this.base.epoch;
  }

  /** Forgets every record; the index goes on after `base`. */
  clear(base: Position): void {
    this.base = { epoch: base.epoch, index: base.index };
    this.epochs = [];
    this.segs = [];
    this.offsets = [];
    this.sizes = [];
    this.flags = [];
    this.head = 0;
    this.bytes = 0;
  }

  push(epoch: number, seg: Segment, offset: number, size: number, flag: number): void {
    this.epochs.push(epoch);
    this.segs.push(seg);
    this.offsets.push(offset);
    this.sizes.push(size);
    this.flags.push(flag);
    this.bytes += size;
    seg.live++;
  }

  /** Drops the oldest record; returns its segment (with `live` counted down). */
  dropFirst(): Segment {
    const h = this.head;
    const seg = this.segs[h]!;
    this.base = { epoch: this.epochs[h]!, index: this.base.index + 1 };
    this.bytes -= this.sizes[h]!;
    this.segs[h] = undefined as unknown as Segment;
    this.head++;
    seg.live--;
    return seg;
  }

  /** Gives the arrays' dropped head back once it is most of them. */
  compact(): void {
    if (this.head <= 4096 || this.head * 2 <= this.epochs.length) return;
    const h = this.head;
    this.epochs = this.epochs.slice(h);
    this.segs = this.segs.slice(h);
    this.offsets = this.offsets.slice(h);
    this.sizes = this.sizes.slice(h);
    this.flags = this.flags.slice(h);
    this.head = 0;
  }

  /** Whether `p` is a retained record or the point the records start after. */
  holds(p: Position): boolean {
    if (p.epoch === this.base.epoch && p.index === this.base.index) return true;
    const i = p.index - this.base.index - 1;
    return i >= 0 && i < this.count && this.epochs[this.head + i] === p.epoch;
  }
}
