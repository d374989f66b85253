// XA transaction branches (docs/ARCHITECTURE.md, invariant 2), with ActiveMQ's states and XAException codes.
// An active branch is a transaction of the connection that began it (its sends and acks go
// through the same Tx as a local transaction's); prepare writes the branch's sends and the
// messages its acks consume to the store as a prepared record, and from then on the branch
// belongs to the broker: any connection may commit, roll back or list it, it survives the
// connection, a restart and (the record is a store write like any other) a failover. The
// messages a prepared branch acknowledged stay reserved for it: never redelivered to anyone
// until it is rolled back. As on ActiveMQ, the broker never decides a prepared branch's outcome
// on its own (no timeout, no heuristic completion): the transaction manager does, or an
// administrator (decidePrepared, ActiveMQ's heuristicCommit / heuristicRollback).
import {
  isPersistent, ProtocolError, XaCode, XAError, XaOp, type WireMessage, type XaCommand,
} from '@wharf/protocol';
import { OpType, type PreparedAck, type PreparedRecord, type StoreOp } from '@wharf/store';
import type { Broker } from '../broker';
import type { ServerConnection } from '../connection';
import { Entry, EntryState } from '../entry';
import { Queue } from '../queue';
import { DurableSubscription } from '../topic';
import { commitWork, groupBySource, txFor, type Tx } from './transactions';

/** One XA transaction branch the broker knows (active or prepared). */
export interface XaBranch {
  readonly xid: string;
  prepared: boolean;
  /** The connection an active branch runs on: closing it rolls the branch back, as in ActiveMQ. */
  owner: ServerConnection | null;
  tx: Tx;
}

export function onXa(conn: ServerConnection, cmd: XaCommand): void {
  const b = conn.broker;
  if (cmd.op === XaOp.RECOVER) {
    conn.receipt(cmd.corr, [...b.xa.values()].filter((br) => br.prepared).map((br) => br.xid).sort());
    return;
  }
  const xid = cmd.txId;
  if (typeof xid !== 'string' || xid === '') throw new ProtocolError('XA command needs a txId');
  switch (cmd.op) {
    case XaOp.BEGIN: return begin(conn, cmd.corr, xid);
    // Nothing to do: END only keeps the client in step before a commit from elsewhere.
    case XaOp.END: return conn.receipt(cmd.corr);
    case XaOp.PREPARE: return prepare(conn, cmd.corr, xid);
    case XaOp.COMMIT: return commit(conn, cmd.corr, xid, cmd.onePhase === true);
    // ActiveMQ forgets a branch by rolling it back.
    case XaOp.ROLLBACK:
    case XaOp.FORGET: return rollback(conn, cmd.corr, xid);
    default: throw new ProtocolError(`unknown XA operation ${String(cmd.op)}`);
  }
}

function branchOf(b: Broker, xid: string): XaBranch {
  const br = b.xa.get(xid);
  if (!br) throw new XAError(`Transaction '${xid}' has not been started.`, XaCode.XAER_NOTA);
  return br;
}

function begin(conn: ServerConnection, corr: number, xid: string): void {
  const b = conn.broker;
  const br = b.xa.get(xid);
  if (br) {
    // A client replaying its state (or joining its own branch again) begins what it has.
    if (br.owner === conn && !br.prepared) return conn.receipt(corr);
    throw new XAError(`Transaction '${xid}' has already been started.`, XaCode.XAER_DUPID);
  }
  const local = conn.txs.get(xid);
  if (local && local.sessionId !== -1) throw new XAError(`Transaction '${xid}' is a local transaction of this connection.`, XaCode.XAER_DUPID);
  // Sends the client made before its (asynchronous) BEGIN arrived are already in the Tx.
  b.xa.set(xid, { xid, prepared: false, owner: conn, tx: txFor(conn, xid, -1) });
  conn.receipt(corr);
}

/** Forget an active branch: its acks go back to plain in-flight deliveries (the client redelivers). */
function dropActive(b: Broker, br: XaBranch): void {
  b.xa.delete(br.xid);
  br.owner?.txs.delete(br.xid);
  br.owner = null;
  releaseBranch(b, br);
  for (const e of br.tx.acks) if (e.txId === br.xid) e.txId = null;
}

function releaseBranch(b: Broker, br: XaBranch): void {
  b.memory.release(br.tx.bytes);
  br.tx.bytes = 0;
}

function liveAcks(br: XaBranch): Entry[] {
  return br.tx.acks.filter((e) => e.state === EntryState.INFLIGHT && e.txId === br.xid);
}

