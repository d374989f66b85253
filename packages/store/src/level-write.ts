// Turning store ops into LevelDB writes. Most ops map to puts and deletes of single keys at once,
// when commit() is called. The two range removals (REMOVE_SUBSCRIPTION's references,
// REMOVE_DESTINATION's whole key space) need to read the store, so they stay a `clear` step that
// the writer expands just before it writes, when every earlier batch is on disk.
//
// Crash safety of a range removal: up to `inlineLimit` keys, every delete goes into the batch
// itself (atomic: a crash leaves the old state or the removed one). A larger removal writes a
// clear marker (X) in the batch instead, plus the deletes of keys put earlier in the same write;
// right after that write, before any later batch, the writer deletes the ranges in chunks and
// then the marker. open() finishes any marker a crash left, before the store is used, so a
// reopened store always shows the removal complete.
import { decodeValue, encodeNumber, encodeProducerSeq, encodeValue, isEncodedPut, type EncodedOp } from './codec';
import {
  clearKey, destinationKey, destinationRanges, inRange, jobKey, Kind, markKey, messageKey, preparedKey, producerKey,
  refKey, refRange, retainedLogRange, subscriptionKey,
} from './keys';
import type { WireMessage } from '@wharf/protocol';
import type { BatchOp, Db } from './level-db';
import { validateOps } from './ops';
import type { ProducerMarks } from './producer-marks';
import { StoreError } from '@wharf/protocol';
import { OpType, type Position, type StoreOp } from './types';

export interface ClearStep {
  type: 'clear';
  ranges: Array<{ gte: Buffer; lt: Buffer }>;
}
/** A put taken back out of a queued write (concurrent store and dispatch: consumed first). */
export interface SkipStep {
  type: 'skip';
}
/**
 * A dispatchable message put, encoded only when the writer takes it: a message consumed before
 * that is never encoded for the store at all.
 */
export interface LazyPutStep {
  type: 'lazy';
  key: Buffer;
  msg: WireMessage;
}
export type WriteStep = BatchOp | ClearStep | SkipStep | LazyPutStep;

/** The LevelDB op of a step that is not a clear or skip. */
export function batchOp(s: BatchOp | LazyPutStep): BatchOp {
  return s.type === 'lazy' ? { type: 'put', key: s.key, value: encodeValue(s.msg) } : s;
}

