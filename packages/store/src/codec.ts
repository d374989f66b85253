// Value encoding of the store and the retained log. Every value must decode in another process
// and on another node, after a restart, with nothing shared but this file, so records are off
// (msgpackr's record structures would have to be persisted and replicated beside the data).
// Options, each checked by test/codec.test.ts:
// - useRecords false: every value is self-describing msgpack;
// - moreTypes: a Uint8Array comes back a Uint8Array (not a Buffer), bigints beyond 64 bits work;
// - int64AsType bigint: a bigint property comes back a bigint, never a rounded number (msgpackr
//   writes JS numbers as int32 or float64, so numbers never come back as bigints);
// - copyBuffers: decoded bytes do not pin the buffer read from LevelDB.
import { Packr } from 'msgpackr';
import { OpType, type LogBatch, type Position, type PutMessageOp, type StoreOp } from './types';

const packr = new Packr({
  useRecords: false,
  moreTypes: true,
  int64AsType: 'bigint',
  copyBuffers: true,
  mapsAsObjects: true,
});

export function encodeValue(value: unknown): Buffer {
  return packr.pack(value);
}

export function decodeValue<T>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

// Batches (the retained log's entries and what a master ships to its slaves) carry every
// message already encoded, as the value the store writes for it: a master encodes a message
// once, for its store and its slaves, and a slave writes the bytes it received without decoding
// and encoding the message again (LevelStore.apply takes such a batch). A PUT_MESSAGE is then
// `{ t: OpType.PUT_MESSAGE, dest, seq, m: <encodeValue(msg)>, pid: msg.producerId, ps: msg.producerSeq, subs? }`.
// Batches written before this form carried `msg` itself; both decode.

/** PUT_MESSAGE with its message encoded (its store value) and the producer's id and sequence. */
export interface EncodedPutMessageOp { t: typeof OpType.PUT_MESSAGE; dest: string; seq: number; m: Uint8Array; pid: string; ps: number; subs?: string[] }
export type EncodedOp = Exclude<StoreOp, PutMessageOp> | EncodedPutMessageOp;
/** A batch with its messages encoded: what LevelStore.apply writes without re-encoding them. */
export interface EncodedBatch { position: Position; ops: EncodedOp[] }

/** Whether a PUT_MESSAGE op carries its message encoded. */
export function isEncodedPut(op: StoreOp | EncodedOp): op is EncodedPutMessageOp {
  return op.t === OpType.PUT_MESSAGE && (op as { m?: unknown }).m !== undefined;
}

function encodedOp(op: StoreOp | EncodedOp): EncodedOp {
  if (op.t !== OpType.PUT_MESSAGE || isEncodedPut(op)) return op;
  const e: EncodedPutMessageOp = { t: OpType.PUT_MESSAGE, dest: op.dest, seq: op.seq, m: packr.pack(op.msg), pid: op.msg.producerId, ps: op.msg.producerSeq };
  if ('subs' in op) e.subs = op.subs;
  return e;
}

/**
 * A batch encoded for the retained log and the slaves, and the same batch with its messages
 * encoded, for the local store (each message is encoded once, for both).
 */
export function encodeBatchForApply(batch: LogBatch | EncodedBatch): { bytes: Buffer; batch: EncodedBatch } {
  const ops = batch.ops.map(encodedOp);
  const encoded: EncodedBatch = { position: batch.position, ops };
  return { bytes: packr.pack(encoded), batch: encoded };
}

/** A retained log entry: the batch exactly as committed, decodable on any node. */
export function encodeBatch(batch: LogBatch | EncodedBatch): Buffer {
  return encodeBatchForApply(batch).bytes;
}

/** The batch with every message decoded (either form). */
export function decodeBatch(bytes: Uint8Array): LogBatch {
  const batch = packr.unpack(bytes) as { position: Position; ops: Array<StoreOp | EncodedOp> };
  const ops = batch.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (!isEncodedPut(op)) continue;
    const d: PutMessageOp = { t: OpType.PUT_MESSAGE, dest: op.dest, seq: op.seq, msg: packr.unpack(op.m) as PutMessageOp['msg'] };
    if ('subs' in op) d.subs = op.subs;
    ops[i] = d;
  }
  return batch as LogBatch;
}

// Views into the bytes, not copies: the store copies them into its write.
const viewPackr = new Packr({
  useRecords: false,
  moreTypes: true,
  int64AsType: 'bigint',
  copyBuffers: false,
  mapsAsObjects: true,
});

/**
 * The batch with its messages left encoded (a batch of the older form gets them encoded here).
 * Its byte arrays may be views into `bytes`, which must not change until the store has them.
 */
export function decodeEncodedBatch(bytes: Uint8Array): EncodedBatch {
  const batch = viewPackr.unpack(bytes) as { position: Position; ops: Array<StoreOp | EncodedOp> };
  const ops = batch.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.t === OpType.PUT_MESSAGE && !isEncodedPut(op)) ops[i] = encodedOp(op);
  }
  return batch as EncodedBatch;
}

// Small fixed-size values are raw bytes: no msgpack on the hot path for marks and producer seqs.

/** A number as 8 bytes (IEEE 754 big-endian): any JS number survives. */
export function encodeNumber(n: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  buf.writeDoubleBE(n, 0);
  return buf;
}

export function decodeNumber(bytes: Uint8Array): number {
  return (bytes as Buffer).readDoubleBE(0);
}

/**
 * A producer's highest stored sequence number and the index of the batch that wrote it (which
 * producers are the most recent). A reader that knows only the first 8 bytes still gets the
 * sequence; a value of 8 bytes (written before the index was kept) counts as the oldest.
 */
export function encodeProducerSeq(seq: number, index: number): Buffer {
  const buf = Buffer.allocUnsafe(16);
  buf.writeDoubleBE(seq, 0);
  buf.writeDoubleBE(index, 8);
  return buf;
}

export function decodeProducerSeq(bytes: Uint8Array): { seq: number; index: number } {
  const b = bytes as Buffer;
  return { seq: b.readDoubleBE(0), index: b.length >= 16 ? b.readDoubleBE(8) : 0 };
}

export function encodePosition(p: Position): Buffer {
  const buf = Buffer.allocUnsafe(12);
  buf.writeUInt32BE(p.epoch >>> 0, 0);
  buf.writeDoubleBE(p.index, 4);
  return buf;
}

export function decodePosition(bytes: Uint8Array): Position {
  const b = bytes as Buffer;
  return { epoch: b.readUInt32BE(0), index: b.readDoubleBE(4) };
}
