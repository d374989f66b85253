// The JMS Session (packages/client/README.md): one thread of control. It creates destinations, producers,
// consumers, browsers and messages; it owns the acknowledge mode, the transaction and the
// messages delivered but not yet acknowledged; it runs message listeners one at a time.
import {
  IllegalStateError, InvalidDestinationError, JMSError, TransactionRolledBackError, compileSelector, type AckModeValue, type PropertyValue,
} from '@wharf/protocol';
import { AckMode, CommandType } from './wire';
import type { Connection } from './connection';
import { Destination, Queue, TemporaryQueue, TemporaryTopic, Topic } from './destinations';
import { MessageProducer } from './producer';
import { MessageConsumer, type ConsumerSpec } from './consumer';
import { QueueBrowser } from './browser';
import { ListenerDispatch } from './listener-dispatch';
import {
  BytesMessage, MapMessage, Message, ObjectMessage, StreamMessage, TextMessage,
} from './messages/index';

export class Session {
  static readonly SESSION_TRANSACTED = AckMode.SESSION_TRANSACTED;
  static readonly AUTO_ACKNOWLEDGE = AckMode.AUTO_ACKNOWLEDGE;
  static readonly CLIENT_ACKNOWLEDGE = AckMode.CLIENT_ACKNOWLEDGE;
  static readonly DUPS_OK_ACKNOWLEDGE = AckMode.DUPS_OK_ACKNOWLEDGE;
  static readonly INDIVIDUAL_ACKNOWLEDGE = AckMode.INDIVIDUAL_ACKNOWLEDGE;

  /** @internal */ readonly consumers = new Set<MessageConsumer>();
  /** @internal */ readonly producers = new Set<MessageProducer>();
  /** @internal */ readonly browsers = new Set<QueueBrowser>();
  /** @internal Delivered, not yet acknowledged (CLIENT, INDIVIDUAL, transacted), in order. */
  delivered = new Set<Message>();
  /** @internal The message a listener is handling now (AUTO/DUPS recover()). */
  current: Message | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private txId: string | null = null;
  /** A failover interrupted the transaction: commit must fail. */
  private rollbackOnly = false;
  /** Consumers closed inside a transaction: their CONSUMER_CLOSE waits for its end. */
  private deferredCloses: MessageConsumer[] = [];
  private nextProducer = 0;
  private readonly listeners = new ListenerDispatch(
    () => !this.closed && this.connection.isStartedForDelivery,
    (err) => this.connection.reportException(err instanceof JMSError ? err : new JMSError(String(err))),
  );

  /** @internal Use connection.createSession(). */
  constructor(/** @internal */ readonly connection: Connection, /** @internal */ readonly id: number, readonly ackMode: AckModeValue) {}

  getTransacted(): boolean {
    return this.ackMode === AckMode.SESSION_TRANSACTED;
  }
  getAcknowledgeMode(): number {
    return this.ackMode;
  }
  isClosed(): boolean {
    return this.closed;
  }

  /** @internal */
  checkOpen(): void {
    if (this.closed) throw new IllegalStateError('the session is closed');
    this.connection.checkOpen();
  }

  // ---- destinations and messages ----------------------------------------------------------

  createQueue(name: string): Queue {
    this.checkOpen();
    return new Queue(name);
  }
  createTopic(name: string): Topic {
    this.checkOpen();
    return new Topic(name);
  }
  async createTemporaryQueue(): Promise<TemporaryQueue> {
    this.checkOpen();
    return (await this.connection.createTemporary('temp-queue', (n) => new TemporaryQueue(n, this.connection))) as TemporaryQueue;
  }
  async createTemporaryTopic(): Promise<TemporaryTopic> {
    this.checkOpen();
    return (await this.connection.createTemporary('temp-topic', (n) => new TemporaryTopic(n, this.connection))) as TemporaryTopic;
  }

