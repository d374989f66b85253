// The maximum frame read time: once a frame's first bytes arrived, the rest must follow within
// maxFrameReadTime, or the connection is closed. A client trickling a large frame a few bytes at
// a time would otherwise hold its buffer (up to maxFrameSize) for as long as it likes.
// One timer per connection, armed only while a frame is incomplete.
export class FrameClock {
  private since = 0;
  private timer: NodeJS.Timeout | null = null;

  /** `expired` closes the connection and returns true, or returns false to wait on. */
  constructor(private readonly limitMs: number, private readonly expired: () => boolean) {}

  /** After each read: is a frame incomplete now? */
  partial(incomplete: boolean): void {
    if (!(this.limitMs > 0)) return;
    if (!incomplete) {
      this.since = 0;
      return;
    }
    if (this.since === 0) this.since = Date.now();
    if (!this.timer) this.arm(this.limitMs);
  }

  restart(): void {
    if (this.since !== 0) this.since = Date.now();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    this.timer.unref();
  }

  private check(): void {
    this.timer = null;
    if (this.since === 0) return;
    const left = this.since + this.limitMs - Date.now();
    if (left > 0) return this.arm(left);
    if (!this.expired()) {
      this.since = Date.now();
      this.arm(this.limitMs);
    }
  }
}
