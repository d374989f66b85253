// MessageConsumer (packages/client/README.md): receive(), receiveNoWait(), a message listener, or `for await`.
// Prefetched messages wait in a buffer and reach the application only while the connection is
// started. Before a message is handed over, expired ones are acked EXPIRED and ones past the
// redelivery policy are poison-acked (docs/ACTIVEMQ-BEHAVIOUR.md: redelivery and dead letters). Client-side redelivery (rollback,
// recover, a failing listener) puts messages back at the head of the buffer after a delay.
import {
  IllegalStateError, JMSError, rejectUnknownKeys, type Command, type ConsumerOpen, type RedeliveryPolicyData,
} from '@wharf/protocol';
import { AckMode, AckType, CommandType } from './wire';
import { abortError } from './errors';
import type { Session } from './session';
import type { AckSource, DispatchTarget } from './connection';
import type { Destination } from './destinations';
import { Message, messageFromWire, type MessageAcknowledger } from './messages/index';
import { ConsumerCore } from './consumer-core';
import { exceedsRedeliveries, poisonCause, redeliveries, redeliveryDelayFor, DEFAULT_REDELIVERY_POLICY } from './redelivery';

export type MessageListener = (message: Message) => void | Promise<void>;

export interface ReceiveOptions {
  /** Aborting it rejects the waiting receive (or ends the iteration) with an AbortError. */
  signal?: AbortSignal;
}

export interface ConsumerSpec {
  selector?: string;
  noLocal: boolean;
  durableName?: string;
  prefetch: number;
  exclusive?: boolean;
  priority?: number;
  /** @internal A network bridge's demand consumer (ConsumerOpen.network). */
  network?: { target: string; ttl: number; path: string[] };
}

const MAX_TIMER = 2 ** 31 - 1;

export class MessageConsumer extends ConsumerCore implements DispatchTarget, AckSource, MessageAcknowledger, AsyncIterable<Message> {
  /** @internal Use session.createConsumer(). */
  constructor(session: Session, id: number, destination: Destination, spec: ConsumerSpec) {
    super(session, id, destination, spec);
  }

  getMessageSelector(): string | null {
    return this.spec.selector ?? null;
  }
  getDestination(): Destination {
    return this.destination;
  }
  getNoLocal(): boolean {
    return this.spec.noLocal;
  }
  /** The durable subscription name, for a durable subscriber. */
  getSubscriptionName(): string | null {
    return this.spec.durableName ?? null;
  }
  getPrefetchSize(): number {
    return this.spec.prefetch;
  }
  isClosed(): boolean {
    return this.closed || this.closingLocally;
  }

  // ---- opening ----------------------------------------------------------------------------

  private openCommand(): ConsumerOpen {
    const s = this.spec;
    const cmd: ConsumerOpen = {
      type: CommandType.CONSUMER_OPEN, corr: 0, sessionId: this.session.id, consumerId: this.id,
      destination: this.destination.url, prefetch: s.prefetch,
    };
    if (s.selector) cmd.selector = s.selector;
    if (s.noLocal) cmd.noLocal = true;
    if (s.durableName) cmd.durableName = s.durableName;
    if (s.exclusive) cmd.exclusive = true;
    if (s.priority !== undefined) cmd.priority = s.priority;
    if (s.network) cmd.network = s.network;
    const rp = this.session.connection.settings.redeliveryPolicy;
    if (rp.configured) cmd.redelivery = rp.toData();
    return cmd;
  }

  /** @internal */
  async open(): Promise<void> {
    const data = await this.session.connection.request<{ prefetch?: number; redelivery?: RedeliveryPolicyData } | undefined>(this.openCommand());
    this.accept(data);
  }

  private accept(data: { prefetch?: number; redelivery?: RedeliveryPolicyData } | undefined): void {
    if (data && typeof data === 'object') {
      if (data.redelivery && typeof data.redelivery === 'object') this.brokerRedelivery = data.redelivery;
      if (typeof data.prefetch === 'number' && data.prefetch >= 0) {
        this.spec.prefetch = data.prefetch;
        this.acks.setPrefetch(data.prefetch);
      }
    }
    this.opened = true;
  }

  /** @internal Failover: open again on the new link (same id). */
  reopen(report: (err: unknown) => void): void {
    this.session.connection.channel.request<{ prefetch?: number; redelivery?: RedeliveryPolicyData } | undefined>(this.openCommand(), 'resolve').then(
      (d) => {
        this.accept(d);
        this.wake();
      },
      report,
    );
  }

  /** The policy in force: the application's, else the broker's for this destination. */
  private get policy(): RedeliveryPolicyData {
    const rp = this.session.connection.settings.redeliveryPolicy;
    if (rp.configured) return rp;
    return this.brokerRedelivery ?? DEFAULT_REDELIVERY_POLICY;
  }

  // ---- arriving messages ------------------------------------------------------------------