  createMessage(): Message {
    this.checkOpen();
    return new Message();
  }
  createTextMessage(text: string | null = null): TextMessage {
    this.checkOpen();
    const m = new TextMessage();
    if (text !== null) m.setText(text);
    return m;
  }
  createBytesMessage(): BytesMessage {
    this.checkOpen();
    return new BytesMessage();
  }
  createMapMessage(entries?: Record<string, PropertyValue>): MapMessage {
    this.checkOpen();
    const m = new MapMessage();
    if (entries) for (const [k, v] of Object.entries(entries)) m.setObject(k, v);
    return m;
  }
  createStreamMessage(): StreamMessage {
    this.checkOpen();
    return new StreamMessage();
  }
  createObjectMessage(obj?: unknown): ObjectMessage {
    this.checkOpen();
    const m = new ObjectMessage();
    if (obj !== undefined) m.setObject(obj);
    return m;
  }

  // ---- producers, consumers, browsers -----------------------------------------------------

  /** A producer for `destination`, or for any destination given per send when null. */
  async createProducer(destination: Destination | null = null): Promise<MessageProducer> {
    this.checkOpen();
    if (destination !== null && !(destination instanceof Destination)) {
      throw new InvalidDestinationError('createProducer needs a Destination (session.createQueue/createTopic) or null');
    }
    const p = new MessageProducer(this, `${this.connection.base}:${this.id}:${++this.nextProducer}`, destination);
    this.producers.add(p);
    try {
      await this.connection.request(p.openCommand(), 'resend');
    } catch (err) {
      this.producers.delete(p);
      throw err;
    }
    p.opened = true;
    return p;
  }

  createConsumer(destination: Destination, messageSelector?: string | null, noLocal = false): Promise<MessageConsumer> {
    return this.openConsumer(destination, { selector: messageSelector ?? undefined, noLocal });
  }

  /** A durable subscription `name` (keyed with the connection's clientID) on `topic`. */
  createDurableSubscriber(topic: Topic, name: string, messageSelector?: string | null, noLocal = false): Promise<MessageConsumer> {
    if (typeof name !== 'string' || name.length === 0) return Promise.reject(new JMSError('a durable subscription needs a non-empty name'));
    if (!(topic instanceof Topic)) return Promise.reject(new InvalidDestinationError('a durable subscription needs a Topic'));
    return this.openConsumer(topic, { selector: messageSelector ?? undefined, noLocal, durableName: name });
  }
  /** JMS 2.0 name of createDurableSubscriber. */
  createDurableConsumer(topic: Topic, name: string, messageSelector?: string | null, noLocal = false): Promise<MessageConsumer> {
    return this.createDurableSubscriber(topic, name, messageSelector, noLocal);
  }

  private async openConsumer(destination: Destination, spec: Omit<ConsumerSpec, 'prefetch'> & { prefetchSize?: number }): Promise<MessageConsumer> {
    this.checkOpen();
    if (!(destination instanceof Destination)) {
      throw new InvalidDestinationError('createConsumer needs a Destination (session.createQueue/createTopic/createTemporaryQueue)');
    }
    const o = destination.options;
    const selector = (spec.selector ?? o.selector)?.trim() || undefined;
    if (selector) compileSelector(selector); // fail fast, with the position, before a round trip
    const pp = this.connection.settings.prefetchPolicy;
    const prefetch = spec.prefetchSize ?? o.prefetchSize ?? (destination.isQueue() ? pp.queuePrefetch : spec.durableName ? pp.durableTopicPrefetch : pp.topicPrefetch);
    const c = new MessageConsumer(this, this.connection.newConsumerId(), destination, {
      selector, noLocal: spec.noLocal || o.noLocal === true, durableName: spec.durableName, prefetch,
      exclusive: o.exclusive, priority: spec.priority ?? o.priority, network: spec.network,
    });
    this.consumers.add(c);
    this.connection.dispatchTargets.set(c.id, c);
    try {
      await c.open();
    } catch (err) {
      this.consumers.delete(c);
      this.connection.dispatchTargets.delete(c.id);
      throw err;
    }
    return c;
  }

  /**
   * @internal For network bridges (@wharf/cluster): a consumer that forwards what it gets to
   * the broker `network.target`; the broker keeps from it what has been there, or has crossed
   * `network.ttl` brokers (ConsumerOpen.network).
   */
  _createNetworkConsumer(destination: Destination, network: { target: string; ttl: number; path: string[] }, opts: { prefetch: number; priority: number }): Promise<MessageConsumer> {
    return this.openConsumer(destination, { noLocal: false, network, priority: opts.priority, prefetchSize: opts.prefetch });
  }

