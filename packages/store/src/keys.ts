// The whole LevelDB key space (docs/ARCHITECTURE.md: invariants; docs/CONVENTIONS.md: one contract, one conformance suite), in one place. Keys are binary and sort in
// the order the store reads them: a one-byte record kind, then the parts. String parts are UTF-8
// and end with a 0x00 separator (refused inside names), so `kind|name|0x00` .. `kind|name|0x01` is
// exactly one name's range: `queue://A` never reaches into `queue://AB`. Numbers are big-endian,
// so byte order is numeric order.
//
//   V                          layout version (u32)
//   P                          last written position (u32 epoch, u64 index)
//   D dest                     destination record
//   M dest 0 seq:u64           message
//   R dest 0 subKey 0 seq:u64  pending reference of a durable subscription to message seq
//   S dest 0 subKey            durable subscription record
//   K dest 0 subKey?           delivered mark (empty subKey: the destination itself)
//   J due:u64 jobId            scheduled job
//   L epoch:u32 index:u64      replication log batch of older versions (removed at open; the
//                              cluster keeps its log in a Journal beside LevelDB)
//   Q producerId               highest stored producerSeq (never lowered)
//   X id:u64                   pending range clear (a large removal finished after its batch)
//   T xid                      prepared XA transaction
import { StoreError } from '@wharf/protocol';

/** Record kinds. Stored on disk: ONLY ADD, never renumber. */
export const Kind = {
  DESTINATION: 0x44, // D
  JOB: 0x4a, // J
  MARK: 0x4b, // K
  LOG: 0x4c, // L
  MESSAGE: 0x4d, // M
  POSITION: 0x50, // P
  PRODUCER: 0x51, // Q
  REF: 0x52, // R
  SUBSCRIPTION: 0x53, // S
  PREPARED: 0x54, // T
  VERSION: 0x56, // V
  CLEAR: 0x58, // X
} as const;

export const LAYOUT_VERSION = 1;
const SEP = 0x00;
const TWO32 = 4294967296;
/** 2^53: the largest integer a number holds exactly that keys need (seq limit + 1). */
const MAX_U64 = 2 ** 53;

/** A key range for iterators and clears: gte..lt (or gt..lt). */
export interface KeyRange {
  gte?: Buffer;
  gt?: Buffer;
  lt: Buffer;
}

export const VERSION_KEY = Buffer.from([Kind.VERSION]);
export const POSITION_KEY = Buffer.from([Kind.POSITION]);

function checkName(s: string, what: string): void {
  if (s.indexOf('\0') !== -1) throw new StoreError(`${what} must not contain a NUL character: ${JSON.stringify(s)}`);
}

/** Integers of the key space: non-negative and safe; fractions are cut (keys only order). */
function u64(n: number): number {
  return n > 0 ? (n <= MAX_U64 ? Math.floor(n) : MAX_U64) : 0;
}

export function writeU64(buf: Buffer, n: number, off: number): void {
  const v = u64(n);
  const hi = Math.floor(v / TWO32);
  buf.writeUInt32BE(hi, off);
  buf.writeUInt32BE(v - hi * TWO32, off + 4);
}

export function readU64(buf: Uint8Array, off: number): number {
  const b = buf as Buffer;
  return b.readUInt32BE(off) * TWO32 + b.readUInt32BE(off + 4);
}

/** kind, name, separator, then `tail` free bytes for the caller. */
function named(kind: number, name: string, tail: number, what = 'destination'): { buf: Buffer; off: number } {
  checkName(name, what);
  const len = Buffer.byteLength(name, 'utf8');
  const buf = Buffer.allocUnsafe(2 + len + tail);
  buf[0] = kind;
  buf.write(name, 1, len, 'utf8');
  buf[1 + len] = SEP;
  return { buf, off: 2 + len };
}

/** kind, name, separator, then a second name (and `tail` free bytes after it, unseparated). */
function named2(kind: number, a: string, b: string, tail: number): { buf: Buffer; off: number } {
  checkName(b, 'subscription key');
  const lb = Buffer.byteLength(b, 'utf8');
  const { buf, off } = named(kind, a, lb + tail);
  buf.write(b, off, lb, 'utf8');
  return { buf, off: off + lb };
}

/** The range of every key that starts with `prefix`. */
export function prefixRange(prefix: Buffer): { gte: Buffer; lt: Buffer } {
  // Prefixes here end in a separator or a kind byte, never 0xff, so bumping the last byte works.
  const lt = Buffer.from(prefix);
  lt[lt.length - 1] = prefix[prefix.length - 1]! + 1;
  return { gte: prefix, lt };
}

export function kindRange(kind: number): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from([kind]), lt: Buffer.from([kind + 1]) };
}

// ---- destinations -------------------------------------------------------------------------

export function destinationKey(url: string): Buffer {
  checkName(url, 'destination');
  const len = Buffer.byteLength(url, 'utf8');
  const buf = Buffer.allocUnsafe(1 + len);
  buf[0] = Kind.DESTINATION;
  buf.write(url, 1, len, 'utf8');
  return buf;
}

export function destinationOfKey(key: Buffer): string {
  return key.toString('utf8', 1);
}

