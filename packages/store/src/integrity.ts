// Verifying a LevelStore's files without LevelDB. LevelDB itself recovers a damaged write-ahead
// log by silently dropping what it cannot read (a note in its own LOG file is all that is left),
// and reads table blocks without checking their checksums. So before LevelDB opens a directory,
// its logs are read here record by record with the same checksums; `wharf store check` also
// reads every table block. A damaged range is named by what surrounds it (every store batch
// carries the store position, P) and by what can still be made out in it (message keys).
//
// Records dropped whole (a log cut short, a file lost) leave no trace in LevelDB's files: the
// committed mark (a small file beside them, rewritten after every synced write) remembers the
// last position known durable, and a store that opens at an older position has lost batches.
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePosition } from './codec';
import { crc32c, mask, unmask } from './crc32c';
import { Kind, readU64 } from './keys';
import { formatPosition } from './ops';
import { snappyUncompress } from './snappy';
import { comparePositions, type Position } from './types';

/** One damaged range of a store's files, with what it held as far as it can be told. */
export interface StoreDamage {
  /** The file (name in the data directory), or '' for batches missing from every file. */
  file: string;
  offset: number;
  bytes: number;
  reason: string;
  /** The last intact batch before the damage, and the first after it (when known). */
  after?: Position;
  before?: Position;
  /** Messages seen in the damaged bytes, per destination (at least these; best effort). */
  messages: Record<string, number>;
  /** Table damage: the keys the damaged block held lie in (fromKey, toKey]. */
  fromKey?: string;
  toKey?: string;
}

export function describeDamage(d: StoreDamage): string {
  const where = d.file === '' ? 'missing batches' : `${d.file} bytes ${d.offset}-${d.offset + d.bytes} (${d.bytes} bytes, ${d.reason})`;
  const parts = [where];
  if (d.after || d.before) {
    const gap = d.after && d.before && d.after.epoch === d.before.epoch ? ` (${d.before.index - d.after.index - 1} batches)` : '';
    parts.push(`store batches after ${d.after ? formatPosition(d.after) : 'the start'} and before ${d.before ? formatPosition(d.before) : 'the end of the log'}${gap}`);
  }
  if (d.file === '' && d.reason) parts.push(d.reason);
  if (d.fromKey !== undefined || d.toKey !== undefined) parts.push(`keys after ${d.fromKey ?? 'the first'} up to ${d.toKey ?? 'the last'}`);
  const held = Object.entries(d.messages);
  if (held.length > 0) parts.push(`held at least ${held.map(([dest, n]) => `${n} message(s) of ${dest}`).join(', ')}`);
  else if (d.file !== '' && d.fromKey === undefined) parts.push('content unreadable');
  return parts.join(': ');
}

// ---- the committed mark -----------------------------------------------------------------------

export const MARK_FILE = 'WHARF-COMMITTED';
const MARK_MAGIC = 0x57434d31; // 'WCM1'
const MARK_SIZE = 20;

/**
 * The last position known durable, kept beside LevelDB's files. Written in place (one pwrite,
 * no fsync) after synced writes only, so it never runs ahead of what LevelDB made durable; a
 * torn or lost mark only makes the check weaker, never wrong.
 */
export class CommittedMark {
  private fd: number;
  private readonly buf = Buffer.alloc(MARK_SIZE);
  private last: Position | undefined;

  /** Opens (creating) the mark file; `read` is what it held (undefined: none or unreadable). */
  constructor(dir: string) {
    this.fd = openSync(join(dir, MARK_FILE), constants.O_RDWR | constants.O_CREAT, 0o644);
    const n = readSync(this.fd, this.buf, 0, MARK_SIZE, 0);
    if (n === MARK_SIZE && this.buf.readUInt32BE(0) === MARK_MAGIC && this.buf.readUInt32BE(16) === mask(crc32c(this.buf, 0, 16))) {
      this.last = decodePosition(this.buf.subarray(4, 16));
    }
    this.read = this.last;
  }

