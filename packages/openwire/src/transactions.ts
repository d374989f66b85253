// OpenWire TransactionInfo for one connection. Local transactions run on the native TX_SESSION,
// named by the client on every send and ack; a transaction's acks count only once it commits
// (after a rollback the Java client acks the same deliveries again). XA transactions (an
// XATransactionId, or RECOVER) become the broker's XA command (xa.ts).
import { CommandType, JMSError, XaOp } from '@wharf/protocol';
import type { Struct } from './codec';
import { DataType } from './schema';
import { OpenWireError } from './errors';
import { TX_SESSION, txKey, type OwContext } from './context';
import { TxType as Tx, xaOperation, xaResponse } from './xa';


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
    const txType = Number(c.txType);
    // RECOVER names no transaction.
    const txId = txType === Tx.RECOVER ? undefined : txKey(c.transactionId);
    if (txType === Tx.RECOVER || (c.transactionId as Struct | null)?.type === DataType.XA_TRANSACTION_ID) return this.onXa(txType, txId, answer);
    if (!txId) throw new OpenWireError('TransactionInfo without a transaction id');
    switch (txType) {
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

  /** An XA TransactionInfo (README.md, "XA transactions"). */
  private onXa(txType: number, txId: string | undefined, answer: number): void {
    const { op, onePhase } = xaOperation(txType);
    const settle = (consumed: boolean): void => {
      if (!txId) return;
      if (consumed) for (const a of this.acks.get(txId) ?? []) for (const d of a.ids) a.delivered.delete(d);
      this.acks.delete(txId);
    };
    let then: (() => void) | undefined;
    if (op === XaOp.COMMIT) then = () => settle(true);
    else if (op === XaOp.ROLLBACK || op === XaOp.FORGET) then = () => settle(false);
    const reply = op === XaOp.PREPARE || op === XaOp.RECOVER ? (data: unknown): Struct => xaResponse(op, answer, data)! : undefined;
    this.ctx.conn.handle({
      type: CommandType.XA, op, ...(txId !== undefined ? { txId } : {}), ...(onePhase !== undefined ? { onePhase } : {}),
      corr: this.ctx.expect(answer, then, undefined, reply),
    });
  }
}
