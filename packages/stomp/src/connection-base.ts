// The state of one STOMP connection and its broker-facing half: the native commands coming back
// from the broker (DISPATCH, RECEIPT, ERROR) turned into frames, the answers owed to the client
// (in frame order), ERROR frames and closing, output and flow control. converter.ts handles the
// client's frames on it.
import {
  AckType, CommandType, type Command, type Dispatch, type ErrorCommand, type Welcome,
} from '@wharf/protocol';
import type { ProtocolConnection, ProtocolHost, ServerTransport } from '@wharf/broker';
import { StompParser, encodeFrame, type HeaderList, type StompVersion } from './parser';
import { messageHeaders, toStompDestination, type MessageContext } from './mapping';
import { Escape, escapeHeader, frames } from './writer';
import { SubscriptionTable, type Delivery, type Subscription } from './subscriptions';
import type { HeartBeat } from './heartbeat';
import type { StompOptions, StompSink } from './options';

/** A fault in the client's frames: answered by an ERROR frame; `fatal` ones close the connection. */
export class StompError extends Error {
  constructor(message: string, readonly fatal = false) {
    super(message);
  }
}

export const SESSION = 1;
export const TX_SESSION = 2;
export const enum Phase { NEW, CONNECTED, CLOSED }
const FLOW_CONTROL = 1;
const HELD = 2;
/** The output waits for the network past the sink's threshold (a peer that does not read). */
const OUTPUT = 4;

/**
 * A frame's answer in frame order: a RECEIPT (receipt set) or an ERROR (error set), written when
 * it and every earlier one are ready.
 */
export interface Reply { receipt: string | undefined; ready: boolean; error?: { message: string; fatal: boolean } }
export interface StompTx { txId: string; acks: Array<{ sub: Subscription; deliveries: Delivery[] }> }

/** The broker-facing half of StompConnection. */
export abstract class StompConnectionBase implements ServerTransport {
  readonly conn: ProtocolConnection;
  protected readonly parser: StompParser;
  protected version: StompVersion = '1.0';
  protected phase = Phase.NEW;
  /** DISCONNECT was received: later frames are ignored while owed receipts are written. */
  protected disconnecting = false;
  /**
   * The corr of a native command that completes asynchronously (durable subscribe or
   * unsubscribe, COMMIT): later frames wait for it, so a connection's frames take effect in
   * order, as ActiveMQ handles a connection's commands one after another.
   */
  protected waitingFor: number | null = null;
  /** What CONNECT still has to do when its login is answered later (WELCOME). */
  protected onWelcome: (() => void) | null = null;
  /** The corr of a pending durable UNSUBSCRIBE (its refusal has ActiveMQ's own wording). */
  protected unsubscribing: number | null = null;
  protected pausedBy = 0;
  protected connectionId = '';
  protected producerId = '';
  protected producerSeq = 0;
  protected corrSeq = 0;
  /** Answers the broker still owes, by corr. */
  protected readonly replies = new Map<number, Reply>();
  /** Answers to write, in frame order (a reply leaves when it and those before it are ready). */
  protected readonly answers: Reply[] = [];
  protected answersHead = 0;
  protected idleWaiters: Array<() => void> = [];
  protected welcome: Welcome | null = null;
  protected readonly subs = new SubscriptionTable();
  protected readonly txs = new Map<string, StompTx>();
  protected txSeq = 0;
  protected readonly temps = new Set<string>();
  protected readonly toUrl = new Map<string, string>();
  protected readonly toStomp = new Map<string, string>();
  /** The MESSAGE `ack` header of a client-acknowledged delivery is this prefix and its id. */
  protected ackPrefix = '';
  protected autoAcks = new Map<number, number[]>();
  protected autoAckScheduled = false;
  protected heartBeat: HeartBeat | null = null;
  protected lastRead = Date.now();
  protected lastWrite = Date.now();
  /**
   * While the frames of one read are handled (processFrames), on a byte stream, the RECEIPTs
   * they earn are gathered here as text and written as one piece before anything else is
   * written, or when the read is done: one encode instead of one per receipt.
   */
  protected gatherReceipts = false;
  protected receipts = '';

