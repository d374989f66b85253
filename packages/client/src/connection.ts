// The JMS Connection (packages/client/README.md): owns the channel, the sessions, the temporary destinations
// and everything a failover link needs to replay (sessions, producers, consumers, durable
// subscriptions, temporary destinations: onResumed).
import os from 'node:os';
import {
  ConnectionClosedError, IllegalStateError, InvalidClientIDError, JMSError, type Command, type Welcome,
} from '@wharf/protocol';
import { AckMode, CommandType } from './wire';
import { Channel, type ResendRule } from './channel';
import { Session } from './session';
import type { FactorySettings } from './options';
import type { BrokerUrl } from './url';
import { Destination, type TempOwner } from './destinations';
import type { RedeliveryPolicy } from './redelivery';
import type { PrefetchPolicy } from './options';

export type ExceptionListener = (err: JMSError) => void;

/** ActiveMQ's TransportListener: a failover connection lost its broker, or found one again. */
export interface TransportListener {
  transportInterrupted?(err: Error): void;
  transportResumed?(): void;
}

/** Anything DISPATCHes are routed to (consumers and browsers). */
export interface DispatchTarget {
  onDispatch(cmd: Extract<Command, { type: 10 }>): void;
}

/** Consumers with acknowledgements waiting to be sent in one ACK per consumer. */
export interface AckSource {
  flushAcks(): void;
}

let connectionCounter = 0;
const RANDOM = Math.random().toString(36).slice(2, 8);

export const PROVIDER_VERSION = '0.1.0';

/** What JMS calls ConnectionMetaData. */
export class ConnectionMetaData {
  constructor(private readonly brokerName: string, private readonly connectionId: string) {}
  getJMSVersion(): string { return '2.0'; }
  getJMSMajorVersion(): number { return 2; }
  getJMSMinorVersion(): number { return 0; }
  getJMSProviderName(): string { return 'Wharf'; }
  getProviderVersion(): string { return PROVIDER_VERSION; }
  getProviderMajorVersion(): number { return 0; }
  getProviderMinorVersion(): number { return 1; }
  getJMSXPropertyNames(): string[] { return ['JMSXGroupID', 'JMSXGroupSeq', 'JMSXDeliveryCount', 'JMSXUserID']; }
  getBrokerName(): string { return this.brokerName; }
  getConnectionId(): string { return this.connectionId; }
}

export class Connection implements TempOwner {
  /** Unique per connection: the stem of producer and transaction ids. */
  readonly base: string;
  /** @internal */ readonly channel: Channel;
  /** @internal */ readonly dispatchTargets = new Map<number, DispatchTarget>();
  /** @internal */ readonly sessions = new Set<Session>();
  /** Temporary destinations the broker confirmed (replayed after a failover). */
  private readonly temps = new Map<string, Destination>();
  private clientId: string | null;
  private clientIdFixed = false;
  private started = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private exceptionListener: ExceptionListener | null = null;
  private transportListener: TransportListener | null = null;
  private nextSessionId = 0;
  private nextConsumerId = 0;
  private nextTempId = 0;
  private nextTxId = 0;
  private readonly ackDirty = new Set<AckSource>();
  private ackFlushScheduled = false;
  private readonly flushAcksCb = (): void => this.flushAcks();

  /** @internal Use ConnectionFactory.createConnection(). */
  constructor(url: BrokerUrl, /** @internal */ readonly settings: FactorySettings) {
    this.base = `${os.hostname()}-${process.pid}-${RANDOM}-${++connectionCounter}`;
    this.clientId = settings.clientID ?? null;
    this.channel = new Channel({ url, heartbeat: settings.heartbeat, connectTimeout: settings.connectTimeout, tls: settings.tls }, {
      helloFields: () => {
        const f: { clientId?: string; user?: string; password?: string; clientName?: string; networkBridge?: boolean } = { clientName: settings.clientName };
        if (settings.networkBridge) f.networkBridge = true;
        if (this.clientId) f.clientId = this.clientId;
        if (settings.userName !== undefined) f.user = settings.userName;
        if (settings.password !== undefined) f.password = settings.password;
        return f;
      },
      onCommand: (cmd) => this.onCommand(cmd),
      onAsyncError: (err) => this.onAsyncError(err),
      onInterrupted: (err) => {
        for (const s of this.sessions) s.onInterrupted();
        this.tellTransportListener((l) => l.transportInterrupted?.(err));
      },
      onResumed: () => {
        this.replay();
        this.tellTransportListener((l) => l.transportResumed?.());
      },
      onClosed: (err) => {
        this.reportException(err instanceof JMSError ? err : new ConnectionClosedError(err.message));
        this.closedByBroker();
      },
    });
  }

  /** @internal */
  async open(): Promise<Welcome> {
    const w = await this.channel.open();
    if (this.clientId) this.clientIdFixed = true;
    return w;
  }

