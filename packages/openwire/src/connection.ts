// One OpenWire connection, translated to and from the native commands of a ServerConnection (as
// the STOMP converter does): the broker core never sees an OpenWire command. This class is the
// connection's ServerTransport (the broker's commands come in through send()) and feeds the
// Java client's commands, translated, into conn.handle().
import {
  AckMode, AckType, CommandType, ErrorCode, JMSError,
  type AckTypeValue, type Command, type ConsumerOpen, type Dispatch, type ErrorCommand, type Send, type Welcome,
} from '@wharf/protocol';
import type { ProtocolConnection, ProtocolHost, ServerTransport } from '@wharf/broker';
import { WireFormat, type Struct, type WireThrowable } from './codec';
import { FrameReader } from './frame';
import { Writer } from './io';
import { DataType, MESSAGE_TYPES, MAX_VERSION } from './schema';
import { negotiate, wireFormatInfo, type Negotiated, type WireFormatPrefs } from './wireformat-info';
import { destinationStruct, destinationUrl, fromOpenWire, toOpenWire } from './message';
import { OpenWireError } from './errors';

/** The byte channel under a connection (a TCP or TLS socket). */
export interface OpenWireSink {
  readonly remoteAddress: string;
  write(data: Buffer): void;
  end(): void;
  pause(): void;
  resume(): void;
}

export interface OpenWireOptions {
  /** What the broker advertises; the client's wishes are AND-ed with it. */
  prefs: WireFormatPrefs;
}

/** JMS exception classes by Wharf error code, so a Java application catches what it catches on ActiveMQ. */
const EXCEPTION_CLASS: Record<string, string> = {
  [ErrorCode.INVALID_SELECTOR]: 'javax.jms.InvalidSelectorException',
  [ErrorCode.INVALID_DESTINATION]: 'javax.jms.InvalidDestinationException',
  [ErrorCode.INVALID_CLIENT_ID]: 'javax.jms.InvalidClientIDException',
  [ErrorCode.SECURITY]: 'javax.jms.JMSSecurityException',
  [ErrorCode.ILLEGAL_STATE]: 'javax.jms.IllegalStateException',
  [ErrorCode.TRANSACTION_ROLLED_BACK]: 'javax.jms.TransactionRolledBackException',
  [ErrorCode.TRANSACTION_IN_PROGRESS]: 'javax.jms.TransactionInProgressException',
  [ErrorCode.MESSAGE_FORMAT]: 'javax.jms.MessageFormatException',
  [ErrorCode.RESOURCE_ALLOCATION]: 'javax.jms.ResourceAllocationException',
};

const NEGOTIATION_TIMEOUT = 15000;
const TX_SESSION = 1;
const ADVISORY_SESSION = 2;
const FIRST_SESSION = 3;
const enum Phase { WIRE_FORMAT, CONNECTING, OPEN, CLOSED }

/** TransactionInfo types (TransactionInfo.java). */
const Tx = { BEGIN: 0, PREPARE: 1, COMMIT_ONE_PHASE: 2, COMMIT_TWO_PHASE: 3, ROLLBACK: 4, RECOVER: 5, FORGET: 6, END: 7 } as const;

interface Pending {
  /** The Java command to answer, or -1 when it asked for no answer. */
  commandId: number;
  then?: () => void;
  onError?: () => void;
}

interface JavaConsumer {
  nativeId: number;
  id: Struct;
  destination: Struct;
  /** Accepted but not opened on the broker (the client's temp-destination advisory consumer). */
  local: boolean;
  /** Delivery ids dispatched and not yet consumed, in dispatch order (acks name ranges of them). */
  readonly delivered: Set<number>;
}

interface JavaProducer {
  key: string;
  windowSize: number;
  id: Struct;
}

function idKey(s: unknown): string {
  if (s === null || typeof s !== 'object') return 'null';
  const o = s as Struct;
  return `${o.type}|${String(o.connectionId)}|${String(o.sessionId)}|${String(o.value)}`;
}

function txKey(t: unknown): string | undefined {
  if (t === null || typeof t !== 'object') return undefined;
  const o = t as Struct;
  if (o.type === DataType.LOCAL_TRANSACTION_ID) return `ow:${String((o.connectionId as Struct | null)?.value)}:${String(o.value)}`;
  return `ow-xa:${String(o.formatId)}:${Buffer.from(o.globalTransactionId as Uint8Array).toString('hex')}:${Buffer.from(o.branchQualifier as Uint8Array).toString('hex')}`;
}

function throwableText(t: WireThrowable | null | undefined): string | undefined {
  if (!t) return undefined;
  return t.message ? `${t.className ?? 'java.lang.Throwable'}: ${t.message}` : (t.className ?? undefined);
}

/** The OpenWire connections of each broker: temp-destination removals are told to all of them. */
const connectionsOf = new WeakMap<ProtocolHost, Set<OpenWireConnection>>();