  constructor(protected readonly broker: ProtocolHost, protected readonly sink: StompSink, protected readonly opts: StompOptions) {
    const cap = Math.max(1024, opts.maxFrameSize);
    this.parser = new StompParser({ maxBodyBytes: cap, maxHeaderBytes: Math.min(cap, 1024 * 1024) });
    this.conn = broker.openConnection(this, 'stomp');
    // Any frame may congest the output, not only MESSAGEs: a client that sends with receipts
    // and never reads them would otherwise have them pile up in the broker.
    sink.onCongestion?.(() => {
      if ((this.pausedBy & OUTPUT) === 0) this.holdForOutput();
    });
  }

  get connectAttemptTimeout(): number | undefined {
    return this.opts.connectAttemptTimeout;
  }

  get remoteAddress(): string {
    return this.sink.remoteAddress;
  }

  get peerDN(): string | null {
    return this.sink.peerDN ?? null;
  }

  protected isClosed(): boolean {
    return this.phase === Phase.CLOSED;
  }

  /** A Wharf URL as this connection writes it in MESSAGE headers (memoised). */
  protected readonly stompName = (url: string): string => {
    let name = this.toStomp.get(url);
    if (name === undefined) remember(this.toStomp, url, (name = toStompDestination(url, this.connectionId)));
    return name;
  };

  /** The MESSAGE frame context, reused from one dispatch to the next. */
  private readonly messageCtx: MessageContext = { connectionId: '', redelivered: false, version: '1.0', stompName: this.stompName };

  /** Go on reading the frames held back (after a hold is released). */
  protected abstract processFrames(): void;
  protected abstract stopTimers(): void;

  // ---- the broker's commands ---------------------------------------------------------------

  send(cmd: Command): void {
    switch (cmd.type) {
      case CommandType.DISPATCH: return this.onDispatch(cmd);
      case CommandType.RECEIPT: {
        if (cmd.corr === this.waitingFor) this.release();
        const r = this.replies.get(cmd.corr);
        if (!r) return;
        this.replies.delete(cmd.corr);
        r.ready = true;
        this.flushAnswers();
        return;
      }
      case CommandType.WELCOME: {
        this.welcome = cmd;
        const then = this.onWelcome;
        this.onWelcome = null;
        if (!then || cmd.corr !== this.waitingFor) return;
        then();
        this.release();
        return;
      }
      case CommandType.ERROR: return this.onBrokerError(cmd);
      default: return; // PING/PONG: STOMP has its own heart-beats
    }
  }

  protected onBrokerError(cmd: ErrorCommand): void {
    if (cmd.corr !== undefined && cmd.corr === this.waitingFor) this.release();
    const r = cmd.corr !== undefined ? this.replies.get(cmd.corr) : undefined;
    const message = cmd.corr !== undefined && cmd.corr === this.unsubscribing && cmd.message.startsWith('Durable consumer is in use')
      ? 'Durable consumer is in use'
      : brokerErrorText(cmd);
    // The broker closes the connection itself after a fatal error (a refused login, HELLO).
    const fatal = cmd.fatal === true || this.phase === Phase.NEW;
    if (!r) {
      this.answerError(message, undefined, fatal);
      return;
    }
    this.replies.delete(cmd.corr!);
    r.error = { message, fatal };
    r.ready = true;
    this.flushAnswers();
  }

  protected onDispatch(d: Dispatch): void {
    const sub = this.subs.forConsumer(d.consumerId);
    if (!sub || this.phase !== Phase.CONNECTED) return;
    if (d.message === null) {
      // End of a browse (ActiveMQ sends an empty MESSAGE with `browser:end`).
      if (sub.browser) {
        this.writeFrame('MESSAGE', [['subscription', sub.id], ['destination', sub.destination], ['message-id', '0'], ['browser', 'end']]);
      }
      return;
    }
    const browsing = sub.browser || d.deliveryId === 0;
    const ctx = this.messageCtx;
    ctx.connectionId = this.connectionId;
    ctx.version = this.version;
    ctx.redelivered = d.redelivered === true;
    ctx.subscription = sub.hasId ? sub.id : undefined;
    // STOMP 1.2: `ack` is for the client acknowledgement modes (ActiveMQ omits it for auto).
    ctx.ackId = this.version === '1.2' && !browsing && sub.ack !== 'auto' ? this.ackPrefix + d.deliveryId : undefined;
    frames.begin('MESSAGE', this.version);
    const body = messageHeaders(d.message, ctx, frames);
    this.writeRaw(frames.end(body), body instanceof Uint8Array);
    if ((this.pausedBy & OUTPUT) === 0 && this.sink.congested()) this.holdForOutput();
    if (browsing) return;
    if (sub.ack === 'auto') this.autoAck(sub.consumerId, d.deliveryId);
    else this.subs.delivered(sub, d.deliveryId, d.message.messageId);
  }

