// The BrokerView over @wharf/broker's Broker: its statistics and the console's actions come from
// the broker's admin operations (broker.admin, packages/broker/src/admin.ts), which write to the
// store exactly what a client action would.
import fs from 'node:fs';
import path from 'node:path';
import {
  BodyKind, DeliveryMode, InvalidDestinationError, JMSError, isComposite, isQueueKind, isTemporary,
  parseComposite, parseDestination, type Destination, type WireMessage,
} from '@wharf/protocol';
import { destinationConsumers, type Broker, type BrokerAdmin, type Queue, type Topic, type MessageView, type QueueStats, type SubscriptionStats, type TopicStats } from '@wharf/broker';
import { CHUNK, DLQ_NAME, brokerMetricsDestinations, yieldLoop } from './metrics-destinations';
import { sortInSlices } from './whole-lists';
import { byName, pageOf, type Page, type PageItem, type PageRequest } from './destination-pages';
import { ConsoleError, ConsoleErrorCode, destinationNotFound } from './errors';
import { describeMessage, messageDetail } from './messages';
import type {
  BridgeSource, BrokerInfo, BrokerView, BrowseRequest, ClusterStatusSource, ConnectionInfo, ConsumerInfo, DurableInfo, JobInfo,
  MessageAction, MessageDetail, MessageSummary, MetricsDestinations, QueueInfo, SchedulerSource, SendRequest, SubscriptionInfo, TopicInfo,
} from './view';

export interface AdapterOptions {
  /** Role and status of the replicated group (from @wharf/cluster); standalone without it. */
  cluster?: ClusterStatusSource;
  /** Scheduled jobs; defaults to the broker's own (broker.admin) when schedulerSupport is on. */
  scheduler?: SchedulerSource;
  bridges?: BridgeSource;
  /** Reported version; defaults to this package's version. */
  version?: string;
}


let cachedVersion: string | undefined;
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
      cachedVersion = pkg.version ?? '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

/** Parse a destination URL, turning the protocol's error into a 400. */
export function parseUrl(text: string): Destination {
  try {
    return parseDestination(text);
  } catch (err) {
    throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, (err as Error).message);
  }
}

/** A queue argument: a plain name (ORDERS) or a URL (queue://ORDERS, temp-queue://ID). */
export function queueUrl(nameOrUrl: string): string {
  const d = nameOrUrl.includes('://') ? parseUrl(nameOrUrl) : parseUrl(`queue://${nameOrUrl}`);
  if (!isQueueKind(d.kind)) throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, `${d.url} is not a queue`);
  return d.url;
}

export function topicUrl(nameOrUrl: string): string {
  const d = nameOrUrl.includes('://') ? parseUrl(nameOrUrl) : parseUrl(`topic://${nameOrUrl}`);
  if (isQueueKind(d.kind)) throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, `${d.url} is not a topic`);
  return d.url;
}

function durableInfo(s: SubscriptionStats): DurableInfo {
  return {
    clientId: s.clientId,
    name: s.name,
    destination: s.destination,
    ...(s.selector ? { selector: s.selector } : {}),
    active: s.active,
    pending: s.pending,
    inflight: s.inflight,
    enqueued: s.enqueued,
    dequeued: s.dequeued,
    dispatched: s.dispatched,
  };
}

function flags(v: MessageView): { redelivered: boolean; deliveryCount: number; inflight: boolean } {
  return { redelivered: v.redelivered, deliveryCount: v.deliveryCount, inflight: v.inflight };
}

class BrokerAdapter implements BrokerView {
  private readonly producerId: string;
  private seq = 0;

  private readonly admin: BrokerAdmin;

  constructor(
    private readonly broker: Broker,
    private readonly opts: AdapterOptions,
  ) {
    this.admin = broker.admin;
    this.producerId = `console-${broker.name}-${process.pid}-${Date.now().toString(36)}`;
  }

  private get scheduler(): SchedulerSource | undefined {
    if (this.opts.scheduler) return this.opts.scheduler;
    return this.admin.info().schedulerSupport ? { list: (limit) => this.admin.listJobs(limit), remove: (id) => this.admin.removeJob(id) } : undefined;
  }

  info(): BrokerInfo {
    const b = this.admin.info();
    const now = Date.now();
    return {
      name: b.name,
      role: this.opts.cluster?.role() ?? 'standalone',
      serving: b.serving && b.started,
      ...(b.serving ? {} : { notServingReason: b.notServingReason || 'not serving clients' }),
      startedAt: b.startedAt,
      uptimeMs: now - b.startedAt,
      version: this.opts.version ?? packageVersion(),
      nodeVersion: process.version,
      store: b.store as BrokerInfo['store'],
      memory: b.memory,
      connectors: b.connectors,
      security: b.security,
    };
  }