  /** @internal */
  onDispatch(cmd: Extract<Command, { type: 10 }>): void {
    if (this.closed) return;
    if (cmd.message === null) {
      this.pullOutstanding = false;
      this.emptyPullGen = this.pullGen;
      this.notify();
      return;
    }
    if (this.spec.prefetch === 0) this.pullOutstanding = false;
    const m = messageFromWire(cmd.message);
    const w = m._w;
    if (cmd.redelivered !== undefined) w.redelivered = cmd.redelivered === true;
    if (typeof cmd.deliveryCount === 'number') w.deliveryCount = cmd.deliveryCount;
    else if (w.deliveryCount < 1) w.deliveryCount = 1;
    if (w.deliveryCount > 1) w.redelivered = true;
    m._deliveryId = cmd.deliveryId;
    m._epoch = this.session.connection.channel.epoch;
    m._acker = this;
    if (this.closingLocally) {
      this.sendAck(AckType.RELEASE, [cmd.deliveryId]);
      return;
    }
    this.buf.push(m);
    this.wake();
  }

  /** @internal Something changed: feed the listener or the waiting receive() calls. */
  wake(): void {
    if (this.closed || this.closingLocally || !this.hasBuffered()) {
      this.notify();
      return;
    }
    if (this.listener) this.session.scheduleListener(this);
    else this.notify();
  }

  protected notify(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** @internal */
  hasBuffered(): boolean {
    return this.buf.size > 0;
  }

  private get deliverable(): boolean {
    return this.session.connection.isStartedForDelivery && !this.session.isClosed() && this.pausedUntil === 0;
  }

  /** The next message for the application, skipping expired and poisoned ones. */
  private takeNext(): Message | null {
    if (!this.deliverable) return null;
    for (;;) {
      const m = this.buf.shift();
      if (!m) return null;
      const w = m._w;
      if (w.expiration > 0 && w.expiration <= Date.now()) {
        this.acks.expiredOne(m._deliveryId);
        continue;
      }
      const policy = this.policy;
      if (exceedsRedeliveries(policy, w.deliveryCount)) {
        this.sendAck(AckType.POISON, [m._deliveryId], poisonCause(policy, w.deliveryCount, m._failure));
        continue;
      }
      return m;
    }
  }

  // ---- receive ----------------------------------------------------------------------------

  /**
   * The next message, waiting up to `timeoutMs` (JMS: 0 or no argument waits forever). Resolves
   * null on timeout or when the consumer is closed meanwhile; on a closed consumer it rejects
   * with IllegalStateError.
   */
  receive(timeoutMs?: number, options?: ReceiveOptions): Promise<Message | null>;
  /** `receive({ timeout, signal })`: an aborted signal rejects the wait with an AbortError. */
  receive(options: ReceiveOptions & { timeout?: number }): Promise<Message | null>;
  receive(a?: number | (ReceiveOptions & { timeout?: number }), b?: ReceiveOptions): Promise<Message | null> {
    const opts = typeof a === 'object' && a !== null ? a : b;
    const timeoutMs = typeof a === 'object' && a !== null ? a.timeout : a;
    if (opts !== undefined) rejectUnknownKeys('receive', opts, typeof a === 'object' ? ['timeout', 'signal'] : ['signal']);
    return this.doReceive(timeoutMs === undefined || timeoutMs <= 0 ? Infinity : Date.now() + timeoutMs, false, opts?.signal);
  }

  /** A message already here (prefetch 0: asks the broker once), else null. */
  receiveNoWait(): Promise<Message | null> {
    return this.doReceive(0, true);
  }

  private async doReceive(deadline: number, noWait: boolean, signal?: AbortSignal): Promise<Message | null> {
    if (this.closed || this.closingLocally) throw new IllegalStateError('the consumer is closed');
    if (this.listener) throw new IllegalStateError('this consumer has a message listener: receive() cannot be used with it');
    if (signal?.aborted) throw abortError(signal);
    // An abort wakes every waiting receive; each looks at its own signal.
    const onAbort = (): void => this.notify();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.receiving++;
    try {
      let myPull = -1;
      for (;;) {
        if (signal?.aborted) throw abortError(signal);
        if (this.closed || this.closingLocally) return null;
        const m = this.takeNext();
        if (m) return this.deliveredToApp(m);
        const pulling = this.spec.prefetch === 0 && this.deliverable;
        if (pulling) {
          if (myPull >= 0 && this.emptyPullGen >= myPull) return null; // the broker has nothing
          if (!this.pullOutstanding) {
            const left = noWait ? 0 : deadline === Infinity ? -1 : Math.max(1, deadline - Date.now());
            this.pullOutstanding = this.session.connection.oneway({ type: CommandType.PULL, consumerId: this.id, timeout: left });
            myPull = this.pullOutstanding ? ++this.pullGen : -1;
            if (!this.pullOutstanding && noWait) return null; // no link (failover): nothing to ask
          }
        } else if (noWait) return null;
        const left = deadline - Date.now();
        if (left <= 0 && !(pulling && noWait)) return null;
        await this.waitForChange(pulling && noWait ? Infinity : left);
      }
    } finally {
      this.receiving--;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let t: NodeJS.Timeout | null = null;
      const done = (): void => {
        if (t) clearTimeout(t);
        resolve();
      };
      this.waiters.push(done);
      if (ms !== Infinity) {
        t = setTimeout(() => {
          const i = this.waiters.indexOf(done);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve();
        }, Math.min(ms, MAX_TIMER));
      }
    });
  }