/** Everything stored under a destination except its D record (for REMOVE_DESTINATION). */
export function destinationRanges(url: string): Array<{ gte: Buffer; lt: Buffer }> {
  return [Kind.MESSAGE, Kind.REF, Kind.SUBSCRIPTION, Kind.MARK].map((k) => prefixRange(named(k, url, 0).buf));
}

// ---- messages -----------------------------------------------------------------------------

export function messageKey(dest: string, seq: number): Buffer {
  const { buf, off } = named(Kind.MESSAGE, dest, 8);
  writeU64(buf, seq, off);
  return buf;
}

/** Messages of `dest` with seq > afterSeq. */
export function messagesAfter(dest: string, afterSeq: number): KeyRange {
  const lower = messageKey(dest, afterSeq);
  const lt = Buffer.from(lower.subarray(0, lower.length - 8));
  lt[lt.length - 1] = SEP + 1;
  return afterSeq < 0 ? { gte: lower, lt } : { gt: lower, lt };
}

/** A message key's destination bytes (no copy) and seq. */
export function messageKeyDest(key: Buffer): Buffer {
  return key.subarray(1, key.length - 9);
}
export function keySeq(key: Buffer): number {
  return readU64(key, key.length - 8);
}

// ---- durable subscriptions and their references -------------------------------------------

export function subscriptionKey(dest: string, subKey: string): Buffer {
  return named2(Kind.SUBSCRIPTION, dest, subKey, 0).buf;
}

export function refKey(dest: string, subKey: string, seq: number): Buffer {
  const { buf, off } = named2(Kind.REF, dest, subKey, 9);
  buf[off] = SEP;
  writeU64(buf, seq, off + 1);
  return buf;
}

/** References of one subscription on one topic with seq > afterSeq. */
export function refsAfter(dest: string, subKey: string, afterSeq: number): KeyRange {
  const lower = refKey(dest, subKey, afterSeq);
  const lt = Buffer.from(lower.subarray(0, lower.length - 8));
  lt[lt.length - 1] = SEP + 1;
  return afterSeq < 0 ? { gte: lower, lt } : { gt: lower, lt };
}

/** Every reference of one subscription on one topic (for REMOVE_SUBSCRIPTION). */
export function refRange(dest: string, subKey: string): { gte: Buffer; lt: Buffer } {
  const { buf, off } = named2(Kind.REF, dest, subKey, 1);
  buf[off] = SEP;
  return prefixRange(buf);
}

/** Split `kind dest 0 rest`: the destination and the rest, decoded. */
export function splitNamedKey(key: Buffer, restEnd = key.length): { dest: string; rest: string } {
  const sep = key.indexOf(SEP, 1);
  if (sep < 0) return { dest: key.toString('utf8', 1), rest: '' };
  return { dest: key.toString('utf8', 1, sep), rest: key.toString('utf8', sep + 1, restEnd) };
}

// ---- delivered marks ----------------------------------------------------------------------

export function markKey(dest: string, subKey?: string): Buffer {
  return subKey ? named2(Kind.MARK, dest, subKey, 0).buf : named(Kind.MARK, dest, 0).buf;
}

// ---- scheduled jobs -----------------------------------------------------------------------

export function jobKey(due: number, id: string): Buffer {
  checkName(id, 'job id');
  const len = Buffer.byteLength(id, 'utf8');
  const buf = Buffer.allocUnsafe(9 + len);
  buf[0] = Kind.JOB;
  writeU64(buf, due, 1);
  buf.write(id, 9, len, 'utf8');
  return buf;
}

/** Jobs due at or before `until`. */
export function jobsUntil(until: number): KeyRange {
  const lt = Buffer.allocUnsafe(9);
  lt[0] = Kind.JOB;
  writeU64(lt, Math.floor(until) + 1, 1);
  return { gte: Buffer.from([Kind.JOB]), lt };
}

// ---- retained replication log (no longer written) -----------------------------------------

/** The range of the replication log batches older versions kept in LevelDB (removed at open). */
export function retainedLogRange(): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.from([Kind.LOG]), lt: Buffer.from([Kind.LOG + 1]) };
}

// ---- producers and pending clears ---------------------------------------------------------

export function producerKey(producerId: string): Buffer {
  checkName(producerId, 'producer id');
  const len = Buffer.byteLength(producerId, 'utf8');
  const buf = Buffer.allocUnsafe(1 + len);
  buf[0] = Kind.PRODUCER;
  buf.write(producerId, 1, len, 'utf8');
  return buf;
}

export function preparedKey(xid: string): Buffer {
  checkName(xid, 'transaction id');
  const len = Buffer.byteLength(xid, 'utf8');
  const buf = Buffer.allocUnsafe(1 + len);
  buf[0] = Kind.PREPARED;
  buf.write(xid, 1, len, 'utf8');
  return buf;
}

export function clearKey(id: number): Buffer {
  const buf = Buffer.allocUnsafe(9);
  buf[0] = Kind.CLEAR;
  writeU64(buf, id, 1);
  return buf;
}

/** True if `key` lies in the range. */
export function inRange(key: Buffer, r: { gte: Buffer; lt: Buffer }): boolean {
  return Buffer.compare(key, r.gte) >= 0 && Buffer.compare(key, r.lt) < 0;
}