  metricsDestinations(limit: number, overview = false): Promise<MetricsDestinations> {
    const producers = this.admin.producerCounts();
    return brokerMetricsDestinations(this.admin, limit, (q) => queueInfo(this.admin.queueStats(q, producers)), (t) => topicInfo(this.admin.topicStats(t, producers)), overview);
  }

  queues(): QueueInfo[] {
    return this.admin.queues().map(queueInfo).sort((a, b) => byName(a.name, b.name));
  }

  listQueues(): Promise<QueueInfo[]> {
    const producers = this.admin.producerCounts();
    return listByName(this.admin.liveQueues(), (q) => queueInfo(this.admin.queueStats(q, producers)));
  }

  listTopics(): Promise<TopicInfo[]> {
    const producers = this.admin.producerCounts();
    return listByName(this.admin.liveTopics(), (t) => topicInfo(this.admin.topicStats(t, producers)));
  }

  queuePage(req: PageRequest): Promise<Page<QueueInfo>> {
    const producers = this.admin.producerCounts();
    return pageOf(this.admin.liveQueues(), req, LIVE_QUEUE, (q) => queueInfo(this.admin.queueStats(q, producers)));
  }

  topicPage(req: PageRequest): Promise<Page<TopicInfo>> {
    const producers = this.admin.producerCounts();
    return pageOf(this.admin.liveTopics(), req, LIVE_TOPIC, (t) => topicInfo(this.admin.topicStats(t, producers)));
  }

  queue(url: string): QueueInfo | undefined {
    const q = this.admin.liveQueue(url);
    return q && queueInfo(this.admin.queueStats(q, this.admin.producerCounts()));
  }

  topic(url: string): TopicInfo | undefined {
    const t = this.admin.liveTopic(url);
    return t && topicInfo(this.admin.topicStats(t, this.admin.producerCounts()));
  }

  topics(): TopicInfo[] {
    return this.admin.topics().map(topicInfo).sort((a, b) => byName(a.name, b.name));
  }

  subscriptions(): SubscriptionInfo[] {
    return this.admin.subscriptions().map((s) => ({ ...durableInfo(s), durable: s.durable }));
  }

  connections(): ConnectionInfo[] {
    return this.admin.connections().map((c) => ({ ...c })).sort((a, b) => a.connectedAt - b.connectedAt);
  }

  async jobs(): Promise<JobInfo[]> {
    const s = this.scheduler;
    return s ? [...(await s.list(1000))] : [];
  }

  cluster(): ReturnType<BrokerView['cluster']> {
    return this.opts.cluster?.status() ?? null;
  }

  bridges(): ReturnType<BrokerView['bridges']> {
    return this.opts.bridges?.list() ?? [];
  }

