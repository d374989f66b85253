// Admin operations (`broker.admin`): what the web console, the CLI and the cluster do to a running
// broker, in one place. They use the same steps as client actions (routing plans, consume with
// store ops, one store write), so the store sees exactly what a client's send or ack would write.
// Callers outside packages/broker use these and the core API only (docs/ARCHITECTURE.md).
import {
  CommandType, InvalidDestinationError, JMSError, destinationOf, isQueueKind, isTemporary, parseDestination, type Destination, type WireMessage,
} from '@wharf/protocol';
import type { StoreOp } from '@wharf/store';
import type { Broker } from './broker';
import type { Entry } from './entry';
import type { Queue } from './queue';
import type { RoutePlan } from './router';
import type { JobInfo } from './scheduler/index';
import { decidePrepared, preparedBranches, type PreparedBranchInfo } from './handlers/xa';
import type { DurableSubscription, Topic } from './topic';
import type { MessageView, BrowseOptions, MoveOptions, QueueStats, SubscriptionStats, TopicStats, ConnectionStats, BrokerStats } from './admin-types';

export type { MessageView, BrowseOptions, MoveOptions, QueueStats, SubscriptionStats, TopicStats, ConnectionStats, BrokerStats, DestinationCounters, QueueCounters } from './admin-types';

/** Most messages one browse with a selector scans. */
const MAX_SCAN = 100000;
/** Upper bound for one purge that pages stored messages in from a large backlog. */
const PURGE_PAGE_WAIT_MS = 10000;

function durableStats(s: DurableSubscription): SubscriptionStats {
  return {
    clientId: s.record.clientId,
    name: s.record.name,
    destination: s.record.destination,
    ...(s.record.selector ? { selector: s.record.selector } : {}),
    active: s.active !== null && !s.active.closed,
    durable: true,
    pending: s.pending.size,
    inflight: s.inflightCount,
    enqueued: s.enqueued,
    dequeued: s.dequeued,
    dispatched: s.dispatched,
  };
}

function view(e: Entry): MessageView {
  return { message: e.msg, redelivered: e.redelivered, deliveryCount: e.deliveryCount, inflight: e.consumer !== null };
}

/** A broker's admin operations; `broker.admin`. */
export class BrokerAdmin {
  constructor(private readonly broker: Broker) {}

  // ---- reading ----------------------------------------------------------------------------------

  info(): BrokerStats {
    const b = this.broker;
    const s = b.store.stats();
    return {
      name: b.name, started: b.started, startedAt: b.startedAt, serving: b.serving, notServingReason: b.notServingReason,
      schedulerSupport: b.config.schedulerSupport,
      store: { kind: b.store.kind, bytes: s.bytes, messages: s.messages, commits: s.commits, syncs: s.syncs },
      memory: { used: b.memory.used, limit: b.memory.limit, percent: b.memory.percent },
      connectors: b.connectors.map((c) => c.url),
      security: { ...b.security.stats },
    };
  }

