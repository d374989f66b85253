// The console of a cluster node (docs/CLUSTER.md). A node runs a new Broker for every
// term in which it is master, and none while it is a slave or a candidate, but its console lives
// as long as the process. followBroker() is a BrokerView over whatever the node runs now: it
// asks the node for the current term's broker on every call and reads that one (a new term
// gets a new adapter), and while the node does not serve, the broker's data and actions answer
// 503 WHARF_CONSOLE_NOT_SERVING naming the master; info() and cluster() always answer.
import type { Broker } from '@wharf/broker';
import { brokerView, packageVersion, type AdapterOptions } from './adapter';
import { ConsoleError, ConsoleErrorCode } from './errors';
import type {
  BridgeSource, BrokerInfo, BrokerView, ClusterInfo, ClusterStatusSource, ConnectionInfo, JobInfo, MessageDetail,
  BrowseRequest, ConsumerInfo, MessageAction, MessageSummary, MetricsDestinations, QueueInfo, SchedulerSource, SendRequest, StoreInfo, SubscriptionInfo, TopicInfo,
} from './view';
import { destinationsOf } from './metrics-destinations';
import { queueOf, queuePageOf, topicOf, topicPageOf, type Page, type PageRequest } from './destination-pages';

/** A cluster node as its console sees it (the cli implements it over @wharf/cluster's ClusterNode). */
export interface NodeSource extends ClusterStatusSource {
  /** The broker of the current term while this node runs one; undefined otherwise. */
  broker(): Broker | undefined;
  /** True while this node serves clients: the elected master, with its broker started. */
  serving(): boolean;
  /** Why this node does not serve clients, naming the master when there is one. */
  notServingReason(): string;
  /** This node's store while no broker runs (a slave's replicated copy). */
  store?(): StoreInfo | undefined;
}

export interface FollowOptions {
  /** The broker name the node runs under (shown while no broker runs). */
  name: string;
  scheduler?: SchedulerSource;
  bridges?: BridgeSource;
  version?: string;
}

/** The master named by a cluster status: id, client URL and epoch (null when none is elected). */
export function masterOf(c: ClusterInfo | null): { id: string; clientUrl: string | null; epoch: number } | null {
  if (!c || !c.master) return null;
  const url = c.masterUrl ?? c.members.find((m) => m.id === c.master)?.clientUrl ?? null;
  return { id: c.master, clientUrl: url, epoch: c.epoch };
}

const EMPTY_STORE: StoreInfo = { kind: 'leveldb', bytes: 0, messages: 0, commits: 0, syncs: 0 };

export class FollowingView implements BrokerView {
  private followed: Broker | undefined;
  private inner: BrokerView | undefined;
  private readonly createdAt = Date.now();

  constructor(
    private readonly source: NodeSource,
    private readonly opts: FollowOptions,
  ) {}

  /** The view of the broker the node runs now (a new one for each term), or undefined. */
  current(): BrokerView | undefined {
    const b = this.source.broker();
    if (b !== this.followed) {
      this.followed = b;
      const adapterOpts: AdapterOptions = {
        cluster: this.source,
        ...(this.opts.scheduler ? { scheduler: this.opts.scheduler } : {}),
        ...(this.opts.bridges ? { bridges: this.opts.bridges } : {}),
        ...(this.opts.version ? { version: this.opts.version } : {}),
      };
      this.inner = b ? brokerView(b, adapterOpts) : undefined;
    }
    return this.inner;
  }

  /** The 503 a slave (or a node not serving yet) answers for the broker's data and actions. */
  notServing(): ConsoleError {
    const cluster = this.source.status();
    const master = masterOf(cluster);
    return new ConsoleError(
      ConsoleErrorCode.NOT_SERVING,
      `${this.source.notServingReason()} — this console shows queues, topics and connections only on the serving master`,
      { role: this.source.role(), node: cluster?.self ?? null, master },
    );
  }

  private serving(): BrokerView {
    const v = this.current();
    if (!v || !this.source.serving()) throw this.notServing();
    return v;
  }

