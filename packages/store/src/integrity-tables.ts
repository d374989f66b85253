// Checking LevelDB's sorted tables block by block (LevelDB reads table blocks without checking
// their checksums): a damaged block is named by the keys it held.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c, unmask } from './crc32c';
import type { StoreDamage } from './integrity';
import { Kind, readU64 } from './keys';
import { snappyUncompress } from './snappy';

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

export async function tableFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^\d+\.(ldb|sst)$/.test(n)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}