  readonly read: Position | undefined;

  write(p: Position): void {
    if (this.fd < 0 || (this.last && comparePositions(p, this.last) <= 0)) return;
    const b = this.buf;
    b.writeUInt32BE(MARK_MAGIC, 0);
    b.writeUInt32BE(p.epoch >>> 0, 4);
    b.writeDoubleBE(p.index, 8);
    b.writeUInt32BE(mask(crc32c(b, 0, 16)), 16);
    try {
      writeSync(this.fd, b, 0, MARK_SIZE, 0);
      this.last = { epoch: p.epoch, index: p.index };
    } catch {
      // Disk full or similar: the mark stays behind (weaker, still true).
    }
  }

  /** Forget what the mark held (after damage was accepted or repaired). */
  reset(p: Position): void {
    this.last = undefined;
    this.write(p);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** The mark's position, read without keeping the file open. */
export async function readMark(dir: string): Promise<Position | undefined> {
  let b: Buffer;
  try {
    b = await readFile(join(dir, MARK_FILE));
  } catch {
    return undefined;
  }
  if (b.length < MARK_SIZE || b.readUInt32BE(0) !== MARK_MAGIC || b.readUInt32BE(16) !== mask(crc32c(b, 0, 16))) return undefined;
  return decodePosition(b.subarray(4, 16));
}

/** The damage of a store that opened at `found` while the mark says `committed` was durable. */
export function missingBatches(found: Position, committed: Position): StoreDamage {
  const gap = found.epoch === committed.epoch ? `${committed.index - found.index} batch(es)` : 'batches';
  return {
    file: '', offset: 0, bytes: 0, messages: {}, after: found,
    reason: `the store ends at ${formatPosition(found)} but ${formatPosition(committed)} was committed: ${gap} up to ${formatPosition(committed)} are missing ` +
      '(a log file cut short or lost); what they held is unknown',
  };
}

// ---- LevelDB's write-ahead logs ---------------------------------------------------------------

const BLOCK = 32768;
const HEADER = 7;
const FULL = 1;
const FIRST = 2;
const MIDDLE = 3;
const LAST = 4;

export async function logFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /^\d+\.log$/.test(n));
  return names.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}

export async function tableFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^\d+\.(ldb|sst)$/.test(n)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}

/**
 * Read every log file of `dir` as LevelDB's recovery would, and report each range it would
 * drop. A record cut off at the very end of the newest file is a write a crash interrupted
 * (never acknowledged): LevelDB ignores it, and so does this.
 */