  /**
   * `for await (const m of consumer.messages({ signal }))`: ends when the consumer closes, throws
   * an AbortError when the signal aborts. Leaving the loop (break, return, throw, abort) closes
   * the consumer, so its prefetched messages go back to the broker for other consumers at once,
   * as leaving a loop over a Node stream destroys the stream.
   */
  async *messages(options: ReceiveOptions = {}): AsyncGenerator<Message, void, undefined> {
    rejectUnknownKeys('messages', options, ['signal']);
    try {
      for (;;) {
        if (this.isClosed()) return;
        const m = await this.doReceive(Infinity, false, options.signal);
        if (!m) return;
        yield m;
      }
    } finally {
      await this.close();
    }
  }

  /** `for await (const m of consumer)`: see messages(). */
  [Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined> {
    return this.messages();
  }

  /** `await using consumer = await session.createConsumer(q)`: closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- listener ---------------------------------------------------------------------------

  /** Deliver messages to `fn` (may be async: the next message waits for it); null removes it. */
  setMessageListener(fn: MessageListener | null): void {
    this.session.checkOpen();
    if (this.closed || this.closingLocally) throw new IllegalStateError('the consumer is closed');
    if (fn !== null && typeof fn !== 'function') throw new JMSError('a message listener must be a function');
    if (fn && this.receiving > 0) throw new IllegalStateError('a receive() is waiting on this consumer: a listener cannot be set now');
    if (fn && this.spec.prefetch === 0) {
      throw new JMSError('Illegal prefetch size of zero. This setting is not supported for asynchronous consumers: set a prefetch of at least 1');
    }
    this.listener = fn;
    if (fn) this.wake();
  }
  getMessageListener(): MessageListener | null {
    return this.listener;
  }

  /** @internal */
  takeForListener(): Message | null {
    if (!this.listener || this.closed || this.closingLocally) return null;
    return this.takeNext();
  }

  /** @internal Call the listener; a promise when it is async (or failed asynchronously). */
  invokeListener(m: Message): Promise<void> | undefined {
    const fn = this.listener!;
    const s = this.session;
    this.deliveredToApp(m, true);
    s.current = m;
    let r: unknown;
    try {
      r = fn(m);
    } catch (err) {
      this.listenerFailed(m, err);
      return undefined;
    }
    if (r && typeof (r as Promise<void>).then === 'function') {
      return (r as Promise<void>).then(() => this.listenerDone(m), (err: unknown) => this.listenerFailed(m, err));
    }
    this.listenerDone(m);
    return undefined;
  }

  private listenerDone(m: Message): void {
    if (this.session.current === m) this.session.current = null;
    if ((this.ackMode === AckMode.AUTO_ACKNOWLEDGE || this.ackMode === AckMode.DUPS_OK_ACKNOWLEDGE) && !m._recovered) this.consumed(m);
  }

  private listenerFailed(m: Message, err: unknown): void {
    const s = this.session;
    if (s.current === m) s.current = null;
    if (m._recovered) return;
    // ActiveMQ: AUTO, DUPS_OK and INDIVIDUAL redeliver a message whose listener threw; CLIENT
    // and transacted sessions keep it as delivered and go on.
    if (this.ackMode === AckMode.CLIENT_ACKNOWLEDGE || this.ackMode === AckMode.SESSION_TRANSACTED) return;
    if (this.ackMode === AckMode.INDIVIDUAL_ACKNOWLEDGE) {
      if (!s.delivered.delete(m)) return; // acknowledged before it threw
    }
    this.redeliverLocally([m], err);
  }

  // ---- client-side redelivery -------------------------------------------------------------

  /**
   * @internal Give messages back for redelivery to this consumer: delivery count + 1,
   * redelivered, after the policy's delay, ahead of the buffer in their original order; past
   * maximumRedeliveries they are poison-acked instead.
   */
  redeliverLocally(ms: Message[], cause: unknown): void {
    if (ms.length === 0 || this.closed) return;
    const policy = this.policy;
    // ActiveMQ rollback: the delay follows the first message's redelivery count.
    const delay = redeliveryDelayFor(policy, ms[0]!._w.deliveryCount);
    const back = redeliveries(ms, this, policy, this.session.connection.channel.epoch, cause, (old, why) => {
      this.sendAck(AckType.POISON, [old._deliveryId], why);
    });
    if (back.length === 0) return;
    this.buf.unshiftAll(back);
    if (delay > 0) this.pause(delay);
    else this.wake();
  }

  private pause(ms: number): void {
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pausedUntil = Date.now() + ms;
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      this.pausedUntil = 0;
      this.wake();
    }, Math.min(ms, MAX_TIMER));
  }

}
