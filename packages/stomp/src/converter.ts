// One STOMP connection, translated to and from the native commands of a ProtocolConnection (the
// broker's core API), as ActiveMQ's ProtocolConverter does: the broker core never sees a STOMP
// frame. This class handles the client's frames and feeds them, translated, into conn.handle();
// the broker-facing half (send(), answers, output) is connection-base.ts. As on ActiveMQ, an
// ERROR for a fault the client can recover from (a SEND without a destination, an unknown
// transaction, an ACK of an unknown message, ...) leaves the connection open; only faults that
// leave the stream or the session unusable (malformed frames, unknown commands, a refused
// CONNECT) close it. Receipts and ERRORs answering a frame are written in the order of the
// frames, even when an earlier one (a persistent SEND) waits for the store.
import {
  AckMode, AckType, CommandType, CONVERT_STRING_EXPRESSIONS_PREFIX, compileSelector,
  type Ack, type ConsumerOpen, type Send,
} from '@wharf/protocol';
import type { ProtocolHost } from '@wharf/broker';
import { SUPPORTED_VERSIONS, HEARTBEAT, type StompFrame, type StompVersion } from './parser';
import { HeaderNumberError, fromStompDestination, hasStompPrefix, sendToMessage, type SendContext } from './mapping';
import { ACK_MODES, type StompAckMode } from './subscriptions';
import { HeartBeat, negotiateHeartBeat, type HeartBeatPlan } from './heartbeat';
import type { StompOptions, StompSink } from './options';
import { Phase, SESSION, StompConnectionBase, StompError, TX_SESSION, remember, type StompTx } from './connection-base';

let clientIdSeq = 0;

export class StompConnection extends StompConnectionBase {
  /** sendToMessage's context, reused from one SEND to the next. */
  private readonly sendCtx: SendContext = { messageId: '', producerId: '', producerSeq: 0, destination: '', now: 0 };

  constructor(broker: ProtocolHost, sink: StompSink, opts: StompOptions) {
    super(broker, sink, opts);
  }

  // ---- bytes from the client -------------------------------------------------------------

  onData(chunk: Uint8Array): void {
    this.lastRead = Date.now();
    if (this.isClosed()) return;
    this.parser.push(chunk);
    this.processFrames();
  }

  /** Handle the parsed frames in order; stops while an earlier frame's work is pending. */
  protected processFrames(): void {
    if (this.gatherReceipts) return this.readFrames();
    this.gatherReceipts = true;
    try {
      this.readFrames();
    } finally {
      this.gatherReceipts = false;
      this.flushReceipts();
    }
  }

