// The journal's record format. Record: u32 payload length, u32 epoch, u32 index (high), u32 index
// (low), u32 epoch of the batch before (0xffffffff: unknown), u8 flags (1: sync commit), u32
// CRC-32 of the bytes from the epoch to the end of the payload; then the payload (the batch as
// encodeBatch wrote it). A segment file holds consecutive records and is named by its first
// index; a synced journal fills a segment ahead of its records with zeros (segment.ts: zeroFill).
import * as zlib from 'node:zlib';
import type { Position } from '../types';

export const HEADER = 25;
export const UNKNOWN_EPOCH = 0xffffffff;
export const FLAG_SYNC = 1;
const MAX_RECORD = 512 * 1024 * 1024;

export const crc32: (data: Uint8Array, value?: number) => number = typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32js;

/** The header of the record of `bytes` at `position`, after a batch of epoch `prevEpoch` (< 0: unknown). */
export function encodeHeader(position: Position, prevEpoch: number, sync: boolean, bytes: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(HEADER);
  header.writeUInt32BE(bytes.length, 0);
  header.writeUInt32BE(position.epoch, 4);
  header.writeUInt32BE(Math.floor(position.index / 2 ** 32), 8);
  header.writeUInt32BE(position.index >>> 0, 12);
  header.writeUInt32BE(prevEpoch < 0 ? UNKNOWN_EPOCH : prevEpoch, 16);
  header[20] = sync ? FLAG_SYNC : 0;
  header.writeUInt32BE(crc32(bytes, crc32(header.subarray(4, 21))), 21);
  return header;
}

/** A record found in a segment's bytes. */
export interface ScannedRecord {
  epoch: number;
  index: number;
  /** The epoch of the batch before (-1: unknown); read for the first record of the journal. */
  prevEpoch: number;
  offset: number;
  size: number;
  flags: number;
}

/** Where the records a scan follows must go on (`index` < 0: the segment is the journal's first). */
export interface ScanState {
  index: number;
  epoch: number;
}

/**
 * Reads the records of one segment, checking each (length, checksum, consecutive indexes and
 * non-decreasing epochs, continuing `state`, which it advances). `end` is where the good records
 * end; `problem` says why the scan stopped before the end of the data, if it did.
 */
export function scanSegment(data: Buffer, first: number, state: ScanState, found: (r: ScannedRecord) => void): { end: number; problem?: string } {
  let off = 0;
  while (off < data.length) {
    if (isZero(data, off, off + HEADER)) {
      // Zeros written ahead of the records (preallocation): the segment's records end here.
      // A zeroed record with records after it is a hole (data lost with the page cache).
      return isZero(data, off + HEADER, data.length) ? { end: off } : { end: off, problem: 'a zeroed record' };
    }
    if (data.length - off < HEADER) return { end: off, problem: 'a torn record header' };
    const len = data.readUInt32BE(off);
    const epoch = data.readUInt32BE(off + 4);
    const index = data.readUInt32BE(off + 8) * 2 ** 32 + data.readUInt32BE(off + 12);
    const prev = data.readUInt32BE(off + 16);
    const flags = data[off + 20]!;
    if (len > MAX_RECORD || data.length - off - HEADER < len) return { end: off, problem: 'a torn record' };
    const sum = crc32(data.subarray(off + HEADER, off + HEADER + len), crc32(data.subarray(off + 4, off + 21)));
    if (sum !== data.readUInt32BE(off + 21)) return { end: off, problem: 'a checksum mismatch' };
    const follows = state.index >= 0 ? index === state.index && prev === state.epoch && epoch >= state.epoch : off === 0 && index === first;
    if (!follows) return { end: off, problem: `batch ${epoch}:${index} out of order` };
    found({ epoch, index, prevEpoch: prev === UNKNOWN_EPOCH ? -1 : prev, offset: off, size: len, flags });
    state.index = index + 1;
    state.epoch = epoch;
    off += HEADER + len;
  }
  return { end: off };
}

function isZero(data: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to && i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

let table: Int32Array | undefined;
/** CRC-32 (IEEE), for Node versions without zlib.crc32. */
function crc32js(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
