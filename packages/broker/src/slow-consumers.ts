// Slow consumers (ActiveMQ's slowConsumerStrategy in a policy entry). A consumer that keeps its
// prefetch window full and does not acknowledge holds messages other consumers could take and,
// on a topic, makes messages pile up for it. The strategy closes it (or its connection) once it
// has been slow for maxSlowDuration ms, or has turned slow maxSlowCount times, checked every
// checkPeriod ms. One strategy object (one policy entry) keeps one list and one timer for all
// the destinations it applies to, as in ActiveMQ.
import { JMSError } from '@wharf/protocol';
import type { SlowConsumerStrategyConfig } from './config';
import type { ServerConsumer } from './consumer';
import type { ServerConnection } from './connection';
import type { MessageSource } from './source';
import type { Broker } from './broker';

interface SlowEntry {
  /** Checks it has been found slow at. */
  markCount: number;
  /** Times it turned slow while on the list. */
  slowCount: number;
}

interface StrategyRun {
  readonly slow: Map<ServerConsumer, SlowEntry>;
  timer: NodeJS.Timeout;
}

/** The strategy's settings with ActiveMQ's defaults. */
function settings(s: SlowConsumerStrategyConfig): Required<Omit<SlowConsumerStrategyConfig, 'type'>> {
  return {
    maxSlowCount: s.maxSlowCount ?? -1,
    maxSlowDuration: s.maxSlowDuration ?? 30000,
    checkPeriod: s.checkPeriod ?? 30000,
    abortConnection: s.abortConnection ?? false,
    ignoreNetworkConsumers: s.ignoreNetworkConsumers ?? true,
    ignoreIdleConsumers: s.ignoreIdleConsumers ?? true,
    maxTimeSinceLastAck: s.maxTimeSinceLastAck ?? 30000,
  };
}

export class SlowConsumers {
  private readonly runs = new Map<SlowConsumerStrategyConfig, StrategyRun>();
  /** Consumers aborted since start (console, tests). */
  aborted = 0;

  constructor(private readonly broker: Broker) {}

  /**
   * A source found `c` slow (its window full, messages waiting behind it): advise, and let an
   * abortSlowConsumer strategy put it on its list.
   */
  turnedSlow(source: MessageSource, c: ServerConsumer): void {
    const policy = source.policy;
    if (policy.advisoryForSlowConsumers) this.broker.advisories.slowConsumer(source.destination, c);
    const s = policy.slowConsumerStrategy;
    if (!s || s.type !== 'abortSlowConsumer') return;
    const o = settings(s);
    if (o.maxSlowCount < 0 && o.maxSlowDuration < 0) return;
    const run = this.start(s);
    const e = run.slow.get(c);
    if (!e) run.slow.set(c, { markCount: 0, slowCount: 1 });
    else if (o.maxSlowCount > 0) e.slowCount++;
  }

  /** A consumer came to a source under `s`: an ack-time strategy watches from now on. */
  watch(s: SlowConsumerStrategyConfig | null): void {
    if (s && s.type === 'abortSlowAckConsumer' && settings(s).maxTimeSinceLastAck >= 0) this.start(s);
  }

  stop(): void {
    for (const run of this.runs.values()) clearInterval(run.timer);
    this.runs.clear();
  }

  /** Consumers on a strategy's list now (console, tests). */
  slowCount(): number {
    let n = 0;
    for (const run of this.runs.values()) n += run.slow.size;
    return n;
  }

  private start(s: SlowConsumerStrategyConfig): StrategyRun {
    let run = this.runs.get(s);
    if (run) return run;
    const slow = new Map<ServerConsumer, SlowEntry>();
    const timer = setInterval(() => {
      try {
        this.check(s, slow);
      } catch (err) {
        this.broker.log.error({ err }, 'slow consumer check failed');
      }
    }, Math.max(10, settings(s).checkPeriod));
    timer.unref();
    run = { slow, timer };
    this.runs.set(s, run);
    return run;
  }

  private check(s: SlowConsumerStrategyConfig, slow: Map<ServerConsumer, SlowEntry>): void {
    const o = settings(s);
    if (o.maxSlowDuration > 0) for (const e of slow.values()) e.markCount++;
    if (s.type === 'abortSlowAckConsumer') this.scanAcks(s, slow);
    const abort: ServerConsumer[] = [];
    for (const [c, e] of slow) {
      const gone = c.closed || (o.ignoreNetworkConsumers && c.networkPath !== null) || (s.type === 'abortSlowConsumer' && !c.slow);
      if (gone) {
        slow.delete(c);
        continue;
      }
      if ((o.maxSlowDuration > 0 && e.markCount * o.checkPeriod >= o.maxSlowDuration) || (o.maxSlowCount > 0 && e.slowCount >= o.maxSlowCount)) {
        slow.delete(c);
        abort.push(c);
      }
    }
    if (abort.length) this.abort(abort, o);
  }

  /** abortSlowAckConsumer: slow is holding unacknowledged messages for maxTimeSinceLastAck. */
  private scanAcks(s: SlowConsumerStrategyConfig, slow: Map<ServerConsumer, SlowEntry>): void {
    const o = settings(s);
    const now = Date.now();
    const seen = new Set<ServerConsumer>();
    const consider = (src: MessageSource): void => {
      if (src.policy.slowConsumerStrategy !== s) return;
      for (const c of src.consumers) {
        if (seen.has(c)) continue;
        seen.add(c);
        if ((o.ignoreNetworkConsumers && c.networkPath !== null) || (o.ignoreIdleConsumers && c.inflight.size === 0)) {
          slow.delete(c);
          continue;
        }
        if (c.inflight.size === 0) continue;
        const e = slow.get(c);
        if (now - c.lastAckAt > o.maxTimeSinceLastAck) {
          if (!e) slow.set(c, { markCount: 1, slowCount: 1 });
          else if (o.maxSlowCount > 0) e.slowCount++;
        } else if (e) {
          slow.delete(c);
        }
      }
    };
    const b = this.broker;
    for (const q of b.queues.values()) consider(q);
    for (const t of b.topics.values()) {
      for (const sub of t.subs) consider(sub);
      for (const d of t.durables) consider(d);
    }
  }

  private abort(list: ServerConsumer[], o: ReturnType<typeof settings>): void {
    const why = `slow too often (>${o.maxSlowCount}) or too long (>${o.maxSlowDuration} ms)`;
    const byConn = new Map<ServerConnection, ServerConsumer[]>();
    for (const c of list) {
      const l = byConn.get(c.conn);
      if (l) l.push(c);
      else byConn.set(c.conn, [c]);
    }
    for (const [conn, cs] of byConn) {
      if (conn.closed) continue;
      this.aborted += cs.length;
      if (o.abortConnection) {
        this.broker.log.info({ conn: conn.id, consumers: cs.map((c) => c.label) }, 'aborting the connection of slow consumers');
        conn.close(new JMSError(`connection aborted: ${cs.length} consumer(s) ${why}`), true);
        continue;
      }
      for (const c of cs) {
        if (c.closed) continue;
        this.broker.log.info({ conn: conn.id, consumer: c.label, destination: c.destination.url }, 'aborting a slow consumer');
        conn.closeConsumerFromBroker(c, new JMSError(`slow consumer aborted: ${why}`));
      }
    }
  }
}
