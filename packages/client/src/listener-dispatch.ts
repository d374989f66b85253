// A session's message listeners, run one call at a time (JMS: a session is one thread of
// control): consumers with messages for their listener are served round-robin, and an async
// listener is awaited before the next message.
import type { MessageConsumer } from './consumer';

export class ListenerDispatch {
  private readonly ready: MessageConsumer[] = [];
  private running = false;
  // A listener's own failure is handled where it is called (invokeListener); what else fails
  // goes to the connection's exception listener rather than end the application's process.
  private readonly runCb = (): void => {
    this.run().catch(this.onError);
  };

  /**
   * `canRun`: whether listeners may be called now (the session open, the connection started);
   * `onError`: what to do with a failure of the dispatch itself.
   */
  constructor(private readonly canRun: () => boolean, private readonly onError: (err: unknown) => void) {}

  /** `c` has messages for its listener: serve it in turn. */
  schedule(c: MessageConsumer): void {
    if (!c.inReady) {
      c.inReady = true;
      this.ready.push(c);
    }
    if (!this.running && this.canRun()) {
      this.running = true;
      queueMicrotask(this.runCb);
    }
  }

  private async run(): Promise<void> {
    let n = 0;
    try {
      while (this.ready.length > 0 && this.canRun()) {
        const c = this.ready.shift()!;
        c.inReady = false;
        const m = c.takeForListener();
        if (!m) continue;
        if (c.hasBuffered()) {
          c.inReady = true;
          this.ready.push(c);
        }
        const r = c.invokeListener(m);
        if (r) await r;
        // Let socket reads and timers in between long runs of synchronous listeners.
        if (++n % 128 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = false;
    }
    if (this.ready.length > 0 && this.canRun()) {
      this.running = true;
      queueMicrotask(this.runCb);
    }
  }
}
