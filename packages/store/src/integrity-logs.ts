// Reading LevelDB's write-ahead logs record by record, with LevelDB's checksums, as its recovery
// would, and reporting each range it would drop (LevelDB itself drops it without a word). A
// damaged range is named by the store batches around it (each carries the store position, P)
// and by the message keys that can still be made out in it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePosition } from './codec';
import { crc32c, unmask } from './crc32c';
import type { StoreDamage } from './integrity';
import { Kind, readU64 } from './keys';
import type { Position } from './types';

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
