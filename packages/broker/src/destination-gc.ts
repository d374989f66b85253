// Removing inactive destinations (ActiveMQ's gcInactiveDestinations): every
// schedulePeriodForDestinationPurge ms, a destination whose policy asks for it and that has had
// no consumers and no messages (a topic: no subscribers and no durable subscriptions) for
// inactiveTimoutBeforeGC ms is removed, with its store record. The walk over the broker's
// destinations yields to the event loop every few thousand, so 100,000 of them never stall it.
import { isTemporary } from '@wharf/protocol';
import type { Broker } from './broker';

const CHUNK = 2000;

export class DestinationGc {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** url -> when it was first seen inactive. */
  private readonly inactiveSince = new Map<string, number>();

  constructor(private readonly broker: Broker) {}

  start(period: number): void {
    if (period <= 0) return;
    // The sweep handles a failed removal itself; anything else it throws is a fault to log.
    this.timer = setInterval(() => {
      this.sweep().catch((err: Error) => this.broker.log.error({ err }, 'the inactive destination sweep failed'));
    }, period);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const b = this.broker;
      const now = Date.now();
      const seen = new Set<string>();
      const due: string[] = [];
      let n = 0;
      const consider = (url: string, inactive: boolean, timeout: number): void => {
        if (!inactive) return;
        seen.add(url);
        const since = this.inactiveSince.get(url);
        if (since === undefined) this.inactiveSince.set(url, now);
        else if (now - since >= timeout) due.push(url);
      };
      for (const q of b.queues.values()) {
        const p = q.policy;
        if (p.gcInactiveDestinations && !isTemporary(q.destination.kind)) consider(q.destination.url, q.consumers.length === 0 && q.depth === 0, p.inactiveTimoutBeforeGC);
        if (++n % CHUNK === 0) await new Promise((r) => setImmediate(r));
      }
      for (const t of b.topics.values()) {
        const d = t.destination;
        if (!isTemporary(d.kind) && !d.name.startsWith('ActiveMQ.Advisory.')) {
          const p = b.policyFor(d);
          if (p.gcInactiveDestinations) consider(d.url, t.consumerCount === 0 && t.durables.size === 0, p.inactiveTimoutBeforeGC);
        }
        if (++n % CHUNK === 0) await new Promise((r) => setImmediate(r));
      }
      for (const url of this.inactiveSince.keys()) if (!seen.has(url)) this.inactiveSince.delete(url);
      for (const url of due) {
        this.inactiveSince.delete(url);
        // Checked again: a consumer or a message may have come while the walk yielded.
        const q = b.queues.get(url);
        if (q && (q.consumers.length > 0 || q.depth > 0)) continue;
        const t = b.topics.get(url);
        if (t && (t.consumerCount > 0 || t.durables.size > 0)) continue;
        b.log.info({ destination: url }, 'destination inactive for longer than inactiveTimoutBeforeGC: removing it');
        await b.removeDestination(url).catch((err: Error) => b.log.warn({ destination: url, err: err.message }, 'removing an inactive destination failed'));
      }
    } finally {
      this.running = false;
    }
  }
}