  /**
   * A peer that does not read: stop reading it and dispatching to it until its output drains
   * (client-acknowledged subscriptions would otherwise fill the socket buffer up to their prefetch).
   */
  private holdForOutput(): void {
    this.setPaused(OUTPUT, true);
    this.conn.setCongested(true);
    this.sink.onDrain(() => {
      this.setPaused(OUTPUT, false);
      this.conn.setCongested(false);
    });
  }

  /** ActiveMQ acks `ack:auto` messages as they are dispatched; batched per tick here. */
  protected autoAck(consumerId: number, deliveryId: number): void {
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

  protected flushAutoAcks(onlyConsumer?: number): void {
    if (onlyConsumer === undefined) this.autoAckScheduled = false;
    for (const [consumerId, ids] of [...this.autoAcks]) {
      if (onlyConsumer !== undefined && consumerId !== onlyConsumer) continue;
      this.autoAcks.delete(consumerId);
      if (this.isClosed() || !this.subs.forConsumer(consumerId)) continue;
      this.conn.handle({ type: CommandType.ACK, consumerId, ackType: AckType.STANDARD, deliveryIds: ids });
    }
  }

  // ---- replies, errors and output ------------------------------------------------------------

  protected nextCorr(): number {
    return ++this.corrSeq;
  }

  /** A corr for a native command; its RECEIPT becomes a STOMP RECEIPT when `receipt` is set. */
  protected expect(receipt: string | undefined): number {
    const corr = this.nextCorr();
    if (receipt !== undefined) {
      const r: Reply = { receipt, ready: false };
      this.replies.set(corr, r);
      this.answers.push(r);
    }
    return corr;
  }

  /** Write the answers that are ready, in frame order, up to the first one still owed. */
  protected flushAnswers(): void {
    const q = this.answers;
    while (this.answersHead < q.length && q[this.answersHead]!.ready) {
      const r = q[this.answersHead++]!;
      if (this.isClosed()) continue;
      if (r.error) this.writeError(r.error.message, r.receipt, r.error.fatal);
      else if (r.receipt !== undefined) this.writeReceipt(r.receipt);
    }
    if (this.answersHead === q.length) {
      // Usually one answer, written as soon as it was owed: pop() rather than the length setter.
      if (q.length === 1) q.pop();
      else q.length = 0;
      this.answersHead = 0;
    } else if (this.answersHead > 1024) {
      q.splice(0, this.answersHead);
      this.answersHead = 0;
    }
    if (this.replies.size === 0 && this.answersHead === q.length) this.runIdle();
  }

  /** Read no further frames until the broker answers `corr` (see waitingFor). */
  protected holdUntil(corr: number): void {
    this.waitingFor = corr;
    this.setPaused(HELD, true);
  }

  protected release(): void {
    this.waitingFor = null;
    this.setPaused(HELD, false);
    // The answer may come inside conn.handle(), while processFrames is on the stack: go on
    // after it returns.
    queueMicrotask(() => this.processFrames());
  }

  protected whenIdle(fn: () => void): void {
    if (this.replies.size === 0 && this.answersHead === this.answers.length) fn();
    else this.idleWaiters.push(fn);
  }

  protected runIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const fn of w) fn();
  }

  /** The ERROR answering a frame: in its place among the answers when it asked for a receipt. */
  protected answerError(message: string, receipt: string | undefined, fatal: boolean): void {
    if (receipt !== undefined && this.answersHead < this.answers.length) {
      this.answers.push({ receipt, ready: true, error: { message, fatal } });
      return;
    }
    this.writeError(message, receipt, fatal);
  }

  /** An ERROR frame (with `receipt-id` when the failed frame asked for a receipt); fatal ones close. */
  protected writeError(message: string, receipt: string | undefined, fatal: boolean): void {
    if (this.isClosed()) return;
    // A connection that stays open may repeat its mistake endlessly: only closing errors go to
    // the info log, so one client cannot flood it.
    const fields = { conn: this.connectionId || undefined, remote: this.remoteAddress, err: message };
    if (fatal) this.broker.log.info(fields, 'stomp: error: closing');
    else this.broker.log.debug(fields, 'stomp: error');
    const headers: HeaderList = [['message', message.split('\n')[0]!.slice(0, 1000)]];
    if (receipt !== undefined) headers.push(['receipt-id', receipt]);
    const body = `${message}\n`;
    headers.push(['content-type', 'text/plain'], ['content-length', String(Buffer.byteLength(body))]);
    this.writeFrame('ERROR', headers, body);
    if (fatal) this.shutdown();
  }

  /** A fault that ends the stream: ERROR frame, then close. */
  protected fail(message: string, receipt?: string): void {
    this.writeError(message, receipt, true);
  }

  /** Close without an ERROR frame (where ActiveMQ does so), logging why. */
  protected closeQuietly(why: string): void {
    if (this.isClosed()) return;
    this.broker.log.info({ conn: this.connectionId || undefined, remote: this.remoteAddress, err: why }, 'stomp: closing');
    this.shutdown();
  }

  protected shutdown(): void {
    this.flushReceipts();
    this.phase = Phase.CLOSED;
    this.stopTimers();
    this.conn.close(undefined, false);
  }

  protected writeReceipt(receipt: string): void {
    if (this.gatherReceipts && this.sink.stream === true) {
      this.receipts += `RECEIPT\nreceipt-id:${escapeHeader(receipt, this.version)}\n\n\u0000`;
      return;
    }
    frames.begin('RECEIPT', this.version).header('receipt-id', receipt, Escape.VALUE);
    this.writeRaw(frames.end(), false);
  }

  /** Write the gathered RECEIPTs (see gatherReceipts). */
  protected flushReceipts(): void {
    if (this.receipts === '') return;
    const text = this.receipts;
    this.receipts = '';
    if (this.heartBeat !== null) this.lastWrite = Date.now();
    this.sink.write(frames.raw(text), false);
  }

  protected writeFrame(command: string, headers: HeaderList, body?: string | Uint8Array): void {
    this.writeRaw(encodeFrame(command, headers, body, this.version), body instanceof Uint8Array);
  }

  protected writeRaw(data: Buffer, binary: boolean): void {
    // Receipts gathered earlier go first: frames leave in the order they were made.
    if (this.receipts !== '') this.flushReceipts();
    // Only the heart-beat reads it (a clock read per frame is not free).
    if (this.heartBeat !== null) this.lastWrite = Date.now();
    this.sink.write(data, binary);
  }

  // ---- ServerTransport ---------------------------------------------------------------------

  close(): void {
    this.flushReceipts();
    this.stopTimers();
    this.phase = Phase.CLOSED;
    this.parser.release();
    this.sink.end();
  }

  /** Producer flow control (the broker) and held frames (holdUntil) pause reading independently. */
  protected setPaused(reason: number, on: boolean): void {
    const before = this.pausedBy;
    this.pausedBy = on ? before | reason : before & ~reason;
    if (before === 0 && this.pausedBy !== 0) this.sink.pause();
    else if (before !== 0 && this.pausedBy === 0) this.sink.resume();
  }

  pause(): void {
    this.setPaused(FLOW_CONTROL, true);
  }

  resume(): void {
    this.setPaused(FLOW_CONTROL, false);
  }
}

/**
 * The ERROR text of a broker-side failure, in ActiveMQ's words where a STOMP client sees them
 * differently from Wharf's (the broker's own texts elsewhere).
 */
function brokerErrorText(cmd: ErrorCommand): string {
  // ActiveMQ's error for a send to a deleted temporary destination is just its name.
  const deleted = 'Cannot publish to a deleted Destination: ';
  if (cmd.message.startsWith(deleted)) return cmd.message.slice(deleted.length);
  return cmd.message;
}

/** A bounded memo: a client naming endless destinations cannot grow it without limit. */
export function remember(m: Map<string, string>, k: string, v: string): void {
  if (m.size >= 1000) m.clear();
  m.set(k, v);
}