export async function scanLogs(dir: string): Promise<StoreDamage[]> {
  const damage: StoreDamage[] = [];
  let lastGood: Position | undefined;
  let open: StoreDamage[] = [];
  const onBatch = (record: Buffer): void => {
    const p = batchPosition(record);
    if (!p) return;
    for (const d of open) d.before = p;
    open = [];
    lastGood = p;
  };
  for (const file of await logFiles(dir)) {
    const buf = await readFile(join(dir, file));
    let fragments: Buffer[] | null = null;
    let fragStart = 0;
    const report = (offset: number, bytes: number, reason: string, payload?: Buffer): void => {
      const prev = open[open.length - 1];
      if (prev && prev.file === file && prev.offset + prev.bytes === offset) {
        // The tail of the same damage (a fragmented record whose start was dropped).
        prev.bytes += bytes;
        if (payload) heldIn(payload, prev.messages);
        return;
      }
      const d: StoreDamage = { file, offset, bytes, reason, messages: {} };
      if (lastGood) d.after = lastGood;
      if (payload) heldIn(payload, d.messages);
      damage.push(d);
      open.push(d);
    };
    const dropPartial = (reason: string): void => {
      if (fragments) report(fragStart, fragments.reduce((n, f) => n + f.length, 0), reason, Buffer.concat(fragments));
      fragments = null;
    };
    for (let block = 0; block < buf.length; block += BLOCK) {
      const end = Math.min(block + BLOCK, buf.length);
      let pos = block;
      while (pos + HEADER <= end) {
        const length = buf.readUInt16LE(pos + 4);
        const type = buf[pos + 6]!;
        if (type === 0 && length === 0) break; // preallocated zeros: LevelDB skips the block's rest
        if (pos + HEADER + length > end) {
          if (end === buf.length) {
            // Cut off at the end of the file: an interrupted write, not damage.
            fragments = null;
            pos = end;
            break;
          }
          dropPartial('partial record without end');
          report(pos, end - pos, 'bad record length', buf.subarray(pos + HEADER, end));
          pos = end;
          break;
        }
        if (unmask(buf.readUInt32LE(pos)) !== crc32c(buf, pos + 6, pos + HEADER + length)) {
          dropPartial('partial record without end');
          report(pos, end - pos, 'checksum mismatch', buf.subarray(pos + HEADER, end));
          pos = end;
          break;
        }
        const data = buf.subarray(pos + HEADER, pos + HEADER + length);
        if (type === FULL) {
          dropPartial('partial record without end');
          onBatch(data);
        } else if (type === FIRST) {
          dropPartial('partial record without end');
          fragments = [data];
          fragStart = pos;
        } else if (type === MIDDLE || type === LAST) {
          if (!fragments) report(pos, HEADER + length, 'missing start of fragmented record', data);
          else {
            fragments.push(data);
            if (type === LAST) {
              const record = Buffer.concat(fragments);
              fragments = null;
              onBatch(record);
            }
          }
        } else {
          dropPartial('partial record without end');
          report(pos, HEADER + length, `unknown record type ${type}`, data);
        }
        pos += HEADER + length;
      }
    }
  }
  return damage;
}

/** The store position a LevelDB write batch sets (the P key), if any. */
function batchPosition(batch: Buffer): Position | undefined {
  let found: Position | undefined;
  walkBatch(batch, (key, value) => {
    if (key.length === 1 && key[0] === Kind.POSITION && value && value.length === 12) found = decodePosition(value);
  });
  return found;
}

/** Visit the puts (value set) and deletes of a write batch; stops quietly where it is unreadable. */
function walkBatch(batch: Buffer, visit: (key: Buffer, value: Buffer | undefined) => void, from = 12): void {
  let pos = from;
  const varint = (): number => {
    let r = 0;
    for (let shift = 0; shift < 35 && pos < batch.length; shift += 7) {
      const b = batch[pos++]!;
      r += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return r;
    }
    return -1;
  };
  while (pos < batch.length) {
    const tag = batch[pos++];
    if (tag !== 0 && tag !== 1) return;
    const kl = varint();
    if (kl < 0 || pos + kl > batch.length) return;
    const key = batch.subarray(pos, pos + kl);
    pos += kl;
    if (tag === 1) {
      const vl = varint();
      if (vl < 0 || pos + vl > batch.length) return;
      visit(key, batch.subarray(pos, pos + vl));
      pos += vl;
    } else visit(key, undefined);
  }
}