  // ---- JMS API ----------------------------------------------------------------------------

  getClientID(): string | null {
    return this.clientId;
  }

  /**
   * Set the client id (durable subscriptions are keyed by it). Only before the connection is
   * used: before any session is created (JMS 1.1 §4.3.2).
   */
  async setClientID(clientId: string): Promise<void> {
    this.checkOpen();
    if (typeof clientId !== 'string' || clientId.length === 0) throw new InvalidClientIDError('clientID must be a non-empty string');
    if (this.clientIdFixed) throw new IllegalStateError(`setClientID must be called before the connection is used; the clientID is already ${this.clientId ?? 'fixed'}`);
    if (this.nextSessionId > 0) throw new IllegalStateError('setClientID must be called before any session is created');
    this.clientIdFixed = true;
    this.clientId = clientId;
    try {
      await this.request({ type: CommandType.CLIENT_ID, corr: 0, clientId }, 'resolve');
    } catch (err) {
      this.clientId = null;
      this.clientIdFixed = false;
      throw err;
    }
  }

  /** Start (or resume) delivery of messages to consumers. */
  start(): void {
    this.checkOpen();
    this.clientIdFixed = true;
    if (this.started) return;
    this.started = true;
    for (const s of this.sessions) s.onStarted();
  }

  /** Pause delivery; messages stay buffered until start(). */
  stop(): void {
    this.checkOpen();
    this.started = false;
  }

  isStarted(): boolean {
    return this.started;
  }
  isClosed(): boolean {
    return this.closed;
  }

  setExceptionListener(fn: ExceptionListener | null): void {
    this.exceptionListener = fn;
  }
  getExceptionListener(): ExceptionListener | null {
    return this.exceptionListener;
  }

  /** Hear about failover: the link was lost (reconnecting) and found again. */
  setTransportListener(l: TransportListener | null): void {
    this.transportListener = l;
  }

  private tellTransportListener(fn: (l: TransportListener) => void): void {
    const l = this.transportListener;
    if (!l) return;
    queueMicrotask(() => {
      try {
        fn(l);
      } catch {
        // A listener that throws must not break the reconnection.
      }
    });
  }

  getMetaData(): ConnectionMetaData {
    const w = this.channel.welcome;
    return new ConnectionMetaData(w?.brokerName ?? '', w?.connectionId ?? '');
  }

  /** The broker's id for this connection (temporary destination names start with it). */
  getConnectionId(): string {
    return this.channel.welcome?.connectionId ?? '';
  }
  getBrokerName(): string {
    return this.channel.welcome?.brokerName ?? '';
  }
  /** The URI of the broker this connection is attached to now. */
  getRemoteAddress(): string {
    return this.channel.remoteAddress;
  }
  /** This connection's redelivery policy (a copy of the factory's when it was created). */
  getRedeliveryPolicy(): RedeliveryPolicy {
    return this.settings.redeliveryPolicy;
  }
  getPrefetchPolicy(): PrefetchPolicy {
    return this.settings.prefetchPolicy;
  }

  /**
   * createSession(transacted, acknowledgeMode), or JMS 2.0's createSession(sessionMode) and
   * createSession() (AUTO_ACKNOWLEDGE). A transacted session ignores the acknowledge mode.
   */
  createSession(transacted: boolean | number = false, acknowledgeMode?: number): Session {
    this.checkOpen();
    let mode: number;
    if (typeof transacted === 'number') mode = transacted;
    else if (transacted) mode = AckMode.SESSION_TRANSACTED;
    else {
      mode = acknowledgeMode ?? AckMode.AUTO_ACKNOWLEDGE;
      if (mode === AckMode.SESSION_TRANSACTED) {
        throw new JMSError('acknowledgeMode SESSION_TRANSACTED cannot be used for a non-transacted session: call createSession(true, Session.SESSION_TRANSACTED)');
      }
    }
    if (!Number.isInteger(mode) || mode < 0 || mode > 4) {
      throw new JMSError(`invalid acknowledge mode ${mode}: use Session.AUTO_ACKNOWLEDGE, CLIENT_ACKNOWLEDGE, DUPS_OK_ACKNOWLEDGE, INDIVIDUAL_ACKNOWLEDGE or SESSION_TRANSACTED`);
    }
    this.clientIdFixed = true;
    const s = new Session(this, ++this.nextSessionId, mode as Session['ackMode']);
    this.sessions.add(s);
    this.oneway({ type: CommandType.SESSION_OPEN, sessionId: s.id, ackMode: s.ackMode });
    return s;
  }

  /** Close the sessions, tell the broker, close the link (bounded by closeTimeout). */

