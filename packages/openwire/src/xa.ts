// XA on OpenWire (packages/openwire/README.md, "XA transactions"): a TransactionInfo with an
// XATransactionId becomes the broker's XA command. The Xid travels as text (`ow-xa:` formatId,
// then the two byte strings in hex) so the core needs no OpenWire type, and comes back from
// `recover` parsed into XATransactionIds. Prepare answers with an IntegerResponse (XA_OK or
// XA_RDONLY), recover with a DataArrayResponse; failures are ExceptionResponses carrying a
// javax.transaction.xa.XAException whose message ends in `xaErrorCode:<code>`, which is how the
// Java client's TransactionContext recovers the error code (it rebuilds the exception by class
// name and message only).
import { XaOp, type XaOpValue } from '@wharf/protocol';
import type { Struct } from './codec';
import { OpenWireError } from './errors';
import { DataType } from './schema';

/** javax.transaction.xa.Xid.MAXGTRIDSIZE and MAXBQUALSIZE. */
export const MAX_GTRID = 64;
export const MAX_BQUAL = 64;
const PREFIX = 'ow-xa:';

export const XA_EXCEPTION_CLASS = 'javax.transaction.xa.XAException';

/** TransactionInfo types (TransactionInfo.java). */
export const TxType = { BEGIN: 0, PREPARE: 1, COMMIT_ONE_PHASE: 2, COMMIT_TWO_PHASE: 3, ROLLBACK: 4, RECOVER: 5, FORGET: 6, END: 7 } as const;

/** The broker's text form of an XATransactionId; a malformed one is a fault of the connection. */
export function xaTxKey(o: Struct): string {
  const fmt = o.formatId;
  const g = o.globalTransactionId;
  const b = o.branchQualifier;
  if (typeof fmt !== 'number' || !Number.isInteger(fmt)) throw new OpenWireError('XATransactionId.formatId must be an int');
  if (!(g instanceof Uint8Array) || g.length === 0 || g.length > MAX_GTRID) {
    throw new OpenWireError(`XATransactionId.globalTransactionId must be 1 to ${MAX_GTRID} bytes, got ${g instanceof Uint8Array ? g.length : String(g)}`);
  }
  if (!(b instanceof Uint8Array) || b.length > MAX_BQUAL) {
    throw new OpenWireError(`XATransactionId.branchQualifier must be 0 to ${MAX_BQUAL} bytes, got ${b instanceof Uint8Array ? b.length : String(b)}`);
  }
  return `${PREFIX}${fmt}:${Buffer.from(g).toString('hex')}:${Buffer.from(b).toString('hex')}`;
}

/** The XATransactionId of a text form; null for a branch not begun over OpenWire. */
export function xaTxId(key: string): Struct | null {
  if (!key.startsWith(PREFIX)) return null;
  const m = /^(-?\d+):([0-9a-f]*):([0-9a-f]*)$/.exec(key.slice(PREFIX.length));
  if (!m) return null;
  return { type: DataType.XA_TRANSACTION_ID, formatId: Number(m[1]), globalTransactionId: Buffer.from(m[2]!, 'hex'), branchQualifier: Buffer.from(m[3]!, 'hex') };
}

/** The broker's XA operation for a TransactionInfo type (BEGIN included). */
export function xaOperation(txType: number): { op: XaOpValue; onePhase?: boolean } {
  switch (txType) {
    case TxType.BEGIN: return { op: XaOp.BEGIN };
    case TxType.END: return { op: XaOp.END };
    case TxType.PREPARE: return { op: XaOp.PREPARE };
    case TxType.COMMIT_ONE_PHASE: return { op: XaOp.COMMIT, onePhase: true };
    case TxType.COMMIT_TWO_PHASE: return { op: XaOp.COMMIT, onePhase: false };
    case TxType.ROLLBACK: return { op: XaOp.ROLLBACK };
    case TxType.FORGET: return { op: XaOp.FORGET };
    case TxType.RECOVER: return { op: XaOp.RECOVER };
    default: throw new OpenWireError(`unknown TransactionInfo type ${txType}`);
  }
}

/** The answer to PREPARE (IntegerResponse) or RECOVER (DataArrayResponse) from the broker's receipt data. */
export function xaResponse(op: XaOpValue, correlationId: number, data: unknown): Struct | null {
  if (op === XaOp.PREPARE) {
    return { type: DataType.INTEGER_RESPONSE, commandId: 0, responseRequired: false, correlationId, result: typeof data === 'number' ? data : 0 };
  }
  if (op === XaOp.RECOVER) {
    const xids: Struct[] = [];
    if (Array.isArray(data)) for (const k of data) if (typeof k === 'string') { const x = xaTxId(k); if (x) xids.push(x); }
    return { type: DataType.DATA_ARRAY_RESPONSE, commandId: 0, responseRequired: false, correlationId, data: xids };
  }
  return null;
}
