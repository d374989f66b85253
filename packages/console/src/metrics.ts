// /metrics: prom-client metrics in a registry of their own, filled at scrape time from one
// snapshot of the BrokerView (so every metric of a scrape describes the same moment, and the
// broker's hot paths never touch prom-client).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BridgeInfo, BrokerInfo, ClusterInfo, JobInfo, QueueInfo, SubscriptionInfo, TopicInfo } from './view';
import type { BrokerView } from './view';
import { isNotServing } from './follow';
import { DEFAULT_METRICS_PREFIX, Label, MetricName } from './metrics-names';

interface Snapshot {
  info: BrokerInfo;
  queues: QueueInfo[];
  topics: TopicInfo[];
  subscriptions: SubscriptionInfo[];
  connections: number;
  jobs: JobInfo[];
  cluster: ClusterInfo | null;
  bridges: BridgeInfo[];
}

const ROLES = ['master', 'slave', 'candidate', 'standalone'] as const;

export interface ConsoleMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Read the view once, then render every metric in the Prometheus text format. */
  scrape(): Promise<string>;
}

export function createMetrics(view: BrokerView, prefix = DEFAULT_METRICS_PREFIX): ConsoleMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let snap: Snapshot | null = null;
  const name = (n: string): string => prefix + n;
  // Temporary destinations (one per request/reply client) and advisories would only add series
  // churn: they are left out of the per-destination metrics.
  const userQueues = (): QueueInfo[] => (snap?.queues ?? []).filter((q) => !q.temporary);
  const userTopics = (): TopicInfo[] => (snap?.topics ?? []).filter((t) => !t.advisory && !t.temporary);

  // A counter mirrors a total the broker keeps: reset, then set each series to the total.
  function counter(n: string, help: string, labels: string[], fill: (set: (l: Record<string, string>, v: number) => void) => void): void {
    new Counter({
      name: name(n), help, labelNames: labels, registers: [registry],
      collect(this: Counter<string>) {
        this.reset();
        fill((l, v) => this.inc(l, Math.max(0, v)));
      },
    });
  }
  function gauge(n: string, help: string, labels: string[], fill: (set: (l: Record<string, string>, v: number) => void) => void): void {
    new Gauge({
      name: name(n), help, labelNames: labels, registers: [registry],
      collect(this: Gauge<string>) {
        this.reset();
        fill((l, v) => this.set(l, v));
      },
    });
  }
  const perDestination = (pick: (x: QueueInfo) => number, topicPick?: (t: TopicInfo) => number) =>
    (set: (l: Record<string, string>, v: number) => void): void => {
      for (const q of userQueues()) set({ destination: q.name, type: 'queue' }, pick(q));
      if (topicPick) for (const t of userTopics()) set({ destination: t.name, type: 'topic' }, topicPick(t));
    };
  const dt = [Label.DESTINATION, Label.TYPE];

  counter(MetricName.ENQUEUED_TOTAL, 'Messages sent to a destination', dt, perDestination((q) => q.enqueued, (t) => t.enqueued));
  counter(MetricName.DEQUEUED_TOTAL, 'Messages consumed (acknowledged) or removed from a queue', dt, perDestination((q) => q.dequeued));
  counter(MetricName.DISPATCHED_TOTAL, 'Deliveries to consumers', dt, perDestination((q) => q.dispatched));
  counter(MetricName.EXPIRED_TOTAL, 'Messages that expired', dt, perDestination((q) => q.expired));
  gauge(MetricName.QUEUE_DEPTH, 'Messages pending or in flight', dt, perDestination((q) => q.pending));
  gauge(MetricName.CONSUMERS, 'Consumers attached', dt, perDestination((q) => q.consumers, (t) => t.consumers));
  gauge(MetricName.INFLIGHT, 'Messages dispatched and not yet acknowledged', dt, perDestination((q) => q.inflight));
  gauge(MetricName.SUBSCRIPTION_PENDING, 'Messages waiting for a durable subscription', [Label.DESTINATION, Label.SUBSCRIPTION, Label.STATUS], (set) => {
    for (const s of snap?.subscriptions ?? []) {
      if (s.durable) set({ destination: s.destination.replace(/^topic:\/\//, ''), subscription: `${s.clientId}:${s.name}`, status: s.active ? 'active' : 'offline' }, s.pending);
    }
  });
  gauge(MetricName.CONNECTIONS, 'Open client connections', [], (set) => set({}, snap?.connections ?? 0));
  gauge(MetricName.MEMORY_USED_BYTES, 'Bytes of messages held in memory', [], (set) => set({}, snap?.info.memory.used ?? 0));
  gauge(MetricName.MEMORY_LIMIT_BYTES, 'Memory limit for messages (memoryLimit)', [], (set) => set({}, snap?.info.memory.limit ?? 0));
  gauge(MetricName.STORE_BYTES, 'Approximate size of the store', [], (set) => set({}, snap?.info.store.bytes ?? 0));
  gauge(MetricName.STORE_MESSAGES, 'Messages in the store', [], (set) => set({}, snap?.info.store.messages ?? 0));
  counter(MetricName.STORE_COMMITS_TOTAL, 'Store commits since start', [], (set) => set({}, snap?.info.store.commits ?? 0));
  counter(MetricName.STORE_SYNCS_TOTAL, 'Store batches written (fsyncs) since start', [], (set) => set({}, snap?.info.store.syncs ?? 0));
  gauge(MetricName.COMMIT_GROUP_SIZE, 'Mean commits per store batch since start (group commit)', [], (set) => {
    const s = snap?.info.store;
    set({}, s && s.syncs > 0 ? s.commits / s.syncs : 0);
  });
  gauge(MetricName.ROLE, 'This node\'s role: 1 for the current one', [Label.ROLE], (set) => {
    for (const r of ROLES) set({ role: r }, snap?.info.role === r ? 1 : 0);
  });
  gauge(MetricName.SERVING, '1 when accepting client connections', [], (set) => set({}, snap?.info.serving ? 1 : 0));
  counter(MetricName.FAILOVERS_TOTAL, 'Times this node took over as master', [], (set) => set({}, snap?.cluster?.failovers ?? 0));
  gauge(MetricName.REPLICATION_LAG, 'Batches a slave is behind the master', [Label.SLAVE], (set) => {
    for (const [slave, lag] of Object.entries(snap?.cluster?.lag ?? {})) set({ slave }, lag);
  });
  gauge(MetricName.CLUSTER_EPOCH, 'The replicated group\'s epoch', [], (set) => set({}, snap?.cluster?.epoch ?? 0));
  gauge(MetricName.CLUSTER_MASTER, '1 while this node is the master of its replicated group (elected, serving or catching up its slaves), else 0', [], (set) =>
    set({}, snap?.cluster && snap.cluster.master === snap.cluster.self ? 1 : 0));
  gauge(MetricName.SCHEDULED_JOBS, 'Scheduled jobs waiting', [], (set) => set({}, snap?.jobs.length ?? 0));
  gauge(MetricName.BRIDGES, 'Network bridges by status', [Label.STATUS], (set) => {
    const counts = { connected: 0, connecting: 0, stopped: 0 };
    for (const b of snap?.bridges ?? []) counts[b.status]++;
    for (const [status, n] of Object.entries(counts)) set({ status }, n);
  });
  counter(MetricName.AUTHENTICATION_FAILURES_TOTAL, 'Client logins refused (wrong user or password)', [], (set) => set({}, snap?.info.security?.authenticationFailures ?? 0));
  counter(MetricName.AUTHORIZATION_REFUSALS_TOTAL, 'Operations refused by authorizationEntries (read, write, admin)', [], (set) => set({}, snap?.info.security?.authorizationRefusals ?? 0));
  gauge(MetricName.UPTIME_SECONDS, 'Seconds since the broker started', [], (set) => set({}, (snap?.info.uptimeMs ?? 0) / 1000));
  gauge(MetricName.INFO, 'Broker name and version', [Label.BROKER, Label.VERSION], (set) => {
    if (snap) set({ broker: snap.info.name, version: snap.info.version }, 1);
  });

  // A cluster node that does not serve has no broker to read (the view answers NOT_SERVING):
  // its destinations and connections are empty, the node's own metrics are still there.
  const read = <T>(fn: () => T, none: T): T => {
    try {
      return fn();
    } catch (err) {
      if (isNotServing(err)) return none;
      throw err;
    }
  };

  async function render(): Promise<string> {
    snap = {
      info: view.info(),
      queues: read(() => view.queues(), []),
      topics: read(() => view.topics(), []),
      subscriptions: read(() => view.subscriptions(), []),
      connections: read(() => view.connections().length, 0),
      jobs: await view.jobs().catch(() => []),
      cluster: view.cluster(),
      bridges: view.bridges(),
    };
    try {
      return await registry.metrics();
    } finally {
      snap = null;
    }
  }

  // Scrapes run one at a time: the collect() callbacks share one snapshot.
  let last: Promise<unknown> = Promise.resolve();
  return {
    registry,
    contentType: registry.contentType,
    scrape(): Promise<string> {
      const next = last.then(render, render);
      last = next.catch(() => undefined);
      return next;
    },
  };
}
