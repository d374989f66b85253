// Everything a test opened, closed in reverse order at the end (docs/CONVENTIONS.md: test helpers and the ledger).
export class Ledger {
  private readonly closers: Array<() => unknown> = [];
  add<T>(thing: T, close: (t: T) => unknown): T {
    this.closers.push(() => close(thing));
    return thing;
  }
  defer(fn: () => unknown): void {
    this.closers.push(fn);
  }
  async closeAll(): Promise<void> {
    const errors: unknown[] = [];
    while (this.closers.length) {
      const f = this.closers.pop()!;
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  }
}
