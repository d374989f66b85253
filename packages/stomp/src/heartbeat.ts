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

/**
 * The timers of one connection, with ActiveMQ's cadence: an EOL is written when nothing was
 * written for about `sendEvery`; the read check runs every `readEvery × grace multiplier` and
 * closes the connection when nothing at all was read since the previous check (so a client
 * going silent is closed between one and two check periods later, as on ActiveMQ).
 */
export class HeartBeat {
  private writer: NodeJS.Timeout | null = null;
  private reader: NodeJS.Timeout | null = null;

  constructor(plan: HeartBeatPlan, graceMultiplier: number, hooks: HeartBeatHooks) {
    const { sendEvery, readEvery } = plan;
    if (sendEvery > 0) {
      this.writer = setInterval(() => {
        if (hooks.sinceWrite() >= sendEvery * 0.9) hooks.beat();
      }, Math.max(10, Math.floor(sendEvery / 2)));
      this.writer.unref();
    }
    if (readEvery > 0) {
      const period = Math.max(10, Math.round(readEvery * graceMultiplier));
      // The first period counts the CONNECT frame as data read.
      let lastCheck = Date.now() - period;
      this.reader = setInterval(() => {
        const now = Date.now();
        const silentFor = hooks.sinceRead();
        if (silentFor >= now - lastCheck) {
          this.stop();
          hooks.silent(silentFor);
          return;
        }
        lastCheck = now;
      }, period);
      this.reader.unref();
    }
  }

  stop(): void {
    if (this.writer) clearInterval(this.writer);
    if (this.reader) clearInterval(this.reader);
    this.writer = null;
    this.reader = null;
  }
}
