// Each producer's highest stored sequence number (its duplicate-detection mark). Messages are not
// always stored in sequence order: a recovered XA branch committed late, or a transaction committed
// after the same producer's later plain sends, stores a lower sequence after a higher one. A mark
// that followed the last write would then go backwards, and a resend of a message already stored
// (after a failover) would be taken as new: so the mark only ever rises.
import { MAX_TRACKED_PRODUCERS } from './types';

export class ProducerMarks {
  /** In the order of last writes: the first is the oldest (evicted first). */
  private readonly marks = new Map<string, number>();
  /** The producer written last (already last in `marks`: a run of its sends moves nothing). */
  private lastId: string | null = null;

  constructor(private readonly max = MAX_TRACKED_PRODUCERS) {}

  /** Records a stored `seq` for `producerId`; returns the producer's mark (never below an earlier one). */
  raise(producerId: string, seq: number): number {
    const old = this.marks.get(producerId);
    const mark = old !== undefined && old > seq ? old : seq;
    if (producerId === this.lastId) {
      this.marks.set(producerId, mark);
      return mark;
    }
    // Re-inserted, so that the Map's order stays the order of last writes.
    if (old !== undefined) this.marks.delete(producerId);
    this.marks.set(producerId, mark);
    this.lastId = producerId;
    if (this.marks.size > this.max) this.marks.delete(this.marks.keys().next().value as string);
    return mark;
  }

  clear(): void {
    this.marks.clear();
    this.lastId = null;
  }

  /** A copy, the most recently written last. */
  snapshot(): Map<string, number> {
    return new Map(this.marks);
  }
}
