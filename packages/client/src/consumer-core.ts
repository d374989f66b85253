// The state of a MessageConsumer and the parts that talk to the broker: acknowledgements
// (batched for AUTO/DUPS_OK, delivered reports at half the window, CLIENT/INDIVIDUAL acks that
// wait for the broker), the link dropping (failover), and closing. consumer.ts builds the
// application-facing consumer (receive, listener, client-side redelivery) on it.
import { ConnectionClosedError, type AckTypeValue, type Command, type RedeliveryPolicyData } from '@wharf/protocol';
import { AckMode, AckType, CommandType } from './wire';
import type { Session } from './session';
import type { Destination } from './destinations';
import type { Message } from './messages/index';
import { MessageBuffer } from './buffer';
import { AckBatcher } from './acks';
import type { ConsumerSpec, MessageConsumer, MessageListener } from './consumer';

/** The broker-facing half of MessageConsumer (consumer.ts). */
export abstract class ConsumerCore {
  /** @internal */ opened = false;
  /** @internal */ inReady = false;
  protected closed = false;
  protected closingLocally = false;
  protected listener: MessageListener | null = null;
  protected readonly buf = new MessageBuffer();
  protected waiters: Array<() => void> = [];
  protected receiving = 0;
  protected readonly acks: AckBatcher;
  protected pausedUntil = 0;
  protected pauseTimer: NodeJS.Timeout | null = null;
  protected brokerRedelivery: RedeliveryPolicyData | null = null;
  // prefetch 0: one PULL at a time; a null DISPATCH answers it.
  protected pullOutstanding = false;
  protected pullGen = 0;
  protected emptyPullGen = 0;
  protected readonly ackMode: number;

  /** @internal Use session.createConsumer(). */
  constructor(protected readonly session: Session, /** @internal */ readonly id: number, readonly destination: Destination, protected readonly spec: ConsumerSpec) {
    this.ackMode = session.ackMode;
    this.acks = new AckBatcher({
      sendAck: (type, ids) => this.sendAck(type, ids),
      ackLater: () => session.connection.ackLater(this),
    }, this.ackMode === AckMode.DUPS_OK_ACKNOWLEDGE, Math.max(1, spec.prefetch >> 1));
  }

  /** @internal Wake receive() calls and the listener: something changed. */
  protected abstract notify(): void;

  /** This consumer as the session knows it. */
  private get self(): MessageConsumer {
    return this as unknown as MessageConsumer;
  }

  // ---- acknowledgement --------------------------------------------------------------------

  /** A message goes to the application: record it as the acknowledge mode wants. */
  protected deliveredToApp(m: Message, viaListener = false): Message {
    switch (this.ackMode) {
      case AckMode.AUTO_ACKNOWLEDGE:
      case AckMode.DUPS_OK_ACKNOWLEDGE:
        if (!viaListener) this.consumed(m);
        break;
      default:
        if (this.ackMode === AckMode.SESSION_TRANSACTED) this.session.currentTxId();
        this.session.delivered.add(m);
        this.reportDelivered(m);
    }
    return m;
  }

  /** Consumed in AUTO/DUPS_OK mode: acknowledge in a batch. */
  protected consumed(m: Message): void {
    if (m._epoch !== this.session.connection.channel.epoch || this.closed) return;
    this.acks.consumedOne(m._deliveryId);
  }

  /** Delivered but not consumed: tell the broker at half the window so it keeps sending. */
  protected reportDelivered(m: Message): void {
    if (this.spec.prefetch === 0 || m._epoch !== this.session.connection.channel.epoch) return;
    this.acks.deliveredOne(m._deliveryId);
  }

  /** @internal Send the batched acknowledgements. */
  flushAcks(): void {
    this.acks.flush();
  }

  protected sendAck(ackType: AckTypeValue, deliveryIds: number[], cause?: string, txId?: string): void {
    const cmd: Command = { type: CommandType.ACK, consumerId: this.id, ackType, deliveryIds };
    if (cause !== undefined) cmd.cause = cause;
    if (txId !== undefined) cmd.txId = txId;
    this.session.connection.oneway(cmd);
  }

