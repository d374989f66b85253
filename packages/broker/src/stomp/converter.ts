// One STOMP connection, translated to and from the native commands of a ServerConnection, as
// ActiveMQ's ProtocolConverter does: the broker core never sees a STOMP frame. This class is the
// connection's ServerTransport (the broker's commands come in through send()) and feeds the
// client's frames, translated, into conn.handle(). The byte channel (TCP or WebSocket) is a
// StompSink; every ERROR frame is followed by closing the connection (STOMP 1.2 ERROR).
import {
  AckMode, AckType, CommandType, CONVERT_STRING_EXPRESSIONS_PREFIX,
  type Ack, type Command, type ConsumerOpen, type Dispatch, type ErrorCommand, type Send, type Welcome,
} from '@wharf/protocol';
import type { Broker } from '../broker';
import { ServerConnection, type ServerTransport } from '../connection';
import { StompParser, SUPPORTED_VERSIONS, encodeFrame, HEARTBEAT, type HeaderList, type StompFrame, type StompVersion } from './parser';
import { fromStompDestination, messageToFrame, sendToMessage, toStompDestination } from './mapping';
import { ACK_MODES, SubscriptionTable, type Delivery, type StompAckMode, type Subscription } from './subscriptions';

/** The byte channel under a STOMP connection (a TCP socket or a WebSocket). */
export interface StompSink {
  readonly remoteAddress: string;
  /** One encoded frame (or heart-beat); `binary` tells a message channel the frame's kind. */
  write(data: Buffer, binary: boolean): void;
  /** Flush what was written, then close. */
  end(): void;
  /** True while written data waits for the network (auto-acks wait for onDrain). */
  congested(): boolean;
  onDrain(fn: () => void): void;
  pause(): void;
  resume(): void;
}

export interface StompOptions {
  /** Largest body, and cap of the header section (the broker's maxFrameSize). */
  maxFrameSize: number;
  /** Read heart-beat slack: close after `interval × multiplier` of silence (ActiveMQ transport.hbGracePeriodMultiplier). */
  hbGracePeriodMultiplier: number;
  /** Heart-beat assumed when CONNECT has none (ActiveMQ transport.defaultHeartBeat), `cx,cy`. */
  defaultHeartBeat: readonly [number, number];
  /** Shortest heart-beat interval the broker agrees to, ms. */
  minHeartBeat: number;
}

export const DEFAULT_STOMP_OPTIONS: StompOptions = {
  maxFrameSize: 100 * 1024 * 1024,
  hbGracePeriodMultiplier: 1.5,
  defaultHeartBeat: [0, 0],
  minHeartBeat: 100,
};

/** A fault in the client's frames: answered by an ERROR frame, then the connection closes. */
class StompError extends Error {}

const SESSION = 1;
const TX_SESSION = 2;
const enum Phase { NEW, CONNECTED, CLOSED }

interface Reply { receipt?: string }
interface StompTx { txId: string; acks: Array<{ sub: Subscription; deliveries: Delivery[] }> }

export class StompConnection implements ServerTransport {
  readonly conn: ServerConnection;
  private readonly parser: StompParser;
  private version: StompVersion = '1.0';
  private phase = Phase.NEW;
  /** DISCONNECT was received: later frames are ignored while owed receipts are written. */
  private disconnecting = false;
  private connectionId = '';
  private producerId = '';
  private producerSeq = 0;
  private corrSeq = 0;
  private readonly replies = new Map<number, Reply>();
  private idleWaiters: Array<() => void> = [];
  private welcome: Welcome | null = null;
  private readonly subs = new SubscriptionTable();
  private readonly txs = new Map<string, StompTx>();
  private txSeq = 0;
  private readonly temps = new Set<string>();
  private readonly toUrl = new Map<string, string>();
  private readonly toStomp = new Map<string, string>();
  private autoAcks = new Map<number, number[]>();
  private autoAckScheduled = false;
  private hbTimer: NodeJS.Timeout | null = null;
  private lastRead = Date.now();
  private lastWrite = Date.now();

  constructor(private readonly broker: Broker, private readonly sink: StompSink, private readonly opts: StompOptions) {
    const cap = Math.max(1024, opts.maxFrameSize);
    this.parser = new StompParser({ maxBodyBytes: cap, maxHeaderBytes: Math.min(cap, 1024 * 1024) });
    this.conn = new ServerConnection(broker, this, 'stomp');
  }

