// MessageProducer (docs/ARCHITECTURE.md: invariants; packages/client/README.md): a persistent send outside a transaction waits until the
// broker has made the message durable; non-persistent and transacted sends are one-way;
// `useAsyncSend` / `alwaysSyncSend` change that as in ActiveMQ.
import {
  DEFAULT_PRIORITY, IllegalStateError, InvalidDestinationError, JMSError, type Command, type ProducerOpen, type WireMessage,
} from '@wharf/protocol';
import { CommandType, DeliveryMode } from './wire';
import type { Session } from './session';
import { Destination } from './destinations';
import { Message } from './messages/index';
import { UnsupportedOperationError } from './errors';

export interface SendOptions {
  /** DeliveryMode.PERSISTENT (2, default) or NON_PERSISTENT (1). */
  deliveryMode?: number;
  /** 0–9, default 4. */
  priority?: number;
  /** ms the message lives; 0 (default) = forever. */
  timeToLive?: number;
  /** ms before the broker delivers it (JMS 2.0 delivery delay); 0 = at once. */
  deliveryDelay?: number;
}

export class MessageProducer {
  /** @internal */ opened = false;
  private closed = false;
  private seq = 0;
  private deliveryMode: number = DeliveryMode.PERSISTENT;
  private priority = DEFAULT_PRIORITY;
  private timeToLive = 0;
  private deliveryDelay = 0;
  private disableMessageTimestamp = false;

  /** @internal Use session.createProducer(). */
  constructor(private readonly session: Session, /** @internal */ readonly id: string, private readonly destination: Destination | null) {}

  /** @internal */
  openCommand(): ProducerOpen {
    const cmd: ProducerOpen = { type: CommandType.PRODUCER_OPEN, corr: 0, sessionId: this.session.id, producerId: this.id };
    // The broker names single destinations only (advisories); a composite goes per send.
    if (this.destination && !this.destination.isComposite()) cmd.destination = this.destination.url;
    return cmd;
  }

  getDestination(): Destination | null {
    return this.destination;
  }
  getDeliveryMode(): number {
    return this.deliveryMode;
  }
  setDeliveryMode(mode: number): void {
    this.deliveryMode = checkDeliveryMode(mode);
  }
  getPriority(): number {
    return this.priority;
  }
  setPriority(p: number): void {
    this.priority = checkPriority(p);
  }
  getTimeToLive(): number {
    return this.timeToLive;
  }
  setTimeToLive(ms: number): void {
    this.timeToLive = checkMs(ms, 'timeToLive');
  }
  getDeliveryDelay(): number {
    return this.deliveryDelay;
  }
  setDeliveryDelay(ms: number): void {
    this.deliveryDelay = checkMs(ms, 'deliveryDelay');
  }
  getDisableMessageTimestamp(): boolean {
    return this.disableMessageTimestamp;
  }
  setDisableMessageTimestamp(v: boolean): void {
    this.disableMessageTimestamp = v;
  }
  isClosed(): boolean {
    return this.closed;
  }

