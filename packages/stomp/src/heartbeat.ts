// STOMP 1.1/1.2 heart-beating: the negotiation (pure) and the timer of one connection.
import type { StompVersion } from './parser';
import type { StompOptions } from './options';

export interface HeartBeatPlan {
  /** The broker writes at least this often (ms, 0 = never). */
  sendEvery: number;
  /** The client must write at least this often (ms, 0 = no check). */
  readEvery: number;
  /** The CONNECTED `heart-beat` value, or undefined for STOMP 1.0. */
  header: string | undefined;
}

/**
 * The broker echoes the client's wish, as ActiveMQ does: it sends every cy ms and expects data
 * every cx ms (STOMP 1.2 Heart-beating), never more often than minHeartBeat. Null for a
 * malformed header.
 */
export function negotiateHeartBeat(value: string | undefined, version: StompVersion, opts: StompOptions): HeartBeatPlan | null {
  if (version === '1.0') return { sendEvery: 0, readEvery: 0, header: undefined };
  let [cx, cy] = opts.defaultHeartBeat;
  if (value !== undefined) {
    const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
    if (!m) return null;
    cx = Number(m[1]);
    cy = Number(m[2]);
  }
  const sendEvery = cy > 0 ? Math.max(cy, opts.minHeartBeat) : 0;
  const readEvery = cx > 0 ? Math.max(cx, opts.minHeartBeat) : 0;
  return { sendEvery, readEvery, header: `${sendEvery},${readEvery}` };
}

export interface HeartBeatHooks {
  /** ms since the client last wrote anything, and since the broker did. */
  sinceRead(): number;
  sinceWrite(): number;
  beat(): void;
  silent(ms: number): void;
}

/** One timer per connection: writes EOL heart-beats and closes a silent client. */
export class HeartBeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(plan: HeartBeatPlan, graceMultiplier: number, hooks: HeartBeatHooks) {
    const { sendEvery, readEvery } = plan;
    if (sendEvery === 0 && readEvery === 0) return;
    const tick = Math.max(10, Math.floor(Math.min(sendEvery || Infinity, readEvery || Infinity) / 2));
    const grace = readEvery * graceMultiplier;
    this.timer = setInterval(() => {
      const silentFor = hooks.sinceRead();
      if (readEvery > 0 && silentFor > grace) {
        this.stop();
        hooks.silent(silentFor);
        return;
      }
      // Write when the last write is half an interval old, so no gap exceeds the interval.
      if (sendEvery > 0 && hooks.sinceWrite() >= sendEvery / 2) hooks.beat();
    }, tick);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