  get remoteAddress(): string {
    return this.sink.remoteAddress;
  }

  private isClosed(): boolean {
    return this.phase === Phase.CLOSED;
  }

  // ---- bytes from the client -------------------------------------------------------------

  onData(chunk: Uint8Array): void {
    this.lastRead = Date.now();
    if (this.isClosed()) return;
    this.parser.push(chunk);
    while (!this.isClosed() && !this.disconnecting) {
      const ev = this.parser.next();
      if (!ev) break;
      if (ev.type === 'heartbeat') continue;
      if (ev.type === 'error') {
        this.fail(ev.error.tooLarge ? `frame too large: ${ev.error.message} (maxFrameSize)` : `malformed frame: ${ev.error.message}`);
        break;
      }
      const receipt = ev.frame.headers.get('receipt');
      try {
        this.onFrame(ev.frame);
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err), receipt);
      }
    }
  }

  /** The peer went away (socket closed). */
  onClosed(): void {
    this.stopTimers();
    this.phase = Phase.CLOSED;
    this.conn.close(undefined, false);
  }

  private onFrame(frame: StompFrame): void {
    const h = frame.headers;
    if (this.phase === Phase.NEW) {
      if (frame.command !== 'CONNECT' && frame.command !== 'STOMP') {
        throw new StompError(`Not connected: expected CONNECT or STOMP, got ${frame.command}`);
      }
      return this.onConnect(h);
    }
    switch (frame.command) {
      case 'SEND': return this.onSend(h, frame.body);
      case 'SUBSCRIBE': return this.onSubscribe(h);
      case 'UNSUBSCRIBE': return this.onUnsubscribe(h);
      case 'ACK': return this.onAck(h, false);
      case 'NACK': return this.onAck(h, true);
      case 'BEGIN': return this.onBegin(h);
      case 'COMMIT': return this.onEnd(h, true);
      case 'ABORT': return this.onEnd(h, false);
      case 'DISCONNECT': return this.onDisconnect(h);
      case 'CONNECT':
      case 'STOMP':
        throw new StompError('Already connected');
      default:
        throw new StompError(`Unknown STOMP action: ${frame.command}`);
    }
  }

  // ---- CONNECT and heart-beats ------------------------------------------------------------

  private onConnect(h: Map<string, string>): void {
    const accept = h.get('accept-version');
    const offered = accept === undefined ? ['1.0'] : accept.split(',').map((v) => v.trim());
    const version = [...SUPPORTED_VERSIONS].reverse().find((v) => offered.includes(v));
    if (!version) {
      this.fail(`Supported protocol versions are ${SUPPORTED_VERSIONS.join(',')}`, undefined, [['version', SUPPORTED_VERSIONS.join(',')]]);
      return;
    }
    this.version = version;
    let [cx, cy] = this.opts.defaultHeartBeat;
    const hb = h.get('heart-beat');
    if (hb !== undefined && version !== '1.0') {
      const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(hb);
      if (!m) throw new StompError(`heart-beat header '${hb}' is not 'cx,cy'`);
      cx = Number(m[1]);
      cy = Number(m[2]);
    }
    const clientId = h.get('client-id');
    const login = h.get('login');
    const passcode = h.get('passcode');
    this.conn.handle({
      type: CommandType.HELLO, corr: this.nextCorr(), version: 1, heartbeat: 0, clientName: 'stomp',
      ...(clientId ? { clientId } : {}), ...(login !== undefined ? { user: login } : {}), ...(passcode !== undefined ? { password: passcode } : {}),
    });
    const welcome = this.welcome;
    if (this.isClosed() || !welcome) return;
    this.connectionId = welcome.connectionId;
    this.producerId = `${welcome.connectionId.replace(/^ID:/, '')}:1:1`;
    this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: SESSION, ackMode: AckMode.CLIENT_ACKNOWLEDGE });
    this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: TX_SESSION, ackMode: AckMode.SESSION_TRANSACTED });
    this.conn.handle({ type: CommandType.PRODUCER_OPEN, corr: this.nextCorr(), sessionId: SESSION, producerId: this.producerId });
    if (this.isClosed()) return;
    // The broker echoes the client's wish, as ActiveMQ does: it sends every cy ms and expects
    // data every cx ms (STOMP 1.2 Heart-beating), never more often than minHeartBeat.
    const min = this.opts.minHeartBeat;
    const sendEvery = cy > 0 ? Math.max(cy, min) : 0;
    const readEvery = cx > 0 ? Math.max(cx, min) : 0;
    const headers: Array<[string, string]> = [['version', version], ['session', welcome.connectionId], ['server', 'Wharf']];
    if (version !== '1.0') headers.push(['heart-beat', `${sendEvery},${readEvery}`]);
    this.phase = Phase.CONNECTED;
    this.writeFrame('CONNECTED', headers);
    this.parser.version = version;
    this.startHeartbeats(sendEvery, readEvery);
  }

  private startHeartbeats(sendEvery: number, readEvery: number): void {
    if (sendEvery === 0 && readEvery === 0) return;
    const tick = Math.max(10, Math.floor(Math.min(sendEvery || Infinity, readEvery || Infinity) / 2));
    const grace = readEvery * this.opts.hbGracePeriodMultiplier;
    this.hbTimer = setInterval(() => {
      const now = Date.now();
      if (readEvery > 0 && now - this.lastRead > grace) {
        this.broker.log.info({ conn: this.connectionId, remote: this.remoteAddress }, 'stomp: no heart-beat from client: closing');
        this.fail(`no data from the client for ${now - this.lastRead} ms (heart-beat ${readEvery} ms)`);
        return;
      }
      // Write when the last write is half an interval old, so no gap exceeds the interval.
      if (sendEvery > 0 && now - this.lastWrite >= sendEvery / 2) this.writeRaw(HEARTBEAT, false);
    }, tick);
    this.hbTimer.unref();
  }

  private stopTimers(): void {
    if (this.hbTimer) clearInterval(this.hbTimer);
    this.hbTimer = null;
  }

  // ---- SEND -------------------------------------------------------------------------------

  private onSend(h: Map<string, string>, body: Buffer): void {
    const dest = h.get('destination');
    if (!dest) throw new StompError('SEND received without a Destination specified!');
    const url = this.destination(dest);
    let replyTo: string | undefined;
    const rt = h.get('reply-to');
    if (rt !== undefined) {
      try {
        replyTo = this.destination(rt);
      } catch {
        // Not a STOMP destination: it travels as the string property `reply-to` (ActiveMQ).
      }
    }
    const tx = this.txFor(h);
    const seq = ++this.producerSeq;
    const message = sendToMessage(h, body, {
      messageId: `ID:${this.producerId}:${seq}`, producerId: this.producerId, producerSeq: seq, destination: url, now: Date.now(),
      ...(replyTo !== undefined ? { replyTo } : {}),
    });
    const cmd: Send = { type: CommandType.SEND, producerId: this.producerId, message };
    if (tx) cmd.txId = tx.txId;
    const receipt = h.get('receipt');
    if (receipt !== undefined) cmd.corr = this.expect(receipt);
    this.conn.handle(cmd);
  }

  /** A STOMP destination as a Wharf URL; this connection's temporaries are made on first use. */
  private destination(text: string): string {
    const known = this.toUrl.get(text);
    if (known !== undefined) return known;
    const d = fromStompDestination(text, this.connectionId);
    for (const url of d.temps) {
      if (this.temps.has(url)) continue;
      this.conn.handle({ type: CommandType.TEMP_CREATE, corr: this.nextCorr(), destination: url });
      if (this.isClosed()) throw new StompError(`cannot create ${url}`);
      this.temps.add(url);
    }
    remember(this.toUrl, text, d.url);
    return d.url;
  }

  /** A Wharf URL as this connection writes it in MESSAGE headers (memoised). */
  private readonly stompName = (url: string): string => {
    let name = this.toStomp.get(url);
    if (name === undefined) remember(this.toStomp, url, (name = toStompDestination(url, this.connectionId)));
    return name;
  };

  // ---- SUBSCRIBE / UNSUBSCRIBE ------------------------------------------------------------

  private onSubscribe(h: Map<string, string>): void {
    const dest = h.get('destination');
    if (!dest) throw new StompError('SUBSCRIBE received without a Destination specified!');
    let id = h.get('id');
    const hasId = id !== undefined;
    if (id === undefined) {
      if (this.version !== '1.0') throw new StompError('SUBSCRIBE received without a subscription id!');
      id = dest;
    }
    if (this.subs.get(id)) throw new StompError(`Duplicate subscription id: ${id}`);
    const ack = h.get('ack') ?? 'auto';
    if (!ACK_MODES.has(ack)) throw new StompError(`Invalid ack mode '${ack}': use auto, client or client-individual`);
    const url = this.destination(dest);
    const open: ConsumerOpen = {
      type: CommandType.CONSUMER_OPEN, corr: this.expect(h.get('receipt')), sessionId: SESSION, consumerId: 0,
      destination: url, prefetch: -1, selectorOptions: { convertStringExpressions: true },
    };
    const selector = h.get('selector');
    // As ActiveMQ: the selector text itself carries the prefix, so a durable subscription's
    // stored selector keeps comparing numeric strings as numbers after a restart.
    if (selector !== undefined && selector.trim() !== '') {
      open.selector = CONVERT_STRING_EXPRESSIONS_PREFIX + selector.replace(/^\s*convert_string_expressions:/i, '');
    }
    const prefetch = h.get('activemq.prefetchSize');
    if (prefetch !== undefined) {
      if (!/^\s*\d+\s*$/.test(prefetch) || Number(prefetch) <= 0) throw new StompError(`activemq.prefetchSize must be a number > 0, got '${prefetch}'`);
      open.prefetch = Number(prefetch);
    }
    if (flag(h, 'activemq.exclusive')) open.exclusive = true;
    if (flag(h, 'activemq.noLocal')) open.noLocal = true;
    const priority = h.get('activemq.priority');
    if (priority !== undefined) {
      if (!/^\s*-?\d+\s*$/.test(priority)) throw new StompError(`activemq.priority must be a number, got '${priority}'`);
      open.priority = Number(priority);
    }
    const durable = h.get('activemq.subscriptionName');
    if (durable) open.durableName = durable;
    const browser = flag(h, 'browser');
    if (browser) open.browser = true;
    const sub = this.subs.create(id, hasId, ack as StompAckMode, browser, dest);
    open.consumerId = sub.consumerId;
    this.conn.handle(open);
  }

  private onUnsubscribe(h: Map<string, string>): void {
    const id = h.get('id');
    const durable = h.get('activemq.subscriptionName');
    let sub = id !== undefined ? this.subs.get(id) : undefined;
    if (!sub && id === undefined) {
      const dest = h.get('destination');
      if (dest !== undefined) sub = this.subs.findByDestination(dest);
    }
    if (!sub && !durable) throw new StompError(`No subscription matched${id !== undefined ? ` id ${id}` : ''}.`);
    const receipt = h.get('receipt');
    if (sub) {
      this.flushAutoAcks(sub.consumerId);
      this.subs.remove(sub);
      this.conn.handle({ type: CommandType.CONSUMER_CLOSE, consumerId: sub.consumerId, ...(durable ? {} : { corr: this.expect(receipt) }) });
    }
    if (durable && !this.isClosed()) this.conn.handle({ type: CommandType.UNSUBSCRIBE, corr: this.expect(receipt), name: durable });
  }

  // ---- ACK / NACK and transactions --------------------------------------------------------

  private onAck(h: Map<string, string>, nack: boolean): void {
    const found = this.subs.resolve(h);
    if (typeof found === 'string') throw new StompError(nack ? found.replace('ACK', 'NACK') : found);
    const { sub, deliveryId } = found;
    const tx = this.txFor(h);
    // client: cumulative; client-individual and NACK: that message only (StompSubscription).
    const deliveries = this.subs.take(sub, deliveryId, !nack && sub.ack === 'client');
    const cmd: Ack = {
      type: CommandType.ACK, consumerId: sub.consumerId, deliveryIds: deliveries.map((d) => d[0]),
      ackType: nack ? AckType.POISON : sub.ack === 'client' ? AckType.STANDARD : AckType.INDIVIDUAL,
    };
    // ActiveMQ: a NACKed message goes to the dead letter queue at once, no redelivery.
    if (nack) cmd.cause = 'NACK';
    else if (tx) {
      cmd.txId = tx.txId;
      tx.acks.push({ sub, deliveries });
    }
    const receipt = h.get('receipt');
    if (receipt !== undefined) cmd.corr = this.expect(receipt);
    this.conn.handle(cmd);
  }

  private txFor(h: Map<string, string>): StompTx | undefined {
    const name = h.get('transaction');
    if (name === undefined) return undefined;
    const tx = this.txs.get(name);
    if (!tx) throw new StompError(`Invalid transaction id: ${name}`);
    return tx;
  }

  private onBegin(h: Map<string, string>): void {
    const name = h.get('transaction');
    if (!name) throw new StompError('BEGIN received without a transaction id!');
    if (this.txs.has(name)) throw new StompError(`The transaction ${name} is already started`);
    const tx: StompTx = { txId: `stomp-tx-${++this.txSeq}`, acks: [] };
    this.txs.set(name, tx);
    const receipt = h.get('receipt');
    this.conn.handle({ type: CommandType.TX_BEGIN, sessionId: TX_SESSION, txId: tx.txId, ...(receipt !== undefined ? { corr: this.expect(receipt) } : {}) });
  }

  private onEnd(h: Map<string, string>, commit: boolean): void {
    const name = h.get('transaction');
    if (!name) throw new StompError(`${commit ? 'COMMIT' : 'ABORT'} received without a transaction id!`);
    const tx = this.txFor(h)!;
    this.txs.delete(name);
    // An aborted ACK does not redeliver (ActiveMQ): the messages stay with this subscription,
    // unacknowledged again, so the client may ACK them later; closing returns them.
    if (!commit) for (const a of tx.acks) this.subs.restore(a.sub, a.deliveries);
    const corr = this.expect(h.get('receipt'));
    this.conn.handle({ type: commit ? CommandType.TX_COMMIT : CommandType.TX_ROLLBACK, corr, sessionId: TX_SESSION, txId: tx.txId });
  }

  private onDisconnect(h: Map<string, string>): void {
    this.disconnecting = true;
    this.flushAutoAcks();
    const receipt = h.get('receipt');
    // Receipts still owed are written first, so the DISCONNECT receipt means "all done".
    this.whenIdle(() => {
      if (this.isClosed()) return;
      if (receipt !== undefined) this.writeFrame('RECEIPT', [['receipt-id', receipt]]);
      this.phase = Phase.CLOSED;
      this.conn.close(undefined, false);
    });
  }

  // ---- the broker's commands ---------------------------------------------------------------

  send(cmd: Command): void {
    switch (cmd.type) {
      case CommandType.DISPATCH: return this.onDispatch(cmd);
      case CommandType.RECEIPT: {
        const r = this.replies.get(cmd.corr);
        if (!r) return;
        this.replies.delete(cmd.corr);
        if (r.receipt !== undefined && !this.isClosed()) this.writeFrame('RECEIPT', [['receipt-id', r.receipt]]);
        if (this.replies.size === 0) this.runIdle();
        return;
      }
      case CommandType.WELCOME: this.welcome = cmd; return;
      case CommandType.ERROR: return this.onBrokerError(cmd);
      default: return; // PING/PONG: STOMP has its own heart-beats
    }
  }

  private onBrokerError(cmd: ErrorCommand): void {
    const r = cmd.corr !== undefined ? this.replies.get(cmd.corr) : undefined;
    if (cmd.corr !== undefined) this.replies.delete(cmd.corr);
    this.fail(cmd.message, r?.receipt, [['error-code', cmd.code]]);
  }

  private onDispatch(d: Dispatch): void {
    const sub = this.subs.forConsumer(d.consumerId);
    if (!sub || this.phase !== Phase.CONNECTED) return;
    if (d.message === null) {
      // End of a browse (ActiveMQ sends an empty MESSAGE with `browser:end`).
      if (sub.browser) {
        this.writeFrame('MESSAGE', [['subscription', sub.id], ['destination', sub.destination], ['message-id', 'BrowseDone'], ['browser', 'end']]);
      }
      return;
    }
    const browsing = sub.browser || d.deliveryId === 0;
    const { headers, body } = messageToFrame(d.message, {
      connectionId: this.connectionId, redelivered: d.redelivered === true, version: this.version, stompName: this.stompName,
      ...(sub.hasId ? { subscription: sub.id } : {}),
      // STOMP 1.2: `ack` is for the client acknowledgement modes (ActiveMQ omits it for auto).
      ...(this.version === '1.2' && !browsing && sub.ack !== 'auto' ? { ackId: String(d.deliveryId) } : {}),
    });
    this.writeFrame('MESSAGE', headers, body);
    if (browsing) return;
    if (sub.ack === 'auto') this.autoAck(sub.consumerId, d.deliveryId);
    else this.subs.delivered(sub, d.deliveryId, d.message.messageId);
  }

  /** ActiveMQ acks `ack:auto` messages as they are dispatched; batched per tick here. */
  private autoAck(consumerId: number, deliveryId: number): void {
    let l = this.autoAcks.get(consumerId);
    if (!l) this.autoAcks.set(consumerId, (l = []));
    l.push(deliveryId);
    if (this.autoAckScheduled) return;
    this.autoAckScheduled = true;
    process.nextTick(() => {
      // A slow reader holds its acks (and so the broker's dispatch) until the socket drains.
      if (this.sink.congested()) this.sink.onDrain(() => this.flushAutoAcks());
      else this.flushAutoAcks();
    });
  }

  private flushAutoAcks(onlyConsumer?: number): void {
    if (onlyConsumer === undefined) this.autoAckScheduled = false;
    for (const [consumerId, ids] of [...this.autoAcks]) {
      if (onlyConsumer !== undefined && consumerId !== onlyConsumer) continue;
      this.autoAcks.delete(consumerId);
      if (this.isClosed() || !this.subs.forConsumer(consumerId)) continue;
      this.conn.handle({ type: CommandType.ACK, consumerId, ackType: AckType.STANDARD, deliveryIds: ids });
    }
  }

  // ---- replies, errors and output ------------------------------------------------------------

  private nextCorr(): number {
    return ++this.corrSeq;
  }

  /** A corr for a native command; its RECEIPT becomes a STOMP RECEIPT when `receipt` is set. */
  private expect(receipt: string | undefined): number {
    const corr = this.nextCorr();
    if (receipt !== undefined) this.replies.set(corr, { receipt });
    return corr;
  }

  private whenIdle(fn: () => void): void {
    if (this.replies.size === 0) fn();
    else this.idleWaiters.push(fn);
  }

  private runIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const fn of w) fn();
  }

  /** ERROR frame (with `receipt-id` when the failed frame asked for a receipt), then close. */
  private fail(message: string, receipt?: string, extra: HeaderList = []): void {
    if (this.isClosed()) return;
    this.broker.log.info({ conn: this.connectionId || undefined, remote: this.remoteAddress, err: message }, 'stomp: error: closing');
    const headers: Array<readonly [string, string]> = [['message', message.split('\n')[0]!.slice(0, 1000)], ...extra];
    if (receipt !== undefined) headers.push(['receipt-id', receipt]);
    const body = `${message}\n`;
    headers.push(['content-type', 'text/plain'], ['content-length', String(Buffer.byteLength(body))]);
    this.writeFrame('ERROR', headers, body);
    this.phase = Phase.CLOSED;
    this.stopTimers();
    this.conn.close(undefined, false);
  }

  private writeFrame(command: string, headers: HeaderList, body?: string | Uint8Array): void {
    this.writeRaw(encodeFrame(command, headers, body, this.version), body instanceof Uint8Array);
  }

  private writeRaw(data: Buffer, binary: boolean): void {
    this.lastWrite = Date.now();
    this.sink.write(data, binary);
  }

  // ---- ServerTransport ---------------------------------------------------------------------

  close(): void {
    this.stopTimers();
    this.phase = Phase.CLOSED;
    this.sink.end();
  }

  pause(): void {
    this.sink.pause();
  }

  resume(): void {
    this.sink.resume();
  }
}

/** A bounded memo: a client naming endless destinations cannot grow it without limit. */
function remember(m: Map<string, string>, k: string, v: string): void {
  if (m.size >= 1000) m.clear();
  m.set(k, v);
}

function flag(h: Map<string, string>, name: string): boolean {
  return h.get(name)?.trim().toLowerCase() === 'true';
}
