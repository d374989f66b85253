// The batches of a master's term kept in memory: each until the local store has written it, and
// the most recent ones after that (up to 256 batches or 8 MiB), so that slaves streaming close
// behind the master read them here instead of from the retained log.
import type { Position } from '@wharf/store';
import type { BufferedBatch } from './replicated-store-options';

const BUFFER_MAX_BATCHES = 256;
const BUFFER_MAX_BYTES = 8 * 1024 * 1024;

export class BatchBuffer {
  private batches: BufferedBatch[] = [];
  private head = 0;
  private bytes = 0;

  /** Adds the batch that follows the last one. */
  push(b: BufferedBatch): void {
    this.batches.push(b);
    this.bytes += b.bytes.length;
  }

  /** Batches from index `from` on (up to the limits, at most up to `last`); undefined if `from` is not buffered. */
  from(from: number, last: number, maxItems: number, maxBytes: number): BufferedBatch[] | undefined {
    const first = this.batches[this.head];
    if (!first || from < first.position.index || from > last) return undefined;
    const out: BufferedBatch[] = [];
    let bytes = 0;
    for (let i = this.head + (from - first.position.index); i < this.batches.length; i++) {
      const e = this.batches[i]!;
      out.push(e);
      bytes += e.bytes.length;
      if (out.length >= maxItems || bytes >= maxBytes) break;
    }
    return out;
  }

  /** The buffered batch at `p`'s index: true when it is `p`, false when another; undefined when not buffered. */
  has(p: Position): boolean | undefined {
    const first = this.batches[this.head];
    if (!first || p.index < first.position.index) return undefined;
    const e = this.batches[this.head + (p.index - first.position.index)]!;
    return e.position.epoch === p.epoch && e.position.index === p.index;
  }

  /** Drops the oldest written batches beyond the bounds (the newest is always kept). */
  trim(): void {
    while (this.batches.length - this.head > 1) {
      const head = this.batches[this.head]!;
      if (!head.written) break;
      if (this.batches.length - this.head <= BUFFER_MAX_BATCHES && this.bytes <= BUFFER_MAX_BYTES) break;
      this.bytes -= head.bytes.length;
      this.batches[this.head++] = undefined as unknown as BufferedBatch;
    }
    if (this.head > 4096 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }
}