/** One commit (or apply) waiting for the writer. */
export interface PendingWrite {
  position: Position;
  steps: WriteStep[];
  hasClear: boolean;
  sync: boolean;
  /** Bytes of keys and values written. */
  bytes: number;
  /** Change in the number of stored messages (range removals are counted by the writer). */
  messageDelta: number;
  /** Steps turned into SkipSteps (the writer leaves them out). */
  skips: number;
  /** Dispatchable commits: message puts not yet cancelled, and the (dest, seq) of each. */
  live: number;
  puts: Array<{ dest: string; seq: number; first: number; end: number }> | null;
  /** performance.now() when queued (dispatchable commits). */
  queuedAt: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Encode a batch's ops into writes (throws on an unencodable value: nothing is queued then). A
 * PUT_MESSAGE whose message is already encoded (a replicated batch) is written as it came.
 */
export function prepareWrite(position: Position, ops: ReadonlyArray<StoreOp | EncodedOp>, marks: ProducerMarks, sync: boolean, dispatchable = false): PendingWrite {
  const steps: WriteStep[] = [];
  let bytes = 0;
  let delta = 0;
  let hasClear = false;
  let puts: PendingWrite['puts'] = null;
  const put = (key: Buffer, value: Buffer): void => {
    steps.push({ type: 'put', key, value });
    bytes += key.length + value.length;
  };
  const del = (key: Buffer): void => {
    steps.push({ type: 'del', key });
  };
  for (const op of ops) {
    switch (op.t) {
      case OpType.PUT_MESSAGE: {
        if (isEncodedPut(op)) {
          put(messageKey(op.dest, op.seq), asBuffer(op.m));
          if (op.subs) for (const key of op.subs) put(refKey(op.dest, key, op.seq), EMPTY);
          if (op.pid) put(producerKey(op.pid), encodeProducerSeq(marks.raise(op.pid, op.ps), position.index));
          delta++;
          break;
        }
        // The producer's sequence is written even when the message is consumed before the
        // write: a resend after a restart or failover must still be taken as a duplicate. So it
        // comes before the put's own steps (message, its delivered mark), which are dropped then.
        if (op.msg.producerId) put(producerKey(op.msg.producerId), encodeProducerSeq(marks.raise(op.msg.producerId, op.msg.producerSeq), position.index));
        const first = steps.length;
        const lazy = dispatchable && !op.subs;
        if (lazy) {
          const key = messageKey(op.dest, op.seq);
          steps.push({ type: 'lazy', key, msg: op.msg });
          bytes += key.length + estimateSize(op.msg);
        } else put(messageKey(op.dest, op.seq), encodeValue(op.msg));
        if (op.subs) for (const key of op.subs) put(refKey(op.dest, key, op.seq), EMPTY);
        if (lazy) (puts ??= []).push({ dest: op.dest, seq: op.seq, first, end: steps.length });
        delta++;
        break;
      }
      case OpType.REMOVE_MESSAGE:
        del(messageKey(op.dest, op.seq));
        delta--;
        break;
      case OpType.PUT_SUBSCRIPTION:
        put(subscriptionKey(op.dest, op.sub.key), encodeValue(op.sub));
        break;
      case OpType.REMOVE_SUBSCRIPTION:
        del(subscriptionKey(op.dest, op.key));
        steps.push({ type: 'clear', ranges: [refRange(op.dest, op.key)] });
        hasClear = true;
        break;
      case OpType.ACK_SUBSCRIPTION:
        del(refKey(op.dest, op.key, op.seq));
        break;
      case OpType.PUT_JOB:
        put(jobKey(op.job.due, op.job.id), encodeValue(op.job));
        break;
      case OpType.REMOVE_JOB:
        del(jobKey(op.due, op.id));
        break;
      case OpType.PUT_DESTINATION:
        put(destinationKey(op.dest.url), encodeValue(op.dest));
        break;
      case OpType.REMOVE_DESTINATION:
        del(destinationKey(op.url));
        steps.push({ type: 'clear', ranges: destinationRanges(op.url) });
        hasClear = true;
        break;
      case OpType.MARK_DELIVERED: {
        put(markKey(op.dest, op.key), encodeNumber(op.seq));
        const last = puts?.[puts.length - 1];
        if (last && last.end === steps.length - 1 && last.dest === op.dest && last.seq === op.seq && !op.key) last.end++;
        break;
      }
      case OpType.PUT_PREPARED:
        put(preparedKey(op.tx.xid), encodeValue(op.tx));
        break;
      case OpType.REMOVE_PREPARED:
        del(preparedKey(op.xid));
        break;
    }
  }
  const noop = (): void => undefined;
  return {
    position, steps, hasClear, sync, bytes, messageDelta: delta, skips: 0, live: puts ? puts.length : 0, puts, queuedAt: 0,
    resolve: noop, reject: noop,
  };
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** validateOps for a batch that may carry encoded messages (apply). */
export function validateApplyOps(ops: ReadonlyArray<StoreOp | EncodedOp>): void {
  if (!Array.isArray(ops)) throw new StoreError('store ops must be an array');
  let encoded = false;
  for (const op of ops) {
    if (!isEncoded(op)) continue;
    encoded = true;
    if (!isName(op.dest)) throw new StoreError('PUT_MESSAGE dest must be a non-empty string without NUL characters');
    if (typeof op.seq !== 'number' || !Number.isSafeInteger(op.seq) || op.seq < 0) throw new StoreError(`PUT_MESSAGE seq must be a non-negative safe integer, got ${String(op.seq)}`);
    if (!(op.m instanceof Uint8Array)) throw new StoreError('PUT_MESSAGE m must be the encoded message');
    if (typeof op.pid !== 'string' || op.pid.indexOf('\0') !== -1) throw new StoreError('PUT_MESSAGE pid must be a string without NUL characters');
    if (typeof op.ps !== 'number') throw new StoreError('PUT_MESSAGE ps must be a number');
    if (op.subs && !op.subs.every(isName)) throw new StoreError('PUT_MESSAGE subscription keys must be non-empty strings without NUL characters');
  }
  validateOps((encoded ? ops.filter((op) => !isEncoded(op)) : ops) as StoreOp[]);
}

function isEncoded(op: StoreOp | EncodedOp): op is Extract<EncodedOp, { m: Uint8Array }> {
  return op !== null && typeof op === 'object' && isEncodedPut(op);
}

function isName(s: unknown): boolean {
  return typeof s === 'string' && s.length > 0 && s.indexOf('\0') === -1;
}

const SKIP: SkipStep = { type: 'skip' };

/** Take steps [first, end) (one queued message put with its companions) back out of its write. */
export function skipSteps(p: PendingWrite, first: number, end: number): void {
  for (let i = first; i < end; i++) {
    const s = p.steps[i];
    if (!s || (s.type !== 'put' && s.type !== 'lazy')) continue;
    p.steps[i] = SKIP;
    p.skips++;
    p.bytes -= s.key.length + (s.type === 'put' ? s.value.length : estimateSize(s.msg));
  }
}

/** Bytes a message takes in the store, before it is encoded (body plus headers, roughly). */
function estimateSize(msg: WireMessage): number {
  const body = msg.body as { length?: number; byteLength?: number } | null | undefined;
  return 160 + (body ? (body.byteLength ?? body.length ?? 0) : 0);
}

/** A large removal left to run after its batch. */
export interface DeferredClear {
  marker: Buffer;
  ranges: Array<{ gte: Buffer; lt: Buffer }>;
}

/**
 * Append a pending write's steps to `out`, expanding its clear steps against the store. Returns
 * the clears deferred past the write (the caller then ends the write with this commit) and the
 * change in stored messages the inline deletes make.
 */
export async function expandClears(
  db: Db, p: PendingWrite, out: BatchOp[], inlineLimit: number, nextMarker: () => number,
): Promise<{ deferred: DeferredClear[]; messageDelta: number }> {
  const deferred: DeferredClear[] = [];
  let delta = 0;
  for (let i = 0; i < p.steps.length; i++) {
    const step = p.steps[i]!;
    if (step.type === 'skip') continue;
    if (step.type !== 'clear') {
      out.push(batchOp(step));
      continue;
    }
    const { ranges } = step;
    const inAny = (key: Buffer): boolean => ranges.some((r) => inRange(key, r));
    // Keys this same write already puts or deletes in the ranges: their last step wins.
    const earlier = new Map<string, BatchOp>();
    for (const op of out) if (inAny(op.key)) earlier.set(op.key.toString('latin1'), op);
    const onDisk = await collect(db, ranges, inlineLimit + 1);
    let inline = onDisk.length <= inlineLimit;
    if (!inline && laterPutIn(p.steps, i, inAny)) {
      // A later op of this commit writes into the range: a deferred clear would delete it.
      inline = true;
      onDisk.push(...(await collect(db, ranges, Infinity)).slice(onDisk.length));
    }
    for (const op of earlier.values()) {
      if (op.type !== 'put') continue;
      out.push({ type: 'del', key: op.key });
      if (op.key[0] === Kind.MESSAGE) delta--;
    }
    if (inline) {
      for (const key of onDisk) {
        if (earlier.has(key.toString('latin1'))) continue; // counted by its own step
        out.push({ type: 'del', key });
        if (key[0] === Kind.MESSAGE) delta--;
      }
    } else {
      const marker = clearKey(nextMarker());
      out.push({ type: 'put', key: marker, value: encodeValue(ranges.map((r) => [r.gte, r.lt])) });
      deferred.push({ marker, ranges });
    }
  }
  return { deferred, messageDelta: delta };
}

async function collect(db: Db, ranges: Array<{ gte: Buffer; lt: Buffer }>, max: number): Promise<Buffer[]> {
  const found: Buffer[] = [];
  for (const r of ranges) {
    if (found.length >= max) break;
    const keys = await db.keys(Number.isFinite(max) ? { ...r, limit: max - found.length } : r).all();
    for (const k of keys) found.push(k);
  }
  return found;
}

function laterPutIn(steps: WriteStep[], from: number, inAny: (key: Buffer) => boolean): boolean {
  for (let j = from + 1; j < steps.length; j++) {
    const s = steps[j]!;
    if ((s.type === 'put' || s.type === 'lazy') && inAny(s.key)) return true;
  }
  return false;
}

/** Run deferred clears to the end; returns the number of messages they deleted. */
export async function finishClears(db: Db, clears: DeferredClear[], chunk = 10000): Promise<number> {
  let messages = 0;
  for (const c of clears) {
    for (const r of c.ranges) {
      for (;;) {
        const keys = await db.keys({ ...r, limit: chunk, fillCache: false }).all();
        if (keys.length === 0) break;
        for (const k of keys) if (k[0] === Kind.MESSAGE) messages++;
        await db.batch(keys.map((key) => ({ type: 'del', key })), { sync: false });
      }
    }
    // After the deletes, in LevelDB's log order: if the marker is gone, so are the keys.
    await db.batch([{ type: 'del', key: c.marker }], { sync: false });
  }
  return messages;
}

/** Clear markers a crash left behind. */
export async function pendingClears(db: Db): Promise<DeferredClear[]> {
  const rows = await db.iterator({ gte: Buffer.from([Kind.CLEAR]), lt: Buffer.from([Kind.CLEAR + 1]) }).all();
  return rows.map(([marker, v]) => ({
    marker,
    ranges: decodeValue<Array<[Uint8Array, Uint8Array]>>(v).map(([gte, lt]) => ({ gte: Buffer.from(gte), lt: Buffer.from(lt) })),
  }));
}

/**
 * Older versions kept the replication log in LevelDB (L keys); a cluster node keeps it in a
 * Journal beside the store now. What is left of it is removed once, in chunks.
 */
export async function dropRetainedLog(db: Db): Promise<void> {
  const range = retainedLogRange();
  for (;;) {
    const keys = await db.keys({ ...range, limit: 10000, fillCache: false }).all();
    if (keys.length === 0) return;
    await db.batch(keys.map((key) => ({ type: 'del' as const, key })), { sync: false });
  }
}