const ADVISORY_TEMP_QUEUE = 'ActiveMQ.Advisory.TempQueue';
const ADVISORY_TEMP_TOPIC = 'ActiveMQ.Advisory.TempTopic';

export class OpenWireConnection implements ServerTransport {
  readonly conn: ProtocolConnection;
  private phase = Phase.WIRE_FORMAT;
  private wf: WireFormat;
  private negotiated: Negotiated | null = null;
  private readonly frames: FrameReader;
  private out: Buffer[] = [];
  private flushScheduled = false;
  private corrSeq = 0;
  private readonly pending = new Map<number, Pending>();
  private welcome: Welcome | null = null;
  private readonly sessions = new Map<string, number>();
  private sessionSeq = FIRST_SESSION;
  private readonly consumers = new Map<string, JavaConsumer>();
  private readonly byNative = new Map<number, JavaConsumer>();
  private consumerSeq = 0;
  private readonly producers = new Map<string, JavaProducer>();
  private producerByStruct = new WeakMap<Struct, JavaProducer>();
  private readonly txAcks = new Map<string, Array<{ jc: JavaConsumer; ids: number[] }>>();
  private readonly scratch = new Writer(1024);
  private lastRead = Date.now();
  private lastWrite = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private negotiationTimer: NodeJS.Timeout | null = null;
  private paused = false;
  /** ConnectionInfo's login is being decided (scrypt, LDAP): later frames wait, reading stops. */
  private loginPending = false;
  /**
   * The client's advisory consumer (session -1, ActiveMQ.Advisory.TempQueue,TempTopic): the Java
   * client refuses to send to a temporary destination it has not heard of from it.
   */
  private advisory: JavaConsumer | null = null;
  /** Native consumers on the broker's temp-destination advisory topics, feeding `advisory`. */
  private readonly advisoryFeeds = new Set<number>();
  private readonly myTemps = new Set<string>();
  private advisorySeq = 0;

  constructor(private readonly broker: ProtocolHost, private readonly sink: OpenWireSink, private readonly opts: OpenWireOptions) {
    this.conn = broker.openConnection(this, 'openwire');
    // Until negotiated, both sides speak loose encoding without the cache (OpenWireFormat's start).
    this.wf = new WireFormat({ version: MAX_VERSION, tightEncoding: false, cacheEnabled: false });
    this.frames = new FrameReader(Math.max(1024, opts.prefs.maxFrameSize));
    let set = connectionsOf.get(broker);
    if (!set) connectionsOf.set(broker, (set = new Set()));
    set.add(this);
    this.writeCommand(wireFormatInfo(opts.prefs));
    // As the Java client waits 15 s for the broker's WireFormatInfo, the broker waits as long
    // for the client's: a peer stalled inside its first frame is closed.
    this.negotiationTimer = setTimeout(() => {
      if (this.phase === Phase.WIRE_FORMAT) this.protocolFault(new OpenWireError('Wire format negotiation timeout: peer did not send his wire format.'));
    }, NEGOTIATION_TIMEOUT);
    this.negotiationTimer.unref();
  }

  get remoteAddress(): string {
    return this.sink.remoteAddress;
  }

  private isClosed(): boolean {
    return this.phase === Phase.CLOSED;
  }

  // ---- bytes from the client -------------------------------------------------------------

  onData(chunk: Buffer): void {
    this.lastRead = Date.now();
    if (this.phase === Phase.CLOSED) return;
    this.frames.push(chunk);
    this.processFrames();
  }

  /** Handle the frames read, in order; stops while the login's answer is awaited. */
  private processFrames(): void {
    try {
      for (let f = this.loginPending ? null : this.frames.next(); f && !this.isClosed(); f = this.loginPending ? null : this.frames.next()) {
        const cmd = this.wf.decode(f);
        if (cmd) this.onCommand(cmd);
      }
    } catch (err) {
      this.protocolFault(err);
    }
  }

  /** The connection ends: its temporary destinations go with it (tell the others). */
  private released = false;
  private release(): void {
    if (this.released) return;
    this.released = true;
    connectionsOf.get(this.broker)?.delete(this);
    for (const url of this.myTemps) this.tellTempRemoved(destinationStruct(url));
    this.myTemps.clear();
  }

  onClosed(): void {
    this.release();
    this.stopTimer();
    this.phase = Phase.CLOSED;
    this.conn.close(undefined, false);
  }

  private protocolFault(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.broker.log.info({ conn: this.conn.id, remote: this.remoteAddress, err: message }, 'openwire: protocol error: closing');
    if (this.phase === Phase.OPEN || this.phase === Phase.CONNECTING) {
      this.writeCommand({ type: DataType.CONNECTION_ERROR, commandId: 0, responseRequired: false, exception: { className: 'java.io.IOException', message }, connectionId: null });
    }
    this.shutdown();
  }