  /**
   * send(message, options?) to the producer's destination, or send(destination, message,
   * options?) for a producer created without one. Resolves when the send is done as far as
   * its delivery mode requires (persistent: stored by the broker).
   */
  send(message: Message, options?: SendOptions): Promise<void>;
  send(destination: Destination, message: Message, options?: SendOptions): Promise<void>;
  send(a: Destination | Message, b?: Message | SendOptions, c?: SendOptions): Promise<void> {
    try {
      let dest: Destination | null;
      let msg: Message;
      let opts: SendOptions | undefined;
      if (a instanceof Destination) {
        if (this.destination) throw new UnsupportedOperationError(`this producer sends to ${this.destination.url}: create one with createProducer(null) to name the destination per send`);
        dest = a;
        msg = b as Message;
        opts = c;
      } else {
        dest = this.destination;
        msg = a;
        opts = b as SendOptions | undefined;
      }
      if (!(msg instanceof Message)) throw new JMSError('send needs a Message (session.createTextMessage(), …)');
      if (!dest) throw new InvalidDestinationError('this producer has no destination: use send(destination, message)');
      if (this.closed) throw new IllegalStateError('the producer is closed');
      this.session.checkOpen();
      const ch = this.session.connection.channel;
      if (!ch.connected) {
        // Failover: wait for the next link (bounded by the failover `timeout` option).
        const d = dest;
        return ch.whenConnected(ch.failoverTimeout).then(() => this.doSend(d, msg, opts));
      }
      return this.doSend(dest, msg, opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private doSend(dest: Destination, msg: Message, opts: SendOptions | undefined): Promise<void> {
    if (this.closed) throw new IllegalStateError('the producer is closed');
    const deliveryMode = opts?.deliveryMode === undefined ? this.deliveryMode : checkDeliveryMode(opts.deliveryMode);
    const priority = opts?.priority === undefined ? this.priority : checkPriority(opts.priority);
    const ttl = opts?.timeToLive === undefined ? this.timeToLive : checkMs(opts.timeToLive, 'timeToLive');
    const delay = opts?.deliveryDelay === undefined ? this.deliveryDelay : checkMs(opts.deliveryDelay, 'deliveryDelay');
    const session = this.session;
    const conn = session.connection;
    const settings = conn.settings;
    msg._prepareBody();
    const w = msg._w;
    const seq = ++this.seq;
    const now = Date.now();
    w.messageId = `ID:${this.id}:${seq}`;
    w.destination = dest.url;
    w.deliveryMode = deliveryMode as typeof w.deliveryMode;
    w.priority = priority;
    w.timestamp = this.disableMessageTimestamp ? 0 : now;
    w.expiration = ttl > 0 ? now + ttl : 0;
    w.deliveryTime = delay > 0 ? now + delay : 0;
    w.producerId = this.id;
    w.producerSeq = seq;
    w.redelivered = false;
    w.deliveryCount = 0;
    // A received message sent on is a new message: the broker's bookkeeping starts again.
    if (w.brokerPath !== undefined) delete w.brokerPath;
    if (w.originalDestination !== undefined) delete w.originalDestination;
    if (w.userId !== undefined) delete w.userId;
    const cmd: Command = { type: CommandType.SEND, producerId: this.id, message: w };
    if (session.getTransacted()) {
      cmd.txId = session.currentTxId();
      conn.oneway(cmd);
      return conn.channel.drained() ?? Promise.resolve();
    }
    const persistent = deliveryMode === DeliveryMode.PERSISTENT;
    if (settings.alwaysSyncSend || (persistent && !settings.useAsyncSend)) return this.sendAnswered(cmd);
    conn.oneway(cmd);
    return conn.channel.drained() ?? Promise.resolve();
  }

  /**
   * @internal For network bridges (@wharf/cluster): sends a message received from another
   * broker on, unchanged (same ids, so a re-send after a failover is dropped as a duplicate),
   * with `brokerPath` (the brokers it has been on). Always answered by the broker: resolves once
   * it has the message (stored, when persistent).
   */
  _forward(wire: WireMessage, brokerPath: string[]): Promise<void> {
    if (this.closed) return Promise.reject(new IllegalStateError('the producer is closed'));
    const message: WireMessage = { ...wire, brokerPath, redelivered: false, deliveryCount: 0 };
    return this.sendAnswered({ type: CommandType.SEND, producerId: this.id, message });
  }

  /** A SEND the broker answers (re-sent on a new failover link); resolves with the answer. */
  private sendAnswered(cmd: Command): Promise<void> {
    const conn = this.session.connection;
    return conn.request(cmd, 'resend', { timeoutMs: conn.settings.sendTimeout, failoverTimeout: true }).then(noop);
  }


  /** `await using producer = ...`: closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closeLocal();
    const conn = this.session.connection;
    if (conn.canTalk() && !this.session.isClosed()) conn.oneway({ type: CommandType.PRODUCER_CLOSE, producerId: this.id });
    this.session.producers.delete(this);
    return Promise.resolve();
  }

  /** @internal */
  closeLocal(): void {
    this.closed = true;
  }
}

function noop(): void {}

function checkDeliveryMode(mode: number): number {
  if (mode !== DeliveryMode.PERSISTENT && mode !== DeliveryMode.NON_PERSISTENT) {
    throw new JMSError(`delivery mode must be DeliveryMode.PERSISTENT (2) or DeliveryMode.NON_PERSISTENT (1), got ${String(mode)}`);
  }
  return mode;
}

function checkPriority(p: number): number {
  if (!Number.isInteger(p) || p < 0 || p > 9) throw new JMSError(`priority must be an integer 0-9, got ${String(p)}`);
  return p;
}

function checkMs(ms: number, what: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new JMSError(`${what} must be a number of ms >= 0, got ${String(ms)}`);
  return ms;
}
