// One OpenWire connection, translated to and from the native commands of a ServerConnection (as
// the STOMP converter does): the broker core never sees an OpenWire command. This class is the
// connection's ServerTransport (the broker's commands come in through send()) and feeds the
// Java client's commands, translated, into conn.handle(). It owns the bytes, the wire format and
// the answers; sessions.ts, producers.ts, transactions.ts and advisories.ts hold the rest.
import { AckMode, CommandType, ErrorCode, JMSError, type Command, type ErrorCommand, type Welcome } from '@wharf/protocol';
import type { ProtocolConnection, ProtocolHost, ServerTransport } from '@wharf/broker';
import { WireFormat, type Struct, type WireThrowable } from './codec';
import { FrameReader } from './frame';
import { Writer } from './io';
import { DataType, MESSAGE_TYPES, MAX_VERSION } from './schema';
import { negotiate, wireFormatInfo, type Negotiated, type WireFormatPrefs } from './wireformat-info';
import { OpenWireError } from './errors';
import { EXCEPTION_CLASS, TX_SESSION, type OwContext } from './context';
import { Transactions } from './transactions';
import { Advisories } from './advisories';
import { Sessions } from './sessions';
import { Producers } from './producers';
import { GroupPart, type Accepted, type ClusterClients } from './cluster';

/** The byte channel under a connection (a TCP or TLS socket). */
export interface OpenWireSink {
  readonly remoteAddress: string;
  write(data: Buffer): void;
  end(): void;
  pause(): void;
  resume(): void;
  /** Called when the output starts or stops waiting for the network past its threshold. */
  onCongestion?(fn: (on: boolean) => void): void;
}

export interface OpenWireOptions {
  /** What the broker advertises; the client's wishes are AND-ed with it. */
  prefs: WireFormatPrefs;
  /** The connector's updateClusterClients & co. (default: tell clients the group's members). */
  cluster?: ClusterClients;
}

const NEGOTIATION_TIMEOUT = 15000;
const enum Phase { WIRE_FORMAT, CONNECTING, OPEN, CLOSED }

interface Pending {
  /** The Java command to answer, or -1 when it asked for no answer. */
  commandId: number;
  then?: () => void;
  /** The answer to write instead of a plain Response, made from the RECEIPT's data. */
  reply?: (data: unknown) => Struct;
  onError?: () => void;
}

export class OpenWireConnection implements ServerTransport, OwContext {
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
  private lastRead = Date.now();
  private lastWrite = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private negotiationTimer: NodeJS.Timeout | null = null;
  private paused = false;
  /** ConnectionInfo's login is being decided (scrypt, LDAP): later frames wait, reading stops. */
  private loginPending = false;
  private readonly transactions: Transactions;
  private readonly advisories: Advisories;
  private readonly sessions: Sessions;
  private readonly producers: Producers;
  private readonly group: GroupPart;