/** Count the message puts that can still be made out in damaged log bytes. */
function heldIn(bytes: Buffer, into: Record<string, number>): void {
  // The damaged bytes may start anywhere in a batch: try every plausible entry start.
  const seen = new Set<string>();
  for (let i = 0; i < bytes.length - 12; i++) {
    if (bytes[i] !== 1 || bytes[i + 2] !== Kind.MESSAGE) continue;
    const kl = bytes[i + 1]!;
    if (kl < 11 || kl >= 0x80 || i + 2 + kl > bytes.length) continue;
    const key = bytes.subarray(i + 2, i + 2 + kl);
    if (key[kl - 9] !== 0) continue;
    const dest = key.toString('utf8', 1, kl - 9);
    if (!/^(queue|topic):\/\/./.test(dest)) continue;
    const id = `${dest}\0${readU64(key, kl - 8)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    into[dest] = (into[dest] ?? 0) + 1;
  }
}

// ---- LevelDB's tables -------------------------------------------------------------------------

const TABLE_MAGIC = Buffer.from([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]);
const FOOTER = 48;

/** A readable description of a store key (for naming what a damaged block held). */
export function describeKey(key: Buffer): string {
  const kind = key[0];
  const sep = key.indexOf(0, 1);
  const name = key.toString('utf8', 1, sep < 0 ? key.length : sep);
  switch (kind) {
    case Kind.MESSAGE:
      return sep > 0 && key.length === sep + 9 ? `message ${name} #${readU64(key, sep + 1)}` : `message ${name}`;
    case Kind.DESTINATION:
      return `destination ${key.toString('utf8', 1)}`;
    case Kind.REF:
      return `durable subscription reference on ${name}`;
    case Kind.SUBSCRIPTION:
      return `durable subscription on ${name}`;
    case Kind.MARK:
      return `delivered mark of ${name}`;
    case Kind.JOB:
      return 'scheduled job';
    case Kind.LOG:
      return 'replication log batch';
    case Kind.PRODUCER:
      return `producer ${key.toString('utf8', 1)}`;
    case Kind.POSITION:
      return 'store position';
    case Kind.VERSION:
      return 'layout version';
    case Kind.CLEAR:
      return 'pending removal';
    case Kind.PREPARED:
      return `prepared transaction ${key.toString('utf8', 1)}`;
    default:
      return `key 0x${key.subarray(0, 16).toString('hex')}`;
  }
}

interface Handle {
  offset: number;
  size: number;
}

function readHandle(buf: Buffer, pos: number): { h: Handle; next: number } | undefined {
  const nums: number[] = [];
  let p = pos;
  for (let n = 0; n < 2; n++) {
    let r = 0;
    let done = false;
    for (let shift = 0; shift < 63 && p < buf.length; shift += 7) {
      const b = buf[p++]!;
      r += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        done = true;
        break;
      }
    }
    if (!done) return undefined;
    nums.push(r);
  }
  return { h: { offset: nums[0]!, size: nums[1]! }, next: p };
}

/** A block's contents, checksum-verified and uncompressed (unless !inflate); a string saying why not. */
function readBlock(buf: Buffer, h: Handle, inflate = true): Buffer | string {
  if (h.offset + h.size + 5 > buf.length) return 'block beyond the end of the file';
  const type = buf[h.offset + h.size];
  if (unmask(buf.readUInt32LE(h.offset + h.size + 1)) !== crc32c(buf, h.offset, h.offset + h.size + 1)) return 'block checksum mismatch';
  const contents = buf.subarray(h.offset, h.offset + h.size);
  if (type === 0 || !inflate) return contents;
  if (type !== 1) return `unknown block type ${type}`;
  try {
    return snappyUncompress(contents);
  } catch (err) {
    return `corrupted compressed block (${(err as Error).message})`;
  }
}

/** The (internal key, value) entries of a block; throws on a malformed one. */
function blockEntries(block: Buffer): Array<[Buffer, Buffer]> {
  if (block.length < 4) throw new Error('block too short');
  const restarts = block.readUInt32LE(block.length - 4);
  const end = block.length - 4 - 4 * restarts;
  if (end < 0) throw new Error('bad restart count');
  const out: Array<[Buffer, Buffer]> = [];
  let pos = 0;
  let key = Buffer.alloc(0);
  const varint = (): number => {
    let r = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) throw new Error('truncated entry');
      const b = block[pos++]!;
      r += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return r;
    }
    throw new Error('bad varint');
  };
  while (pos < end) {
    const shared = varint();
    const nonShared = varint();
    const vlen = varint();
    if (shared > key.length || pos + nonShared + vlen > end) throw new Error('entry out of bounds');
    key = Buffer.concat([key.subarray(0, shared), block.subarray(pos, pos + nonShared)]);
    pos += nonShared;
    out.push([key, block.subarray(pos, pos + vlen)]);
    pos += vlen;
  }
  return out;
}

const userKey = (internal: Buffer): Buffer => internal.subarray(0, Math.max(0, internal.length - 8));

