// /metrics: prom-client metrics in a registry of their own, filled at scrape time from one
// snapshot of the BrokerView (so every metric of a scrape describes the same moment, and the
// broker's hot paths never touch prom-client).
import { Readable } from 'node:stream';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BridgeInfo, BrokerInfo, ClusterInfo, JobInfo, QueueInfo, SubscriptionInfo, TopicInfo } from './view';
import type { BrokerView, MetricsDestinations } from './view';
import { destinationsOf, emptyTotals, yieldLoop } from './metrics-destinations';
import { isNotServing } from './follow';
import { DEFAULT_METRICS_PREFIX, Label, MetricName } from './metrics-names';

interface Snapshot {
  info: BrokerInfo;
  queues: QueueInfo[];
  topics: TopicInfo[];
  queueCount: number;
  topicCount: number;
  subscriptions: SubscriptionInfo[];
  connections: number;
  jobs: JobInfo[];
  cluster: ClusterInfo | null;
  bridges: BridgeInfo[];
}

const ROLES = ['master', 'slave', 'candidate', 'standalone'] as const;

interface PerDestinationFamily {
  n: string;
  help: string;
  type: 'counter' | 'gauge';
  q: (q: QueueInfo) => number;
  t?: (t: TopicInfo) => number;
}

/** A label value in the Prometheus text format. */
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export interface ConsoleMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Read the view once, then render every metric in the Prometheus text format. */
  scrape(): Promise<string>;
  /** The same text in pieces of a few tens of KB, for writing a piece per event-loop turn. */
  scrapeSlices(): Promise<readonly string[]>;
}

/**
 * A response body written a slice per event-loop turn: encoding and writing 400 KB of text in
 * one go held the loop for milliseconds.
 */
export function slicedBody(slices: readonly string[]): Readable {
  let i = 0;
  return new Readable({
    read(this: Readable) {
      if (i >= slices.length) this.push(null);
      else if (i === 0) this.push(slices[i++]);
      else setImmediate(() => this.push(slices[i++]));
    },
  });
}

/** Per-destination sample lines rendered between yields to the event loop. */
const LINES_PER_TURN = 500;

/** Destinations of each kind with series of their own (per-destination metrics), by default. */
export const DEFAULT_METRICS_DESTINATION_LIMIT = 1000;

