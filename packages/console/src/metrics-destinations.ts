// Which destinations /metrics reports one by one. A broker may hold 100,000 destinations: a
// series per destination and metric would make every scrape tens of megabytes and block the
// broker for seconds. So at most `limit` queues (the deepest) and topics (the busiest) get their
// own series; the counts of all are always reported. The broker's maps are read a chunk at a
// time, yielding to the event loop between chunks.
import type { BrokerAdmin, Queue, Topic } from '@wharf/broker';
import type { MetricsDestinations, QueueInfo, TopicInfo } from './view';

const CHUNK = 2000;

/**
 * Keep the `limit` items with the highest score (ties: the one seen first). Items are the
 * broker's own objects: what the console shows of them is built for the kept ones only, at
 * the end, not for every candidate on the way.
 */
class Top<T> {
  private items: Array<{ score: number; item: T }> = [];
  /** Once `limit` items are kept, a score at or below this cannot get in any more. */
  private min = -Infinity;
  constructor(private readonly limit: number) {}

  add(score: number, item: T): void {
    if (this.limit <= 0 || score <= this.min) return;
    if (this.items.length >= this.limit * 2) this.trim();
    this.items.push({ score, item });
  }

  private trim(): void {
    // Stable: among equal scores the one seen first stays.
    this.items.sort((a, b) => b.score - a.score);
    if (this.items.length >= this.limit) {
      this.items.length = this.limit;
      this.min = this.items[this.limit - 1]!.score;
    }
  }

  /** The kept items as `info` shows them, yielding to the event loop every few hundred. */
  async result<R>(info: (item: T) => R): Promise<R[]> {
    this.trim();
    const out: R[] = [];
    for (const { item } of this.items) {
      out.push(info(item));
      if (out.length % INFO_CHUNK === 0) await yieldLoop();
    }
    return out;
  }
}

/** Console views built between yields (each reads a queue's consumers, groups, producers). */
const INFO_CHUNK = 200;

export const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function brokerMetricsDestinations(
  admin: BrokerAdmin, limit: number, queueInfo: (q: Queue) => QueueInfo, topicInfo: (t: Topic) => TopicInfo,
): Promise<MetricsDestinations> {
  const queues = new Top<Queue>(limit);
  const topics = new Top<Topic>(limit);
  let queueCount = 0;
  let topicCount = 0;
  let n = 0;
  const totals = { enqueued: 0, dequeued: 0, pending: 0, inflight: 0 };
  for (const q of admin.liveQueues()) {
    totals.enqueued += q.enqueued;
    totals.dequeued += q.dequeued;
    totals.pending += q.depth;
    totals.inflight += q.inflightCount;
    if (q.destination.kind !== 'queue') continue; // temporary queues churn: left out
    queueCount++;
    queues.add(q.depth, q);
    if (++n % CHUNK === 0) await yieldLoop();
  }
  for (const t of admin.liveTopics()) {
    const d = t.destination;
    if (!d.name.startsWith('ActiveMQ.Advisory.')) totals.enqueued += t.enqueued;
    if (d.kind !== 'topic' || d.name.startsWith('ActiveMQ.Advisory.')) continue;
    topicCount++;
    topics.add(t.enqueued, t);
    if (++n % CHUNK === 0) await yieldLoop();
  }
  return { queues: await queues.result(queueInfo), topics: await topics.result(topicInfo), queueCount, topicCount, totals };
}

/** The same choice over lists a view already made (views without metricsDestinations). */
export function truncateForMetrics(allQueues: QueueInfo[], allTopics: TopicInfo[], limit: number): MetricsDestinations {
  const queues = allQueues.filter((q) => !q.temporary);
  const topics = allTopics.filter((t) => !t.temporary && !t.advisory);
  const totals = { enqueued: 0, dequeued: 0, pending: 0, inflight: 0 };
  for (const q of allQueues) {
    totals.enqueued += q.enqueued;
    totals.dequeued += q.dequeued;
    totals.pending += q.pending;
    totals.inflight += q.inflight;
  }
  for (const t of allTopics) if (!t.advisory) totals.enqueued += t.enqueued;
  return {
    totals,
    queues: [...queues].sort((a, b) => b.pending - a.pending).slice(0, limit),
    topics: [...topics].sort((a, b) => b.enqueued - a.enqueued).slice(0, limit),
    queueCount: queues.length,
    topicCount: topics.length,
  };
}
