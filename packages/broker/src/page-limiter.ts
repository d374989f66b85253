// Store reads that page queue messages into memory, a few at a time broker-wide. A restart with
// 100,000 queues that each hold messages would otherwise start 100,000 LevelDB iterators at once
// (gigabytes of buffers, and a loop blocked for tens of seconds). Queues with consumers go first.
export class PageLimiter {
  private running = 0;
  private readonly urgent = new Fifo();
  private readonly background = new Fifo();

  constructor(private readonly concurrency = 8) {}

  /** Resolves when the caller may read; it must call release() once done. */
  acquire(urgent: boolean): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => (urgent ? this.urgent : this.background).push(resolve));
  }

  release(): void {
    const next = this.urgent.take() ?? this.background.take();
    if (next) next();
    else this.running--;
  }
}

/** A queue whose take() is O(1) (Array.shift is O(n): 100,000 waiters would be quadratic). */
class Fifo {
  private items: Array<(() => void) | undefined> = [];
  private head = 0;

  push(item: () => void): void {
    this.items.push(item);
  }

  take(): (() => void) | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return item;
  }
}
