// One client connection on the broker: turns wire commands into broker calls, owns its
// sessions, producers, consumers, transactions and temporary destinations. Every transport
// (native tcp/ssl, vm, STOMP via its converter) drives the broker through this class.
import {
  AckMode, AckType, CommandType, ErrorCode, IllegalStateError, InvalidDestinationError, JMSError,
  JMSSecurityError, MessageFormatError, PROTOCOL_VERSION, ProtocolError, ResourceAllocationError, destinationMatches,
  isQueueKind, isTemporary, isWildcard, parseDestination,
  type Ack, type Command, type ConsumerOpen, type Send, type WireMessage, type AckModeValue,
} from '@wharf/protocol';
import type { StoreOp } from '@wharf/store';
import type { Broker } from './broker';
import { ServerConsumer } from './consumer';
import { Entry, EntryState } from './entry';
import { networkSelector } from './filter';
import type { MessageSource } from './source';
import { TopicSubscription } from './topic';
import { validateMessage } from './validate';
import type { RoutePlan } from './router';
import type { Principal } from './security/index';

/** What a connection needs from its transport. */
export interface ServerTransport {
  readonly remoteAddress: string;
  send(cmd: Command): void;
  /** Close the underlying channel (after flushing what was sent). */
  close(): void;
  /** Stop/restart reading (producer flow control). */
  pause?(): void;
  resume?(): void;
}

/** Most messages one browse returns (ActiveMQ's maxBrowsePageSize is 400; we allow more). */
const BROWSE_LIMIT = 10000;
/** Blocked sends held before the connection stops reading (TCP backpressure to the producer). */
const MAX_BLOCKED = 1000;

interface Tx {
  sessionId: number;
  sends: WireMessage[];
  acks: Entry[];
}

export class ServerConnection {
  readonly id: string;
  clientId: string | null = null;
  user: string | null = null;
  /** Who the client authenticated as (set at HELLO). */
  principal: Principal | null = null;
  /** A login was refused; its answer is held back (repeated failures are slowed down). */
  private loginRefused = false;
  failover = false;
  helloDone = false;
  closed = false;
  readonly sessions = new Map<number, { ackMode: AckModeValue }>();
  readonly producers = new Map<string, { sessionId: number; destination: string | null }>();
  readonly consumers = new Map<number, ServerConsumer>();
  private readonly txs = new Map<string, Tx>();
  readonly temps = new Set<string>();
  private deliveryCounter = 0;
  lastRead = Date.now();
  lastWrite = Date.now();
  heartbeat = 0;
  private hbTimer: NodeJS.Timeout | null = null;
  readonly connectedAt = Date.now();
  messagesIn = 0;
  messagesOut = 0;

