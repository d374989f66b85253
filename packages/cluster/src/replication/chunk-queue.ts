// Snapshot chunks between the link (push) and the store's import (for await). A chunk is
// acknowledged to the master once the import asks for the next one, i.e. once it is written:
// that is the copy's flow control.
import type { SnapshotEntry } from '@wharf/store';

export class ChunkQueue implements AsyncIterable<SnapshotEntry[]> {
  private items: Array<{ seq: number; entries: SnapshotEntry[] }> = [];
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private lastSeq = 0;

  constructor(private readonly ack: (seq: number) => void) {}

  push(seq: number, entries: SnapshotEntry[]): void {
    if (this.ended || this.error) return;
    this.items.push({ seq, entries });
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  fail(err: Error): void {
    if (!this.error) this.error = err;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SnapshotEntry[]> {
    for (;;) {
      if (this.lastSeq > 0) {
        this.ack(this.lastSeq);
        this.lastSeq = 0;
      }
      while (this.items.length === 0 && !this.ended && !this.error) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
      }
      if (this.error) throw this.error;
      const next = this.items.shift();
      if (!next) return;
      this.lastSeq = next.seq;
      yield next.entries;
    }
  }
}