  info(): BrokerInfo {
    const v = this.current();
    if (v) {
      const i = v.info();
      if (this.source.serving()) return i;
      return { ...i, serving: false, notServingReason: this.source.notServingReason() };
    }
    const now = Date.now();
    return {
      name: this.opts.name,
      role: this.source.role(),
      serving: false,
      notServingReason: this.source.notServingReason(),
      startedAt: this.createdAt,
      uptimeMs: now - this.createdAt,
      version: this.opts.version ?? packageVersion(),
      nodeVersion: process.version,
      store: this.source.store?.() ?? EMPTY_STORE,
      memory: { used: 0, limit: 0, percent: 0 },
      connectors: [],
    };
  }

  metricsDestinations(limit: number, overview = false): Promise<MetricsDestinations> {
    return destinationsOf(this.serving(), limit, overview);
  }

  queues(): QueueInfo[] {
    return this.serving().queues();
  }

  topics(): TopicInfo[] {
    return this.serving().topics();
  }

  listQueues(): Promise<QueueInfo[]> {
    const v = this.serving();
    return v.listQueues ? v.listQueues() : Promise.resolve(v.queues());
  }

  listTopics(): Promise<TopicInfo[]> {
    const v = this.serving();
    return v.listTopics ? v.listTopics() : Promise.resolve(v.topics());
  }

  queuePage(req: PageRequest): Promise<Page<QueueInfo>> {
    return queuePageOf(this.serving(), req);
  }

  topicPage(req: PageRequest): Promise<Page<TopicInfo>> {
    return topicPageOf(this.serving(), req);
  }

  queue(url: string): QueueInfo | undefined {
    return queueOf(this.serving(), url);
  }

  topic(url: string): TopicInfo | undefined {
    return topicOf(this.serving(), url);
  }

  subscriptions(): SubscriptionInfo[] {
    return this.serving().subscriptions();
  }

  connections(): ConnectionInfo[] {
    return this.serving().connections();
  }

  async jobs(): Promise<JobInfo[]> {
    return this.serving().jobs();
  }

  cluster(): ClusterInfo | null {
    return this.source.status();
  }

  bridges(): ReturnType<BrokerView['bridges']> {
    return this.current()?.bridges() ?? this.opts.bridges?.list() ?? [];
  }

  send(destination: string, req: SendRequest): Promise<{ messageId: string }> {
    return this.serving().send(destination, req);
  }

  browse(queue: string, limit: number, opts?: BrowseRequest): Promise<MessageSummary[]> {
    return this.serving().browse(queue, limit, opts);
  }

  messageAction(queue: string, messageId: string, action: MessageAction, to?: string): Promise<boolean> {
    return this.serving().messageAction(queue, messageId, action, to);
  }

  consumers(destination: string): ConsumerInfo[] {
    return this.serving().consumers(destination);
  }

  closeConnection(id: string): boolean {
    return this.serving().closeConnection(id);
  }

  getMessage(queue: string, messageId: string): Promise<MessageDetail | undefined> {
    return this.serving().getMessage(queue, messageId);
  }

  purge(queue: string): Promise<number> {
    return this.serving().purge(queue);
  }

  deleteDestination(url: string): Promise<boolean> {
    return this.serving().deleteDestination(url);
  }

  moveDlqMessages(dlq: string, opts: { messageId?: string }): Promise<number> {
    return this.serving().moveDlqMessages(dlq, opts);
  }

  removeJob(id: string): Promise<boolean> {
    return this.serving().removeJob(id);
  }
}

/** A BrokerView that follows the broker of a cluster node's current term. */
export function followBroker(source: NodeSource, opts: FollowOptions): FollowingView {
  return new FollowingView(source, opts);
}

/** True for the error a view throws while its node does not serve. */
export function isNotServing(err: unknown): boolean {
  return err instanceof ConsoleError && err.code === ConsoleErrorCode.NOT_SERVING;
}
