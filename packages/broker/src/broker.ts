// The Broker (DESIGN §5): destinations, subscriptions, routing, store recovery, dead letters,
// expiry and advisories. Connections (connection.ts) turn wire commands into calls on it;
// routing of one send is planned in router.ts.
import { EventEmitter } from 'node:events';
import {
  DeliveryMode, IllegalStateError, InvalidDestinationError, JMSError, destinationMatches, destinationOf,
  compileSelector, estimateSize, isQueueKind, isTemporary, isWildcard, makeDestination,
  type Destination, type Properties, type Selector, type WireMessage,
} from '@wharf/protocol';
import { filterable } from './filter';
import { LevelStore, MemoryStore, type Store, type StoreOp, type SubscriptionRecord } from '@wharf/store';
import { resolveConfig, type BrokerConfig } from './config';
import { resolvePolicy, deadLetterQueueFor, type ResolvedPolicy } from './policy';
import { Queue } from './queue';
import { DurableSubscription, Topic, TopicSubscription } from './topic';
import { Entry, type SharedRef } from './entry';
import type { MessageSource } from './source';
import type { ServerConsumer } from './consumer';
import type { ServerConnection } from './connection';
import { MemoryUsage } from './memory';
import { ProducerAudit } from './audit';
import { createLogger, type Logger } from './logger';
import { Router, type RoutePlan } from './router';
import { Advisories } from './advisory';
import { parseConnectorUri, startConnector, type Connector } from './transport/connectors';
import { Security } from './security/index';
import { vmRegistry } from './transport/vm';
import { Scheduler, type SchedulerOptions } from './scheduler/index';

export interface BrokerOptions {
  /** Use this store instead of the one the config names (tests, cluster). */
  store?: Store;
  logger?: Logger;
  /** Scheduler settings (an injected clock for tests, the in-memory window size). */
  scheduler?: SchedulerOptions;
}

/** A hook that may take a message before routing (the scheduler). */
export interface SendInterceptor {
  intercept(msg: WireMessage, plan: RoutePlan): boolean;
}

export class Broker extends EventEmitter {
  readonly config: BrokerConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly memory: MemoryUsage;
  readonly queues = new Map<string, Queue>();
  readonly topics = new Map<string, Topic>();
  readonly durables = new Map<string, DurableSubscription>();
  /** Non-durable topic subscriptions whose destination is a wildcard. */
  readonly wildcardTopicSubs = new Set<TopicSubscription>();
  readonly wildcardDurables = new Set<DurableSubscription>();
  /** Queue consumers on wildcards: attached to every matching queue, also ones made later. */
  readonly wildcardQueueConsumers = new Set<ServerConsumer>();
  readonly connections = new Map<string, ServerConnection>();
  readonly clientIds = new Map<string, ServerConnection>();
  readonly audit = new ProducerAudit();
  readonly router: Router;
  readonly advisories: Advisories;
  /** Authentication and authorization for every protocol (security/). */
  readonly security: Security;
  readonly interceptors: SendInterceptor[] = [];
  /** The job scheduler, when `schedulerSupport` is on (list and remove jobs: the console). */
  readonly scheduler: Scheduler | null = null;
  connectors: Connector[] = [];
  private seq = 0;
  private connCounter = 0;
  private expiryTimer: NodeJS.Timeout | null = null;
  private readonly policyCache = new Map<string, ResolvedPolicy>();
  readonly startedAt = Date.now();
  started = false;
  /** False on a cluster slave: client connections are refused. */
  serving = true;
  notServingReason = '';
  /** Whether persistent messages are written to the store (not for the memory store). */
  readonly durableStore: boolean;
  /** Persistent queue messages may be dispatched while their write is queued (see executePlan). */
  readonly concurrentDispatch: boolean;

