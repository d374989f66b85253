// Progress of a long produce/consume (or of an admin command reading many pages of destinations):
// a bar on a terminal, a line every 10% otherwise (logs and pipes), and a summary at the end.
import cliProgress from 'cli-progress';
import type { Io } from './io';

/** Counts below this finish too fast to be worth a progress display. */
export const PROGRESS_THRESHOLD = 1000;
/** With no known total, a line every this many messages. */
const OPEN_ENDED_STEP = 10_000;

export function rate(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000) / ms) : count;
}

export function summary(verb: string, count: number, ms: number): string {
  return `${verb} ${count} message${count === 1 ? '' : 's'} in ${(ms / 1000).toFixed(2)} s (${rate(count, ms)} msg/s)`;
}

export interface ProgressOptions {
  /** What is counted, in the rate (default msg). */
  unit?: string;
  /** Show a bar on a terminal and nothing otherwise (output meant for scripts keeps stderr clean). */
  terminalOnly?: boolean;
}

export class Progress {
  private readonly started = performance.now();
  private bar: cliProgress.SingleBar | undefined;
  private nextLine: number;
  private readonly step: number;
  private done = 0;
  private lastAt = 0;
  private readonly unit: string;

  /** `total` 0: not known in advance (consume without --count). */
  constructor(private readonly io: Io, private readonly verb: string, private readonly total: number, quiet = false, opts: ProgressOptions = {}) {
    this.unit = opts.unit ?? 'msg';
    const show = !quiet && (total === 0 || total >= PROGRESS_THRESHOLD) && (io.isTTY || !opts.terminalOnly);
    if (show && io.isTTY && total > 0) {
      this.bar = new cliProgress.SingleBar({
        stream: io.stderr,
        format: `${verb} [{bar}] {value}/{total} {percentage}% | {rate} ${this.unit}/s | {duration_formatted}`,
        hideCursor: true,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(total, 0, { rate: 0 });
    }
    this.step = total > 0 ? Math.max(1, Math.ceil(total / 10)) : OPEN_ENDED_STEP;
    this.nextLine = show && !this.bar ? this.step : Infinity;
  }

  get count(): number {
    return this.done;
  }

  elapsed(): number {
    return performance.now() - this.started;
  }

  /** ms from the start to the last message (a consumer's final idle wait is not work). */
  activeMs(): number {
    return this.lastAt === 0 ? this.elapsed() : this.lastAt - this.started;
  }

  tick(n = 1): void {
    this.done += n;
    this.lastAt = performance.now();
    if (this.bar) {
      this.bar.update(this.done, { rate: rate(this.done, this.elapsed()) });
    } else if (this.done >= this.nextLine) {
      const of = this.total > 0 ? `/${this.total}` : '';
      this.io.err(`${this.verb} ${this.done}${of} (${rate(this.done, this.elapsed())} ${this.unit}/s)`);
      while (this.nextLine <= this.done) this.nextLine += this.step;
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
