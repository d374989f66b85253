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
import type { LogBatch, Position } from './types';

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

/** A retained log entry: the batch exactly as committed, decodable on any node. */
export function encodeBatch(batch: LogBatch): Buffer {
  return packr.pack(batch);
}

export function decodeBatch(bytes: Uint8Array): LogBatch {
  return packr.unpack(bytes) as LogBatch;
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