/**
 * Verify every block of one table file: checksums, and with `deep` the structure of every data
 * block too (uncompressed and parsed: slower, for `wharf store check`).
 */
export async function checkTable(dir: string, file: string, deep = true): Promise<StoreDamage[]> {
  const buf = await readFile(join(dir, file));
  const whole = (reason: string): StoreDamage[] => [{ file, offset: 0, bytes: buf.length, reason, messages: {} }];
  if (buf.length < FOOTER || !buf.subarray(buf.length - 8).equals(TABLE_MAGIC)) return whole('not a table (bad footer)');
  const meta = readHandle(buf, buf.length - FOOTER);
  const index = meta && readHandle(buf, meta.next);
  if (!index) return whole('unreadable footer');
  const indexBlock = readBlock(buf, index.h);
  if (typeof indexBlock === 'string') return whole(`index block: ${indexBlock}`);
  let entries: Array<[Buffer, Buffer]>;
  try {
    entries = blockEntries(indexBlock);
  } catch (err) {
    return whole(`index block: ${(err as Error).message}`);
  }
  const damage: StoreDamage[] = [];
  let prevKey: Buffer | undefined;
  for (const [sep, value] of entries) {
    const h = readHandle(value, 0);
    const base = { file, messages: {} as Record<string, number>, toKey: describeKey(userKey(sep)), ...(prevKey ? { fromKey: describeKey(userKey(prevKey)) } : {}) };
    if (!h) damage.push({ ...base, offset: 0, bytes: 0, reason: 'unreadable block handle' });
    else {
      const block = readBlock(buf, h.h, deep);
      let reason = typeof block === 'string' ? block : undefined;
      if (!reason && deep) {
        try {
          blockEntries(block as Buffer);
        } catch (err) {
          reason = `malformed block (${(err as Error).message})`;
        }
      }
      if (reason) damage.push({ ...base, offset: h.h.offset, bytes: h.h.size + 5, reason });
    }
    prevKey = sep;
  }
  return damage;
}

export interface CheckProgress {
  (done: number, total: number, file: string): void;
}

/** Verify every log and table file of a store directory (LevelDB closed). */
export async function checkFiles(dir: string, progress?: CheckProgress): Promise<{ damage: StoreDamage[]; files: number; bytes: number }> {
  const logs = await logFiles(dir);
  const tables = await tableFiles(dir);
  const all = [...logs, ...tables];
  let bytes = 0;
  const damage = await scanLogs(dir);
  for (const f of logs) bytes += (await stat(join(dir, f))).size;
  progress?.(logs.length, all.length, logs[logs.length - 1] ?? '');
  for (let i = 0; i < tables.length; i++) {
    const f = tables[i]!;
    bytes += (await stat(join(dir, f))).size;
    damage.push(...(await checkTable(dir, f)));
    progress?.(logs.length + i + 1, all.length, f);
  }
  return { damage, files: all.length, bytes };
}

/**
 * The checks a store runs before LevelDB opens: its logs, and its tables when small enough.
 * Damage at the very end of the newest log that begins after the last batch known committed is
 * a write a power loss tore before its fsync (never acknowledged): LevelDB drops it, and that
 * is right, so it is not reported.
 */
export async function verifyAtOpen(dir: string, tableBudget: number): Promise<StoreDamage[]> {
  let damage: StoreDamage[];
  let tables: string[];
  try {
    damage = await scanLogs(dir);
    if (damage.length > 0) {
      const logs = await logFiles(dir);
      const newest = logs[logs.length - 1];
      const committed = await readMark(dir);
      const last = damage[damage.length - 1]!;
      if (last.file === newest && !last.before && last.after && committed && comparePositions(last.after, committed) >= 0) damage.pop();
    }
    tables = await tableFiles(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let total = 0;
  for (const f of tables) total += (await stat(join(dir, f))).size;
  if (total <= tableBudget) for (const f of tables) damage.push(...(await checkTable(dir, f, false)));
  return damage;
}
