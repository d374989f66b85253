// The Broker (docs/ARCHITECTURE.md: inside the broker): destinations, subscriptions, routing, store recovery, dead letters,
// expiry and advisories. Connections (connection.ts) turn wire commands into calls on it;
// routing of one send is planned in router.ts and executed in execute.ts. Recovery, durable
// subscriptions, dead letters and expiry, flow control and destination removal live in their
// own modules (recovery.ts, durables.ts, dead-letter.ts, usage.ts, destinations.ts).
import { EventEmitter } from 'node:events';
import {
  IllegalStateError, JMSError, destinationOf, compileSelector, estimateSize, isQueueKind, makeDestination,
  type Destination, type Selector, type WireMessage,
} from '@wharf/protocol';
import { filterable } from './filter';
import { LevelStore, MemoryStore, type Store, type StoreOp, type SubscriptionRecord } from '@wharf/store';
import { resolveConfig, type BrokerConfig } from './config';
import { policyKey, resolvePolicy, type ResolvedPolicy } from './policy';
import { recoverBroker } from './recovery';
import { attachDurable, dropDurable, openDurable, unsubscribe, type DurableOpen } from './durables';
import { expire, expireScan, expiryScanPeriod, sendToDeadLetter } from './dead-letter';
import { usageBlock, waitForUsage } from './usage';
import { createQueue, createTopic, removeDestination } from './destinations';
import { executePlan } from './execute';
import { Queue } from './queue';
import { DurableSubscription, Topic, TopicSubscription } from './topic';
import type { Entry } from './entry';
import type { MessageSource } from './source';
import type { ServerConsumer } from './consumer';
import type { XaBranch } from './handlers/xa';
import { ServerConnection } from './connection';
import { addConnection, claimClientId, removeConnection } from './connections';
import type { ConnectorFactory, ProtocolDetector, ProtocolHost, ProtocolPackage, ServerTransport } from './core';
import { MemoryUsage } from './memory';
import { PageLimiter } from './page-limiter';
import { SlowConsumers } from './slow-consumers';
import { DestinationGc } from './destination-gc';
import { fitStoreLimit, isFencedStoreError, isTransientStoreError, logAcceptedDamage, StoreWarnings } from './store-health';
import { ProducerAudit } from './audit';
import { createLogger, type Logger } from './logger';
import { Router, type RoutePlan } from './router';
import { Advisories } from './advisory';
import { startConnector, type Connector } from './transport/connectors';
import { Security, checkConnectorExposure } from './security/index';
import { BrokerAdmin } from './admin';
import { vmRegistry } from './transport/vm';
import { Scheduler, type SchedulerOptions } from './scheduler/index';

export interface BrokerOptions {
  /** Use this store instead of the one the config names (tests, cluster). */
  store?: Store;
  logger?: Logger;
  /** Scheduler settings (an injected clock for tests, the in-memory window size). */
  scheduler?: SchedulerOptions;
  /** The wire protocol packages whose connector schemes this broker serves (e.g. @wharf/stomp). */
  protocols?: readonly ProtocolPackage[];
}

/** A hook that may take a message before routing (the scheduler). */
export interface SendInterceptor {
  intercept(msg: WireMessage, plan: RoutePlan): boolean;
}