function prepare(conn: ServerConnection, corr: number, xid: string): void {
  const b = conn.broker;
  // As ActiveMQ answers: not an XAER_NOTA here, and a repeated prepare (a client replaying its
  // state after failover) gets the first one's result again.
  const br = b.xa.get(xid);
  if (!br) throw new XAError(`Cannot prepare a transaction that had not been started or previously returned XA_RDONLY: ${xid}`, XaCode.XAER_RMFAIL);
  if (br.prepared) return conn.receipt(corr, XaCode.XA_OK);
  const tx = br.tx;
  if (tx.failed !== undefined) {
    dropActive(b, br);
    throw new XAError(`PRE-PREPARE FAILED: Transaction rolled back (${tx.failed})`, XaCode.XA_RBOTHER);
  }
  const acks = liveAcks(br);
  if (tx.sends.length === 0 && acks.length === 0) {
    dropActive(b, br);
    return conn.receipt(corr, XaCode.XA_RDONLY);
  }
  br.owner?.txs.delete(xid);
  br.owner = null;
  br.prepared = true;
  tx.acks = acks;
  // Non-persistent sends stay in memory only: like any non-persistent message, a restart drops them.
  const record: PreparedRecord = { xid, sends: tx.sends.filter(isPersistent), acks: acks.filter((e) => e.stored).map(ackRef), preparedAt: Date.now() };
  b.store.commit([{ t: OpType.PUT_PREPARED, tx: record }], { sync: true }).then(
    () => conn.receipt(corr, XaCode.XA_OK),
    (err: Error) => {
      // Not durable, so not prepared: the branch is rolled back.
      if (b.xa.get(xid) === br) {
        b.xa.delete(xid);
        unreserve(br);
        endPrepared(b, br);
      }
      conn.sendError(new XAError(`PRE-PREPARE FAILED: Transaction rolled back (${err.message})`, XaCode.XA_RBOTHER), corr);
    },
  );
}

function ackRef(e: Entry): PreparedAck {
  return e.source instanceof DurableSubscription ? { dest: e.storeDest, seq: e.seq, key: e.source.subKey } : { dest: e.source.destination.url, seq: e.seq };
}

function commit(conn: ServerConnection, corr: number, xid: string, onePhase: boolean): void {
  const b = conn.broker;
  const br = branchOf(b, xid);
  if (!br.prepared) {
    if (!onePhase) throw new XAError('Cannot do 2 phase commit if the transaction has not been prepared', XaCode.XAER_PROTO);
    const tx = br.tx;
    if (tx.failed !== undefined) {
      dropActive(b, br);
      throw new XAError(`PRE-PREPARE FAILED: Transaction rolled back (${tx.failed})`, XaCode.XA_RBOTHER);
    }
    b.xa.delete(xid);
    br.owner?.txs.delete(xid);
    br.owner = null;
    releaseBranch(b, br);
    answer(conn, corr, commitWork(b, conn, xid, tx, []), () => {
      for (const e of tx.acks) if (e.txId === xid) e.txId = null;
      return new XAError('STORE COMMIT FAILED: Transaction rolled back', XaCode.XA_RBCOMMFAIL);
    });
    return;
  }
  answer(conn, corr, completePrepared(b, br, true, conn), (err) => new XAError(`STORE COMMIT FAILED: ${err.message}`, XaCode.XAER_RMFAIL));
}

/**
 * Commit or roll back a prepared branch. The prepared record stays in the store if the write
 * fails: a restart lists the branch again.
 */
function completePrepared(b: Broker, br: XaBranch, commit: boolean, origin: ServerConnection | null): Promise<void> | undefined {
  b.xa.delete(br.xid);
  unreserve(br);
  const remove: StoreOp = { t: OpType.REMOVE_PREPARED, xid: br.xid };
  if (commit) {
    releaseBranch(b, br);
    return commitWork(b, origin, br.xid, br.tx, [remove], false);
  }
  endPrepared(b, br);
  return b.store.commit([remove], { sync: true }).then(() => undefined);
}

/** The branch ends: its messages no consumer holds stop being counted as reserved. */
function unreserve(br: XaBranch): void {
  for (const e of liveAcks(br)) if (!e.consumer) e.source.reserved--;
}

/** A prepared branch as the administration sees it. */
export interface PreparedBranchInfo {
  xid: string;
  /** Messages it sends when committed. */
  sends: number;
  /** Messages it consumes when committed (reserved until then). */
  acks: number;
}