  protected currentEpochIds(ms: Message[]): number[] {
    const epoch = this.session.connection.channel.epoch;
    const ids: number[] = [];
    for (const m of ms) if (m._epoch === epoch) ids.push(m._deliveryId);
    return ids;
  }

  /** @internal CLIENT/INDIVIDUAL acknowledge: consumed, and wait for the broker. */
  async ackNow(ms: Message[], individual = false): Promise<void> {
    const ids = this.currentEpochIds(ms);
    if (ids.length === 0) return;
    const cmd: Command = { type: CommandType.ACK, corr: 0, consumerId: this.id, ackType: individual ? AckType.INDIVIDUAL : AckType.STANDARD, deliveryIds: ids };
    await this.session.connection.request(cmd, 'resolve');
  }

  /** @internal commit(): this consumer's part of the transaction. */
  ackInTransaction(ms: Message[], txId: string): void {
    const ids = this.currentEpochIds(ms);
    if (ids.length) this.sendAck(AckType.STANDARD, ids, undefined, txId);
  }

  /** MessageAcknowledger: message.acknowledge(). */
  acknowledgeMessage(m: Message): Promise<void> {
    return this.session.acknowledgeOne(m);
  }

  // ---- failover ---------------------------------------------------------------------------

  /** @internal The link dropped: prefetched messages are gone (the broker sends them again). */
  onInterrupted(): void {
    this.buf.drain();
    this.acks.clear();
    this.pullOutstanding = false;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.pausedUntil = 0;
    this.notify();
  }

  // ---- closing ----------------------------------------------------------------------------

  /** Close: prefetched messages go back to the broker unchanged; receive() returns null. */
  async close(): Promise<void> {
    if (this.closed || this.closingLocally) return;
    if (this.session.deferClose(this.self)) {
      // JMS: a consumer closed inside a transaction still takes part in its commit/rollback.
      this.closingLocally = true;
      this.releaseBuffered();
      this.notify();
      return;
    }
    this.closeLocal(true);
    await this.finishClose();
  }

  /** @internal Ask the broker to close it (after closeLocal). */
  async finishClose(): Promise<void> {
    const conn = this.session.connection;
    this.closed = true;
    if (conn.canTalk() && !this.session.isClosed()) {
      try {
        await conn.request({ type: CommandType.CONSUMER_CLOSE, corr: 0, consumerId: this.id }, 'resolve');
      } catch (err) {
        if (!(err instanceof ConnectionClosedError)) throw err;
      }
    }
    conn.dispatchTargets.delete(this.id);
    this.session.consumers.delete(this.self);
  }

  /** @internal Stop locally; with `tellBroker`, flush acks and release the prefetched messages. */
  closeLocal(tellBroker: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.listener = null;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    if (tellBroker && this.session.connection.canTalk()) {
      // Closed from its own listener: the message in hand counts as consumed (ActiveMQ's
      // dispose() acknowledges what was delivered), so it is not delivered again.
      const cur = this.session.current;
      const auto = this.ackMode === AckMode.AUTO_ACKNOWLEDGE || this.ackMode === AckMode.DUPS_OK_ACKNOWLEDGE;
      if (auto && cur && cur._acker === this && !cur._recovered && cur._epoch === this.session.connection.channel.epoch) {
        this.acks.consumedOne(cur._deliveryId);
      }
      this.acks.flush();
      this.releaseBuffered();
    }
    this.acks.clear();
    this.buf.drain();
    for (const m of this.session.delivered) if (m._acker === this) this.session.delivered.delete(m);
    this.notify();
  }

  /** Prefetched, never delivered: back to the broker as they were (RELEASE). */
  protected releaseBuffered(): void {
    const epoch = this.session.connection.channel.epoch;
    const ids: number[] = [];
    for (const m of this.buf.drain()) {
      // Messages given back by a rollback were delivered: the broker redelivers those.
      if (!m._returned && m._epoch === epoch) ids.push(m._deliveryId);
    }
    if (ids.length) this.sendAck(AckType.RELEASE, ids);
  }
}