  constructor(config: Partial<BrokerConfig> = {}, opts: BrokerOptions = {}) {
    super();
    this.config = resolveConfig(config);
    this.log = opts.logger ?? createLogger(this.config.logLevel, this.config.brokerName);
    // A standalone broker keeps no retained replication log (logRetentionBatches 0): every
    // message would otherwise be written twice. Cluster nodes pass their own store.
    this.store = opts.store ?? (this.config.persistent ? new LevelStore({ directory: this.config.dataDirectory, logRetentionBatches: 0 }) : new MemoryStore());
    this.durableStore = this.store.kind !== 'memory';
    this.concurrentDispatch = this.durableStore && this.config.concurrentStoreAndDispatchQueues !== false && typeof this.store.cancelQueuedPut === 'function';
    this.memory = new MemoryUsage(this.config.memoryLimit);
    this.router = new Router(this);
    this.advisories = new Advisories(this);
    this.security = new Security(this.config, this.log, { exists: (d) => (isQueueKind(d.kind) ? this.queues : this.topics).has(d.url) });
    if (this.config.schedulerSupport) {
      this.scheduler = new Scheduler(this, opts.scheduler);
      this.interceptors.push(this.scheduler);
    }
  }

  get name(): string {
    return this.config.brokerName;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  nextConnectionId(): string {
    return `ID:${this.config.brokerName}-${process.pid}-${this.startedAt.toString(36)}-${++this.connCounter}`;
  }

  sizeOf(msg: WireMessage): number {
    return estimateSize(msg);
  }

  policyFor(d: Destination): ResolvedPolicy {
    let p = this.policyCache.get(d.url);
    if (!p) {
      p = resolvePolicy(this.config.destinationPolicy, d);
      if (this.policyCache.size > 10000) this.policyCache.clear();
      this.policyCache.set(d.url, p);
    }
    return p;
  }

  /** Open the store, recover, start the transport connectors. */
  async start(): Promise<void> {
    if (this.started) return;
    for (const c of this.config.transportConnectors) this.security.checkExposure(`connector ${c.name}`, parseConnectorUri(c.uri).host);
    await this.store.open();
    await this.recover();
    await this.scheduler?.start();
    this.startExpiryScan();
    vmRegistry.register(this.config.brokerName, this);
    try {
      for (const c of this.config.transportConnectors) this.connectors.push(await startConnector(this, c));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.started = true;
    this.log.info({ connectors: this.connectors.map((c) => c.url), store: this.store.kind }, 'broker started');
    this.emit('started');
  }

  async stop(): Promise<void> {
    vmRegistry.unregister(this.config.brokerName, this);
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
    this.scheduler?.stop();
    for (const c of this.connectors) await c.close().catch(() => undefined);
    this.connectors = [];
    for (const conn of [...this.connections.values()]) conn.close(new JMSError('broker is shutting down'), false);
    for (const q of this.queues.values()) q.close();
    for (const d of this.durables.values()) d.close();
    await this.store.close().catch((err: Error) => this.log.error({ err }, 'store close failed'));
    if (this.started) this.log.info('broker stopped');
    this.started = false;
    this.emit('stopped');
  }

  /** URL of the first connector with this scheme (tests use port 0). */
  connectorUrl(scheme = 'tcp'): string {
    const c = this.connectors.find((x) => x.url.startsWith(`${scheme}://`));
    if (!c) throw new IllegalStateError(`no ${scheme} connector`);
    return c.url;
  }

  // ---- recovery -------------------------------------------------------------------------

  private async recover(): Promise<void> {
    const state = await this.store.recover();
    this.audit.storedHighWater = state.producerSeqs;
    let maxSeq = 0;
    for (const d of state.destinations) {
      if (d.lastSeq > maxSeq) maxSeq = d.lastSeq;
      const dest = destinationOf(d.url);
      if (isQueueKind(dest.kind)) {
        const q = this.getQueue(dest, true, false)!;
        q.recoveredDeliveredMark = d.deliveredSeq;
        q.deliveredMark = d.deliveredSeq;
        if (d.count > 0) {
          q.pagedCount = d.count;
          q.pagedMaxSeq = d.lastSeq;
          q.storeCursor = d.firstSeq - 1;
          q.enqueued += 0;
          q.scheduleDispatch();
        }
      } else {
        this.getTopic(dest, true, false);
      }
    }
    this.seq = Math.max(this.seq, maxSeq);
    // Durable subscriptions, with their backlogs. A topic message is stored once: the shared
    // reference count is rebuilt from the subscriptions that still hold it.
    const shared = new Map<string, { ref: SharedRef; msg: WireMessage }>();
    for (const s of state.subscriptions) {
      const sub = this.attachDurable(s, false);
      sub.recoveredDeliveredMark = s.deliveredSeq;
      sub.deliveredMark = s.deliveredSeq;
      const topics = isWildcard(destinationOf(s.destination).name)
        ? [...this.topics.keys()].filter((t) => destinationMatches(destinationOf(s.destination), destinationOf(t)))
        : [s.dest];
      for (const t of topics) {
        let after = 0;
        for (;;) {
          const seqs = await this.store.loadSubscriptionRefs(t, s.key, after, 1000);
          for (const seq of seqs) {
            const k = `${t}|${seq}`;
            let item = shared.get(k);
            if (!item) {
              const msg = await this.store.getMessage(t, seq);
              if (!msg) continue;
              item = { ref: { refs: 0 }, msg };
              shared.set(k, item);
            }
            item.ref.refs++;
            const e = new Entry(seq, item.msg, sub, this.sizeOf(item.msg), true, null, item.ref);
            e.storeDest = t;
            if (seq <= s.deliveredSeq) e.redelivered = true;
            sub.enqueue(e);
            if (seq > this.seq) this.seq = seq;
          }
          if (seqs.length < 1000) break;
          after = seqs[seqs.length - 1]!;
        }
      }
    }
    if (state.destinations.length || state.subscriptions.length) {
      this.log.info({ destinations: state.destinations.length, subscriptions: state.subscriptions.length, position: state.position }, 'recovered store');
    }
  }

  // ---- destinations -----------------------------------------------------------------------

  getQueue(d: Destination, create: boolean, persist = true): Queue | undefined {
    let q = this.queues.get(d.url);
    if (!q && create) {
      q = new Queue(this, d, this.policyFor(d));
      this.queues.set(d.url, q);
      for (const c of this.wildcardQueueConsumers) if (destinationMatches(c.destination, d)) q.addConsumer(c);
      if (persist && this.durableStore && !isTemporary(d.kind)) {
        void this.store.commit([{ t: 8, dest: { url: d.url, createdAt: Date.now() } }], { sync: false }).catch((err: Error) => this.onStoreFailure(err));
      }
      this.advisories.destinationCreated(d);
      this.emit('destination', d.url);
    }
    return q;
  }

  getTopic(d: Destination, create: boolean, persist = true): Topic | undefined {
    let t = this.topics.get(d.url);
    if (!t && create) {
      t = new Topic(d);
      this.topics.set(d.url, t);
      if (persist && this.durableStore && !isTemporary(d.kind) && !d.name.startsWith('ActiveMQ.Advisory.')) {
        void this.store.commit([{ t: 8, dest: { url: d.url, createdAt: Date.now() } }], { sync: false }).catch((err: Error) => this.onStoreFailure(err));
      }
      for (const sub of this.wildcardDurables) {
        if (destinationMatches(sub.destination, d)) t.durables.add(sub);
      }
      if (!d.name.startsWith('ActiveMQ.Advisory.')) this.advisories.destinationCreated(d);
    }
    return t;
  }

  /** Remove a destination with its messages (console delete, temp destination end). */
  async removeDestination(url: string): Promise<boolean> {
    const d = destinationOf(url);
    const ops: StoreOp[] = [];
    if (isQueueKind(d.kind)) {
      const q = this.queues.get(url);
      if (!q) return false;
      for (const c of [...q.consumers]) c.conn.closeConsumerFromBroker(c, new InvalidDestinationError(`destination ${url} was removed`));
      q.close();
      this.queues.delete(url);
    } else {
      const t = this.topics.get(url);
      if (!t) return false;
      for (const s of [...t.subs]) s.consumer.conn.closeConsumerFromBroker(s.consumer, new InvalidDestinationError(`destination ${url} was removed`));
      for (const s of [...t.durables]) {
        if (s.active) s.active.conn.closeConsumerFromBroker(s.active, new InvalidDestinationError(`destination ${url} was removed`));
        if (s.destination.url === url) {
          s.close();
          this.durables.delete(s.record.key);
        }
      }
      this.topics.delete(url);
    }
    if (this.durableStore && !isTemporary(d.kind)) {
      ops.push({ t: 9, url });
      await this.store.commit(ops, { sync: true });
    }
    this.policyCache.delete(url);
    return true;
  }

  // ---- sending ------------------------------------------------------------------------------

  /**
   * Route one message. Resolves when it is durable (persistent) or at once; the caller answers
   * the producer after that. `origin` is the sending connection's id (noLocal, temp owners).
   */
  send(msg: WireMessage, origin: ServerConnection | null): Promise<void> | undefined {
    if (this.isDuplicateSend(msg, origin)) {
      this.log.debug({ messageId: msg.messageId }, 'suppressing duplicate message send');
      return undefined;
    }
    const plan = this.router.plan(msg, origin);
    return this.executePlan(plan, () => this.audit.forget(msg.producerId, msg.producerSeq));
  }

  /**
   * Was this send seen before (duplicate detection; records it otherwise)? A message forwarded
   * by a network bridge (it has a broker path) may come out of its producer's order (one queue's
   * demand before another's), so the stored high-water mark of a failover reconnect must not
   * judge it: only the window of sequences seen does.
   */
  isDuplicateSend(msg: WireMessage, origin: ServerConnection | null): boolean {
    const failover = (origin?.failover ?? false) && !(msg.brokerPath && msg.brokerPath.length > 0);
    return this.audit.isDuplicate(msg.producerId, msg.producerSeq, failover);
  }

  /** Commit a plan's store ops (one group-committed write), then enqueue its entries. */
  executePlan(plan: RoutePlan, onFail?: () => void, extraOps?: StoreOp[]): Promise<void> | undefined {
    const ops = extraOps && extraOps.length ? [...plan.ops, ...extraOps] : plan.ops;
    if (ops.length === 0) {
      this.applyPlan(plan);
      return undefined;
    }
    if (ops === plan.ops && this.canDispatchConcurrently(plan)) {
      // Concurrent store and dispatch: the entries go to their consumers now; the producer is
      // answered when the write is on disk, or when every message was consumed before it.
      // Each message carries its own delivered mark, so it can go out before it is written.
      const withMarks: StoreOp[] = [];
      for (const op of ops) {
        withMarks.push(op);
        if (op.t === 1) withMarks.push({ t: 10, dest: op.dest, seq: op.seq });
      }
      for (let i = 0; i < plan.entries.length; i++) {
        const e = plan.entries[i]!;
        const q = plan.sources[i]!;
        e.premarked = true;
        if (e.seq > q.premarkMax) q.premarkMax = e.seq;
      }
      const write = this.store.commit(withMarks, { sync: true, dispatchable: true });
      this.applyPlan(plan);
      return write.then(
        () => undefined,
        (err: Error) => {
          onFail?.();
          throw err;
        },
      );
    }
    const queues = plan.sources;
    for (const q of queues) if (q instanceof Queue) q.storing++;
    return this.store.commit(ops, { sync: true }).then(
      () => {
        for (const q of queues) if (q instanceof Queue) q.storing--;
        this.applyPlan(plan);
      },
      (err: Error) => {
        for (const q of queues) if (q instanceof Queue) q.storing--;
        onFail?.();
        throw err;
      },
    );
  }

  /**
   * A plan may be dispatched before its write (ActiveMQ's concurrentStoreAndDispatchQueues) when
   * the store can take a queued put back, and every entry is a persistent message for a queue
   * with a consumer, held in memory (not paging), with no earlier send still waiting for its
   * write (which would then be enqueued after this one: FIFO).
   */
  private canDispatchConcurrently(plan: RoutePlan): boolean {
    if (!this.concurrentDispatch || plan.entries.length === 0 || this.memory.full) return false;
    for (let i = 0; i < plan.entries.length; i++) {
      const q = plan.sources[i];
      const e = plan.entries[i]!;
      if (!(q instanceof Queue) || !e.stored || !q.holdsInMemory(e)) return false;
    }
    return true;
  }

  applyPlan(plan: RoutePlan): void {
    for (let i = 0; i < plan.entries.length; i++) plan.sources[i]!.enqueue(plan.entries[i]!);
    for (const fn of plan.after) fn();
  }

  // ---- producer flow control ------------------------------------------------------------

  /**
   * Why a send of `msg` must wait now, or null. Persistent messages need store space (they
   * page out of memory); non-persistent ones need memory (ActiveMQ systemUsage).
   */
  usageBlock(msg: WireMessage): string | null {
    if (msg.deliveryMode === DeliveryMode.PERSISTENT && this.durableStore) {
      const limit = this.config.storeLimit;
      if (limit > 0) {
        const used = this.store.stats().bytes;
        if (used >= limit) {
          return `Usage Manager Store is Full (${Math.round((used / limit) * 100)}% of ${limit} bytes). Stopping producer (${msg.producerId}) to prevent flooding ${msg.destination}: consume messages or raise storeLimit`;
        }
      }
      return null;
    }
    if (this.memory.full) {
      return `Usage Manager Memory Limit reached (${this.memory.used} of ${this.memory.limit} bytes). Stopping producer (${msg.producerId}) to prevent flooding ${msg.destination}: consume messages or raise memoryLimit`;
    }
    return null;
  }

  /** Resolves when memory was released or after `ms` (store space has no event: re-check). */
  waitForUsage(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      void this.memory.whenAvailable().then(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  // ---- subscriptions ----------------------------------------------------------------------

  attachDurable(record: SubscriptionRecord & { dest?: string }, _persist: boolean): DurableSubscription {
    const d = destinationOf(record.destination);
    const sub = new DurableSubscription(this, d, this.policyFor(d), record);
    this.durables.set(record.key, sub);
    if (isWildcard(d.name)) {
      this.wildcardDurables.add(sub);
      for (const t of this.topics.values()) if (destinationMatches(d, t.destination)) t.durables.add(sub);
    } else {
      this.getTopic(d, true)!.durables.add(sub);
    }
    return sub;
  }

  /** Attach a consumer to its durable subscription, creating or replacing the subscription. */
  async openDurable(conn: ServerConnection, c: ServerConsumer, cmd: { durableName?: string; selector?: string; noLocal?: boolean; selectorOptions?: { convertStringExpressions?: boolean } }): Promise<void> {
    const key = c.durableKey!;
    const name = cmd.durableName!;
    let sub = this.durables.get(key);
    // The stored selector keeps its options in ActiveMQ's text form, so a restart compiles it alike.
    const convert = cmd.selectorOptions?.convertStringExpressions && cmd.selector && !cmd.selector.trimStart().startsWith('convert_string_expressions:');
    const selector = (convert ? `convert_string_expressions:${cmd.selector}` : cmd.selector) || undefined;
    if (sub) {
      if (sub.active && !sub.active.closed) {
        throw new IllegalStateError(`Durable consumer is in use for client: ${conn.clientId} and subscriptionName: ${name}`);
      }
      // JMS: a changed topic, selector or noLocal replaces the subscription.
      if (sub.record.destination !== c.destination.url || (sub.record.selector ?? '') !== (selector ?? '') || !!sub.record.noLocal !== !!cmd.noLocal) {
        await this.dropDurable(sub);
        sub = undefined;
      }
    }
    if (!sub) {
      const record: SubscriptionRecord = {
        key, clientId: conn.clientId!, name, destination: c.destination.url, createdAt: Date.now(),
        ...(selector ? { selector } : {}), ...(cmd.noLocal ? { noLocal: true } : {}),
      };
      if (this.durableStore) await this.store.commit([{ t: 3, dest: record.destination, sub: record }], { sync: true });
      sub = this.attachDurable(record, true);
    }
    if (c.closed) return;
    sub.addConsumer(c);
  }

  private readonly selectorCache = new Map<string, Selector>();
  /** Compile (once) a selector; throws InvalidSelectorError naming the fault. */
  compileSelector(text: string, convertStringExpressions = false): Selector {
    const key = convertStringExpressions ? `\u0001${text}` : text;
    let sel = this.selectorCache.get(key);
    if (!sel) {
      sel = compileSelector(text, { convertStringExpressions });
      if (this.selectorCache.size > 5000) this.selectorCache.clear();
      this.selectorCache.set(key, sel);
    }
    return sel;
  }

  filterableFor(e: Entry): ReturnType<typeof filterable> {
    return filterable(e.msg, e.redelivered, e.deliveryCount + 1);
  }

  /** Remove a durable subscription with its backlog (Session.unsubscribe). */
  async unsubscribe(clientId: string, name: string): Promise<void> {
    const key = `${clientId}:${name}`;
    const sub = this.durables.get(key);
    if (!sub) throw new InvalidDestinationError(`no durable subscription '${name}' for client ${clientId}`);
    if (sub.active) throw new IllegalStateError(`Durable consumer is in use for client: ${clientId} and subscriptionName: ${name}`);
    await this.dropDurable(sub);
  }

  async dropDurable(sub: DurableSubscription): Promise<void> {
    const ops: StoreOp[] = [];
    const topics = new Set<string>([sub.destination.url]);
    for (const e of sub.pending.toArray()) {
      topics.add(e.storeDest);
      if (e.shared && --e.shared.refs <= 0 && e.stored) ops.push({ t: 2, dest: e.storeDest, seq: e.seq });
    }
    for (const t of topics) ops.unshift({ t: 4, dest: t, key: sub.record.key });
    sub.close();
    this.durables.delete(sub.record.key);
    this.wildcardDurables.delete(sub);
    for (const t of this.topics.values()) t.durables.delete(sub);
    if (this.durableStore) await this.store.commit(ops, { sync: true });
  }

  // ---- acknowledgement, dead letters, expiry ---------------------------------------------

  /** Commit ack store ops without waiting for an fsync (a lost ack means a redelivery). */
  commitAcks(ops: StoreOp[], sync = false): Promise<unknown> | undefined {
    if (ops.length === 0 || !this.durableStore) return undefined;
    const p = this.store.commit(ops, { sync });
    p.catch((err: Error) => this.onStoreFailure(err));
    return p;
  }

  sendToDeadLetter(source: MessageSource, entries: Entry[], cause: string, expired: boolean): void {
    const ops: StoreOp[] = [];
    const plans: RoutePlan[] = [];
    const strategy = source.policy.deadLetter;
    for (const e of entries) {
      if (e.stored) for (const op of source.removalOps(e)) ops.push(op);
      const persistent = e.msg.deliveryMode === DeliveryMode.PERSISTENT;
      const dlq = deadLetterQueueFor(strategy, source.destination, persistent, expired);
      if (!dlq || dlq === source.destination.url) {
        this.log.debug({ messageId: e.msg.messageId, cause }, 'message discarded by the dead letter strategy');
        continue;
      }
      const props: Properties = { ...e.msg.properties, dlqDeliveryFailureCause: cause };
      if (e.msg.expiration > 0) props.originalExpiration = e.msg.expiration;
      if (!persistent) props.originalDeliveryMode = 'NON_PERSISTENT';
      const copy: WireMessage = {
        ...e.msg,
        destination: dlq,
        originalDestination: e.msg.originalDestination ?? source.destination.url,
        deliveryMode: DeliveryMode.PERSISTENT,
        expiration: 0,
        redelivered: false,
        deliveryCount: 0,
        properties: props,
      };
      plans.push(this.router.plan(copy, null));
      this.advisories.messageDLQd(source.destination, e.msg);
    }
    const merged = this.router.merge(plans);
    const p = this.executePlan(merged, undefined, ops);
    p?.catch((err: Error) => this.onStoreFailure(err));
  }

  expire(source: MessageSource, entries: Entry[]): void {
    for (const e of entries) this.advisories.expired(source.destination, e.msg);
    source.deadLetter(entries, `Message Expired. Expiration:${entries[0]?.msg.expiration ?? 0}`, true);
  }

  private startExpiryScan(): void {
    const periods = this.config.destinationPolicy.map((p) => p.expireMessagesPeriod ?? 30000).filter((x) => x > 0);
    const period = Math.min(30000, ...periods);
    this.expiryTimer = setInterval(() => this.expireScan(), period);
    this.expiryTimer.unref();
  }

  /** Remove expired pending messages from every queue and subscription. */
  expireScan(): void {
    const now = Date.now();
    const sources: MessageSource[] = [...this.queues.values(), ...this.durables.values()];
    for (const t of this.topics.values()) for (const s of t.subs) sources.push(s);
    for (const s of sources) {
      if (s.policy.expireMessagesPeriod <= 0 || s.pending.size === 0) continue;
      const expired = s.pending.removeWhere((e) => e.msg.expiration > 0 && e.msg.expiration <= now);
      if (expired.length) {
        for (const e of expired) e.state = 0;
        s.expired += expired.length;
        this.expire(s, expired);
      }
    }
  }

  // ---- connections ------------------------------------------------------------------------

  addConnection(conn: ServerConnection): void {
    this.connections.set(conn.id, conn);
    this.emit('connection', conn.id);
  }

  removeConnection(conn: ServerConnection): void {
    this.connections.delete(conn.id);
    if (conn.clientId && this.clientIds.get(conn.clientId) === conn) this.clientIds.delete(conn.clientId);
  }

  /** JMS: a clientId is unique among the broker's connections. */
  claimClientId(conn: ServerConnection, clientId: string): void {
    const other = this.clientIds.get(clientId);
    if (other && other !== conn && !other.closed && conn.failover) {
      // A failover client coming back before its old connection was noticed dead takes the
      // clientID over (ActiveMQ's link stealing for reconnects).
      this.log.info({ clientId, old: other.id }, 'failover reconnect takes over the clientID');
      other.close(new JMSError(`clientID ${clientId} was taken over by a reconnecting client`), true);
    } else if (other && other !== conn && !other.closed) {
      throw new JMSError(`Broker: ${this.name} - Client: ${clientId} already connected from ${other.remoteAddress}`, 'WHARF_INVALID_CLIENT_ID');
    }
    this.clientIds.set(clientId, conn);
  }

  queueConsumersChanged(q: Queue, c: ServerConsumer, event: 'added' | 'removed'): void {
    this.advisories.consumersChanged(q.destination, q.consumers.length, c, event);
  }

  /** A store write failed: the broker cannot promise durability any more. */
  onStoreFailure(err: Error): void {
    this.log.error({ err }, 'store write failed');
    this.emit('storeFailure', err);
  }

  /** Make a destination object for a URL, rejecting kinds that cannot be used here. */
  destination(url: string): Destination {
    const d = destinationOf(url);
    return makeDestination(d.kind, d.name);
  }
}
