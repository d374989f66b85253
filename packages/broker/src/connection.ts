// One client connection on the broker: turns wire commands into broker calls, owns its
// sessions, producers, consumers, transactions and temporary destinations. Every transport
// (native tcp/ssl, vm, a protocol package's converter) drives the broker through this class.
// This file holds the handshake, the command dispatch and closing; the handlers of each concern
// are in handlers/ (produce.ts, consume.ts, transactions.ts, temporary.ts).
import {
  CommandType, ErrorCode, IllegalStateError, JMSError, JMSSecurityError, PROTOCOL_VERSION, ProtocolError,
  type Command, type Send, type TxCommit, type TxRollback, type XaCommand, type AckModeValue,
} from '@wharf/protocol';
import type { Broker } from './broker';
import type { ProtocolConnection, ServerTransport } from './core';
import type { ServerConsumer } from './consumer';
import type { Entry } from './entry';
import { addBlockedBytes, onProducerClose, onProducerOpen, onSend } from './handlers/produce';
import { closeConsumer, onConsumerOpen, onConsumerPrefetch, onPull } from './handlers/consume';
import { dropSessionTransactions, onAck, onCommit, onRollback, releaseTx, txFor, type Tx } from './handlers/transactions';
import { onTempCreate, onTempDelete } from './handlers/temporary';
import { dropConnectionBranches, onXa } from './handlers/xa';
import type { Principal } from './security/index';
import { bridgeAllowed, checkClientCommand } from './validate';
import { startHandshakeTimer } from './transport/handshake';

export type { ServerTransport } from './core';

type Hello = Extract<Command, { type: 1 }>;
/** Commands a client may send before its (asynchronous) login is answered. */
const MAX_COMMANDS_DURING_LOGIN = 1000;

export class ServerConnection implements ProtocolConnection {
  readonly id: string;
  clientId: string | null = null;
  user: string | null = null;
  /** Who the client authenticated as (set at HELLO). */
  principal: Principal | null = null;
  /** A login was refused; its answer is held back (repeated failures are slowed down). */
  private loginRefused = false;
  /** Commands that came while an asynchronous login (scrypt, LDAP) ran; null when none runs. */
  private waitingForLogin: Command[] | null = null;
  failover = false;
  /** A network bridge's connection (HELLO networkBridge, allowed by bridgeAllowed). */
  networkBridge = false;
  helloDone = false;
  closed = false;
  /**
   * The transport's output waits for the network past its threshold (a peer that does not
   * read): nothing more is dispatched to this connection's consumers until it drains.
   */
  congested = false;
  readonly sessions = new Map<number, { ackMode: AckModeValue }>();
  readonly producers = new Map<string, { sessionId: number; destination: string | null }>();
  readonly consumers = new Map<number, ServerConsumer>();
  /** @internal open local transactions by id (handlers/transactions.ts) */
  readonly txs = new Map<string, Tx>();
  readonly temps = new Set<string>();
  private deliveryCounter = 0;
  lastRead = Date.now();
  lastWrite = Date.now();
  heartbeat = 0;
  private hbTimer: NodeJS.Timeout | null = null;
  private handshakeTimer: NodeJS.Timeout | null;
  readonly connectedAt = Date.now();
  messagesIn = 0;
  messagesOut = 0;