  private readFrames(): void {
    while (!this.isClosed() && !this.disconnecting && this.waitingFor === null) {
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
        if (err instanceof HeaderNumberError) {
          // ActiveMQ's NumberFormatException: the connection ends, with no ERROR frame.
          this.closeQuietly(err.message);
          break;
        }
        this.answerError(err instanceof Error ? err.message : String(err), receipt, err instanceof StompError && err.fatal);
      }
    }
  }

  /** The peer went away (socket closed). */
  onClosed(): void {
    this.receipts = ''; // nobody to read them
    this.stopTimers();
    this.phase = Phase.CLOSED;
    this.conn.close(undefined, false);
  }

  private onFrame(frame: StompFrame): void {
    const h = frame.headers;
    if (this.phase === Phase.NEW) {
      // ActiveMQ answers a frame before CONNECT with an ERROR and still accepts a CONNECT.
      if (frame.command !== 'CONNECT' && frame.command !== 'STOMP') throw new StompError('Not connected.');
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
        throw new StompError('Already connected.');
      default:
        throw new StompError(`Unknown STOMP action: ${frame.command}`, true);
    }
  }

  // ---- CONNECT and heart-beats ------------------------------------------------------------

  private onConnect(h: Map<string, string>): void {
    const accept = h.get('accept-version');
    const offered = accept === undefined ? ['1.0'] : accept.split(',').map((v) => v.trim());
    const version = [...SUPPORTED_VERSIONS].reverse().find((v) => offered.includes(v));
    if (!version) {
      throw new StompError(`Invalid Protocol version[${accept}], supported versions are: [${[...SUPPORTED_VERSIONS].reverse().join(', ')}]`, true);
    }
    // this.version stays 1.0 until CONNECTED: an ERROR answering CONNECT is not escaped.
    const hb = negotiateHeartBeat(h.get('heart-beat'), version, this.opts);
    if (!hb) throw new StompError(`Invalid heart-beat header:${h.get('heart-beat')}`, true);
    // As ActiveMQ, every STOMP connection has a client id (its own when CONNECT has none), so a
    // durable subscription works without `client-id`, and CONNECTED `session` is that id.
    const clientId = h.get('client-id') || `ID:stomp-${process.pid}-${(++clientIdSeq).toString(36)}-${Date.now().toString(36)}`;
    const login = h.get('login');
    const passcode = h.get('passcode');
    const corr = this.nextCorr();
    this.conn.handle({
      type: CommandType.HELLO, corr, version: 1, heartbeat: 0, clientName: 'stomp', clientId,
      ...(login !== undefined ? { user: login } : {}), ...(passcode !== undefined ? { password: passcode } : {}),
    });
    if (this.isClosed()) return;
    if (this.welcome) return this.connected(version, hb, clientId);
    // The login takes a while (scrypt, LDAP): later frames wait for its answer.
    this.onWelcome = () => this.connected(version, hb, clientId);
    this.holdUntil(corr);
  }

  private connected(version: StompVersion, hb: HeartBeatPlan, clientId: string): void {
    const welcome = this.welcome!;
    this.connectionId = welcome.connectionId;
    this.ackPrefix = `${welcome.connectionId}:`;
    this.producerId = `${welcome.connectionId.replace(/^ID:/, '')}:1:1`;
    this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: SESSION, ackMode: AckMode.CLIENT_ACKNOWLEDGE });
    this.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: TX_SESSION, ackMode: AckMode.SESSION_TRANSACTED });
    this.conn.handle({ type: CommandType.PRODUCER_OPEN, corr: this.nextCorr(), sessionId: SESSION, producerId: this.producerId });
    if (this.isClosed()) return;
    const headers: Array<[string, string]> = [['version', version], ['session', clientId], ['server', 'Wharf']];
    headers.push(['heart-beat', hb.header ?? '0,0']);
    this.phase = Phase.CONNECTED;
    this.version = version;
    this.writeFrame('CONNECTED', headers);
    this.parser.version = version;
    if (hb.sendEvery === 0 && hb.readEvery === 0) return; // no heart-beats: no clock reads per frame either
    this.lastWrite = Date.now(); // CONNECTED, written just before
    this.heartBeat = new HeartBeat(hb, this.opts.hbGracePeriodMultiplier, {
      sinceRead: () => Date.now() - this.lastRead,
      sinceWrite: () => Date.now() - this.lastWrite,
      beat: () => this.writeRaw(HEARTBEAT, false),
      // ActiveMQ closes a silent client without an ERROR frame.
      silent: (ms) => this.closeQuietly(`no data from the client for ${ms} ms (heart-beat ${hb.readEvery} ms)`),
    });
  }

  protected stopTimers(): void {
    this.heartBeat?.stop();
    this.heartBeat = null;
  }

  // ---- SEND -------------------------------------------------------------------------------

  private onSend(h: Map<string, string>, body: Buffer): void {
    const dest = h.get('destination');
    if (!dest) throw new StompError('SEND received without a Destination specified!');
    const tx = this.txFor(h);
    const url = this.destination(dest);
    let replyTo: string | undefined;
    const rt = h.get('reply-to');
    // Only a prefixed name is a destination here; any other text stays a string (ActiveMQ).
    if (rt !== undefined && hasStompPrefix(rt)) {
      try {
        replyTo = this.destination(rt);
      } catch {
        // Not a STOMP destination: it travels as the string property `reply-to` (ActiveMQ).
      }
    }
    const seq = ++this.producerSeq;
    const ctx = this.sendCtx;
    ctx.messageId = `ID:${this.producerId}:${seq}`;
    ctx.producerId = this.producerId;
    ctx.producerSeq = seq;
    ctx.destination = url;
    ctx.replyTo = replyTo;
    // The time its bytes arrived (onData): a clock read per message was a noticeable cost.
    ctx.now = this.lastRead;
    const message = sendToMessage(h, body, ctx);
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


  // ---- SUBSCRIBE / UNSUBSCRIBE ------------------------------------------------------------

  private onSubscribe(h: Map<string, string>): void {
    let id = h.get('id');
    const hasId = id !== undefined;
    const dest = h.get('destination');
    if (!dest) throw new StompError("Invalid empty or 'null' Destination header");
    if (id === undefined) {
      if (this.version !== '1.0') throw new StompError('SUBSCRIBE received without a subscription id!');
      id = dest;
    }
    // ActiveMQ takes any other ack mode for auto.
    const given = h.get('ack') ?? 'auto';
    const ack: StompAckMode = ACK_MODES.has(given) ? given as StompAckMode : 'auto';
    const url = this.destination(dest);
    const durable = h.get('activemq.subscriptionName');
    if (durable && !url.startsWith('topic://')) throw new StompError('Invalid Subscription: cannot durably subscribe to a Queue destination!');
    const selector = h.get('selector');
    let selectorText: string | undefined;
    // As ActiveMQ: the selector text itself carries the prefix, so a durable subscription's
    // stored selector keeps comparing numeric strings as numbers after a restart.
    if (selector !== undefined && selector.trim() !== '') {
      selectorText = CONVERT_STRING_EXPRESSIONS_PREFIX + selector.replace(/^\s*convert_string_expressions:/i, '');
      try {
        compileSelector(selectorText);
      } catch {
        // ActiveMQ's InvalidSelectorException message is the selector itself.
        throw new StompError(selector);
      }
    }
    const open: ConsumerOpen = {
      type: CommandType.CONSUMER_OPEN, corr: this.expect(h.get('receipt')), sessionId: SESSION, consumerId: 0,
      destination: url, prefetch: -1, selectorOptions: { convertStringExpressions: true },
    };
    if (selectorText !== undefined) open.selector = selectorText;
    const prefetch = h.get('activemq.prefetchSize');
    if (prefetch !== undefined && /^\s*\d+\s*$/.test(prefetch)) open.prefetch = Number(prefetch);
    if (flag(h, 'activemq.exclusive')) open.exclusive = true;
    if (flag(h, 'activemq.noLocal')) open.noLocal = true;
    const priority = h.get('activemq.priority');
    if (priority !== undefined && /^\s*-?\d+\s*$/.test(priority)) open.priority = Number(priority);
    if (durable) open.durableName = durable;
    const browser = flag(h, 'browser');
    if (browser) open.browser = true;
    // A repeated id is accepted, as on ActiveMQ: it names the newest subscription from then on.
    const sub = this.subs.create(id, hasId, ack, browser, dest);
    open.consumerId = sub.consumerId;
    if (open.durableName) this.holdUntil(open.corr);
    this.conn.handle(open);
  }

  private onUnsubscribe(h: Map<string, string>): void {
    const id = h.get('id');
    if (id === undefined && this.version !== '1.0') throw new StompError('UNSUBSCRIBE received without a subscription id!');
    const receipt = h.get('receipt');
    const durable = h.get('activemq.subscriptionName');
    if (durable) {
      // As ActiveMQ: with a subscription name only the durable subscription is removed (refused
      // while a consumer is on it); the subscription `id` stays open.
      const corr = this.expect(receipt);
      this.holdUntil(corr);
      this.unsubscribing = corr;
      this.conn.handle({ type: CommandType.UNSUBSCRIBE, corr, name: durable });
      return;
    }
    let sub = id !== undefined ? this.subs.get(id) : undefined;
    if (!sub && id === undefined) {
      const dest = h.get('destination');
      if (dest !== undefined) sub = this.subs.findByDestination(dest);
    }
    if (!sub) throw new StompError('No subscription matched.');
    this.flushAutoAcks(sub.consumerId);
    this.subs.remove(sub);
    this.conn.handle({ type: CommandType.CONSUMER_CLOSE, consumerId: sub.consumerId, corr: this.expect(receipt) });
  }

  // ---- ACK / NACK and transactions --------------------------------------------------------

  private onAck(h: Map<string, string>, nack: boolean): void {
    const what = nack ? 'NACK' : 'ACK';
    if (nack && this.version === '1.0') throw new StompError('NACK received but connection is in v1.0 mode.');
    if (this.version === '1.2' ? !h.has('id') : !h.has('message-id')) {
      throw new StompError(this.version === '1.2' ? `${what} received without a ack id for acknowledge!` : `${what} received without a message-id to acknowledge!`);
    }
    const found = this.subs.resolve(h, this.ackPrefix);
    if (!found) throw new StompError(`Unexpected ${what} received for message-id [${h.get('message-id') ?? 'null'}]`);
    const { sub, deliveryId } = found;
    const tx = this.txFor(h);
    // ActiveMQ refuses a NACK inside a transaction (a poison ack cannot be transacted).
    if (nack && tx) throw new StompError('Poison ack cannot be transacted');
    // client: cumulative; client-individual and NACK: that message only (StompSubscription).
    const deliveries = this.subs.take(sub, deliveryId, !nack && sub.ack === 'client');
    const cmd: Ack = {
      type: CommandType.ACK, consumerId: sub.consumerId, deliveryIds: deliveries.map((d) => d[0]),
      ackType: nack ? AckType.POISON : sub.ack === 'client' ? AckType.STANDARD : AckType.INDIVIDUAL,
    };
    // ActiveMQ: a NACKed message goes to the dead letter queue at once, no redelivery.
    if (nack) cmd.cause = ''; // no dlqDeliveryFailureCause on the copy, as ActiveMQ's STOMP NACK
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
    if (!name) throw new StompError('Must specify the transaction you are beginning');
    if (this.txs.has(name)) throw new StompError(`The transaction was already started: ${name}`);
    const tx: StompTx = { txId: `stomp-tx-${++this.txSeq}`, acks: [] };
    this.txs.set(name, tx);
    const receipt = h.get('receipt');
    this.conn.handle({ type: CommandType.TX_BEGIN, sessionId: TX_SESSION, txId: tx.txId, ...(receipt !== undefined ? { corr: this.expect(receipt) } : {}) });
  }

  private onEnd(h: Map<string, string>, commit: boolean): void {
    const name = h.get('transaction');
    if (!name) throw new StompError(`Must specify the transaction you are ${commit ? 'committing' : 'aborting'}`);
    const tx = this.txFor(h)!;
    this.txs.delete(name);
    // An aborted ACK does not redeliver (ActiveMQ): the messages stay with this subscription,
    // unacknowledged again, so the client may ACK them later; closing returns them.
    if (!commit) for (const a of tx.acks) this.subs.restore(a.sub, a.deliveries);
    const corr = this.expect(h.get('receipt'));
    if (commit) this.holdUntil(corr);
    this.conn.handle({ type: commit ? CommandType.TX_COMMIT : CommandType.TX_ROLLBACK, corr, sessionId: TX_SESSION, txId: tx.txId });
  }

  private onDisconnect(h: Map<string, string>): void {
    this.disconnecting = true;
    this.flushAutoAcks();
    const receipt = h.get('receipt');
    // Receipts still owed are written first, so the DISCONNECT receipt means "all done".
    this.whenIdle(() => {
      if (this.isClosed()) return;
      if (receipt !== undefined) this.writeReceipt(receipt);
      this.phase = Phase.CLOSED;
      this.conn.close(undefined, false);
    });
  }
}

function flag(h: Map<string, string>, name: string): boolean {
  return h.get(name)?.trim().toLowerCase() === 'true';
}
