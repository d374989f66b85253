// Sessions and consumers of one OpenWire connection: the Java client's SessionInfo/ConsumerInfo
// become native sessions and consumers, its MessageAck/MessagePull native ACK/PULL, and the
// broker's DISPATCH a MessageDispatch to the Java consumer.
import {
  AckMode, AckType, CommandType, ErrorCode, JMSError, type AckTypeValue, type ConsumerOpen, type Dispatch,
} from '@wharf/protocol';
import type { Struct, WireThrowable } from './codec';
import type { Writer } from './io';
import { DataType } from './schema';
import { destinationUrl, toOpenWire } from './message';
import { OpenWireError } from './errors';
import { ADVISORY_SESSION, FIRST_SESSION, idKey, throwableText, txKey, type OwContext } from './context';
import type { Transactions } from './transactions';
import type { Advisories } from './advisories';

interface JavaConsumer {
  nativeId: number;
  id: Struct;
  destination: Struct;
  /** Accepted but not opened on the broker (the client's temp-destination advisory consumer). */
  local: boolean;
  /** Delivery ids dispatched and not yet consumed, in dispatch order (acks name ranges of them). */
  readonly delivered: Set<number>;
}

export class Sessions {
  private readonly sessions = new Map<string, number>();
  private sessionSeq = FIRST_SESSION;
  private readonly consumers = new Map<string, JavaConsumer>();
  private readonly byNative = new Map<number, JavaConsumer>();
  private consumerSeq = 0;
  private readonly nextConsumerId = (): number => ++this.consumerSeq;

  constructor(
    private readonly ctx: OwContext, private readonly transactions: Transactions,
    private readonly advisories: Advisories, private readonly scratch: Writer,
  ) {}

  /** The native session for a Java session id (opened on first use). */
  sessionFor(sessionId: Struct | { connectionId: unknown; value: unknown }): number {
    const key = `${String(sessionId.connectionId)}|${String(sessionId.value)}`;
    let n = this.sessions.get(key);
    if (n === undefined) {
      // The client's advisory consumer lives on session -1, for which no SessionInfo comes.
      n = Number(sessionId.value) === -1 ? ADVISORY_SESSION : this.sessionSeq++;
      this.sessions.set(key, n);
      this.ctx.conn.handle({ type: CommandType.SESSION_OPEN, sessionId: n, ackMode: AckMode.CLIENT_ACKNOWLEDGE });
    }
    return n;
  }

  onSessionInfo(c: Struct, answer: number): void {
    this.ctx.requireOpen();
    const sid = c.sessionId as Struct | null;
    if (!sid) throw new OpenWireError('SessionInfo without a session id');
    this.sessionFor(sid);
    this.ctx.answerOk(answer);
  }

