// Which destinations /metrics reports one by one. A broker may hold 100,000 destinations: a
// series per destination and metric would make every scrape tens of megabytes and block the
// broker for seconds. So at most `limit` queues (the deepest) and topics (the busiest) get their
// own series; the counts of all are always reported. The broker's maps are read a chunk at a
// time, yielding to the event loop between chunks.
import type { BrokerAdmin, Queue, Topic } from '@wharf/broker';
import type { BrokerView, DestinationTotals, MetricsDestinations, QueueInfo, TopicInfo } from './view';

/** Destinations looked at between yields to the event loop. */
export const CHUNK = 1000;

/**
 * Keep the `limit` items that come first by `order` of their keys (ties: the one seen first),
 * in O(n log limit) without sorting everything. Items are the broker's own objects: what the
 * console shows of them is built for the kept ones only, at the end, not for every candidate.
 */
export class Top<T, K = number> {
  private items: Array<{ key: K; item: T }> = [];
  /** Once `limit` items are kept, the last of them: a key not before it cannot get in any more. */
  private bar: { key: K } | null = null;
  constructor(
    private readonly limit: number,
    /** Negative when a comes first; by default the highest number first. */
    private readonly order: (a: K, b: K) => number = (a, b) => (b as number) - (a as number),
  ) {}

  add(key: K, item: T): void {
    if (this.limit <= 0 || (this.bar !== null && this.order(key, this.bar.key) >= 0)) return;
    if (this.items.length >= this.limit * 2) this.trim();
    this.items.push({ key, item });
  }

  private trim(): void {
    // Stable: among equal keys the one seen first stays.
    this.items.sort((a, b) => this.order(a.key, b.key));
    if (this.items.length >= this.limit) {
      this.items.length = this.limit;
      this.bar = this.items[this.limit - 1]!;
    }
  }

  /** The kept items, from `from` on, as `info` shows them, yielding to the event loop every few hundred. */
  async result<R>(info: (item: T) => R, from = 0): Promise<R[]> {
    this.trim();
    const out: R[] = [];
    for (let i = from; i < this.items.length; i++) {
      out.push(info(this.items[i]!.item));
      if (out.length % INFO_CHUNK === 0) await yieldLoop();
    }
    return out;
  }
}

/** Console views built between yields (each reads a queue's consumers, groups, producers). */
const INFO_CHUNK = 200;

export const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A dead-letter queue's name (ActiveMQ.DLQ, DLQ.ORDERS, ORDERS.DLQ). */
export const DLQ_NAME = /(^|\.)DLQ(\.|$)/;

export const emptyTotals = (): DestinationTotals => ({ queues: 0, topics: 0, enqueued: 0, dequeued: 0, pending: 0, inflight: 0, consumers: 0, subscribers: 0, dlqPending: 0 });

export async function brokerMetricsDestinations(
  admin: BrokerAdmin, limit: number, queueInfo: (q: Queue) => QueueInfo, topicInfo: (t: Topic) => TopicInfo, overview = false,
): Promise<MetricsDestinations> {
  const queues = new Top<Queue>(limit);
  const topics = new Top<Topic>(limit);
  let queueCount = 0;
  let topicCount = 0;
  let n = 0;
  const totals = emptyTotals();
  for (const q of admin.liveQueues()) {
    if (++n % CHUNK === 0) await yieldLoop();
    const depth = q.depth;
    totals.queues++;
    totals.enqueued += q.enqueued;
    totals.dequeued += q.dequeued;
    totals.pending += depth;
    totals.inflight += q.inflightCount;
    // Each of these reads another object per queue: a few ms more per pass over 100,000 queues,
    // which a scrape does not need.
    if (overview) {
      totals.consumers += q.consumers.length;
      if (depth > 0 && DLQ_NAME.test(q.destination.name)) totals.dlqPending += depth;
    }
    if (q.destination.kind !== 'queue') continue; // temporary queues churn: left out
    queueCount++;
    queues.add(depth, q);
  }
  for (const t of admin.liveTopics()) {
    if (++n % CHUNK === 0) await yieldLoop();
    const d = t.destination;
    if (d.name.startsWith('ActiveMQ.Advisory.')) continue;
    totals.topics++;
    totals.enqueued += t.enqueued;
    if (overview) {
      totals.consumers += t.consumerCount;
      totals.subscribers += t.consumerCount;
    }
    if (d.kind !== 'topic') continue;
    topicCount++;
    topics.add(t.enqueued, t);
  }
  return { queues: await queues.result(queueInfo), topics: await topics.result(topicInfo), queueCount, topicCount, totals };
}

/** The same choice over lists a view already made (views without metricsDestinations). */
export function truncateForMetrics(allQueues: QueueInfo[], allTopics: TopicInfo[], limit: number): MetricsDestinations {
  const queues = allQueues.filter((q) => !q.temporary);
  const topics = allTopics.filter((t) => !t.temporary && !t.advisory);
  const totals = emptyTotals();
  for (const q of allQueues) {
    totals.queues++;
    totals.enqueued += q.enqueued;
    totals.dequeued += q.dequeued;
    totals.pending += q.pending;
    totals.inflight += q.inflight;
    totals.consumers += q.consumers;
    if (q.dlq) totals.dlqPending += q.pending;
  }
  for (const t of allTopics) {
    if (t.advisory) continue;
    totals.topics++;
    totals.enqueued += t.enqueued;
    totals.consumers += t.consumers;
    totals.subscribers += t.consumers;
  }
  return {
    totals,
    queues: [...queues].sort((a, b) => b.pending - a.pending).slice(0, limit),
    topics: [...topics].sort((a, b) => b.enqueued - a.enqueued).slice(0, limit),
    queueCount: queues.length,
    topicCount: topics.length,
  };
}

/** A view's destinations for /metrics, the overview and the history: a chunk at a time when it can. */
export function destinationsOf(view: BrokerView, limit: number, overview = false): Promise<MetricsDestinations> {
  return view.metricsDestinations ? view.metricsDestinations(limit, overview) : Promise.resolve(truncateForMetrics(view.queues(), view.topics(), limit));
}
