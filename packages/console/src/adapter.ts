// The BrokerView over @wharf/broker's Broker: reads its maps and statistics, and performs the
// console's actions with the broker's own operations (send, purge + commitAcks, removeDestination,
// route + executePlan for DLQ moves), so the store sees exactly what a client action would write.
import fs from 'node:fs';
import path from 'node:path';
import {
  BodyKind, DeliveryMode, InvalidDestinationError, JMSError, isComposite, isQueueKind, isTemporary,
  parseComposite, parseDestination, type Destination, type WireMessage,
} from '@wharf/protocol';
import type { Broker, DurableSubscription, Entry, Queue, RoutePlan } from '@wharf/broker';
import { ConsoleError, ConsoleErrorCode, destinationNotFound } from './errors';
import { describeMessage, messageDetail } from './messages';
import type {
  BridgeSource, BrokerInfo, BrokerView, ClusterStatusSource, ConnectionInfo, DurableInfo, JobInfo,
  MessageDetail, MessageSummary, QueueInfo, SchedulerSource, SendRequest, SubscriptionInfo, TopicInfo,
} from './view';

export interface AdapterOptions {
  /** Role and status of the replicated group (from @wharf/cluster); standalone without it. */
  cluster?: ClusterStatusSource;
  /** Scheduled jobs; defaults to `broker.scheduler` when it has list() and remove(). */
  scheduler?: SchedulerSource;
  bridges?: BridgeSource;
  /** Reported version; defaults to this package's version. */
  version?: string;
}

type StoreOps = Parameters<Queue['purge']>[0];

const DLQ_NAME = /(^|\.)DLQ(\.|$)/;
/** Upper bound for one purge that pages stored messages in from a large backlog. */
const PURGE_PAGE_WAIT_MS = 10000;

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