export function createMetrics(view: BrokerView, prefix = DEFAULT_METRICS_PREFIX, destinationLimit = DEFAULT_METRICS_DESTINATION_LIMIT): ConsoleMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let snap: Snapshot | null = null;
  const name = (n: string): string => prefix + n;
  // Temporary destinations (one per request/reply client) and advisories would only add series
  // churn: they are left out of the per-destination metrics; beyond destinationLimit of each
  // kind, only the deepest queues and busiest topics have series (metrics-destinations.ts).

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
  // Per-destination families are written here, not through prom-client: up to 7 x 2 x
  // metricsDestinationLimit series, whose label hashing in prom-client would hold the event loop
  // for a quarter of a second per scrape at the default limit.
  const perDestination: PerDestinationFamily[] = [
    { n: MetricName.ENQUEUED_TOTAL, help: 'Messages sent to a destination', type: 'counter', q: (q) => q.enqueued, t: (t) => t.enqueued },
    { n: MetricName.DEQUEUED_TOTAL, help: 'Messages consumed (acknowledged) or removed from a queue', type: 'counter', q: (q) => q.dequeued },
    { n: MetricName.DISPATCHED_TOTAL, help: 'Deliveries to consumers', type: 'counter', q: (q) => q.dispatched },
    { n: MetricName.EXPIRED_TOTAL, help: 'Messages that expired', type: 'counter', q: (q) => q.expired },
    { n: MetricName.QUEUE_DEPTH, help: 'Messages pending or in flight', type: 'gauge', q: (q) => q.pending },
    { n: MetricName.CONSUMERS, help: 'Consumers attached', type: 'gauge', q: (q) => q.consumers, t: (t) => t.consumers },
    { n: MetricName.INFLIGHT, help: 'Messages dispatched and not yet acknowledged', type: 'gauge', q: (q) => q.inflight },
  ];
  // The lines are written a slice at a time, yielding to the event loop between slices: at the
  // default limit they are 7,000 lines and 400 KB, which in one go held other clients for
  // several milliseconds per scrape.
  const renderPerDestination = async (queues: readonly QueueInfo[], topics: readonly TopicInfo[], slices: string[]): Promise<void> => {
    // Each destination's label set is escaped once, not once per family.
    const queueLabels = queues.map((q) => `{destination="${labelValue(q.name)}",type="queue"} `);
    const topicLabels = topics.map((t) => `{destination="${labelValue(t.name)}",type="topic"} `);
    let lines: string[] = [];
    /** Adds a line; true when a slice is complete (time to yield). */
    const line = (text: string): boolean => {
      lines.push(text);
      if (lines.length < LINES_PER_TURN) return false;
      slices.push(`${lines.join('\n')}\n`);
      lines = [];
      return true;
    };
    for (const f of perDestination) {
      const full = name(f.n);
      lines.push(`# HELP ${full} ${f.help}`, `# TYPE ${full} ${f.type}`);
      const counter = f.type === 'counter';
      for (let i = 0; i < queues.length; i++) {
        const v = f.q(queues[i]!);
        if (line(full + queueLabels[i]! + (counter ? Math.max(0, v) : v))) await yieldLoop();
      }
      if (f.t) {
        for (let i = 0; i < topics.length; i++) {
          const v = f.t(topics[i]!);
          if (line(full + topicLabels[i]! + (counter ? Math.max(0, v) : v))) await yieldLoop();
        }
      }
    }
    if (lines.length > 0) slices.push(`${lines.join('\n')}\n`);
  };
  gauge(MetricName.SUBSCRIPTION_PENDING, 'Messages waiting for a durable subscription', [Label.DESTINATION, Label.SUBSCRIPTION, Label.STATUS], (set) => {
    for (const s of snap?.subscriptions ?? []) {
      if (s.durable) set({ destination: s.destination.replace(/^topic:\/\//, ''), subscription: `${s.clientId}:${s.name}`, status: s.active ? 'active' : 'offline' }, s.pending);
    }
  });
  gauge(MetricName.DESTINATIONS, 'Destinations (not temporary, not advisory)', [Label.TYPE], (set) => {
    set({ type: 'queue' }, snap?.queueCount ?? 0);
    set({ type: 'topic' }, snap?.topicCount ?? 0);
  });
  gauge(MetricName.METRICS_DESTINATIONS_OMITTED, 'Destinations without per-destination series (beyond metricsDestinationLimit)', [Label.TYPE], (set) => {
    set({ type: 'queue' }, Math.max(0, (snap?.queueCount ?? 0) - (snap?.queues.length ?? 0)));
    set({ type: 'topic' }, Math.max(0, (snap?.topicCount ?? 0) - (snap?.topics.length ?? 0)));
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

  async function render(): Promise<string[]> {
    const empty: MetricsDestinations = { queues: [], topics: [], queueCount: 0, topicCount: 0, totals: emptyTotals() };
    let dests: MetricsDestinations;
    try {
      dests = await destinationsOf(view, destinationLimit);
    } catch (err) {
      if (!isNotServing(err)) throw err;
      dests = empty;
    }
    snap = {
      info: view.info(),
      ...dests,
      subscriptions: read(() => view.subscriptions(), []),
      connections: read(() => view.connections().length, 0),
      jobs: await view.jobs().catch(() => []),
      cluster: view.cluster(),
      bridges: view.bridges(),
    };
    const { queues, topics } = snap;
    // prom-client's metrics (the process's and the broker's own) take a turn of their own, about
    // 2 ms: the last destinations read and the first lines rendered go in other turns.
    let head: string;
    try {
      await yieldLoop();
      head = await registry.metrics();
    } finally {
      snap = null;
    }
    await yieldLoop();
    const slices = [head];
    await renderPerDestination(queues, topics, slices);
    return slices;
  }

  // One render at a time (the collect() callbacks share one snapshot); a scrape that arrives while
  // one is rendered gets that one's text: Prometheus servers scraping at the same moment (a pair
  // for availability) cost one pass over the destinations, not one each.
  let rendering: Promise<string[]> | null = null;
  const scrapeSlices = (): Promise<string[]> => {
    rendering ??= render().finally(() => {
      rendering = null;
    });
    return rendering;
  };
  return {
    registry,
    contentType: registry.contentType,
    scrapeSlices,
    scrape: async () => (await scrapeSlices()).join(''),
  };
}