export class Broker extends EventEmitter implements ProtocolHost {
  readonly config: BrokerConfig;
  readonly store: Store;
  readonly log: Logger;
  private readonly storeWarnings = new StoreWarnings();
  /** Paging queue messages in from the store, a few queues at a time. */
  readonly pageLimiter = new PageLimiter();
  private readonly destinationGc = new DestinationGc(this);
  /** The policies' slowConsumerStrategy lists and timers. */
  readonly slowConsumers = new SlowConsumers(this);
  readonly memory: MemoryUsage;
  /** @internal bytes of the sends blocked by flow control on every connection (handlers/produce.ts) */
  blockedBytes = 0;
  readonly queues = new Map<string, Queue>();
  /** XA transaction branches by xid, active and prepared (handlers/xa.ts). */
  readonly xa = new Map<string, XaBranch>();
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
  /** Admin operations: the console, the CLI and the cluster use these (admin.ts). */
  readonly admin: BrokerAdmin;
  /** Authentication and authorization for every protocol (security/). */
  readonly security: Security;
  readonly interceptors: SendInterceptor[] = [];
  /** The job scheduler, when `schedulerSupport` is on (list and remove jobs: the console). */
  readonly scheduler: Scheduler | null = null;
  connectors: Connector[] = [];
  /** Connector schemes served by the protocol packages given in the options. */
  readonly protocolSchemes = new Map<string, ConnectorFactory>();
  /** Protocols the tcp/ssl connectors recognise from a connection's first bytes. */
  readonly protocolDetectors: ProtocolDetector[] = [];
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
    // Cluster nodes pass their own store (with a replication journal beside it).
    this.store = opts.store ?? (this.config.persistent ? new LevelStore({ directory: this.config.dataDirectory, acceptDamage: this.config.acceptStoreDamage === true }) : new MemoryStore());
    this.durableStore = this.store.kind !== 'memory';
    this.concurrentDispatch = this.durableStore && this.config.concurrentStoreAndDispatchQueues !== false && typeof this.store.cancelQueuedPut === 'function';
    this.memory = new MemoryUsage(this.config.memoryLimit);
    this.router = new Router(this);
    this.advisories = new Advisories(this);
    this.admin = new BrokerAdmin(this);
    this.security = new Security(this.config, this.log, { exists: (d) => (isQueueKind(d.kind) ? this.queues : this.topics).has(d.url) });
    for (const p of opts.protocols ?? []) {
      for (const [scheme, f] of Object.entries(p.schemes)) this.protocolSchemes.set(scheme, f);
      if (p.detect) this.protocolDetectors.push(p.detect);
    }
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
    // Keyed by the entries that apply, not by destination: one object per combination.
    const key = policyKey(this.config.destinationPolicy, d);
    let p = this.policyCache.get(key);
    if (!p) {
      p = resolvePolicy(this.config.destinationPolicy, d);
      this.policyCache.set(key, p);
    }
    return p;
  }

  /** Open the store, recover, start the transport connectors. */
  async start(): Promise<void> {
    if (this.started) return;
    checkConnectorExposure(this.security, this.config.transportConnectors);
    await this.store.open();
    logAcceptedDamage(this.store, this.log);
    if (this.durableStore) this.config.storeLimit = await fitStoreLimit(this.config.storeLimit, this.config.dataDirectory, this.store, this.log);
    await this.recover();
    await this.scheduler?.start();
    this.startExpiryScan();
    this.destinationGc.start(this.config.schedulePeriodForDestinationPurge);
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
    this.destinationGc.stop();
    this.slowConsumers.stop();
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

  /** True while the store is being recovered (destinations are created quietly then). */
  recovering = false;

  private async recover(): Promise<void> {
    this.recovering = true;
    const maxSeq = await recoverBroker(this).finally(() => (this.recovering = false));
    this.seq = Math.max(this.seq, maxSeq);
  }

  // ---- destinations -----------------------------------------------------------------------

  /** The queue of `d`; made (and stored, unless temporary or `persist` is false) when `create`. */
  getQueue(d: Destination, create: boolean, persist = true): Queue | undefined {
    return this.queues.get(d.url) ?? (create ? createQueue(this, d, persist) : undefined);
  }

  getTopic(d: Destination, create: boolean, persist = true): Topic | undefined {
    return this.topics.get(d.url) ?? (create ? createTopic(this, d, persist) : undefined);
  }

  /** Remove a destination with its messages (console delete, temp destination end). */
  removeDestination(url: string): Promise<boolean> {
    return removeDestination(this, url);
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
    return executePlan(this, plan, onFail, extraOps);
  }

  applyPlan(plan: RoutePlan): void {
    for (let i = 0; i < plan.entries.length; i++) plan.sources[i]!.enqueue(plan.entries[i]!);
    for (const fn of plan.after) fn();
  }

  // ---- producer flow control ------------------------------------------------------------

  /** Why a send of `msg` must wait now, or null (see usage.ts). */
  usageBlock(msg: WireMessage, transacted = false): string | null {
    return usageBlock(this, msg, transacted);
  }

  /** Resolves when the memory `msg` waits for was released, or after `ms`. */
  waitForUsage(ms: number, msg?: WireMessage): Promise<void> {
    return waitForUsage(this, ms, msg);
  }

  // ---- subscriptions ----------------------------------------------------------------------

  attachDurable(record: SubscriptionRecord & { dest?: string }, _persist: boolean): DurableSubscription {
    return attachDurable(this, record);
  }

  /** Attach a consumer to its durable subscription, creating or replacing the subscription. */
  openDurable(conn: ServerConnection, c: ServerConsumer, cmd: DurableOpen): Promise<void> {
    return openDurable(this, conn, c, cmd);
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
  unsubscribe(clientId: string, name: string): Promise<void> {
    return unsubscribe(this, clientId, name);
  }

  dropDurable(sub: DurableSubscription): Promise<void> {
    return dropDurable(this, sub);
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
    sendToDeadLetter(this, source, entries, cause, expired);
  }

  expire(source: MessageSource, entries: Entry[]): void {
    expire(this, source, entries);
  }

  private startExpiryScan(): void {
    this.expiryTimer = setInterval(() => this.expireScan(), expiryScanPeriod(this));
    this.expiryTimer.unref();
  }

  /** Remove expired pending messages from every queue and subscription. */
  expireScan(): void {
    expireScan(this);
  }

  // ---- connections ------------------------------------------------------------------------

  temporaryDestinations(): string[] {
    const out: string[] = [];
    for (const url of this.queues.keys()) if (url.startsWith('temp-')) out.push(url);
    for (const url of this.topics.keys()) if (url.startsWith('temp-')) out.push(url);
    return out;
  }

  /** Open a server connection driven by a protocol adapter's transport (core.ts). */
  openConnection(transport: ServerTransport, protocol: string): ServerConnection {
    return new ServerConnection(this, transport, protocol);
  }

  addConnection(conn: ServerConnection): void {
    addConnection(this, conn);
  }

  removeConnection(conn: ServerConnection): void {
    removeConnection(this, conn);
  }

  /** JMS: a clientId is unique among the broker's connections (connections.ts). */
  claimClientId(conn: ServerConnection, clientId: string): void {
    claimClientId(this, conn, clientId);
  }

  queueConsumersChanged(q: Queue, c: ServerConsumer, event: 'added' | 'removed'): void {
    this.advisories.consumersChanged(q.destination, q.consumers.length, c, event);
  }

  /**
   * A store write failed: the broker cannot promise durability any more. Unless the cause is
   * transient (disk full, out of descriptors): the store then refuses writes until it heals by
   * itself, each caller sees the failure, and the broker runs on.
   */
  onStoreFailure(err: Error): void {
    if (isTransientStoreError(err)) {
      this.storeWarnings.warn(this.log, err);
      return;
    }
    if (isFencedStoreError(err)) {
      this.storeWarnings.warn(this.log, err, 'store write not acknowledged: this node stops serving as the master of its group');
      return;
    }
    this.log.error({ err }, 'store write failed');
    this.emit('storeFailure', err);
  }

  /** Make a destination object for a URL, rejecting kinds that cannot be used here. */
  destination(url: string): Destination {
    const d = destinationOf(url);
    return makeDestination(d.kind, d.name);
  }
}