  /** `await using connection = ...`: closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.started = false;
    const timeout = this.settings.closeTimeout;
    if (!this.channel.closed) {
      const all = Promise.allSettled([...this.sessions].map((s) => s.close()));
      let t: NodeJS.Timeout | null = null;
      await Promise.race([all, new Promise<void>((r) => (t = setTimeout(r, timeout)))]);
      if (t) clearTimeout(t);
      this.flushAcks();
      await this.channel.close(timeout);
    }
    this.closedByBroker();
  }

  /** Local end of everything: receives return null, listeners stop. */
  private closedByBroker(): void {
    if (this.closed) return;
    this.closed = true;
    this.started = false;
    for (const s of [...this.sessions]) s.onConnectionClosed();
    this.sessions.clear();
    this.dispatchTargets.clear();
  }

  // ---- temporary destinations -------------------------------------------------------------

  /** @internal */
  async createTemporary(kind: 'temp-queue' | 'temp-topic', make: (name: string) => Destination): Promise<Destination> {
    this.checkOpen();
    const name = `${this.getConnectionId()}:${++this.nextTempId}`;
    const d = make(name);
    await this.request({ type: CommandType.TEMP_CREATE, corr: 0, destination: `${kind}://${name}` });
    this.temps.set(d.url, d);
    return d;
  }

  /** @internal TemporaryQueue/TemporaryTopic.delete(). */
  async deleteTemporary(d: Destination): Promise<void> {
    this.checkOpen();
    await this.request({ type: CommandType.TEMP_DELETE, corr: 0, destination: d.url });
    this.temps.delete(d.url);
  }

  // ---- internals for sessions -------------------------------------------------------------

  /** @internal */
  checkOpen(): void {
    if (this.closed || this.closing || this.channel.closed) throw new IllegalStateError('the connection is closed');
  }

  /** @internal */
  isOpen(): boolean {
    return !this.closed && !this.closing && !this.channel.closed;
  }

  /** @internal Open and linked to a broker now (not between failover links). */
  canTalk(): boolean {
    return this.isOpen() && this.channel.connected;
  }

  /** @internal */
  newConsumerId(): number {
    return ++this.nextConsumerId;
  }

  /** @internal */
  newTxId(): string {
    return `${this.base}:tx:${++this.nextTxId}`;
  }

  /** @internal A request; acknowledgements waiting in batches go first, to keep order. */
  request<T = unknown>(cmd: Command, rule: ResendRule = 'resend', opts?: { timeoutMs?: number; failoverTimeout?: boolean; txId?: string }): Promise<T> {
    if (this.ackDirty.size) this.flushAcks();
    return this.channel.request<T>(cmd, rule, opts);
  }

  /** @internal A one-way command (dropped while a failover link is down). */
  oneway(cmd: Command): boolean {
    if (this.ackDirty.size && cmd.type !== CommandType.ACK) this.flushAcks();
    return this.channel.send(cmd);
  }

  /** @internal A consumer has acknowledgements to send with the next flush (end of tick). */
  ackLater(src: AckSource): void {
    this.ackDirty.add(src);
    if (!this.ackFlushScheduled) {
      this.ackFlushScheduled = true;
      setImmediate(this.flushAcksCb);
    }
  }

  /** @internal Send every batched acknowledgement now. */
  flushAcks(): void {
    this.ackFlushScheduled = false;
    if (this.ackDirty.size === 0) return;
    const dirty = [...this.ackDirty];
    this.ackDirty.clear();
    for (const c of dirty) c.flushAcks();
  }

  /** @internal */
  get isStartedForDelivery(): boolean {
    return this.started && !this.closed;
  }

  /** @internal */
  reportException(err: JMSError): void {
    const fn = this.exceptionListener;
    if (!fn) return;
    queueMicrotask(() => {
      try {
        fn(err);
      } catch {
        // An exception listener that throws must not break the connection.
      }
    });
  }

  /** @internal */
  removeSession(s: Session): void {
    this.sessions.delete(s);
  }

  /** An ERROR without corr. The broker names a consumer it closed (destination removed). */
  private onAsyncError(err: JMSError): void {
    const m = /^consumer (\d+) closed: /.exec(err.message);
    if (m) {
      const t = this.dispatchTargets.get(Number(m[1]));
      if (t && 'closeLocal' in t) (t as { closeLocal(tell: boolean): void }).closeLocal(false);
    }
    this.reportException(err);
  }

  private onCommand(cmd: Command): void {
    if (cmd.type === CommandType.DISPATCH) {
      const t = this.dispatchTargets.get(cmd.consumerId);
      if (t) t.onDispatch(cmd);
    }
  }

  /** Failover: rebuild our state on the new link, in dependency order. */
  private replay(): void {
    const ignore = (): void => undefined;
    const report = (err: unknown): void => this.reportException(err instanceof JMSError ? err : new JMSError(String(err)));
    for (const d of this.temps.values()) {
      this.channel.request({ type: CommandType.TEMP_CREATE, corr: 0, destination: d.url }, 'resolve').then(ignore, ignore);
    }
    for (const s of this.sessions) s.replay(report);
  }
}