export function preparedBranches(b: Broker): PreparedBranchInfo[] {
  const out: PreparedBranchInfo[] = [];
  for (const br of b.xa.values()) if (br.prepared) out.push({ xid: br.xid, sends: br.tx.sends.length, acks: liveAcks(br).length });
  return out.sort((x, y) => (x.xid < y.xid ? -1 : x.xid > y.xid ? 1 : 0));
}

/**
 * An administrator decides a prepared branch (ActiveMQ's heuristicCommit / heuristicRollback
 * of a recovered XA transaction): false when no such prepared branch exists. The transaction
 * manager's own commit or rollback later finds the xid unknown (XAER_NOTA).
 */
export async function decidePrepared(b: Broker, xid: string, commit: boolean): Promise<boolean> {
  const br = b.xa.get(xid);
  if (!br?.prepared) return false;
  b.log.warn({ xid, outcome: commit ? 'commit' : 'rollback' }, 'prepared XA transaction completed by an administrator');
  await completePrepared(b, br, commit, null);
  return true;
}

function rollback(conn: ServerConnection, corr: number, xid: string): void {
  const b = conn.broker;
  const br = branchOf(b, xid);
  if (!br.prepared) {
    dropActive(b, br);
    return conn.receipt(corr);
  }
  answer(conn, corr, completePrepared(b, br, false, conn), (err) => new XAError(`rollback failed: ${err.message}`, XaCode.XAER_RMFAIL));
}

/**
 * A prepared branch ends without committing: its reserved messages are available again. Those
 * still with the consumer that received them stay there (its client redelivers them, as after a
 * local rollback); the others go back to their destinations, marked redelivered.
 */
function endPrepared(b: Broker, br: XaBranch): void {
  releaseBranch(b, br);
  const back: Entry[] = [];
  for (const e of liveAcks(br)) {
    e.txId = null;
    if (!e.consumer || e.consumer.closed) back.push(e);
  }
  for (const [src, list] of groupBySource(back)) src.redeliver(list);
}

function answer(conn: ServerConnection, corr: number, p: Promise<unknown> | undefined, fail: (err: Error) => XAError): void {
  if (!p) return conn.receipt(corr);
  p.then(() => conn.receipt(corr), (err: Error) => conn.sendError(fail(err), corr));
}

/** A connection closed: its active branches are rolled back (prepared ones are the broker's). */
export function dropConnectionBranches(conn: ServerConnection): void {
  const b = conn.broker;
  for (const br of [...b.xa.values()]) if (br.owner === conn && !br.prepared) dropActive(b, br);
}

/** Is this in-flight entry reserved by a prepared branch (not to be redelivered on consumer close)? */
export function heldByPrepared(b: Broker, e: Entry): boolean {
  return e.txId !== null && b.xa.get(e.txId)?.prepared === true;
}

/**
 * Restore the prepared branches of a store being recovered. Queue messages they acknowledged
 * are read now and held (the queue's paging skips them); durable subscription messages are
 * returned by key `dest\0subKey\0seq`, for recoverBroker to hold instead of enqueueing.
 */
export async function restorePrepared(b: Broker, records: PreparedRecord[]): Promise<Map<string, XaBranch>> {
  const durable = new Map<string, XaBranch>();
  for (const rec of records) {
    const tx: Tx = { sessionId: -1, sends: rec.sends as WireMessage[], acks: [], bytes: 0 };
    const br: XaBranch = { xid: rec.xid, prepared: true, owner: null, tx };
    b.xa.set(rec.xid, br);
    for (const a of rec.acks) {
      if (a.key !== undefined) {
        durable.set(`${a.dest}\0${a.key}\0${a.seq}`, br);
        continue;
      }
      const q = b.queues.get(a.dest);
      if (!(q instanceof Queue)) continue;
      const msg = await b.store.getMessage(a.dest, a.seq);
      if (!msg) continue;
      const e = new Entry(a.seq, msg, q, b.sizeOf(msg), true, null);
      e.redelivered = true;
      q.holdForPrepared(e);
      holdEntry(b, br, e);
    }
  }
  if (records.length) b.log.info({ prepared: records.length }, 'recovered prepared XA transactions');
  return durable;
}

/** A recovered message a prepared branch acknowledged: in flight for the branch, with no consumer. */
export function holdEntry(b: Broker, br: XaBranch, e: Entry): void {
  e.state = EntryState.INFLIGHT;
  e.txId = br.xid;
  e.source.reserved++;
  b.memory.add(e.size);
  br.tx.acks.push(e);
}
