// Acknowledgements and local transactions on a server connection. A transacted send is held
// until commit; a transacted ack marks its entry, which is consumed (store ops) at commit in the
// same write as the transaction's sends.
import {
  AckMode, AckType, ErrorCode, IllegalStateError, JMSError, ProtocolError, TransactionRolledBackError, type Ack, type WireMessage,
} from '@wharf/protocol';
import type { StoreOp } from '@wharf/store';
import type { Broker } from '../broker';
import type { ServerConnection } from '../connection';
import { EntryState, type Entry } from '../entry';
import type { RoutePlan } from '../router';
import { settleAck } from '../ack-settle';
import type { MessageSource } from '../source';

/** One open local transaction of a connection. */
export interface Tx {
  sessionId: number;
  sends: WireMessage[];
  acks: Entry[];
  /** Memory the sends hold until commit or rollback (accounted in broker.memory). */
  bytes: number;
  /** Why a send of this transaction was refused: its commit rolls back instead. */
  failed?: string;
}

export function onAck(conn: ServerConnection, cmd: Ack): void {
  const c = conn.consumers.get(cmd.consumerId);
  if (!c) throw new JMSError(`acknowledgement for unknown consumer ${cmd.consumerId}`, ErrorCode.UNKNOWN_MESSAGE);
  if (!Array.isArray(cmd.deliveryIds)) throw new ProtocolError('ACK needs deliveryIds');
  c.lastAckAt = Date.now();
  const entries: Entry[] = [];
  const unknown: number[] = [];
  for (const id of cmd.deliveryIds) {
    const e = c.inflight.get(id);
    if (e) entries.push(e);
    else unknown.push(id);
  }
  const consuming = cmd.ackType === AckType.STANDARD || cmd.ackType === AckType.INDIVIDUAL;
  if (cmd.txId && consuming) {
    const tx = txFor(conn, cmd.txId, c.sessionId);
    for (const e of entries) {
      if (e.txId) continue;
      e.txId = cmd.txId;
      tx.acks.push(e);
      if (!e.deliveredAcked) {
        e.deliveredAcked = true;
        c.outstanding--;
      }
    }
    for (const s of c.sources) s.scheduleDispatch();
    if (unknown.length === 0) conn.receipt(cmd.corr);
  } else {
    const ops: StoreOp[] = [];
    for (const [src, list] of groupBySource(entries)) settleAck(src, cmd.ackType, list, cmd.cause, ops);
    const p = conn.broker.commitAcks(ops);
    if (cmd.corr !== undefined && unknown.length === 0) {
      const corr = cmd.corr;
      if (p) p.then(() => conn.receipt(corr), (err) => conn.sendError(err, corr));
      else conn.receipt(corr);
    }
  }
  // The known deliveries were handled; the answer names the unknown ones.
  if (unknown.length) {
    throw new JMSError(`acknowledgement of unknown message delivery ${unknown.slice(0, 5).join(',')} on consumer ${cmd.consumerId}`, ErrorCode.UNKNOWN_MESSAGE);
  }
}

export function txFor(conn: ServerConnection, txId: string, sessionId: number): Tx {
  if (typeof txId !== 'string' || !txId) throw new ProtocolError('transaction id is required');
  let tx = conn.txs.get(txId);
  if (!tx) {
    tx = { sessionId, sends: [], acks: [], bytes: 0 };
    conn.txs.set(txId, tx);
  }
  return tx;
}

/** Give back the memory an ended transaction's sends held. */
export function releaseTx(conn: ServerConnection, tx: Tx): void {
  conn.broker.memory.release(tx.bytes);
  tx.bytes = 0;
}

function checkTransacted(conn: ServerConnection, sessionId: number, txId: string): void {
  if (conn.broker.xa.has(txId)) throw new IllegalStateError(`transaction ${txId} is an XA branch: it ends with XA commit or rollback`);
  const s = conn.sessions.get(sessionId);
  if (!s) throw new IllegalStateError(`session ${sessionId} is not open`);
  if (s.ackMode !== AckMode.SESSION_TRANSACTED) throw new IllegalStateError(`Not a transacted session (session ${sessionId})`);
}

export function onCommit(conn: ServerConnection, corr: number, sessionId: number, txId: string): void {
  checkTransacted(conn, sessionId, txId);
  const tx = conn.txs.get(txId);
  conn.txs.delete(txId);
  if (!tx) {
    conn.receipt(corr);
    return;
  }
  // The routed copies are accounted by the destinations they go to.
  releaseTx(conn, tx);
  if (tx.failed !== undefined) {
    for (const e of tx.acks) if (e.txId === txId) e.txId = null;
    throw new TransactionRolledBackError(`transaction ${txId} was rolled back: one of its sends was refused (${tx.failed})`);
  }
  const p = commitWork(conn.broker, conn, txId, tx, []);
  if (p) {
    p.then(() => conn.receipt(corr), (err) => {
      for (const e of tx.acks) if (e.txId === txId) e.txId = null;
      conn.sendError(err, corr);
    });
  } else conn.receipt(corr);
}

/**
 * Route a transaction's sends and consume the entries its acks hold, in one store write with
 * `extraOps` (the write that makes the commit durable). `origin`: the committing connection
 * (null: the broker's administration). `dedupe` false: the sends were accepted once already (a
 * prepared XA branch), so the producer's later stored sends must not make them look resent.
 */
export function commitWork(b: Broker, origin: ServerConnection | null, txId: string, tx: Tx, extraOps: StoreOp[], dedupe = true): Promise<void> | undefined {
  const plans: RoutePlan[] = [];
  for (const m of tx.sends) {
    if (dedupe && b.audit.isDuplicateInTransaction(m.producerId, m.producerSeq)) continue;
    plans.push(b.router.plan(m, origin));
  }
  const ops: StoreOp[] = [];
  for (const [src, list] of groupBySource(tx.acks.filter((e) => e.state === EntryState.INFLIGHT && e.txId === txId))) {
    src.consume(list, ops);
  }
  for (const op of extraOps) ops.push(op);
  return b.executePlan(b.router.merge(plans.length ? plans : [{ ops: [], sources: [], entries: [], after: [] }]), undefined, ops);
}

export function onRollback(conn: ServerConnection, corr: number, sessionId: number, txId: string): void {
  checkTransacted(conn, sessionId, txId);
  const tx = conn.txs.get(txId);
  conn.txs.delete(txId);
  if (tx) releaseTx(conn, tx);
  // Acked-in-transaction messages stay with the consumer: the client redelivers them
  // itself (ActiveMQ's client-side redelivery) and acks them again in its next transaction.
  if (tx) for (const e of tx.acks) if (e.txId === txId) e.txId = null;
  conn.receipt(corr);
}

/** Forget a closing session's transactions (their acked entries go back to plain in-flight). */
export function dropSessionTransactions(conn: ServerConnection, sessionId: number): void {
  for (const [id, tx] of [...conn.txs]) {
    if (tx.sessionId === sessionId) {
      for (const e of tx.acks) if (e.txId === id) e.txId = null;
      releaseTx(conn, tx);
      conn.txs.delete(id);
    }
  }
}

export function groupBySource(entries: Iterable<Entry>): Map<MessageSource, Entry[]> {
  const m = new Map<MessageSource, Entry[]>();
  for (const e of entries) {
    let l = m.get(e.source);
    if (!l) m.set(e.source, (l = []));
    l.push(e);
  }
  return m;
}