  /** Producers per destination URL (ActiveMQ's ProducerCount). */
  producerCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.broker.connections.values()) {
      for (const p of c.producers.values()) if (p.destination) counts.set(p.destination, (counts.get(p.destination) ?? 0) + 1);
    }
    return counts;
  }

  queues(): QueueStats[] {
    const producers = this.producerCounts();
    const out: QueueStats[] = [];
    for (const q of this.broker.queues.values()) out.push(this.queueStats(q, producers));
    return out;
  }

  /** The live queues and topics, for walks that yield between chunks (/metrics with many destinations). */
  liveQueues(): IterableIterator<Queue> {
    return this.broker.queues.values();
  }

  liveTopics(): IterableIterator<Topic> {
    return this.broker.topics.values();
  }

  /** One live queue or topic by URL (the console's look-up of one, without listing them all). */
  liveQueue(url: string): Queue | undefined {
    return this.broker.queues.get(url);
  }

  liveTopic(url: string): Topic | undefined {
    return this.broker.topics.get(url);
  }

  /** One queue's figures; `producers` from producerCounts() (read once for many queues). */
  queueStats(q: Queue, producers: Map<string, number>): QueueStats {
    const d = q.destination;
    // Of its own memoryLimit when a policy entry gives it one (ActiveMQ's MemoryPercentUsage).
    const own = q.usage !== this.broker.memory;
    const memoryLimit = q.usage.limit;
    const bytes = own ? q.usage.used : q.pending.bytes;
    return {
      url: d.url, name: d.name, temporary: isTemporary(d.kind), depth: q.depth, pending: q.pending.size, paged: q.pagedCount,
      consumers: q.consumers.length, producers: producers.get(d.url) ?? 0, enqueued: q.enqueued, dequeued: q.dequeued, forwarded: q.forwarded,
      dispatched: q.dispatched, inflight: q.inflightCount, expired: q.expired,
      memoryPercent: memoryLimit > 0 ? Math.floor((bytes * 100) / memoryLimit) : 0,
    };
  }

  topics(): TopicStats[] {
    const producers = this.producerCounts();
    const out: TopicStats[] = [];
    for (const t of this.broker.topics.values()) out.push(this.topicStats(t, producers));
    return out;
  }

  topicStats(t: Topic, producers: Map<string, number>): TopicStats {
    const d = t.destination;
    let dequeued = 0;
    let forwarded = 0;
    for (const s of [...t.subs, ...t.durables]) {
      dequeued += s.dequeued;
      forwarded += s.forwarded;
    }
    return {
      url: d.url, name: d.name, temporary: isTemporary(d.kind), consumers: t.consumerCount, producers: producers.get(d.url) ?? 0,
      enqueued: t.enqueued, dequeued, forwarded, durables: [...t.durables].map(durableStats),
    };
  }

  /** Durable subscriptions, then the non-durable topic subscriptions (advisory topics left out). */
  subscriptions(): SubscriptionStats[] {
    const out: SubscriptionStats[] = [];
    for (const s of this.broker.durables.values()) out.push(durableStats(s));
    for (const t of this.broker.topics.values()) {
      if (t.destination.name.startsWith('ActiveMQ.Advisory.')) continue;
      for (const s of t.subs) {
        out.push({
          clientId: s.consumer.conn.clientId ?? s.consumer.conn.id,
          name: s.consumer.label,
          destination: s.destination.url,
          ...(s.consumer.selector ? { selector: s.consumer.selector.text } : {}),
          active: !s.consumer.closed,
          durable: false,
          pending: s.pending.size,
          inflight: s.inflightCount,
          enqueued: s.enqueued,
          dequeued: s.dequeued,
          dispatched: s.dispatched,
        });
      }
    }
    return out;
  }

  connections(): ConnectionStats[] {
    const out: ConnectionStats[] = [];
    for (const c of this.broker.connections.values()) {
      out.push({
        id: c.id, clientId: c.clientId, user: c.user, remoteAddress: c.remoteAddress, protocol: c.protocol, connectedAt: c.connectedAt,
        messagesIn: c.messagesIn, messagesOut: c.messagesOut, consumers: c.consumers.size, producers: c.producers.size,
      });
    }
    return out;
  }

  hasQueue(url: string): boolean {
    return this.broker.queues.has(url);
  }

  // ---- messages of a queue ----------------------------------------------------------------------

  /**
   * Send a message as if from a client without a connection (the console's send): routed,
   * stored, and resolved once durable. A repeated producerId/producerSeq is dropped as a duplicate.
   */
  async send(msg: WireMessage): Promise<void> {
    await this.broker.send(msg, null);
  }

  /**
   * Messages of a queue, in order (pending and in flight, then paged ones from the store; not
   * those a prepared XA branch acknowledged, as a QueueBrowser), with paging and an optional selector. Throws InvalidDestinationError for a bad name or a
   * queue that does not exist.
   */
  async browse(queueUrl: string, opts: BrowseOptions = {}): Promise<MessageView[]> {
    const q = this.queue(queueUrl);
    const offset = Math.max(0, opts.offset ?? 0);
    const limit = Math.max(0, opts.limit ?? 100);
    if (!opts.selector) return (await q.browse(offset + limit)).slice(offset).map(view);
    const sel = this.broker.compileSelector(opts.selector);
    const all = await q.browse(Math.min(MAX_SCAN, q.depth + q.pagedCount + 1));
    const matching = all.filter((e) => sel.matches(this.broker.filterableFor(e)));
    return matching.slice(offset, offset + limit).map(view);
  }

  /** One message of a queue by JMS message id (pending, in flight or paged out). */
  async getMessage(queueUrl: string, messageId: string): Promise<MessageView | undefined> {
    const q = this.queue(queueUrl);
    let e: Entry | undefined = q.findPending(messageId);
    if (!e) e = (await q.browse(q.depth + 1)).find((x) => x.msg.messageId === messageId);
    return e && view(e);
  }

  /**
   * Move pending messages of a queue (held in memory, not in flight) to another destination, or
   * each back to its original destination (see MoveOptions.to): the copies are routed and the
   * originals consumed in one store write. Returns how many moved.
   */
  async moveMessages(queueUrl: string, opts: MoveOptions = {}): Promise<number> {
    return this.transfer(queueUrl, opts, true);
  }

  /** Copy one pending message to another destination; false when the queue does not hold it. */
  async copyMessage(queueUrl: string, messageId: string, to: string): Promise<boolean> {
    return (await this.transfer(queueUrl, { messageId, to }, false)) > 0;
  }

  /** Move one pending message to another destination; false when the queue does not hold it. */
  async moveMessage(queueUrl: string, messageId: string, to: string): Promise<boolean> {
    return (await this.transfer(queueUrl, { messageId, to }, true)) > 0;
  }

  /** Delete one pending message; false when the queue does not hold it (or it is in flight). */
  async deleteMessage(queueUrl: string, messageId: string): Promise<boolean> {
    const q = this.queue(queueUrl);
    const e = q.findPending(messageId);
    if (!e) return false;
    q.pending.remove(e);
    const ops: StoreOp[] = [];
    q.consume([e], ops);
    await this.commit(ops);
    return true;
  }

  /** Remove every pending message of a queue, paging in stored ones; returns how many. */
  async purge(queueUrl: string): Promise<number> {
    const q = this.queue(queueUrl);
    const ops: StoreOp[] = [];
    let n = q.purge(ops);
    const deadline = Date.now() + PURGE_PAGE_WAIT_MS;
    while (q.pagedCount > 0 && !q.closed && Date.now() < deadline) {
      q.scheduleDispatch();
      await new Promise((r) => setTimeout(r, 5));
      n += q.purge(ops);
    }
    await this.commit(ops);
    return n;
  }

  // ---- destinations, jobs ------------------------------------------------------------------------

  /** Remove a destination with its messages; its consumers are closed with an error. */
  deleteDestination(url: string): Promise<boolean> {
    return this.broker.removeDestination(parseDestination(url).url);
  }

  /** Scheduled jobs (empty without schedulerSupport). */
  async listJobs(limit: number): Promise<JobInfo[]> {
    return this.broker.scheduler ? this.broker.scheduler.list(limit) : [];
  }

  /** Remove a scheduled job; false when there is none of that id. */
  async removeJob(id: string): Promise<boolean> {
    return this.broker.scheduler ? this.broker.scheduler.remove(id) : false;
  }

  // ---- prepared XA transactions --------------------------------------------------------------

  /** Prepared XA branches waiting for their transaction manager, by xid. */
  preparedTransactions(): PreparedBranchInfo[] {
    return preparedBranches(this.broker);
  }

  /**
   * Commit (or roll back) a prepared XA branch without its transaction manager, as ActiveMQ's
   * heuristicCommit / heuristicRollback do; false when no prepared branch has that xid.
   */
  completePreparedTransaction(xid: string, commit: boolean): Promise<boolean> {
    return decidePrepared(this.broker, xid, commit);
  }

  // ---- connections and serving ---------------------------------------------------------------

  /** Close a client connection, telling the client why; false when there is none of that id. */
  closeConnection(id: string, reason = 'closed by an administrator'): boolean {
    const c = this.broker.connections.get(id);
    if (!c) return false;
    c.close(new JMSError(reason), true);
    return true;
  }

  /** Refuse new client connections with `reason` (a cluster slave, a deposed master). */
  stopServing(reason: string): void {
    this.broker.serving = false;
    this.broker.notServingReason = reason;
  }

  resumeServing(): void {
    this.broker.serving = true;
    this.broker.notServingReason = '';
  }

  /**
   * The group's client URLs: told to native clients in WELCOME from now on, and at once to
   * those connected (CLUSTER_UPDATE; OpenWire turns it into a ConnectionControl, protocols
   * without the notion ignore it), so failover clients learn every member.
   */
  announceMembers(urls: string[]): void {
    this.broker.config.advertisedMembers = urls;
    for (const c of this.broker.connections.values()) {
      if (c.helloDone && !c.closed) c.transport.send({ type: CommandType.CLUSTER_UPDATE, members: urls });
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private queue(url: string): Queue {
    const d = parseDestination(url);
    if (!isQueueKind(d.kind)) throw new InvalidDestinationError(`${d.url} is not a queue`);
    const q = this.broker.queues.get(d.url);
    if (!q) throw new InvalidDestinationError(`queue ${d.url} does not exist`);
    return q;
  }

  private async commit(ops: StoreOp[]): Promise<void> {
    await this.broker.commitAcks(ops, true);
  }

  private async transfer(queueUrl: string, opts: MoveOptions, remove: boolean): Promise<number> {
    const q = this.queue(queueUrl);
    const target: Destination | null = opts.to === undefined ? null : destinationOf(parseDestination(opts.to).url);
    const sel = opts.selector ? this.broker.compileSelector(opts.selector) : null;
    const candidates = q.snapshot().filter((e) => (opts.messageId === undefined || e.msg.messageId === opts.messageId) &&
      (target !== null || e.msg.originalDestination) && (!sel || sel.matches(this.broker.filterableFor(e))));
    const plans: RoutePlan[] = [];
    const moved: Entry[] = [];
    for (const e of candidates) {
      try {
        plans.push(this.broker.router.plan(target ? copyTo(e.msg, target.url) : backToOrigin(e.msg), null));
        moved.push(e);
      } catch (err) {
        if (!(err instanceof JMSError)) throw err;
        // The destination cannot take it (a deleted temporary queue): it stays here.
      }
    }
    if (moved.length === 0) return 0;
    const ops: StoreOp[] = [];
    if (remove) {
      for (const e of moved) q.pending.remove(e);
      q.consume(moved, ops);
    }
    try {
      await this.broker.executePlan(this.broker.router.merge(plans), undefined, ops);
    } catch (err) {
      this.broker.onStoreFailure(err as Error);
      throw err;
    }
    return moved.length;
  }
}

/** A dead letter's copy for its original destination: the dead letter properties go. */
function backToOrigin(msg: WireMessage): WireMessage {
  const { dlqDeliveryFailureCause: _cause, originalExpiration: _exp, originalDeliveryMode: _mode, ...properties } = msg.properties;
  const { originalDestination, ...rest } = msg;
  return { ...rest, destination: originalDestination!, redelivered: false, deliveryCount: 0, properties };
}

/** A copy of a message for another destination (same id and properties, delivered afresh). */
function copyTo(msg: WireMessage, url: string): WireMessage {
  return { ...msg, destination: url, redelivered: false, deliveryCount: 0 };
}