  private onCommand(c: Struct): void {
    if (this.phase === Phase.WIRE_FORMAT) {
      if (c.type !== DataType.WIREFORMAT_INFO) throw new OpenWireError(`expected WireFormatInfo first, got data type ${c.type}`);
      return this.onWireFormat(c);
    }
    const commandId = typeof c.commandId === 'number' ? c.commandId : 0;
    const answer = c.responseRequired === true ? commandId : -1;
    try {
      this.dispatchCommand(c, answer);
    } catch (err) {
      if (err instanceof OpenWireError) throw err;
      this.answerError(answer, err);
    }
  }

  private dispatchCommand(c: Struct, answer: number): void {
    if (MESSAGE_TYPES.has(c.type)) return this.onMessage(c, answer);
    switch (c.type) {
      case DataType.MESSAGE_ACK: return this.onAck(c, answer);
      case DataType.MESSAGE_PULL: return this.onPull(c, answer);
      case DataType.KEEP_ALIVE_INFO:
        if (c.responseRequired === true) this.writeCommand({ type: DataType.KEEP_ALIVE_INFO, commandId: 0, responseRequired: false });
        return;
      case DataType.CONNECTION_INFO: return this.onConnectionInfo(c, answer);
      case DataType.SESSION_INFO: return this.onSessionInfo(c, answer);
      case DataType.PRODUCER_INFO: return this.onProducerInfo(c, answer);
      case DataType.CONSUMER_INFO: return this.onConsumerInfo(c, answer);
      case DataType.REMOVE_INFO: return this.onRemove(c, answer);
      case DataType.TRANSACTION_INFO: return this.onTransaction(c, answer);
      case DataType.DESTINATION_INFO: return this.onDestinationInfo(c, answer);
      case DataType.REMOVE_SUBSCRIPTION_INFO: return this.onRemoveSubscription(c, answer);
      case DataType.SHUTDOWN_INFO:
        this.shutdown();
        return;
      case DataType.WIREFORMAT_INFO: throw new OpenWireError('WireFormatInfo was already received');
      case DataType.CONNECTION_CONTROL:
      case DataType.CONSUMER_CONTROL:
      case DataType.FLUSH_COMMAND:
      case DataType.CONTROL_COMMAND:
      case DataType.PRODUCER_ACK:
      case DataType.MESSAGE_DISPATCH_NOTIFICATION:
        return this.answerOk(answer);
      default:
        throw new JMSError(`OpenWire command type ${c.type} is not supported by this broker`);
    }
  }

  // ---- wire format, connection ------------------------------------------------------------

  private onWireFormat(c: Struct): void {
    if (this.negotiationTimer) clearTimeout(this.negotiationTimer);
    const n = negotiate(this.opts.prefs, c);
    this.negotiated = n;
    this.wf = new WireFormat(n);
    this.frames.maxFrameSize = Math.max(1024, n.maxFrameSize);
    this.phase = Phase.CONNECTING;
    const b = this.broker;
    this.writeCommand({
      type: DataType.BROKER_INFO, commandId: 0, responseRequired: false,
      brokerId: { type: DataType.BROKER_ID, value: `ID:${b.name}` }, brokerUrl: null, peerBrokerInfos: [], brokerName: b.name,
      slaveBroker: false, masterBroker: false, faultTolerantConfiguration: false, duplexConnection: false, networkConnection: false,
      connectionId: 0, brokerUploadUrl: null, networkProperties: null,
    });
    if (n.maxInactivityDuration > 0) this.startInactivityMonitor(n.maxInactivityDuration, n.maxInactivityDurationInitalDelay);
  }

  private startInactivityMonitor(duration: number, initialDelay: number): void {
    const writeEvery = duration > 3 ? Math.floor(duration / 3) : duration;
    const start = Date.now() + Math.max(0, initialDelay);
    this.timer = setInterval(() => {
      const now = Date.now();
      if (now < start) return;
      if (now - this.lastRead > duration) {
        this.broker.log.info({ conn: this.conn.id, remote: this.remoteAddress }, 'openwire: no data from the client within maxInactivityDuration: closing');
        this.protocolFault(new OpenWireError(`Channel was inactive for too (>${duration}) long: ${this.remoteAddress}`));
        return;
      }
      if (now - this.lastWrite >= writeEvery) this.writeCommand({ type: DataType.KEEP_ALIVE_INFO, commandId: 0, responseRequired: false });
    }, Math.max(50, Math.floor(writeEvery / 2)));
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.negotiationTimer) clearTimeout(this.negotiationTimer);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private onConnectionInfo(c: Struct, answer: number): void {
    if (this.phase === Phase.OPEN) return this.answerOk(answer);
    const clientId = typeof c.clientId === 'string' && c.clientId ? c.clientId : undefined;
    const user = typeof c.userName === 'string' ? c.userName : undefined;
    const password = typeof c.password === 'string' ? c.password : undefined;
    const corr = this.expect(answer);
    this.conn.handle({
      type: CommandType.HELLO, corr, version: 1, heartbeat: 0, clientName: 'openwire',
      ...(clientId ? { clientId } : {}), ...(user !== undefined ? { user } : {}), ...(password !== undefined ? { password } : {}),
      ...(c.failoverReconnect === true ? { failover: true } : {}),
    });
    if (this.isClosed()) return;
    if (this.welcome) return this.connected(corr, answer);
    // A refusal comes as an ERROR; a WELCOME later (the login takes a while: scrypt, LDAP).
    this.loginPending = true;
    this.sink.pause();
    // A refusal (ERROR) closes the connection: the frames behind it are never read.
    this.pending.set(corr, { commandId: answer, then: () => this.loginAnswered(corr, answer) });
  }

