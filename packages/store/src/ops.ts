// Checks shared by every store, so both refuse the same malformed batch the same way and a
// batch is refused whole, before any of it is applied.
import { StoreError } from '@wharf/protocol';
import { OpType, type Position, type StoreOp } from './types';

function name(s: unknown, what: string): void {
  if (typeof s !== 'string' || s.length === 0) throw new StoreError(`${what} must be a non-empty string`);
  if (s.indexOf('\0') !== -1) throw new StoreError(`${what} must not contain a NUL character: ${JSON.stringify(s)}`);
}

function seq(n: unknown, what: string): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new StoreError(`${what} must be a non-negative safe integer, got ${String(n)}`);
  }
}

export function validateOps(ops: readonly StoreOp[]): void {
  if (!Array.isArray(ops)) throw new StoreError('store ops must be an array');
  for (const op of ops) {
    switch (op?.t) {
      case OpType.PUT_MESSAGE:
        name(op.dest, 'PUT_MESSAGE dest');
        seq(op.seq, 'PUT_MESSAGE seq');
        if (op.msg === null || typeof op.msg !== 'object') throw new StoreError('PUT_MESSAGE msg must be a message');
        if (typeof op.msg.producerId !== 'string') throw new StoreError('PUT_MESSAGE msg.producerId must be a string');
        if (op.msg.producerId.indexOf('\0') !== -1) throw new StoreError('PUT_MESSAGE msg.producerId must not contain a NUL character');
        if (op.subs) for (const s of op.subs) name(s, 'PUT_MESSAGE subscription key');
        break;
      case OpType.REMOVE_MESSAGE:
        name(op.dest, 'REMOVE_MESSAGE dest');
        seq(op.seq, 'REMOVE_MESSAGE seq');
        break;
      case OpType.PUT_SUBSCRIPTION:
        name(op.dest, 'PUT_SUBSCRIPTION dest');
        name(op.sub?.key, 'PUT_SUBSCRIPTION sub.key');
        break;
      case OpType.REMOVE_SUBSCRIPTION:
        name(op.dest, 'REMOVE_SUBSCRIPTION dest');
        name(op.key, 'REMOVE_SUBSCRIPTION key');
        break;
      case OpType.ACK_SUBSCRIPTION:
        name(op.dest, 'ACK_SUBSCRIPTION dest');
        name(op.key, 'ACK_SUBSCRIPTION key');
        seq(op.seq, 'ACK_SUBSCRIPTION seq');
        break;
      case OpType.PUT_JOB:
        name(op.job?.id, 'PUT_JOB job.id');
        if (typeof op.job.due !== 'number' || !Number.isFinite(op.job.due)) throw new StoreError('PUT_JOB job.due must be a finite number');
        break;
      case OpType.REMOVE_JOB:
        name(op.id, 'REMOVE_JOB id');
        if (typeof op.due !== 'number' || !Number.isFinite(op.due)) throw new StoreError('REMOVE_JOB due must be a finite number');
        break;
      case OpType.PUT_DESTINATION:
        name(op.dest?.url, 'PUT_DESTINATION dest.url');
        break;
      case OpType.REMOVE_DESTINATION:
        name(op.url, 'REMOVE_DESTINATION url');
        break;
      case OpType.MARK_DELIVERED:
        name(op.dest, 'MARK_DELIVERED dest');
        seq(op.seq, 'MARK_DELIVERED seq');
        if (op.key !== undefined && op.key !== '') name(op.key, 'MARK_DELIVERED key');
        break;
      case OpType.PUT_PREPARED: {
        const tx = op.tx;
        if (tx === null || typeof tx !== 'object') throw new StoreError('PUT_PREPARED tx must be a prepared transaction');
        name(tx.xid, 'PUT_PREPARED tx.xid');
        if (!Array.isArray(tx.sends) || !Array.isArray(tx.acks)) throw new StoreError('PUT_PREPARED tx.sends and tx.acks must be arrays');
        for (const m of tx.sends) if (m === null || typeof m !== 'object') throw new StoreError('PUT_PREPARED tx.sends must be messages');
        for (const a of tx.acks) {
          name(a?.dest, 'PUT_PREPARED ack dest');
          seq(a.seq, 'PUT_PREPARED ack seq');
          if (a.key !== undefined) name(a.key, 'PUT_PREPARED ack key');
        }
        break;
      }
      case OpType.REMOVE_PREPARED:
        name(op.xid, 'REMOVE_PREPARED xid');
        break;
      default:
        throw new StoreError(`unknown store op type ${String((op as { t?: unknown } | null)?.t)}`);
    }
  }
}

export function validatePosition(p: Position): void {
  if (!p || !Number.isInteger(p.epoch) || p.epoch < 0 || p.epoch > 0xffffffff || !Number.isSafeInteger(p.index) || p.index < 0) {
    throw new StoreError(`invalid position ${p ? `${String(p.epoch)}:${String(p.index)}` : String(p)}`);
  }
}

export function formatPosition(p: Position): string {
  return `${p.epoch}:${p.index}`;
}

/** Jobs sort by due time cut to whole non-negative milliseconds, as their keys do. */
export function jobDue(due: number): number {
  return due > 0 ? Math.floor(due) : 0;
}