  async send(destination: string, req: SendRequest): Promise<{ messageId: string }> {
    let target: string;
    try {
      if (isComposite(destination)) {
        const kind = destination.startsWith('topic://') ? 'topic' : 'queue';
        if (!/^(queue|topic):\/\//.test(destination)) throw new InvalidDestinationError(`destination '${destination}' has no kind: write queue://… or topic://…`);
        parseComposite(destination, kind);
        target = destination;
      } else {
        target = parseDestination(destination).url;
      }
    } catch (err) {
      throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, (err as Error).message);
    }
    const now = Date.now();
    const seq = ++this.seq;
    const delay = req.delay ?? 0;
    const properties: WireMessage['properties'] = { ...(req.properties ?? {}) };
    // With the scheduler on, a delay is ActiveMQ's AMQ_SCHEDULED_DELAY (a visible job);
    // without it, JMS 2 delivery delay on the message itself.
    const scheduled = delay > 0 && this.admin.info().schedulerSupport;
    if (scheduled) properties.AMQ_SCHEDULED_DELAY = delay;
    const msg: WireMessage = {
      messageId: `ID:${this.producerId}:${seq}`,
      destination: target,
      deliveryMode: req.persistent === false ? DeliveryMode.NON_PERSISTENT : DeliveryMode.PERSISTENT,
      priority: req.priority ?? 4,
      timestamp: now,
      expiration: 0,
      deliveryTime: delay > 0 && !scheduled ? now + delay : 0,
      redelivered: false,
      deliveryCount: 0,
      producerId: this.producerId,
      producerSeq: seq,
      properties,
      bodyKind: BodyKind.TEXT,
      body: req.body,
    };
    try {
      await this.admin.send(msg);
    } catch (err) {
      if (err instanceof InvalidDestinationError) throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, err.message);
      throw new ConsoleError(ConsoleErrorCode.BROKER_ERROR, `send failed: ${(err as Error).message}`);
    }
    return { messageId: msg.messageId };
  }

  /** The URL of an existing queue (404 otherwise). */
  private existingQueue(nameOrUrl: string): string {
    const url = queueUrl(nameOrUrl);
    if (!this.admin.hasQueue(url)) throw destinationNotFound(url);
    return url;
  }

  async browse(queue: string, limit: number, opts: BrowseRequest = {}): Promise<MessageSummary[]> {
    const url = this.existingQueue(queue);
    try {
      const views = await this.admin.browse(url, { limit, ...(opts.offset ? { offset: opts.offset } : {}), ...(opts.selector ? { selector: opts.selector } : {}) });
      return views.map((v) => describeMessage(v.message, flags(v)));
    } catch (err) {
      if (err instanceof JMSError && err.code === 'WHARF_INVALID_SELECTOR') throw new ConsoleError(ConsoleErrorCode.BAD_REQUEST, `selector: ${err.message}`);
      throw err;
    }
  }

  async messageAction(queue: string, messageId: string, action: MessageAction, to?: string): Promise<boolean> {
    const url = this.existingQueue(queue);
    if (action === 'delete') return this.storeAction(() => this.admin.deleteMessage(url, messageId));
    const target = parseUrl(to ?? '').url;
    if (target === url) throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, `the message is already on ${url}: choose another destination`);
    return this.storeAction(() => (action === 'copy' ? this.admin.copyMessage(url, messageId, target) : this.admin.moveMessage(url, messageId, target)));
  }

  consumers(destination: string): ConsumerInfo[] {
    return destinationConsumers(this.broker, parseUrl(destination).url);
  }

  closeConnection(id: string): boolean {
    return this.admin.closeConnection(id, 'closed from the admin console');
  }

  async getMessage(queue: string, messageId: string): Promise<MessageDetail | undefined> {
    const v = await this.admin.getMessage(this.existingQueue(queue), messageId);
    return v && messageDetail(v.message, flags(v));
  }

  async purge(queue: string): Promise<number> {
    const url = this.existingQueue(queue);
    return this.storeAction(() => this.admin.purge(url));
  }

  /** A store failure of an admin action is the broker's, named (500). */
  private async storeAction<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new ConsoleError(ConsoleErrorCode.BROKER_ERROR, `store write failed: ${(err as Error).message}`);
    }
  }

  async deleteDestination(url: string): Promise<boolean> {
    const d = parseUrl(url);
    return this.admin.deleteDestination(d.url);
  }

  async moveDlqMessages(dlq: string, opts: { messageId?: string }): Promise<number> {
    const url = this.existingQueue(dlq);
    return this.storeAction(() => this.admin.moveMessages(url, opts.messageId === undefined ? {} : { messageId: opts.messageId }));
  }

  async removeJob(id: string): Promise<boolean> {
    const s = this.scheduler;
    if (!s) return false;
    return s.remove(id);
  }
}

/** A BrokerView over a running Broker. */
export function brokerView(broker: Broker, opts: AdapterOptions = {}): BrokerView {
  return new BrokerAdapter(broker, opts);
}

const LIVE_QUEUE: PageItem<Queue> = {
  name: (q) => q.destination.name,
  temporary: (q) => isTemporary(q.destination.kind),
  pending: (q) => q.depth,
  enqueued: (q) => q.enqueued,
};

const LIVE_TOPIC: PageItem<Topic> = {
  name: (t) => t.destination.name,
  temporary: (t) => isTemporary(t.destination.kind),
  advisory: (t) => t.destination.name.startsWith('ActiveMQ.Advisory.'),
  pending: () => 0,
  enqueued: (t) => t.enqueued,
};

/** What `info` shows of each item, by name, built and sorted a chunk at a time. */
async function listByName<S, R extends { name: string }>(all: Iterable<S>, info: (s: S) => R): Promise<R[]> {
  const out: R[] = [];
  for (const s of all) {
    out.push(info(s));
    if (out.length % CHUNK === 0) await yieldLoop();
  }
  return sortInSlices(out, (a, b) => byName(a.name, b.name));
}


function queueInfo(q: QueueStats): QueueInfo {
  return {
    name: q.name,
    url: q.url,
    pending: q.depth,
    consumers: q.consumers,
    producers: q.producers,
    enqueued: q.enqueued,
    dequeued: q.dequeued,
    forwarded: q.forwarded,
    memoryPercent: q.memoryPercent,
    dispatched: q.dispatched,
    inflight: q.inflight,
    expired: q.expired,
    dlq: DLQ_NAME.test(q.name),
    temporary: q.temporary,
  };
}

function topicInfo(t: TopicStats): TopicInfo {
  return {
    name: t.name,
    url: t.url,
    consumers: t.consumers,
    producers: t.producers,
    enqueued: t.enqueued,
    dequeued: t.dequeued,
    forwarded: t.forwarded,
    durables: t.durables.map(durableInfo),
    temporary: t.temporary,
    advisory: t.name.startsWith('ActiveMQ.Advisory.'),
  };
}
