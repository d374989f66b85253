// The committed mark: a small file beside LevelDB's, rewritten after every synced write, that
// remembers the last position known durable. Records LevelDB drops whole (a log cut short, a
// file lost) leave no trace in its files; a store that opens at a position older than its mark
// has lost batches (missingBatches).
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePosition } from './codec';
import { crc32c, mask } from './crc32c';
import type { StoreDamage } from './integrity';
import { formatPosition } from './ops';
import { comparePositions, type Position } from './types';

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
