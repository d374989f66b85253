// Accounting of message bytes held in memory (ActiveMQ systemUsage memoryUsage): one for the
// broker, and one per destination under it (a policy entry's memoryLimit), so that one full
// destination blocks its own producers while others keep flowing.
export class MemoryUsage {
  used = 0;
  private waiters: Array<() => void> | null = null;
  /** `parent`: the broker's usage, which every destination's bytes count against too. */
  constructor(public limit: number, readonly parent: MemoryUsage | null = null) {}
  add(n: number): void {
    this.used += n;
    if (this.parent) this.parent.add(n);
  }
  release(n: number): void {
    this.used -= n;
    if (this.used < 0) this.used = 0;
    if (this.parent) this.parent.release(n);
    if (this.waiters && !this.full) {
      const w = this.waiters;
      this.waiters = null;
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
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }
}