  constructor(readonly broker: Broker, readonly transport: ServerTransport, readonly protocol = 'native') {
    this.id = broker.nextConnectionId();
    this.handshakeTimer = startHandshakeTimer(this);
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  get clientDN(): string | null {
    return this.transport.peerDN ?? null;
  }

  nextDeliveryId(): number {
    return ++this.deliveryCounter;
  }

  /** @internal */
  write(cmd: Command): void {
    if (this.closed) return;
    // Only the heartbeat reads the time of the last write or read: a clock read per command
    // was a measurable share of a message's cost.
    if (this.hbTimer !== null) this.lastWrite = Date.now();
    this.transport.send(cmd);
  }

  sendDispatch(c: ServerConsumer, e: Entry): void {
    this.messagesOut++;
    this.write({ type: CommandType.DISPATCH, consumerId: c.id, deliveryId: e.deliveryId, message: e.msg, redelivered: e.redelivered || undefined, deliveryCount: e.deliveryCount });
  }

  /** @internal answer a command that asked for a receipt */
  receipt(corr: number | undefined, data?: unknown): void {
    if (corr !== undefined) this.write(data === undefined ? { type: CommandType.RECEIPT, corr } : { type: CommandType.RECEIPT, corr, data });
  }

  /** Report an error to the client; fatal errors close the connection after sending. */
  sendError(err: unknown, corr?: number, fatal = false): void {
    const e = err instanceof JMSError ? err : new JMSError(err instanceof Error ? err.message : String(err));
    if (!(err instanceof JMSError)) this.broker.log.error({ err, conn: this.id, remote: this.remoteAddress }, 'unexpected error handling a command');
    this.write({ type: CommandType.ERROR, corr, code: e.code, message: e.message, fatal: fatal || undefined });
    if (fatal) this.close(e, false);
  }

  /** Entry point for every command read from the transport. */
  handle(cmd: Command): void {
    if (this.hbTimer !== null) this.lastRead = Date.now();
    if (this.closed || this.loginRefused) return;
    if (this.waitingForLogin !== null) return this.holdDuringLogin(cmd);
    const corr = (cmd as { corr?: number }).corr;
    try {
      checkClientCommand(cmd, this);
      if (!this.helloDone) {
        if (cmd.type !== CommandType.HELLO) throw new ProtocolError(`expected HELLO as the first command, got command type ${cmd.type}`);
        this.onHello(cmd);
        return;
      }
      this.dispatchCommand(cmd);
    } catch (err) {
      this.failed(err, corr);
    }
  }

  private failed(err: unknown, corr: unknown): void {
    if (!this.helloDone && err instanceof JMSSecurityError) return this.refuseLogin(err, corr);
    // After HELLO a refusal (authorization) is about one operation: the connection stays
    // usable. Not a JMSError: a fault of the broker's, whose state for this connection is now
    // in doubt. It ends this connection only (logged with its cause in sendError).
    const fatal = !this.helloDone || !(err instanceof JMSError);
    this.sendError(err, typeof corr === 'number' && Number.isSafeInteger(corr) ? corr : undefined, fatal);
  }

  /**
   * A client that does not wait for WELCOME: its commands wait for the login's answer, in order.
   * Only so many, since the login may take the directory's whole timeout.
   */
  private holdDuringLogin(cmd: Command): void {
    const q = this.waitingForLogin!;
    if (q.length < MAX_COMMANDS_DURING_LOGIN) {
      q.push(cmd);
      return;
    }
    this.waitingForLogin = null;
    this.sendError(new ProtocolError(`more than ${MAX_COMMANDS_DURING_LOGIN} commands before the answer to HELLO`), undefined, true);
  }

  private dispatchCommand(cmd: Command): void {
    switch (cmd.type) {
      case CommandType.SEND: return onSend(this, cmd);
      case CommandType.ACK: return onAck(this, cmd);
      case CommandType.PULL: return onPull(this, cmd.consumerId, cmd.timeout);
      case CommandType.CONSUMER_PREFETCH: return onConsumerPrefetch(this, cmd.consumerId, cmd.prefetch);
      case CommandType.PING: this.write({ type: CommandType.PONG }); return;
      case CommandType.PONG: return;
      case CommandType.SESSION_OPEN:
        if (cmd.ackMode < 0 || cmd.ackMode > 4) throw new JMSError(`invalid acknowledge mode ${cmd.ackMode}`);
        this.sessions.set(cmd.sessionId, { ackMode: cmd.ackMode });
        return;
      case CommandType.SESSION_CLOSE: this.closeSession(cmd.sessionId); this.receipt(cmd.corr); return;
      case CommandType.PRODUCER_OPEN: return onProducerOpen(this, cmd.corr, cmd.sessionId, cmd.producerId, cmd.destination);
      case CommandType.PRODUCER_CLOSE: return onProducerClose(this, cmd.producerId);
      case CommandType.CONSUMER_OPEN: return onConsumerOpen(this, cmd);
      case CommandType.CONSUMER_CLOSE: {
        const c = this.consumers.get(cmd.consumerId);
        if (c) this.closeConsumer(c);
        this.receipt(cmd.corr);
        return;
      }
      case CommandType.TX_BEGIN: txFor(this, cmd.txId, cmd.sessionId); this.receipt(cmd.corr); return;
      case CommandType.TX_COMMIT:
      case CommandType.TX_ROLLBACK:
        // After this connection's sends still waiting for memory: they may belong to it.
        if (this.blocked.length > 0) return void this.blocked.push({ cmd, since: Date.now() });
        return this.endTx(cmd);
      case CommandType.UNSUBSCRIBE: {
        if (!this.clientId) throw new IllegalStateError('unsubscribe needs a clientID on the connection');
        this.broker.unsubscribe(this.clientId, cmd.name).then(() => this.receipt(cmd.corr), (err) => this.sendError(err, cmd.corr));
        return;
      }
      case CommandType.TEMP_CREATE: return onTempCreate(this, cmd.corr, cmd.destination);
      case CommandType.TEMP_DELETE: return onTempDelete(this, cmd.corr, cmd.destination);
      case CommandType.XA:
        // After this connection's sends still waiting for memory: they may belong to the branch.
        if (this.blocked.length > 0) return void this.blocked.push({ cmd, since: Date.now() });
        return onXa(this, cmd);
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

  private onHello(cmd: Hello): void {
    const b = this.broker;
    this.checkServing();
    if (typeof cmd.version !== 'number' || cmd.version < 1) throw new ProtocolError(`unsupported protocol version ${String(cmd.version)}`);
    const principal = b.security.login(this, cmd.user, cmd.password);
    if (!(principal instanceof Promise)) return this.welcome(cmd, principal);
    this.waitingForLogin = [];
    // Read no more from this client until the answer: what it sends meanwhile stays in its socket.
    this.transport.pause?.();
    const settle = (run: () => void): void => {
      // Commands a protocol converter sends from inside WELCOME (its sessions) run at once; those
      // that waited run after the answer, in their order.
      const waiting = this.waitingForLogin ?? [];
      this.waitingForLogin = null;
      try {
        if (!this.closed) run();
      } catch (err) {
        this.failed(err, cmd.corr);
      }
      // A refused client stays unread until its (delayed) answer closes it.
      if (!this.closed && this.helloDone) this.transport.resume?.();
      for (const c of waiting) this.handle(c);
    };
    principal.then((p) => settle(() => {
      this.checkServing(); // it may have stopped serving while the login ran
      this.welcome(cmd, p);
    }), (err: unknown) => settle(() => {
      throw err;
    }));
  }

  private checkServing(): void {
    const b = this.broker;
    if (!b.serving) throw new JMSError(b.notServingReason || 'this broker is not serving clients', ErrorCode.NOT_MASTER);
  }

  private welcome(cmd: Hello, principal: Principal): void {
    const b = this.broker;
    this.user = principal.user || null;
    this.failover = cmd.failover === true;
    if (cmd.networkBridge === true) {
      // Named and logged in (not anonymous), or in process (the broker's own bridges).
      const named = this.protocol === 'vm' || (typeof cmd.user === 'string' && cmd.user !== '');
      if (!bridgeAllowed(named, b.security.authenticationEnabled)) throw new JMSSecurityError('a network bridge must authenticate');
      this.networkBridge = true;
    }
    if (cmd.clientId) this.setClientId(cmd.clientId);
    const requested = typeof cmd.heartbeat === 'number' && cmd.heartbeat > 0 ? cmd.heartbeat : 0;
    this.heartbeat = requested > 0 ? Math.min(Math.max(requested, 100), b.config.maxInactivityDuration || requested) : 0;
    this.helloDone = true;
    this.clearHandshakeTimer();
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

  /** The transport's output congested, or drained (ProtocolConnection.setCongested). */
  setCongested(on: boolean): void {
    if (this.congested === on) return;
    this.congested = on;
    if (on || this.closed) return;
    for (const c of this.consumers.values()) for (const s of c.sources) s.scheduleDispatch();
  }

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer === null) return;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  private setClientId(clientId: string): void {
    if (typeof clientId !== 'string' || clientId.length === 0) throw new JMSError('clientID must be a non-empty string', ErrorCode.INVALID_CLIENT_ID);
    this.broker.claimClientId(this, clientId);
    this.clientId = clientId;
  }

  private startHeartbeat(): void {
    const interval = this.heartbeat;
    this.lastRead = this.lastWrite = Date.now();
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

  /**
   * @internal sends waiting for memory or store space, in arrival order, and the commits and
   * rollbacks behind them (handlers/produce.ts)
   */
  blocked: Array<{ cmd: Send | TxCommit | TxRollback | XaCommand; since: number }> = [];
  get blockedSends(): number {
    return this.blocked.length;
  }
  /** @internal bytes of the blocked sends' messages (not yet accounted: they wait for space) */
  blockedBytes = 0;
  /** Reading stopped because too much waits in `blocked` (TCP backpressure to the producer). */
  readingHeld = false;

  /** @internal */
  endTx(cmd: TxCommit | TxRollback | XaCommand): void {
    if (cmd.type === CommandType.XA) return onXa(this, cmd);
    if (cmd.type === CommandType.TX_COMMIT) onCommit(this, cmd.corr, cmd.sessionId, cmd.txId);
    else onRollback(this, cmd.corr, cmd.sessionId, cmd.txId);
  }

  // ---- consumers and sessions ---------------------------------------------------------------

  /** Close a consumer: what it still holds comes back marked redelivered. */
  closeConsumer(c: ServerConsumer): void {
    closeConsumer(this, c);
  }

  /** The broker closes a consumer (destination removed): tell the client. */
  closeConsumerFromBroker(c: ServerConsumer, err: JMSError): void {
    this.closeConsumer(c);
    this.write({ type: CommandType.ERROR, code: err.code, message: `consumer ${c.id} closed: ${err.message}` });
  }

  private closeSession(sessionId: number): void {
    for (const c of [...this.consumers.values()]) if (c.sessionId === sessionId) this.closeConsumer(c);
    for (const [id, p] of [...this.producers]) if (p.sessionId === sessionId) onProducerClose(this, id);
    dropSessionTransactions(this, sessionId);
    this.sessions.delete(sessionId);
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
    this.clearHandshakeTimer();
    for (const c of [...this.consumers.values()]) this.closeConsumer(c);
    dropConnectionBranches(this);
    for (const tx of this.txs.values()) releaseTx(this, tx);
    this.txs.clear();
    // Emptied in place: the loop draining it (handlers/produce.ts) holds the same array.
    this.blocked.length = 0;
    addBlockedBytes(this, -this.blockedBytes);
    for (const p of [...this.producers.keys()]) onProducerClose(this, p);
    this.closed = true;
    for (const url of this.temps) {
      this.broker.removeDestination(url).catch((err: Error) => this.broker.log.warn({ conn: this.id, destination: url, err: err.message }, 'removing a closed connection\'s temporary destination failed'));
    }
    this.temps.clear();
    if (this.helloDone) {
      this.broker.removeConnection(this);
      this.broker.advisories.connection('removed', this.id, this.clientId, this.remoteAddress);
    }
    this.transport.close();
  }
}