  /** Look at a queue's messages without consuming them. */
  createBrowser(queue: Queue, messageSelector?: string | null): QueueBrowser {
    this.checkOpen();
    if (!(queue instanceof Queue)) throw new InvalidDestinationError('a browser needs a Queue');
    const selector = messageSelector?.trim() || undefined;
    if (selector) compileSelector(selector);
    const b = new QueueBrowser(this, queue, selector);
    this.browsers.add(b);
    return b;
  }

  /** Remove the durable subscription `name` of this connection's clientID. */
  async unsubscribe(name: string): Promise<void> {
    this.checkOpen();
    await this.connection.request({ type: CommandType.UNSUBSCRIBE, corr: 0, name });
  }

  // ---- acknowledgement, recovery, transactions --------------------------------------------

  /** CLIENT_ACKNOWLEDGE: acknowledge every message delivered so far in this session. */
  async acknowledge(): Promise<void> {
    this.checkOpen();
    if (this.ackMode !== AckMode.CLIENT_ACKNOWLEDGE && this.ackMode !== AckMode.INDIVIDUAL_ACKNOWLEDGE) return;
    const list = this.delivered;
    this.delivered = new Set();
    await Promise.all([...groupByConsumer(list)].map(([c, ms]) => c.ackNow(ms)));
  }

  /** @internal message.acknowledge() */
  async acknowledgeOne(m: Message): Promise<void> {
    this.checkOpen();
    if (this.ackMode === AckMode.CLIENT_ACKNOWLEDGE) return this.acknowledge();
    if (this.ackMode !== AckMode.INDIVIDUAL_ACKNOWLEDGE) return;
    // Not there: already acknowledged, or given back by recover/close/failover.
    if (!this.delivered.delete(m)) return;
    await (m._acker as MessageConsumer).ackNow([m], true);
  }

  /** Redeliver every unacknowledged message, starting with the oldest (JMS 1.1 §4.4.11). */
  async recover(): Promise<void> {
    this.checkOpen();
    if (this.getTransacted()) throw new IllegalStateError('recover() is not allowed on a transacted session: use rollback()');
    const list = [...this.delivered];
    this.delivered = new Set();
    if (this.current && !this.current._recovered && !list.includes(this.current)) list.push(this.current);
    for (const m of list) m._recovered = true;
    for (const [c, ms] of groupByConsumer(list)) c.redeliverLocally(ms, undefined);
  }

  /** @internal The transaction id for a send or a delivery in this session (started on use). */
  currentTxId(): string {
    return (this.txId ??= this.connection.newTxId());
  }

  async commit(): Promise<void> {
    this.checkOpen();
    if (!this.getTransacted()) throw new IllegalStateError('Not a transacted session: commit() needs createSession(true, Session.SESSION_TRANSACTED)');
    const txId = this.txId;
    const delivered = this.delivered;
    this.txId = null;
    this.delivered = new Set();
    if (this.rollbackOnly) {
      this.rollbackOnly = false;
      if (txId) await this.connection.request({ type: CommandType.TX_ROLLBACK, corr: 0, sessionId: this.id, txId }, 'resolve').catch(() => undefined);
      this.endTransaction();
      throw new TransactionRolledBackError(`commit of transaction ${txId ?? ''} failed: the connection failed over while it was open, so it was rolled back; its messages will be delivered again`);
    }
    if (!txId) return this.endTransaction();
    for (const [c, ms] of groupByConsumer(delivered)) c.ackInTransaction(ms, txId);
    try {
      await this.connection.request({ type: CommandType.TX_COMMIT, corr: 0, sessionId: this.id, txId }, 'rollback', { txId });
    } catch (err) {
      // ActiveMQ TransactionContext.commit: a failed commit rolls back (afterRollback).
      this.redeliverAll(delivered, err);
      this.endTransaction();
      throw err;
    }
    this.endTransaction();
  }

