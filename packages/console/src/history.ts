// A short history of the counters and depths the console's charts draw, kept in the broker's
// process: the page polls every second and computes rates from deltas, but a reloaded page
// starts with none; GET /api/history gives it the last minutes to draw from at once.
import { destinationsOf } from './metrics-destinations';
import type { BrokerView, QueueInfo } from './view';

/** How long and how often: 5 minutes (the charts' window) every 2 seconds. */
export const HISTORY_WINDOW_MS = 5 * 60 * 1000;
export const HISTORY_EVERY_MS = 2000;
/** Per-queue series are kept for this many queues at most (the deepest ones). */
const MAX_QUEUES = 200;

/** Column arrays: t[i] and values[key][i] are one sample. */
export interface Series {
  t: number[];
  values: Record<string, number[]>;
}

export interface HistoryJson {
  windowMs: number;
  everyMs: number;
  totals: Series;
  queues: Record<string, Series>;
}

function push(s: Series, t: number, values: Record<string, number>, cut: number): void {
  s.t.push(t);
  for (const [k, v] of Object.entries(values)) (s.values[k] ??= []).push(v);
  let drop = 0;
  while (drop < s.t.length - 1 && (s.t[drop] ?? 0) < cut) drop++;
  if (drop > 0) {
    s.t.splice(0, drop);
    for (const a of Object.values(s.values)) a.splice(0, drop);
  }
}

const empty = (): Series => ({ t: [], values: {} });

export class History {
  private readonly totals = empty();
  private readonly queues = new Map<string, Series>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly view: BrokerView) {}

  start(): void {
    this.tick();
    this.timer = setInterval(this.tick, HISTORY_EVERY_MS);
    this.timer.unref();
  }

  // sample() settles every failure itself (a node that does not serve has nothing to record).
  private readonly tick = (): void => {
    this.sample().catch(() => undefined);
  };

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sampling = false;

  /**
   * One sample of the totals and the queues (a node that does not serve has none). Read a
   * chunk at a time (metricsDestinations): every 2 s over 100,000 queues would otherwise hold
   * the event loop for the whole list.
   */
  async sample(now = Date.now()): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      await this.record(now);
    } catch {
      // not serving (a cluster slave): nothing to record
    } finally {
      this.sampling = false;
    }
  }

  private async record(now: number): Promise<void> {
    const cut = now - HISTORY_WINDOW_MS;
    // The overview's pass (a chunk at a time when the view can) also gives the deepest queues.
    const d = await destinationsOf(this.view, MAX_QUEUES);
    let durableDequeued = 0;
    for (const s of this.view.subscriptions()) if (s.durable) durableDequeued += s.dequeued;
    const tot = { ...d.totals, dequeued: d.totals.dequeued + durableDequeued };
    const kept: QueueInfo[] = d.queues;
    push(this.totals, now, { enqueued: tot.enqueued, dequeued: tot.dequeued, pending: tot.pending, inflight: tot.inflight }, cut);
    const seen = new Set<string>();
    for (const q of kept) {
      seen.add(q.name);
      let s = this.queues.get(q.name);
      if (!s) this.queues.set(q.name, (s = empty()));
      push(s, now, { enqueued: q.enqueued, dequeued: q.dequeued, pending: q.pending }, cut);
    }
    for (const name of this.queues.keys()) if (!seen.has(name)) this.queues.delete(name);
  }

  toJSON(): HistoryJson {
    return { windowMs: HISTORY_WINDOW_MS, everyMs: HISTORY_EVERY_MS, totals: this.totals, queues: Object.fromEntries(this.queues) };
  }
}