function isSchedulerSource(x: unknown): x is SchedulerSource {
  const s = x as Partial<SchedulerSource> | null | undefined;
  return !!s && typeof s.list === 'function' && typeof s.remove === 'function';
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

function durableInfo(s: DurableSubscription): DurableInfo {
  return {
    clientId: s.record.clientId,
    name: s.record.name,
    destination: s.record.destination,
    ...(s.record.selector ? { selector: s.record.selector } : {}),
    active: s.active !== null && !s.active.closed,
    pending: s.pending.size,
    inflight: s.inflightCount,
    enqueued: s.enqueued,
    dequeued: s.dequeued,
    dispatched: s.dispatched,
  };
}

class BrokerAdapter implements BrokerView {
  private readonly producerId: string;
  private seq = 0;

  constructor(
    private readonly broker: Broker,
    private readonly opts: AdapterOptions,
  ) {
    this.producerId = `console-${broker.name}-${process.pid}-${Date.now().toString(36)}`;
  }

  private get scheduler(): SchedulerSource | undefined {
    if (this.opts.scheduler) return this.opts.scheduler;
    const own = (this.broker as unknown as { scheduler?: unknown }).scheduler;
    return isSchedulerSource(own) ? own : undefined;
  }

  info(): BrokerInfo {
    const b = this.broker;
    const s = b.store.stats();
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
      store: { kind: b.store.kind, bytes: s.bytes, messages: s.messages, commits: s.commits, syncs: s.syncs },
      memory: { used: b.memory.used, limit: b.memory.limit, percent: b.memory.percent },
      connectors: b.connectors.map((c) => c.url),
      security: { ...b.security.stats },
    };
  }

  queues(): QueueInfo[] {
    const out: QueueInfo[] = [];
    for (const q of this.broker.queues.values()) {
      const d = q.destination;
      out.push({
        name: d.name,
        url: d.url,
        pending: q.depth,
        consumers: q.consumers.length,
        enqueued: q.enqueued,
        dequeued: q.dequeued,
        dispatched: q.dispatched,
        inflight: q.inflightCount,
        expired: q.expired,
        dlq: DLQ_NAME.test(d.name),
        temporary: isTemporary(d.kind),
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  topics(): TopicInfo[] {
    const out: TopicInfo[] = [];
    for (const t of this.broker.topics.values()) {
      const d = t.destination;
      out.push({
        name: d.name,
        url: d.url,
        consumers: t.consumerCount,
        enqueued: t.enqueued,
        durables: [...t.durables].map(durableInfo),
        temporary: isTemporary(d.kind),
        advisory: d.name.startsWith('ActiveMQ.Advisory.'),
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  subscriptions(): SubscriptionInfo[] {
    const out: SubscriptionInfo[] = [];
    for (const s of this.broker.durables.values()) out.push({ ...durableInfo(s), durable: true });
    for (const t of this.broker.topics.values()) {
      if (t.destination.name.startsWith('ActiveMQ.Advisory.')) continue;
      for (const s of t.subs) {
        out.push({
          clientId: s.consumer.conn.clientId ?? s.consumer.conn.id,
          name: s.consumer.label,
          destination: s.destination.url,
          ...(s.consumer.selector ? { selector: s.consumer.selector.text } : {}),
          active: !s.consumer.closed,
          pending: s.pending.size,
          inflight: s.inflightCount,
          enqueued: s.enqueued,
          dequeued: s.dequeued,
          dispatched: s.dispatched,
          durable: false,
        });
      }
    }
    return out;
  }

  connections(): ConnectionInfo[] {
    const out: ConnectionInfo[] = [];
    for (const c of this.broker.connections.values()) {
      out.push({
        id: c.id,
        clientId: c.clientId,
        user: c.user,
        remoteAddress: c.remoteAddress,
        protocol: c.protocol,
        connectedAt: c.connectedAt,
        messagesIn: c.messagesIn,
        messagesOut: c.messagesOut,
        consumers: c.consumers.size,
        producers: c.producers.size,
      });
    }
    return out.sort((a, b) => a.connectedAt - b.connectedAt);
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
    const scheduled = delay > 0 && this.broker.config.schedulerSupport;
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
      await this.broker.send(msg, null);
    } catch (err) {
      if (err instanceof InvalidDestinationError) throw new ConsoleError(ConsoleErrorCode.INVALID_DESTINATION, err.message);
      throw new ConsoleError(ConsoleErrorCode.BROKER_ERROR, `send failed: ${(err as Error).message}`);
    }
    return { messageId: msg.messageId };
  }

  private queue(nameOrUrl: string): Queue {
    const url = queueUrl(nameOrUrl);
    const q = this.broker.queues.get(url);
    if (!q) throw destinationNotFound(url);
    return q;
  }

  async browse(queue: string, limit: number): Promise<MessageSummary[]> {
    const entries = await this.queue(queue).browse(limit);
    return entries.map((e) => describeMessage(e.msg, { redelivered: e.redelivered, deliveryCount: e.deliveryCount, inflight: e.consumer !== null }));
  }

  async getMessage(queue: string, messageId: string): Promise<MessageDetail | undefined> {
    const q = this.queue(queue);
    let e: Entry | undefined = q.findPending(messageId);
    if (!e) e = (await q.browse(q.depth + 1)).find((x) => x.msg.messageId === messageId);
    return e && messageDetail(e.msg, { redelivered: e.redelivered, deliveryCount: e.deliveryCount, inflight: e.consumer !== null });
  }

  async purge(queue: string): Promise<number> {
    const q = this.queue(queue);
    const ops: StoreOps = [];
    let n = q.purge(ops);
    // Messages of a large backlog that live only in the store are paged in and purged too.
    const deadline = Date.now() + PURGE_PAGE_WAIT_MS;
    while (q.pagedCount > 0 && !q.closed && Date.now() < deadline) {
      q.scheduleDispatch();
      await new Promise((r) => setTimeout(r, 5));
      n += q.purge(ops);
    }
    await this.commit(ops);
    return n;
  }

  private async commit(ops: StoreOps): Promise<void> {
    try {
      await this.broker.commitAcks(ops, true);
    } catch (err) {
      throw new ConsoleError(ConsoleErrorCode.BROKER_ERROR, `store write failed: ${(err as Error).message}`);
    }
  }

  async deleteDestination(url: string): Promise<boolean> {
    const d = parseUrl(url);
    return this.broker.removeDestination(d.url);
  }

  async moveDlqMessages(dlq: string, opts: { messageId?: string }): Promise<number> {
    const q = this.queue(dlq);
    const candidates = q.snapshot().filter((e) => e.msg.originalDestination && (opts.messageId === undefined || e.msg.messageId === opts.messageId));
    const plans: RoutePlan[] = [];
    const moved: Entry[] = [];
    for (const e of candidates) {
      const { dlqDeliveryFailureCause: _cause, originalExpiration: _exp, originalDeliveryMode: _mode, ...properties } = e.msg.properties;
      const { originalDestination, ...rest } = e.msg;
      const copy: WireMessage = { ...rest, destination: originalDestination!, redelivered: false, deliveryCount: 0, properties };
      try {
        plans.push(this.broker.router.plan(copy, null));
        moved.push(e);
      } catch (err) {
        if (!(err instanceof JMSError)) throw err;
        // The original destination cannot take it (a deleted temporary queue): it stays here.
      }
    }
    if (moved.length === 0) return 0;
    for (const e of moved) q.pending.remove(e);
    const ops: StoreOps = [];
    q.consume(moved, ops);
    try {
      await this.broker.executePlan(this.broker.router.merge(plans), undefined, ops);
    } catch (err) {
      this.broker.onStoreFailure(err as Error);
      throw new ConsoleError(ConsoleErrorCode.BROKER_ERROR, `store write failed: ${(err as Error).message}`);
    }
    return moved.length;
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