  async rollback(): Promise<void> {
    this.checkOpen();
    if (!this.getTransacted()) throw new IllegalStateError('Not a transacted session: rollback() needs createSession(true, Session.SESSION_TRANSACTED)');
    const txId = this.txId;
    const delivered = this.delivered;
    this.txId = null;
    this.delivered = new Set();
    this.rollbackOnly = false;
    if (txId) await this.connection.request({ type: CommandType.TX_ROLLBACK, corr: 0, sessionId: this.id, txId }, 'resolve');
    this.redeliverAll(delivered, undefined);
    this.endTransaction();
  }

  private redeliverAll(delivered: Iterable<Message>, cause: unknown): void {
    for (const [c, ms] of groupByConsumer(delivered)) {
      if (!c.isClosed()) c.redeliverLocally(ms, cause);
    }
  }

  /** After commit/rollback: consumers closed during the transaction can go now. */
  private endTransaction(): void {
    const closes = this.deferredCloses;
    this.deferredCloses = [];
    for (const c of closes) void c.finishClose().catch(() => undefined);
  }

  /** @internal A consumer wants to close while its messages are in the open transaction. */
  deferClose(c: MessageConsumer): boolean {
    if (!this.getTransacted()) return false;
    let mine = false;
    for (const m of this.delivered) if (m._acker === c) mine = true;
    if (!mine) return false;
    this.deferredCloses.push(c);
    return true;
  }

  // ---- listeners --------------------------------------------------------------------------

  /** @internal A listener consumer has messages: serve it in turn. */
  scheduleListener(c: MessageConsumer): void {
    this.listeners.schedule(c);
  }

  /** @internal connection.start(): deliver what waited. */
  onStarted(): void {
    for (const c of this.consumers) c.wake();
  }

  // ---- failover ---------------------------------------------------------------------------

  /** @internal The link dropped: what was prefetched or delivered comes again from the broker. */
  onInterrupted(): void {
    if (this.getTransacted() && (this.txId !== null || this.delivered.size > 0)) this.rollbackOnly = true;
    this.delivered = new Set();
    this.current = null;
    for (const c of this.consumers) c.onInterrupted();
    for (const b of this.browsers) b.onInterrupted();
  }

  /** @internal A new link: open this session, its producers and its consumers again. */
  replay(report: (err: unknown) => void): void {
    const ch = this.connection.channel;
    if (this.closed) return;
    ch.send({ type: CommandType.SESSION_OPEN, sessionId: this.id, ackMode: this.ackMode });
    for (const p of this.producers) if (p.opened && !p.isClosed()) ch.request(p.openCommand(), 'resolve').catch(report);
    for (const c of this.consumers) if (c.opened && !c.isClosed()) c.reopen(report);
  }

  // ---- closing ----------------------------------------------------------------------------

  /** Close: an open transaction is rolled back; prefetched messages go back to the broker. */

  /** `await using session = ...`: closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const conn = this.connection;
    const txId = this.txId;
    this.closed = true;
    this.txId = null;
    this.delivered = new Set();
    for (const b of this.browsers) b.closeLocal();
    for (const p of this.producers) p.closeLocal();
    for (const c of this.consumers) c.closeLocal(true);
    this.deferredCloses = [];
    if (conn.canTalk()) {
      try {
        if (txId) await conn.request({ type: CommandType.TX_ROLLBACK, corr: 0, sessionId: this.id, txId }, 'resolve');
        await conn.request({ type: CommandType.SESSION_CLOSE, corr: 0, sessionId: this.id }, 'resolve');
      } catch {
        // The connection went away meanwhile: the broker closes the session with it.
      }
    }
    for (const c of this.consumers) conn.dispatchTargets.delete(c.id);
    this.consumers.clear();
    this.producers.clear();
    conn.removeSession(this);
  }

  /** @internal The connection closed (or failed): end everything locally. */
  onConnectionClosed(): void {
    this.closed = true;
    this.delivered = new Set();
    for (const b of this.browsers) b.closeLocal();
    for (const p of this.producers) p.closeLocal();
    for (const c of this.consumers) c.closeLocal(false);
  }
}

function groupByConsumer(list: Iterable<Message>): Map<MessageConsumer, Message[]> {
  const m = new Map<MessageConsumer, Message[]>();
  for (const msg of list) {
    const c = msg._acker as MessageConsumer | null;
    if (!c) continue;
    let l = m.get(c);
    if (!l) m.set(c, (l = []));
    l.push(msg);
  }
  return m;
}