  private loginAnswered(corr: number, answer: number): void {
    this.loginPending = false;
    this.connected(corr, answer);
    if (this.isClosed()) return;
    if (!this.paused) this.sink.resume();
    this.processFrames();
  }

  private connected(corr: number, answer: number): void {
    this.pending.delete(corr);
    this.phase = Phase.OPEN;
    this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: TX_SESSION, ackMode: AckMode.SESSION_TRANSACTED });
    this.answerOk(answer);
  }

  // ---- sessions, producers, consumers ----------------------------------------------------------

  private sessionFor(sessionId: Struct | { connectionId: unknown; value: unknown }): number {
    const key = `${String(sessionId.connectionId)}|${String(sessionId.value)}`;
    let n = this.sessions.get(key);
    if (n === undefined) {
      // The client's advisory consumer lives on session -1, for which no SessionInfo comes.
      n = Number(sessionId.value) === -1 ? ADVISORY_SESSION : this.sessionSeq++;
      this.sessions.set(key, n);
      this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: n, ackMode: AckMode.CLIENT_ACKNOWLEDGE });
    }
    return n;
  }

  private requireOpen(): void {
    if (this.phase !== Phase.OPEN) throw new JMSError('ConnectionInfo must come first', ErrorCode.ILLEGAL_STATE);
  }

  private onSessionInfo(c: Struct, answer: number): void {
    this.requireOpen();
    const sid = c.sessionId as Struct | null;
    if (!sid) throw new OpenWireError('SessionInfo without a session id');
    this.sessionFor(sid);
    this.answerOk(answer);
  }

  private onProducerInfo(c: Struct, answer: number): void {
    this.requireOpen();
    const pid = c.producerId as Struct | null;
    if (!pid) throw new OpenWireError('ProducerInfo without a producer id');
    const sessionId = this.sessionFor({ connectionId: pid.connectionId, value: pid.sessionId });
    const key = `${String(pid.connectionId)}:${String(pid.sessionId)}:${String(pid.value)}`.replace(/^ID:/, '');
    this.producers.set(idKey(pid), { key, windowSize: Number(c.windowSize) || 0, id: pid });
    const destination = destinationUrl(c.destination);
    this.conn.handle({ type: CommandType.PRODUCER_OPEN, corr: this.expect(answer), sessionId, producerId: key, ...(destination ? { destination } : {}) });
  }

  private onConsumerInfo(c: Struct, answer: number): void {
    this.requireOpen();
    const cid = c.consumerId as Struct | null;
    const dest = c.destination as Struct | null;
    if (!cid || !dest) throw new OpenWireError('ConsumerInfo without a consumer id or destination');
    const key = idKey(cid);
    if (this.consumers.has(key)) throw new JMSError(`consumer ${key} already exists`);
    const url = destinationUrl(dest)!;
    const nativeId = ++this.consumerSeq;
    const sessionId = this.sessionFor({ connectionId: cid.connectionId, value: cid.sessionId });
    if (url.includes(',')) {
      const names = url.replace(/^[a-z-]+:\/\//, '').split(',');
      if (dest.type === DataType.TOPIC && names.every((n) => n.startsWith('ActiveMQ.Advisory.'))) {
        const jc: JavaConsumer = { nativeId, id: cid, destination: dest, local: true, delivered: new Set() };
        this.consumers.set(key, jc);
        this.answerOk(answer);
        this.startAdvisories(jc, sessionId);
        return;
      }
      throw new JMSError(`consuming from the composite destination ${url} is not supported`, ErrorCode.INVALID_DESTINATION);
    }
    const jc: JavaConsumer = { nativeId, id: cid, destination: dest, local: false, delivered: new Set() };
    this.consumers.set(key, jc);
    this.byNative.set(nativeId, jc);
    const open: ConsumerOpen = {
      type: CommandType.CONSUMER_OPEN, corr: 0, sessionId, consumerId: nativeId, destination: url,
      prefetch: Math.max(0, Number(c.prefetchSize) || 0),
    };
    if (typeof c.selector === 'string' && c.selector.trim() !== '') open.selector = c.selector;
    if (c.noLocal === true) open.noLocal = true;
    if (c.exclusive === true) open.exclusive = true;
    if (typeof c.priority === 'number' && c.priority !== 0) open.priority = c.priority;
    if (typeof c.subscriptionName === 'string' && c.subscriptionName) open.durableName = c.subscriptionName;
    if (c.browser === true) open.browser = true;
    open.corr = this.expect(answer, undefined, () => {
      this.consumers.delete(key);
      this.byNative.delete(nativeId);
    });
    this.conn.handle(open);
  }

  private onRemove(c: Struct, answer: number): void {
    const id = c.objectId as Struct | null;
    if (!id) throw new OpenWireError('RemoveInfo without an object id');
    switch (id.type) {
      case DataType.CONNECTION_ID:
        // The client closes: it sends ShutdownInfo next and then closes the socket.
        return this.answerOk(answer);
      case DataType.SESSION_ID: {
        const key = `${String(id.connectionId)}|${String(id.value)}`;
        const n = this.sessions.get(key);
        this.sessions.delete(key);
        // The session's lastDeliveredSequenceId covers all its consumers (ActiveMQSession.close).
        for (const [k, jc] of [...this.consumers]) {
          if (String(jc.id.sessionId) !== String(id.value) || String(jc.id.connectionId) !== String(id.connectionId)) continue;
          this.forgetConsumer(k, jc);
          if (!jc.local) this.releaseUnseen(jc, c.lastDeliveredSequenceId);
        }
        if (n === undefined) return this.answerOk(answer);
        this.conn.handle({ type: CommandType.SESSION_CLOSE, corr: this.expect(answer), sessionId: n });
        return;
      }
      case DataType.CONSUMER_ID: {
        const key = idKey(id);
        const jc = this.consumers.get(key);
        if (!jc) return this.answerOk(answer);
        this.forgetConsumer(key, jc);
        if (jc.local) return this.answerOk(answer);
        this.releaseUnseen(jc, c.lastDeliveredSequenceId);
        this.conn.handle({ type: CommandType.CONSUMER_CLOSE, corr: this.expect(answer), consumerId: jc.nativeId });
        return;
      }
      case DataType.PRODUCER_ID: {
        const p = this.producers.get(idKey(id));
        this.producers.delete(idKey(id));
        this.producerByStruct = new WeakMap();
        if (p) this.conn.handle({ type: CommandType.PRODUCER_CLOSE, producerId: p.key });
        return this.answerOk(answer);
      }
      default:
        return this.answerOk(answer);
    }
  }

  /**
   * On close, prefetched messages the application never saw (dispatched after the client's
   * lastDeliveredSequenceId) go back unchanged, not as redeliveries.
   */
  private releaseUnseen(jc: JavaConsumer, lastDelivered: unknown): void {
    const last = Number(lastDelivered);
    if (!Number.isFinite(last) || last < 0) return;
    const unseen = [...jc.delivered].filter((d) => d > last);
    if (unseen.length) this.conn.handle({ type: CommandType.ACK, consumerId: jc.nativeId, ackType: AckType.RELEASE, deliveryIds: unseen });
  }

  private forgetConsumer(key: string, jc: JavaConsumer): void {
    this.consumers.delete(key);
    this.byNative.delete(jc.nativeId);
  }

  // ---- messages, acks, pulls -----------------------------------------------------------------

  private onMessage(c: Struct, answer: number): void {
    this.requireOpen();
    const { message, size } = fromOpenWire(c);
    const pid = (c.producerId as Struct | null) ?? null;
    // With the marshal cache on, each message carries the same producer id object.
    let producer = pid ? this.producerByStruct.get(pid) : undefined;
    if (!producer && pid) {
      producer = this.producers.get(idKey(pid));
      if (producer) this.producerByStruct.set(pid, producer);
    }
    const cmd: Send = { type: CommandType.SEND, producerId: producer?.key ?? message.producerId, message };
    const tx = txKey(c.transactionId);
    if (tx) cmd.txId = tx;
    if (answer >= 0) cmd.corr = this.expect(answer);
    else if (producer && producer.windowSize > 0) {
      // Producer flow control (producerWindowSize): the window reopens as the broker takes each send.
      const id = producer.id;
      cmd.corr = this.expect(-1, () => this.writeCommand({ type: DataType.PRODUCER_ACK, commandId: 0, responseRequired: false, producerId: id, size }));
    }
    this.conn.handle(cmd);
  }

  private onAck(c: Struct, answer: number): void {
    const jc = this.consumers.get(idKey(c.consumerId));
    if (!jc || jc.local) return this.answerOk(answer);
    const last = Number((c.lastMessageId as Struct | null)?.brokerSequenceId);
    const firstId = c.firstMessageId as Struct | null;
    const first = firstId ? Number(firstId.brokerSequenceId) : -Infinity;
    let ackType = Number(c.ackType) as AckTypeValue;
    let ids: number[];
    if (ackType === AckType.INDIVIDUAL || first === last) ids = jc.delivered.has(last) ? [last] : [];
    else {
      // Delivery ids grow with dispatch order, so the range ends at the first id past `last`.
      ids = [];
      for (const d of jc.delivered) {
        if (d > last) break;
        if (d >= first) ids.push(d);
      }
    }
    // The Java client redelivers a rolled-back message itself; its REDELIVERED ack only reports
    // that. UNMATCHED is a network bridge's "consumed".
    if (ackType === AckType.REDELIVERED) ackType = AckType.DELIVERED;
    else if (ackType === 5) ackType = AckType.STANDARD;
    if (ackType < 0 || ackType > 6) throw new JMSError(`unknown acknowledgement type ${ackType}`);
    if (ids.length === 0) return this.answerOk(answer);
    const tx = txKey(c.transactionId);
    // Consumed (or given up on) deliveries are no longer the consumer's; DELIVERED keeps them,
    // and a transaction's acks count only once it commits (after a rollback the client acks the
    // same deliveries again).
    if (ackType !== AckType.DELIVERED) {
      if (tx) {
        let l = this.txAcks.get(tx);
        if (!l) this.txAcks.set(tx, (l = []));
        l.push({ jc, ids });
      } else for (const d of ids) jc.delivered.delete(d);
    }
    const cause = ackType === AckType.POISON ? throwableText(c.poisonCause as WireThrowable | null) : undefined;
    this.conn.handle({
      type: CommandType.ACK, consumerId: jc.nativeId, ackType, deliveryIds: ids,
      ...(tx ? { txId: tx } : {}), ...(cause !== undefined ? { cause } : {}), ...(answer >= 0 ? { corr: this.expect(answer) } : {}),
    });
  }

  private onPull(c: Struct, answer: number): void {
    const jc = this.consumers.get(idKey(c.consumerId));
    if (!jc || jc.local) return this.answerOk(answer);
    // OpenWire: 0 waits forever, -1 is receiveNoWait; Wharf: -1 forever, 0 no wait.
    const t = Number(c.timeout);
    const timeout = t === 0 ? -1 : t < 0 ? 0 : t;
    this.conn.handle({ type: CommandType.PULL, consumerId: jc.nativeId, timeout });
    this.answerOk(answer);
  }

  // ---- transactions, temporary destinations, durable subscriptions ---------------------------

  private onTransaction(c: Struct, answer: number): void {
    this.requireOpen();
    const txId = txKey(c.transactionId);
    if (!txId) throw new OpenWireError('TransactionInfo without a transaction id');
    if ((c.transactionId as Struct).type !== DataType.LOCAL_TRANSACTION_ID) {
      throw new JMSError('XA transactions are not supported by this broker');
    }
    switch (Number(c.txType)) {
      case Tx.BEGIN:
        this.conn.handle({ type: CommandType.TX_BEGIN, sessionId: TX_SESSION, txId, ...(answer >= 0 ? { corr: this.expect(answer) } : {}) });
        return;
      case Tx.COMMIT_ONE_PHASE:
      case Tx.COMMIT_TWO_PHASE:
        this.conn.handle({
          type: CommandType.TX_COMMIT, sessionId: TX_SESSION, txId,
          corr: this.expect(answer, () => {
            for (const a of this.txAcks.get(txId) ?? []) for (const d of a.ids) a.jc.delivered.delete(d);
            this.txAcks.delete(txId);
          }, () => this.txAcks.delete(txId)),
        });
        return;
      case Tx.ROLLBACK:
        this.txAcks.delete(txId);
        this.conn.handle({ type: CommandType.TX_ROLLBACK, corr: this.expect(answer), sessionId: TX_SESSION, txId });
        return;
      case Tx.END:
      case Tx.FORGET:
        return this.answerOk(answer);
      default:
        throw new JMSError(`transaction operation ${String(c.txType)} is not supported for local transactions`);
    }
  }

  private onDestinationInfo(c: Struct, answer: number): void {
    this.requireOpen();
    const url = destinationUrl(c.destination);
    if (!url) throw new OpenWireError('DestinationInfo without a destination');
    const temp = url.startsWith('temp-');
    const add = Number(c.operationType) === 0;
    if (!temp) return this.answerOk(answer);
    const d = c.destination as Struct;
    this.conn.handle({
      type: add ? CommandType.TEMP_CREATE : CommandType.TEMP_DELETE, destination: url,
      corr: this.expect(answer, () => {
        if (add) this.myTemps.add(url);
        else this.myTemps.delete(url);
        if (!add) this.tellTempRemoved(d);
      }),
    });
  }

  private onRemoveSubscription(c: Struct, answer: number): void {
    this.requireOpen();
    const name = c.subscriptionName;
    if (typeof name !== 'string' || !name) throw new JMSError('RemoveSubscriptionInfo without a subscription name');
    this.conn.handle({ type: CommandType.UNSUBSCRIBE, corr: this.expect(answer), name });
  }

  // ---- the broker's commands ---------------------------------------------------------------

  send(cmd: Command): void {
    switch (cmd.type) {
      case CommandType.DISPATCH: return this.onDispatch(cmd);
      case CommandType.RECEIPT: {
        const p = this.pending.get(cmd.corr);
        if (!p) return;
        this.pending.delete(cmd.corr);
        p.then?.();
        this.answerOk(p.commandId);
        return;
      }
      case CommandType.WELCOME: {
        this.welcome = cmd;
        // Answered later than HELLO: ConnectionInfo's pending entry finishes the connection.
        if (this.loginPending) this.pending.get(cmd.corr)?.then?.();
        return;
      }
      case CommandType.ERROR: return this.onBrokerError(cmd);
      default: return; // PING/PONG: OpenWire has its own KeepAliveInfo
    }
  }

  private onBrokerError(cmd: ErrorCommand): void {
    const p = cmd.corr !== undefined ? this.pending.get(cmd.corr) : undefined;
    if (cmd.corr !== undefined) this.pending.delete(cmd.corr);
    const exception: WireThrowable = { className: EXCEPTION_CLASS[cmd.code] ?? 'javax.jms.JMSException', message: cmd.message };
    if (p && p.commandId >= 0) {
      this.writeCommand({ type: DataType.EXCEPTION_RESPONSE, commandId: 0, responseRequired: false, correlationId: p.commandId, exception });
    } else if (cmd.fatal) {
      this.writeCommand({ type: DataType.CONNECTION_ERROR, commandId: 0, responseRequired: false, exception, connectionId: null });
    } else {
      this.broker.log.info({ conn: this.conn.id, code: cmd.code, err: cmd.message }, 'openwire: error on a command that asked for no answer');
    }
    if (p?.onError) p.onError();
  }

  // ---- temporary destination advisories ------------------------------------------------------

  private startAdvisories(jc: JavaConsumer, sessionId: number): void {
    this.advisory = jc;
    // As ActiveMQ's AdvisoryBroker: the temporary destinations that exist now, first.
    const b = this.broker;
    for (const url of b.temporaryDestinations()) this.tellTemp(destinationStruct(url), 0);
    if (!b.config.advisorySupport) return;
    for (const topic of [ADVISORY_TEMP_QUEUE, ADVISORY_TEMP_TOPIC]) {
      const nativeId = ++this.consumerSeq;
      this.advisoryFeeds.add(nativeId);
      this.conn.handle({ type: CommandType.CONSUMER_OPEN, corr: this.expect(-1), sessionId, consumerId: nativeId, destination: `topic://${topic}`, prefetch: 1000 });
    }
  }

  /** A Wharf advisory (a map body naming the destination) as the DestinationInfo ActiveMQ sends. */
  private onAdvisoryFeed(d: Dispatch): void {
    if (d.message) {
      const body = d.message.body as { destination?: unknown; event?: unknown } | null;
      if (body && typeof body.destination === 'string' && body.destination.startsWith('temp-')) {
        this.tellTemp(destinationStruct(body.destination), body.event === 'removed' ? 1 : 0);
      }
    }
    if (d.deliveryId > 0) this.conn.handle({ type: CommandType.ACK, consumerId: d.consumerId, ackType: AckType.STANDARD, deliveryIds: [d.deliveryId] });
  }

  /** Tell every OpenWire connection of this broker that a temporary destination is gone. */
  private tellTempRemoved(dest: Struct): void {
    for (const c of connectionsOf.get(this.broker) ?? []) c.tellTemp(dest, 1);
  }

  tellTemp(dest: Struct, operationType: number): void {
    const jc = this.advisory;
    if (!jc || this.phase !== Phase.OPEN) return;
    const name = String(dest.physicalName);
    const owner = name.slice(0, Math.max(0, name.lastIndexOf(':')));
    const topic = { type: DataType.TOPIC, physicalName: dest.type === DataType.TEMP_QUEUE ? ADVISORY_TEMP_QUEUE : ADVISORY_TEMP_TOPIC };
    const seq = ++this.advisorySeq;
    const message: Struct = {
      type: DataType.MESSAGE, commandId: 0, responseRequired: false,
      producerId: { type: DataType.PRODUCER_ID, connectionId: `ID:${this.broker.name}-advisory`, value: 1, sessionId: 1 },
      destination: topic, transactionId: null, originalDestination: null,
      messageId: {
        type: DataType.MESSAGE_ID, textView: null, producerSequenceId: seq, brokerSequenceId: 0,
        producerId: { type: DataType.PRODUCER_ID, connectionId: `ID:${this.broker.name}-advisory`, value: 1, sessionId: 1 },
      },
      originalTransactionId: null, groupId: null, groupSequence: 0, correlationId: null, persistent: false, expiration: 0, priority: 4,
      replyTo: null, timestamp: Date.now(), jmsType: 'Advisory', content: null, marshalledProperties: null,
      dataStructure: {
        type: DataType.DESTINATION_INFO, commandId: 0, responseRequired: false,
        connectionId: { type: DataType.CONNECTION_ID, value: owner }, destination: dest, operationType, timeout: 0, brokerPath: null,
      },
      targetConsumerId: null, compressed: false, redeliveryCounter: 0, brokerPath: null, arrival: 0, userId: null,
      receivedByDFBridge: false, droppable: false, cluster: null, brokerInTime: 0, brokerOutTime: 0, jmsxGroupFirstForConsumer: false,
    };
    this.writeCommand({ type: DataType.MESSAGE_DISPATCH, commandId: 0, responseRequired: false, consumerId: jc.id, destination: topic, message, redeliveryCounter: 0 });
  }

  private onDispatch(d: Dispatch): void {
    if (this.advisoryFeeds.has(d.consumerId)) return this.onAdvisoryFeed(d);
    const jc = this.byNative.get(d.consumerId);
    if (!jc || this.phase !== Phase.OPEN) return;
    if (d.message !== null && d.deliveryId > 0) jc.delivered.add(d.deliveryId);
    const v = this.negotiated?.version ?? MAX_VERSION;
    const message = d.message === null ? null : toOpenWire(d.message, {
      version: v, brokerSequenceId: d.deliveryId, redeliveryCounter: Math.max(0, (d.deliveryCount ?? 1) - 1), scratch: this.scratch,
    });
    this.writeCommand({
      type: DataType.MESSAGE_DISPATCH, commandId: 0, responseRequired: false, consumerId: jc.id,
      destination: message ? message.destination : jc.destination, message, redeliveryCounter: message ? message.redeliveryCounter : 0,
    });
  }

  // ---- answers and output ---------------------------------------------------------------------

  /** A corr for a native command; its RECEIPT answers the Java command `commandId` (if >= 0). */
  private expect(commandId: number, then?: () => void, onError?: () => void): number {
    const corr = ++this.corrSeq;
    this.pending.set(corr, { commandId, ...(then ? { then } : {}), ...(onError ? { onError } : {}) });
    return corr;
  }

  private answerOk(commandId: number): void {
    if (commandId < 0) return;
    this.writeCommand({ type: DataType.RESPONSE, commandId: 0, responseRequired: false, correlationId: commandId });
  }

  private answerError(commandId: number, err: unknown): void {
    const e = err instanceof JMSError ? err : new JMSError(err instanceof Error ? err.message : String(err));
    if (!(err instanceof JMSError)) this.broker.log.warn({ err, conn: this.conn.id }, 'openwire: unexpected error handling a command');
    if (commandId < 0) {
      this.broker.log.info({ conn: this.conn.id, err: e.message }, 'openwire: error on a command that asked for no answer');
      return;
    }
    this.writeCommand({
      type: DataType.EXCEPTION_RESPONSE, commandId: 0, responseRequired: false, correlationId: commandId,
      exception: { className: EXCEPTION_CLASS[e.code] ?? 'javax.jms.JMSException', message: e.message },
    });
  }

  private writeCommand(c: Struct): void {
    if (this.phase === Phase.CLOSED) return;
    let frame: Buffer;
    try {
      frame = this.wf.encode(c);
    } catch (err) {
      this.broker.log.warn({ conn: this.conn.id, err: (err as Error).message }, 'openwire: cannot encode a command');
      return;
    }
    this.lastWrite = Date.now();
    this.out.push(frame);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushCb);
    }
  }

  private readonly flushCb = (): void => this.flush();

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0) return;
    const bufs = this.out;
    this.out = [];
    this.sink.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
  }

  /** ShutdownInfo or a fault: release everything and close the socket. */
  private shutdown(): void {
    if (this.phase === Phase.CLOSED) return;
    this.release();
    this.flush();
    this.stopTimer();
    this.phase = Phase.CLOSED;
    this.conn.close(undefined, false);
    this.sink.end();
  }

  // ---- ServerTransport ---------------------------------------------------------------------

  close(): void {
    this.release();
    this.flush();
    this.stopTimer();
    this.phase = Phase.CLOSED;
    this.sink.end();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.sink.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.sink.resume();
  }
}
