// Broker-wide accounting of message bytes held in memory (ActiveMQ systemUsage memoryUsage).
export class MemoryUsage {
  used = 0;
  private waiters: Array<() => void> = [];
  constructor(public limit: number) {}
  add(n: number): void {
    this.used += n;
  }
  release(n: number): void {
    this.used -= n;
    if (this.used < 0) this.used = 0;
    if (this.waiters.length && !this.full) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }
  get full(): boolean {
    return this.limit > 0 && this.used >= this.limit;
  }
  get percent(): number {
    return this.limit > 0 ? Math.round((this.used / this.limit) * 100) : 0;
  }
  /** Resolves when usage is below the limit again. */
  whenAvailable(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