  constructor(readonly broker: Broker, readonly transport: ServerTransport, readonly protocol = 'native') {
    this.id = broker.nextConnectionId();
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  nextDeliveryId(): number {
    return ++this.deliveryCounter;
  }

  private write(cmd: Command): void {
    if (this.closed) return;
    this.lastWrite = Date.now();
    this.transport.send(cmd);
  }

  sendDispatch(c: ServerConsumer, e: Entry): void {
    this.messagesOut++;
    this.write({ type: CommandType.DISPATCH, consumerId: c.id, deliveryId: e.deliveryId, message: e.msg, redelivered: e.redelivered || undefined, deliveryCount: e.deliveryCount });
  }

  private receipt(corr: number | undefined, data?: unknown): void {
    if (corr !== undefined) this.write(data === undefined ? { type: CommandType.RECEIPT, corr } : { type: CommandType.RECEIPT, corr, data });
  }

  /** Report an error to the client; fatal errors close the connection after sending. */
  sendError(err: unknown, corr?: number, fatal = false): void {
    const e = err instanceof JMSError ? err : new JMSError(err instanceof Error ? err.message : String(err));
    if (!(err instanceof JMSError)) this.broker.log.warn({ err, conn: this.id }, 'unexpected error handling a command');
    this.write({ type: CommandType.ERROR, corr, code: e.code, message: e.message, fatal: fatal || undefined });
    if (fatal) this.close(e, false);
  }

  /** Entry point for every command read from the transport. */
  handle(cmd: Command): void {
    this.lastRead = Date.now();
    if (this.closed || this.loginRefused) return;
    const corr = (cmd as { corr?: number }).corr;
    try {
      if (!this.helloDone) {
        if (cmd.type !== CommandType.HELLO) throw new ProtocolError(`expected HELLO as the first command, got command type ${cmd.type}`);
        this.onHello(cmd);
        return;
      }
      this.dispatchCommand(cmd);
    } catch (err) {
      if (!this.helloDone && err instanceof JMSSecurityError) return this.refuseLogin(err, corr);
      // After HELLO a refusal is about one operation: the connection stays usable.
      this.sendError(err, typeof corr === 'number' ? corr : undefined, !this.helloDone);
    }
  }

  private dispatchCommand(cmd: Command): void {
    switch (cmd.type) {
      case CommandType.SEND: return this.onSend(cmd);
      case CommandType.ACK: return this.onAck(cmd);
      case CommandType.PULL: return this.onPull(cmd.consumerId, cmd.timeout);
      case CommandType.PING: this.write({ type: CommandType.PONG }); return;
      case CommandType.PONG: return;
      case CommandType.SESSION_OPEN:
        if (cmd.ackMode < 0 || cmd.ackMode > 4) throw new JMSError(`invalid acknowledge mode ${cmd.ackMode}`);
        this.sessions.set(cmd.sessionId, { ackMode: cmd.ackMode });
        return;
      case CommandType.SESSION_CLOSE: this.closeSession(cmd.sessionId); this.receipt(cmd.corr); return;
      case CommandType.PRODUCER_OPEN: return this.onProducerOpen(cmd.corr, cmd.sessionId, cmd.producerId, cmd.destination);
      case CommandType.PRODUCER_CLOSE: return this.onProducerClose(cmd.producerId);
      case CommandType.CONSUMER_OPEN: return this.onConsumerOpen(cmd);
      case CommandType.CONSUMER_CLOSE: {
        const c = this.consumers.get(cmd.consumerId);
        if (c) this.closeConsumer(c);
        this.receipt(cmd.corr);
        return;
      }
      case CommandType.TX_BEGIN: this.txFor(cmd.txId, cmd.sessionId); this.receipt(cmd.corr); return;
      case CommandType.TX_COMMIT: return this.onCommit(cmd.corr, cmd.sessionId, cmd.txId);
      case CommandType.TX_ROLLBACK: return this.onRollback(cmd.corr, cmd.sessionId, cmd.txId);
      case CommandType.UNSUBSCRIBE: {
        if (!this.clientId) throw new IllegalStateError('unsubscribe needs a clientID on the connection');
        this.broker.unsubscribe(this.clientId, cmd.name).then(() => this.receipt(cmd.corr), (err) => this.sendError(err, cmd.corr));
        return;
      }
      case CommandType.TEMP_CREATE: return this.onTempCreate(cmd.corr, cmd.destination);
      case CommandType.TEMP_DELETE: return this.onTempDelete(cmd.corr, cmd.destination);
      case CommandType.CLIENT_ID: {
        if (this.clientId) throw new IllegalStateError(`clientID is already set to ${this.clientId}`);
        if (this.sessions.size > 0) throw new IllegalStateError('setClientID must be called before the connection is used');
        this.setClientId(cmd.clientId);
        this.receipt(cmd.corr);
        return;
      }
      case CommandType.SHUTDOWN: this.close(undefined, false); return;
      case CommandType.HELLO: throw new ProtocolError('HELLO was already received on this connection');
      default:
        throw new ProtocolError(`command type ${cmd.type} is not accepted by the broker`, ErrorCode.UNKNOWN_COMMAND);
    }
  }

  private onHello(cmd: Extract<Command, { type: 1 }>): void {
    const b = this.broker;
    if (!b.serving) {
      throw new JMSError(b.notServingReason || 'this broker is not serving clients', ErrorCode.NOT_MASTER);
    }
    if (typeof cmd.version !== 'number' || cmd.version < 1) throw new ProtocolError(`unsupported protocol version ${String(cmd.version)}`);
    this.user = b.security.login(this, cmd.user, cmd.password).user || null;
    this.failover = cmd.failover === true;
    if (cmd.clientId) this.setClientId(cmd.clientId);
    const requested = typeof cmd.heartbeat === 'number' && cmd.heartbeat > 0 ? cmd.heartbeat : 0;
    this.heartbeat = requested > 0 ? Math.min(Math.max(requested, 100), b.config.maxInactivityDuration || requested) : 0;
    this.helloDone = true;
    b.addConnection(this);
    this.write({
      type: CommandType.WELCOME, corr: cmd.corr, version: PROTOCOL_VERSION, brokerName: b.name, connectionId: this.id,
      heartbeat: this.heartbeat, maxFrameSize: b.config.maxFrameSize, members: b.config.advertisedMembers,
    });
    if (this.heartbeat > 0) this.startHeartbeat();
    b.advisories.connection('added', this.id, this.clientId, this.remoteAddress);
  }

  /** Answer a refused login only after the delay the failures from this address have earned. */
  private refuseLogin(err: JMSSecurityError, corr: unknown): void {
    this.loginRefused = true;
    const answer = (): void => this.sendError(err, typeof corr === 'number' ? corr : undefined, true);
    const delay = this.broker.security.failureDelay(this.remoteAddress);
    if (delay > 0) setTimeout(answer, delay).unref();
    else answer();
  }

  private setClientId(clientId: string): void {
    if (typeof clientId !== 'string' || clientId.length === 0) throw new JMSError('clientID must be a non-empty string', ErrorCode.INVALID_CLIENT_ID);
    this.broker.claimClientId(this, clientId);
    this.clientId = clientId;
  }

  private startHeartbeat(): void {
    const interval = this.heartbeat;
    this.hbTimer = setInterval(() => {
      const now = Date.now();
      if (now - this.lastRead > interval * 3) {
        this.broker.log.info({ conn: this.id, remote: this.remoteAddress }, 'no heartbeat from client: closing');
        this.close(new JMSError(`no data from the client for ${now - this.lastRead} ms (heartbeat ${interval} ms)`), true);
        return;
      }
      if (now - this.lastWrite >= interval) this.write({ type: CommandType.PING });
    }, Math.max(50, Math.floor(interval / 2)));
    this.hbTimer.unref();
  }

  // ---- producers and sends ----------------------------------------------------------------

  private onProducerOpen(corr: number, sessionId: number, producerId: string, destination?: string): void {
    if (typeof producerId !== 'string' || !producerId) throw new JMSError('producerId is required');
    let d = null;
    if (destination && destination.includes(',')) parseDestinationOrComposite(destination);
    else if (destination) d = parseDestination(destination);
    this.producers.set(producerId, { sessionId, destination: d?.url ?? null });
    if (d) this.broker.security.authorizeProducer(this, d);
    if (d) {
      const n = [...this.broker.connections.values()].reduce((a, c) => a + [...c.producers.values()].filter((p) => p.destination === d!.url).length, 0);
      this.broker.advisories.producersChanged(d, n, producerId);
    }
    this.receipt(corr);
  }

  private onProducerClose(producerId: string): void {
    const p = this.producers.get(producerId);
    this.producers.delete(producerId);
    if (p?.destination) this.broker.advisories.producersChanged(parseDestination(p.destination), 0, producerId);
  }

  private onSend(cmd: Send): void {
    const msg = cmd.message;
    validateMessage(msg);
    this.broker.security.authorizeSend(this, msg);
    if (this.blocked.length > 0) {
      // Keep the producer's order: sends queue behind the one waiting for space.
      this.blocked.push({ cmd, since: Date.now() });
      if (this.blocked.length > MAX_BLOCKED) this.transport.pause?.();
      return;
    }
    if (!cmd.txId) {
      const why = this.broker.usageBlock(msg);
      if (why) {
        if (cmd.failIfNoSpace || this.broker.config.sendFailIfNoSpace) throw new ResourceAllocationError(why);
        this.broker.log.info({ conn: this.id, why }, 'producer blocked by flow control');
        this.blocked.push({ cmd, since: Date.now() });
        void this.drainBlocked();
        return;
      }
    }
    this.acceptSend(cmd);
  }

  /** Sends waiting for memory or store space, in arrival order. */
  private blocked: Array<{ cmd: Send; since: number }> = [];
  get blockedSends(): number {
    return this.blocked.length;
  }

  private async drainBlocked(): Promise<void> {
    const b = this.broker;
    const timeout = b.config.sendFailIfNoSpaceAfterTimeout;
    while (this.blocked.length > 0 && !this.closed) {
      const head = this.blocked[0]!;
      const why = head.cmd.txId ? null : b.usageBlock(head.cmd.message);
      if (why) {
        if (timeout > 0 && Date.now() - head.since >= timeout) {
          this.blocked.shift();
          this.sendError(new ResourceAllocationError(`${why} (waited ${timeout} ms: sendFailIfNoSpaceAfterTimeout)`), head.cmd.corr);
          continue;
        }
        await b.waitForUsage(100);
        continue;
      }
      this.blocked.shift();
      try {
        this.acceptSend(head.cmd);
      } catch (err) {
        this.sendError(err, head.cmd.corr);
      }
    }
    this.transport.resume?.();
  }

  private acceptSend(cmd: Send): void {
    const msg = cmd.message;
    this.messagesIn++;
    if (cmd.txId) {
      // Transacted sends wait for commit; still reject a bad destination now.
      parseDestinationOrComposite(msg.destination);
      this.txFor(cmd.txId, -1).sends.push(msg);
      this.receipt(cmd.corr);
      return;
    }
    const p = this.broker.send(msg, this);
    if (!p) {
      this.receipt(cmd.corr);
      return;
    }
    if (cmd.corr === undefined) {
      p.catch((err: Error) => this.sendError(err));
      return;
    }
    const corr = cmd.corr;
    p.then(() => this.receipt(corr), (err: Error) => this.sendError(err, corr));
  }

  // ---- consumers --------------------------------------------------------------------------

  private onConsumerOpen(cmd: ConsumerOpen): void {
    const b = this.broker;
    if (this.consumers.has(cmd.consumerId)) throw new JMSError(`consumer ${cmd.consumerId} already exists`);
    const session = this.sessions.get(cmd.sessionId);
    if (!session) throw new IllegalStateError(`session ${cmd.sessionId} is not open`);
    const d = parseDestination(cmd.destination);
    const selector = cmd.selector ? b.compileSelector(cmd.selector, cmd.selectorOptions?.convertStringExpressions) : null;
    const policy = b.policyFor(d);
    const isQ = isQueueKind(d.kind);
    let prefetch = cmd.prefetch;
    if (typeof prefetch !== 'number' || prefetch < 0) {
      prefetch = isQ ? policy.queuePrefetch : cmd.durableName ? policy.durableTopicPrefetch : policy.topicPrefetch;
    }
    if (isTemporary(d.kind)) {
      const owner = isQ ? b.queues.get(d.url)?.owner : b.topics.get(d.url)?.owner;
      if (owner === undefined) throw new InvalidDestinationError(`temporary destination ${d.url} does not exist`);
      if (owner !== this.id) throw new InvalidDestinationError(`Cannot subscribe to a temporary destination of another connection: ${d.url}`);
    }
    b.security.authorizeConsumer(this, d);
    const durableKey = cmd.durableName ? this.durableKey(cmd.durableName, isQ) : null;
    const network = cmd.network === undefined ? null : checkNetwork(cmd.network);
    const c = new ServerConsumer(this, cmd.consumerId, cmd.sessionId, d, network ? networkSelector(network.target, network.ttl, selector) : selector,
      prefetch, session.ackMode, cmd.noLocal === true, cmd.exclusive === true, cmd.priority ?? 0, cmd.redelivery ?? null, durableKey);
    if (network) c.networkPath = network.path;

    if (cmd.browser) {
      if (!isQ) throw new InvalidDestinationError('a browser needs a queue');
      this.consumers.set(c.id, c);
      this.receipt(cmd.corr, { prefetch, redelivery: policy.redelivery });
      void this.browse(c);
      return;
    }
    if (durableKey) {
      b.openDurable(this, c, cmd).then(() => {
        this.consumers.set(c.id, c);
        this.receipt(cmd.corr, { prefetch, redelivery: policy.redelivery });
        b.advisories.consumersChanged(d, 1, c, 'added');
      }, (err) => this.sendError(err, cmd.corr));
      return;
    }
    this.consumers.set(c.id, c);
    if (isQ) {
      if (isWildcard(d.name)) {
        b.wildcardQueueConsumers.add(c);
        for (const q of b.queues.values()) if (destinationMatches(d, q.destination)) q.addConsumer(c);
      } else {
        b.getQueue(d, true)!.addConsumer(c);
      }
    } else {
      const sub = new TopicSubscription(b, d, policy, c);
      if (isWildcard(d.name)) b.wildcardTopicSubs.add(sub);
      else b.getTopic(d, true)!.subs.add(sub);
      sub.addConsumer(c);
      b.advisories.consumersChanged(d, b.topics.get(d.url)?.consumerCount ?? 1, c, 'added');
      b.advisories.replayConsumers(sub);
    }
    this.receipt(cmd.corr, { prefetch, redelivery: policy.redelivery });
  }

  private durableKey(name: string, isQueue: boolean): string {
    if (isQueue) throw new InvalidDestinationError('a durable subscription needs a topic, not a queue');
    if (!this.clientId) throw new IllegalStateError('You cannot create a durable subscriber without specifying a unique clientID on a Connection');
    return `${this.clientId}:${name}`;
  }

  private async browse(c: ServerConsumer): Promise<void> {
    const q = this.broker.getQueue(c.destination, true)!;
    try {
      const entries = await q.browse(BROWSE_LIMIT);
      let sent = 0;
      for (const e of entries) {
        if (c.closed) return;
        if (e.msg.expiration > 0 && e.msg.expiration <= Date.now()) continue;
        if (c.selector && !c.selector.matches(this.broker.filterableFor(e))) continue;
        this.write({ type: CommandType.DISPATCH, consumerId: c.id, deliveryId: 0, message: e.msg, redelivered: e.redelivered || undefined, deliveryCount: e.deliveryCount });
        if (++sent >= BROWSE_LIMIT) break;
      }
    } catch (err) {
      this.sendError(err);
    }
    if (!c.closed) this.write({ type: CommandType.DISPATCH, consumerId: c.id, deliveryId: 0, message: null });
  }

  /** Close a consumer: what it still holds comes back marked redelivered. */
  closeConsumer(c: ServerConsumer): void {
    if (c.closed) return;
    c.closed = true;
    this.consumers.delete(c.id);
    if (c.pullTimer) clearTimeout(c.pullTimer);
    const b = this.broker;
    const held = [...c.inflight.values()];
    const bySource = groupBySource(held);
    for (const [src, entries] of bySource) {
      for (const e of entries) if (e.txId) e.txId = null;
      src.redeliver(entries);
    }
    for (const s of [...c.sources]) {
      s.removeConsumer(c);
      if (s instanceof TopicSubscription) {
        s.close();
        b.topics.get(s.destination.url)?.subs.delete(s);
        b.wildcardTopicSubs.delete(s);
        b.advisories.consumersChanged(s.destination, b.topics.get(s.destination.url)?.consumerCount ?? 0, c, 'removed');
      } else if (c.durableKey) {
        b.advisories.consumersChanged(s.destination, 0, c, 'removed');
      }
    }
    b.wildcardQueueConsumers.delete(c);
  }

  /** The broker closes a consumer (destination removed): tell the client. */
  closeConsumerFromBroker(c: ServerConsumer, err: JMSError): void {
    this.closeConsumer(c);
    this.write({ type: CommandType.ERROR, code: err.code, message: `consumer ${c.id} closed: ${err.message}` });
  }

  private onPull(consumerId: number, timeout: number): void {
    const c = this.consumers.get(consumerId);
    if (!c) throw new JMSError(`unknown consumer ${consumerId}`);
    if (c.prefetch !== 0) return; // prefetching consumers need no pulls
    c.pullCredit = 1;
    for (const s of c.sources) {
      s.dispatch();
      if (c.pullCredit === 0) return;
    }
    if (timeout === 0) {
      c.pullCredit = 0;
      this.write({ type: CommandType.DISPATCH, consumerId, deliveryId: 0, message: null });
    } else if (timeout > 0) {
      if (c.pullTimer) clearTimeout(c.pullTimer);
      c.pullTimer = setTimeout(() => {
        c.pullTimer = null;
        if (c.pullCredit > 0 && !c.closed) {
          c.pullCredit = 0;
          this.write({ type: CommandType.DISPATCH, consumerId, deliveryId: 0, message: null });
        }
      }, timeout);
    }
  }

  // ---- acknowledgements and transactions --------------------------------------------------

  private onAck(cmd: Ack): void {
    const c = this.consumers.get(cmd.consumerId);
    if (!c) throw new JMSError(`acknowledgement for unknown consumer ${cmd.consumerId}`, ErrorCode.UNKNOWN_MESSAGE);
    if (!Array.isArray(cmd.deliveryIds)) throw new ProtocolError('ACK needs deliveryIds');
    const entries: Entry[] = [];
    const unknown: number[] = [];
    for (const id of cmd.deliveryIds) {
      const e = c.inflight.get(id);
      if (e) entries.push(e);
      else unknown.push(id);
    }
    const consuming = cmd.ackType === AckType.STANDARD || cmd.ackType === AckType.INDIVIDUAL;
    if (cmd.txId && consuming) {
      const tx = this.txFor(cmd.txId, c.sessionId);
      for (const e of entries) {
        if (e.txId) continue;
        e.txId = cmd.txId;
        tx.acks.push(e);
        if (!e.deliveredAcked) {
          e.deliveredAcked = true;
          c.outstanding--;
        }
      }
      for (const s of c.sources) s.scheduleDispatch();
    } else {
      const ops: StoreOp[] = [];
      for (const [src, list] of groupBySource(entries)) src.handleAck(cmd.ackType, list, cmd.cause, ops);
      const p = this.broker.commitAcks(ops);
      if (cmd.corr !== undefined && unknown.length === 0) {
        const corr = cmd.corr;
        if (p) p.then(() => this.receipt(corr), (err) => this.sendError(err, corr));
        else this.receipt(corr);
      }
    }
    // The known deliveries were handled; the answer names the unknown ones.
    if (unknown.length) {
      throw new JMSError(`acknowledgement of unknown message delivery ${unknown.slice(0, 5).join(',')} on consumer ${cmd.consumerId}`, ErrorCode.UNKNOWN_MESSAGE);
    }
  }

  private txFor(txId: string, sessionId: number): Tx {
    if (typeof txId !== 'string' || !txId) throw new ProtocolError('transaction id is required');
    let tx = this.txs.get(txId);
    if (!tx) {
      tx = { sessionId, sends: [], acks: [] };
      this.txs.set(txId, tx);
    }
    return tx;
  }

  private checkTransacted(sessionId: number): void {
    const s = this.sessions.get(sessionId);
    if (!s) throw new IllegalStateError(`session ${sessionId} is not open`);
    if (s.ackMode !== AckMode.SESSION_TRANSACTED) throw new IllegalStateError(`Not a transacted session (session ${sessionId})`);
  }

  private onCommit(corr: number, sessionId: number, txId: string): void {
    this.checkTransacted(sessionId);
    const tx = this.txs.get(txId);
    this.txs.delete(txId);
    if (!tx) {
      this.receipt(corr);
      return;
    }
    const b = this.broker;
    const plans: RoutePlan[] = [];
    for (const m of tx.sends) {
      if (b.isDuplicateSend(m, this)) continue;
      plans.push(b.router.plan(m, this));
    }
    const ackOps: StoreOp[] = [];
    for (const [src, list] of groupBySource(tx.acks.filter((e) => e.state === EntryState.INFLIGHT && e.txId === txId))) {
      src.consume(list, ackOps);
    }
    const p = b.executePlan(b.router.merge(plans.length ? plans : [{ ops: [], sources: [], entries: [], after: [] }]), undefined, ackOps);
    if (p) {
      p.then(() => this.receipt(corr), (err) => {
        for (const e of tx.acks) if (e.txId === txId) e.txId = null;
        this.sendError(err, corr);
      });
    } else this.receipt(corr);
  }

  private onRollback(corr: number, sessionId: number, txId: string): void {
    this.checkTransacted(sessionId);
    const tx = this.txs.get(txId);
    this.txs.delete(txId);
    // Acked-in-transaction messages stay with the consumer: the client redelivers them
    // itself (ActiveMQ's client-side redelivery) and acks them again in its next transaction.
    if (tx) for (const e of tx.acks) if (e.txId === txId) e.txId = null;
    this.receipt(corr);
  }

  private closeSession(sessionId: number): void {
    for (const c of [...this.consumers.values()]) if (c.sessionId === sessionId) this.closeConsumer(c);
    for (const [id, p] of [...this.producers]) if (p.sessionId === sessionId) this.onProducerClose(id);
    for (const [id, tx] of [...this.txs]) {
      if (tx.sessionId === sessionId) {
        for (const e of tx.acks) if (e.txId === id) e.txId = null;
        this.txs.delete(id);
      }
    }
    this.sessions.delete(sessionId);
  }

  // ---- temporary destinations -------------------------------------------------------------

  private onTempCreate(corr: number, destination: string): void {
    const d = parseDestination(destination);
    if (!isTemporary(d.kind)) throw new InvalidDestinationError(`${destination} is not a temporary destination`);
    this.broker.security.authorizeTempCreate(this, d);
    if (isQueueKind(d.kind)) {
      if (this.broker.queues.has(d.url)) throw new InvalidDestinationError(`${d.url} already exists`);
      this.broker.getQueue(d, true)!.owner = this.id;
    } else {
      if (this.broker.topics.has(d.url)) throw new InvalidDestinationError(`${d.url} already exists`);
      this.broker.getTopic(d, true)!.owner = this.id;
    }
    this.temps.add(d.url);
    this.receipt(corr);
  }

  private onTempDelete(corr: number, destination: string): void {
    const d = parseDestination(destination);
    if (!this.temps.has(d.url)) throw new InvalidDestinationError(`${d.url} is not a temporary destination of this connection`);
    const inUse = isQueueKind(d.kind) ? (this.broker.queues.get(d.url)?.consumers.length ?? 0) > 0 : (this.broker.topics.get(d.url)?.consumerCount ?? 0) > 0;
    if (inUse) throw new IllegalStateError(`temporary destination ${d.url} has active consumers`);
    this.temps.delete(d.url);
    this.broker.removeDestination(d.url).then(() => this.receipt(corr), (err) => this.sendError(err, corr));
  }

  // ---- closing ----------------------------------------------------------------------------

  /**
   * Close the connection. Everything in flight returns to its source marked redelivered; open
   * transactions are discarded; temporary destinations go away.
   */
  close(err?: Error, tellClient = true): void {
    if (this.closed) return;
    if (err && tellClient) this.sendError(err instanceof JMSError ? err : new JMSError(err.message), undefined, false);
    if (this.hbTimer) clearInterval(this.hbTimer);
    for (const c of [...this.consumers.values()]) this.closeConsumer(c);
    this.txs.clear();
    for (const p of [...this.producers.keys()]) this.onProducerClose(p);
    this.closed = true;
    for (const url of this.temps) void this.broker.removeDestination(url).catch(() => undefined);
    this.temps.clear();
    if (this.helloDone) {
      this.broker.removeConnection(this);
      this.broker.advisories.connection('removed', this.id, this.clientId, this.remoteAddress);
    }
    this.transport.close();
  }
}

function groupBySource(entries: Iterable<Entry>): Map<MessageSource, Entry[]> {
  const m = new Map<MessageSource, Entry[]>();
  for (const e of entries) {
    let l = m.get(e.source);
    if (!l) m.set(e.source, (l = []));
    l.push(e);
  }
  return m;
}

function parseDestinationOrComposite(text: string): void {
  if (typeof text !== 'string') throw new MessageFormatError('message destination must be a string');
  for (const part of text.split(',')) parseDestination(part.trim(), text.startsWith('topic://') ? 'topic' : 'queue');
}

/** ConsumerOpen.network, checked (a malformed one is the client's fault, named). */
function checkNetwork(n: unknown): { target: string; ttl: number; path: string[] } {
  const o = n as { target?: unknown; ttl?: unknown; path?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.target !== 'string' || o.target === '' || !Number.isInteger(o.ttl) || (o.ttl as number) < 1 ||
    !Array.isArray(o.path) || !o.path.every((x) => typeof x === 'string')) {
    throw new MessageFormatError('consumer network must be {target: broker name, ttl: integer >= 1, path: [broker names]}');
  }
  return { target: o.target, ttl: o.ttl as number, path: [...(o.path as string[])] };
}