  onConsumerInfo(c: Struct, answer: number): void {
    const ctx = this.ctx;
    ctx.requireOpen();
    const cid = c.consumerId as Struct | null;
    const dest = c.destination as Struct | null;
    if (!cid || !dest) throw new OpenWireError('ConsumerInfo without a consumer id or destination');
    const key = idKey(cid);
    if (this.consumers.has(key)) throw new JMSError(`consumer ${key} already exists`);
    const url = destinationUrl(dest)!;
    const nativeId = this.nextConsumerId();
    const sessionId = this.sessionFor({ connectionId: cid.connectionId, value: cid.sessionId });
    if (url.includes(',')) {
      const names = url.replace(/^[a-z-]+:\/\//, '').split(',');
      if (dest.type === DataType.TOPIC && names.every((n) => n.startsWith('ActiveMQ.Advisory.'))) {
        const jc: JavaConsumer = { nativeId, id: cid, destination: dest, local: true, delivered: new Set() };
        this.consumers.set(key, jc);
        ctx.answerOk(answer);
        this.advisories.start(cid, sessionId, this.nextConsumerId);
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
    open.corr = ctx.expect(answer, undefined, () => {
      this.consumers.delete(key);
      this.byNative.delete(nativeId);
    });
    ctx.conn.handle(open);
  }

  /** RemoveInfo for a session id. */
  removeSession(id: Struct, lastDelivered: unknown, answer: number): void {
    const key = `${String(id.connectionId)}|${String(id.value)}`;
    const n = this.sessions.get(key);
    this.sessions.delete(key);
    // The session's lastDeliveredSequenceId covers all its consumers (ActiveMQSession.close).
    for (const [k, jc] of [...this.consumers]) {
      if (String(jc.id.sessionId) !== String(id.value) || String(jc.id.connectionId) !== String(id.connectionId)) continue;
      this.forgetConsumer(k, jc);
      if (!jc.local) this.releaseUnseen(jc, lastDelivered);
    }
    if (n === undefined) return this.ctx.answerOk(answer);
    this.ctx.conn.handle({ type: CommandType.SESSION_CLOSE, corr: this.ctx.expect(answer), sessionId: n });
  }

  /** RemoveInfo for a consumer id. */
  removeConsumer(id: Struct, lastDelivered: unknown, answer: number): void {
    const key = idKey(id);
    const jc = this.consumers.get(key);
    if (!jc) return this.ctx.answerOk(answer);
    this.forgetConsumer(key, jc);
    if (jc.local) return this.ctx.answerOk(answer);
    this.releaseUnseen(jc, lastDelivered);
    this.ctx.conn.handle({ type: CommandType.CONSUMER_CLOSE, corr: this.ctx.expect(answer), consumerId: jc.nativeId });
  }

  /**
   * The broker closed a consumer (a slow consumer aborted, its destination removed): tell the
   * Java client with a ConsumerControl that closes it, as ActiveMQ does. Its RemoveInfo that
   * follows finds nothing left to close. False when `nativeId` is not one of this connection's.
   */
  closedByBroker(nativeId: number): boolean {
    const jc = this.byNative.get(nativeId);
    if (!jc) return false;
    this.forgetConsumer(idKey(jc.id), jc);
    this.ctx.writeCommand({
      type: DataType.CONSUMER_CONTROL, commandId: 0, responseRequired: false, destination: jc.destination, close: true,
      consumerId: jc.id, prefetch: 0, flush: false, start: false, stop: false,
    });
    return true;
  }

  /**
   * On close, prefetched messages the application never saw (dispatched after the client's
   * lastDeliveredSequenceId) go back unchanged, not as redeliveries.
   */
  private releaseUnseen(jc: JavaConsumer, lastDelivered: unknown): void {
    const last = Number(lastDelivered);
    if (!Number.isFinite(last) || last < 0) return;
    const unseen = [...jc.delivered].filter((d) => d > last);
    if (unseen.length) this.ctx.conn.handle({ type: CommandType.ACK, consumerId: jc.nativeId, ackType: AckType.RELEASE, deliveryIds: unseen });
  }

  private forgetConsumer(key: string, jc: JavaConsumer): void {
    this.consumers.delete(key);
    this.byNative.delete(jc.nativeId);
  }

  onAck(c: Struct, answer: number): void {
    const ctx = this.ctx;
    const jc = this.consumers.get(idKey(c.consumerId));
    if (!jc || jc.local) return ctx.answerOk(answer);
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
    if (ids.length === 0) return ctx.answerOk(answer);
    const tx = txKey(c.transactionId);
    // Consumed (or given up on) deliveries are no longer the consumer's; DELIVERED keeps them,
    // and a transaction's acks count only once it commits.
    if (ackType !== AckType.DELIVERED) {
      if (tx) this.transactions.recordAck(tx, jc.delivered, ids);
      else for (const d of ids) jc.delivered.delete(d);
    }
    const cause = ackType === AckType.POISON ? throwableText(c.poisonCause as WireThrowable | null) : undefined;
    ctx.conn.handle({
      type: CommandType.ACK, consumerId: jc.nativeId, ackType, deliveryIds: ids,
      ...(tx ? { txId: tx } : {}), ...(cause !== undefined ? { cause } : {}), ...(answer >= 0 ? { corr: ctx.expect(answer) } : {}),
    });
  }

  onPull(c: Struct, answer: number): void {
    const jc = this.consumers.get(idKey(c.consumerId));
    if (!jc || jc.local) return this.ctx.answerOk(answer);
    // OpenWire: 0 waits forever, -1 is receiveNoWait; Wharf: -1 forever, 0 no wait.
    const t = Number(c.timeout);
    const timeout = t === 0 ? -1 : t < 0 ? 0 : t;
    this.ctx.conn.handle({ type: CommandType.PULL, consumerId: jc.nativeId, timeout });
    this.ctx.answerOk(answer);
  }

  /**
   * ConsumerControl from the client: its prefetch. A Java client back through failover reopens
   * its consumers with prefetch 0 until it has dropped what it held, then restores the prefetch
   * this way (as ActiveMQ's broker, the new prefetch applies at once).
   */
  onConsumerControl(c: Struct, answer: number): void {
    const jc = this.consumers.get(idKey(c.consumerId));
    const prefetch = Number(c.prefetch);
    if (jc && !jc.local && Number.isInteger(prefetch) && prefetch >= 0) {
      this.ctx.conn.handle({ type: CommandType.CONSUMER_PREFETCH, consumerId: jc.nativeId, prefetch });
    }
    this.ctx.answerOk(answer);
  }

  onDispatch(d: Dispatch): void {
    if (this.advisories.onDispatch(d)) return;
    const jc = this.byNative.get(d.consumerId);
    if (!jc || !this.ctx.isOpen()) return;
    if (d.message !== null && d.deliveryId > 0) jc.delivered.add(d.deliveryId);
    // A message recovered as possibly delivered before (a restart, a failover) is redelivered
    // even on its first delivery by this broker: the Java client's JMSRedelivered is counter > 0.
    const count = Math.max(0, (d.deliveryCount ?? 1) - 1);
    const message = d.message === null ? null : toOpenWire(d.message, {
      version: this.ctx.version(), brokerSequenceId: d.deliveryId, redeliveryCounter: d.redelivered === true && count === 0 ? 1 : count, scratch: this.scratch,
    });
    this.ctx.writeCommand({
      type: DataType.MESSAGE_DISPATCH, commandId: 0, responseRequired: false, consumerId: jc.id,
      destination: message ? message.destination : jc.destination, message, redeliveryCounter: message ? message.redeliveryCounter : 0,
    });
  }
}