  constructor(readonly broker: ProtocolHost, private readonly sink: OpenWireSink, private readonly opts: OpenWireOptions) {
    this.conn = broker.openConnection(this, 'openwire');
    sink.onCongestion?.((on) => this.conn.setCongested(on));
    // Until negotiated, both sides speak loose encoding without the cache (OpenWireFormat's start).
    this.wf = new WireFormat({ version: MAX_VERSION, tightEncoding: false, cacheEnabled: false });
    this.frames = new FrameReader(Math.max(1024, opts.prefs.maxFrameSize));
    this.transactions = new Transactions(this);
    this.advisories = new Advisories(this);
    this.sessions = new Sessions(this, this.transactions, this.advisories, new Writer(1024));
    this.producers = new Producers(this, this.sessions);
    this.group = new GroupPart(this, opts.cluster, () => this.conn.close(undefined, false));
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

  isOpen(): boolean {
    return this.phase === Phase.OPEN;
  }

  private isClosed(): boolean {
    return this.phase === Phase.CLOSED;
  }

  version(): number {
    return this.negotiated?.version ?? MAX_VERSION;
  }

  requireOpen(): void {
    if (this.phase !== Phase.OPEN) throw new JMSError('ConnectionInfo must come first', ErrorCode.ILLEGAL_STATE);
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

  onClosed(): void {
    this.releaseAll();
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
    if (MESSAGE_TYPES.has(c.type)) return this.producers.onMessage(c, answer);
    switch (c.type) {
      case DataType.MESSAGE_ACK: return this.sessions.onAck(c, answer);
      case DataType.MESSAGE_PULL: return this.sessions.onPull(c, answer);
      case DataType.CONSUMER_CONTROL: return this.sessions.onConsumerControl(c, answer);
      case DataType.KEEP_ALIVE_INFO:
        if (c.responseRequired === true) this.writeCommand({ type: DataType.KEEP_ALIVE_INFO, commandId: 0, responseRequired: false });
        return;
      case DataType.CONNECTION_INFO: return this.onConnectionInfo(c, answer);
      case DataType.SESSION_INFO: return this.sessions.onSessionInfo(c, answer);
      case DataType.PRODUCER_INFO: return this.producers.onProducerInfo(c, answer);
      case DataType.CONSUMER_INFO: return this.sessions.onConsumerInfo(c, answer);
      case DataType.REMOVE_INFO: return this.onRemove(c, answer);
      case DataType.TRANSACTION_INFO: return this.transactions.onTransaction(c, answer);
      case DataType.DESTINATION_INFO: return this.advisories.onDestinationInfo(c, answer);
      case DataType.REMOVE_SUBSCRIPTION_INFO: return this.onRemoveSubscription(c, answer);
      case DataType.SHUTDOWN_INFO:
        this.shutdown();
        return;
      case DataType.WIREFORMAT_INFO: throw new OpenWireError('WireFormatInfo was already received');
      case DataType.CONNECTION_CONTROL:
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
    const id = (c.connectionId as Struct | null)?.value;
    const info: Accepted = { user, connectionId: typeof id === 'string' && id ? id : null, failoverReconnect: c.failoverReconnect === true };
    if (this.welcome) return this.connected(corr, answer, info);
    // A refusal comes as an ERROR; a WELCOME later (the login takes a while: scrypt, LDAP).
    this.loginPending = true;
    this.sink.pause();
    // A refusal (ERROR) closes the connection: the frames behind it are never read.
    this.pending.set(corr, { commandId: answer, then: () => this.loginAnswered(corr, answer, info) });
  }

  private loginAnswered(corr: number, answer: number, info: Accepted): void {
    this.loginPending = false;
    this.connected(corr, answer, info);
    if (this.isClosed()) return;
    if (!this.paused) this.sink.resume();
    this.processFrames();
  }

  private connected(corr: number, answer: number, info: Accepted): void {
    this.pending.delete(corr);
    this.phase = Phase.OPEN;
    this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: TX_SESSION, ackMode: AckMode.SESSION_TRANSACTED });
    this.answerOk(answer);
    this.group.accepted(info);
  }

  /** The connection ends: its temporary destinations and its ConnectionId go with it. */
  private releaseAll(): void {
    this.advisories.release();
    this.group.release();
  }

  private onRemove(c: Struct, answer: number): void {
    const id = c.objectId as Struct | null;
    if (!id) throw new OpenWireError('RemoveInfo without an object id');
    switch (id.type) {
      case DataType.SESSION_ID: return this.sessions.removeSession(id, c.lastDeliveredSequenceId, answer);
      case DataType.CONSUMER_ID: return this.sessions.removeConsumer(id, c.lastDeliveredSequenceId, answer);
      case DataType.PRODUCER_ID: return this.producers.remove(id, answer);
      default:
        // CONNECTION_ID: the client closes; it sends ShutdownInfo next and then closes the socket.
        return this.answerOk(answer);
    }
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
      case CommandType.DISPATCH: return this.sessions.onDispatch(cmd);
      case CommandType.RECEIPT: {
        const p = this.pending.get(cmd.corr);
        if (!p) return;
        this.pending.delete(cmd.corr);
        p.then?.();
        if (p.reply) {
          if (p.commandId >= 0) this.writeCommand(p.reply(cmd.data));
        } else this.answerOk(p.commandId);
        return;
      }
      case CommandType.WELCOME: {
        this.welcome = cmd;
        // Answered later than HELLO: ConnectionInfo's pending entry finishes the connection.
        if (this.loginPending) this.pending.get(cmd.corr)?.then?.();
        return;
      }
      case CommandType.CLUSTER_UPDATE: return this.group.tell(cmd.members, true);
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
    } else if (!this.consumerClosed(cmd.message)) {
      this.broker.log.info({ conn: this.conn.id, code: cmd.code, err: cmd.message }, 'openwire: error on a command that asked for no answer');
    }
    if (p?.onError) p.onError();
  }

  /** The broker's word that it closed a consumer ("consumer <id> closed: ..."), passed on. */
  private consumerClosed(message: string): boolean {
    const m = /^consumer (\d+) closed: /.exec(message);
    return m !== null && this.sessions.closedByBroker(Number(m[1]));
  }

  // ---- answers and output ---------------------------------------------------------------------

  expect(commandId: number, then?: () => void, onError?: () => void, reply?: (data: unknown) => Struct): number {
    const corr = ++this.corrSeq;
    this.pending.set(corr, { commandId, ...(then ? { then } : {}), ...(onError ? { onError } : {}), ...(reply ? { reply } : {}) });
    return corr;
  }

  answerOk(commandId: number): void {
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

  writeCommand(c: Struct): void {
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
    this.releaseAll();
    this.flush();
    this.stopTimer();
    this.phase = Phase.CLOSED;
    this.conn.close(undefined, false);
    this.sink.end();
  }

  // ---- ServerTransport ---------------------------------------------------------------------

  close(): void {
    this.releaseAll();
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
