// OpenWire TransactionInfo for one connection. Local transactions run on the native TX_SESSION,
// named by the client on every send and ack; a transaction's acks count only once it commits
// (after a rollback the Java client acks the same deliveries again).
import { CommandType, JMSError } from '@wharf/protocol';
import type { Struct } from './codec';
import { DataType } from './schema';
import { OpenWireError } from './errors';
import { TX_SESSION, txKey, type OwContext } from './context';

/** TransactionInfo types (TransactionInfo.java). */
export const Tx = { BEGIN: 0, PREPARE: 1, COMMIT_ONE_PHASE: 2, COMMIT_TWO_PHASE: 3, ROLLBACK: 4, RECOVER: 5, FORGET: 6, END: 7 } as const;

/** Deliveries a transaction consumed, dropped from their consumer's in-flight set at commit. */
interface TxAck {
  delivered: Set<number>;
  ids: number[];
}

export class Transactions {
  private readonly acks = new Map<string, TxAck[]>();

  constructor(private readonly ctx: OwContext) {}

  /** A consuming ack inside transaction `txId`. */
  recordAck(txId: string, delivered: Set<number>, ids: number[]): void {
    let l = this.acks.get(txId);
    if (!l) this.acks.set(txId, (l = []));
    l.push({ delivered, ids });
  }

  onTransaction(c: Struct, answer: number): void {
    const ctx = this.ctx;
    ctx.requireOpen();
    const txId = txKey(c.transactionId);
    if (!txId) throw new OpenWireError('TransactionInfo without a transaction id');
    if ((c.transactionId as Struct).type !== DataType.LOCAL_TRANSACTION_ID) {
      throw new JMSError('XA transactions are not supported by this broker');
    }
    switch (Number(c.txType)) {
      case Tx.BEGIN:
        ctx.conn.handle({ type: CommandType.TX_BEGIN, sessionId: TX_SESSION, txId, ...(answer >= 0 ? { corr: ctx.expect(answer) } : {}) });
        return;
      case Tx.COMMIT_ONE_PHASE:
      case Tx.COMMIT_TWO_PHASE:
        ctx.conn.handle({
          type: CommandType.TX_COMMIT, sessionId: TX_SESSION, txId,
          corr: ctx.expect(answer, () => {
            for (const a of this.acks.get(txId) ?? []) for (const d of a.ids) a.delivered.delete(d);
            this.acks.delete(txId);
          }, () => this.acks.delete(txId)),
        });
        return;
      case Tx.ROLLBACK:
        this.acks.delete(txId);
        ctx.conn.handle({ type: CommandType.TX_ROLLBACK, corr: ctx.expect(answer), sessionId: TX_SESSION, txId });
        return;
      case Tx.END:
      case Tx.FORGET:
        return ctx.answerOk(answer);
      default:
        throw new JMSError(`transaction operation ${String(c.txType)} is not supported for local transactions`);
    }
  }
}
