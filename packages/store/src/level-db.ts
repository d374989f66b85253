// The part of classic-level (through `level`) that LevelStore uses, typed narrowly: `level`'s
// own types hide classic-level's `sync` batch option and approximateSize. Keys and values are
// Buffers throughout.
import { readFileSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Level } from 'level';
import { StoreError } from '@wharf/protocol';
import { StoreLockedError } from './errors';

export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export interface Range {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  limit?: number;
  /** false for scans that should not evict the hot blocks from LevelDB's cache. */
  fillCache?: boolean;
}

export interface Cursor<T> {
  /** Up to n more items; an empty array at the end. */
  nextv(n: number): Promise<T[]>;
  /** Every (remaining) item; closes the cursor. */
  all(): Promise<T[]>;
  close(): Promise<void>;
}

export interface Db {
  batch(ops: BatchOp[], opts: { sync: boolean }): Promise<void>;
  getMany(keys: Buffer[]): Promise<Array<Buffer | undefined>>;
  iterator(range: Range): Cursor<[Buffer, Buffer]>;
  keys(range: Range): Cursor<Buffer>;
  values(range: Range): Cursor<Buffer>;
  approximateSize(start: Buffer, end: Buffer): Promise<number>;
  close(): Promise<void>;
}

// LevelDB's LOCK is an fcntl lock, which is per process: a second open of the same directory in
// this process fails, and closing that failed attempt's file descriptor silently drops the lock
// the first store holds (POSIX: closing any descriptor of a file releases the process's locks on
// it), after which another process could open the directory too. So a directory is claimed here,
// once per process, before LevelDB sees it. The set lives on globalThis so that two copies of
// this module in one process still share it.
const CLAIMS = Symbol.for('wharf.store.claimedDirectories');
function claims(): Set<string> {
  const g = globalThis as { [CLAIMS]?: Set<string> };
  return (g[CLAIMS] ??= new Set<string>());
}

export interface OpenedDb {
  db: Db;
  /** The directory's real path (the claim's name). */
  directory: string;
  /** Give the directory back (after close). */
  release(): void;
}

/** The process's soft limit on open file descriptors (Infinity where it cannot be read). */
export function fdLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Table files LevelDB keeps open (its own default is 1000): a quarter of the process's
 * descriptors at most, so client connections can never take the ones the store needs.
 */
export function storeMaxOpenFiles(limit = fdLimit()): number {
  return Number.isFinite(limit) ? Math.max(20, Math.min(1000, Math.floor(limit / 4))) : 1000;
}

const levelOptions = (): { keyEncoding: 'buffer'; valueEncoding: 'buffer'; maxOpenFiles: number } =>
  ({ keyEncoding: 'buffer', valueEncoding: 'buffer', maxOpenFiles: storeMaxOpenFiles() });

/** Open (creating it if missing) the LevelDB at `directory`, failing fast if it is locked. */
export async function openDb(directory: string): Promise<OpenedDb> {
  let dir = resolve(directory);
  try {
    await mkdir(dir, { recursive: true });
    dir = await realpath(dir);
  } catch (err) {
    throw new StoreError(`cannot create data directory ${dir}: ${(err as Error).message}`);
  }
  const claimed = claims();
  if (claimed.has(dir)) throw new StoreLockedError(dir, true);
  claimed.add(dir);
  const release = (): void => {
    claimed.delete(dir);
  };
  const level = new Level<Buffer, Buffer>(dir, levelOptions());
  try {
    await level.open();
  } catch (err) {
    release();
    const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
    if (e.cause?.code === 'LEVEL_LOCKED' || e.code === 'LEVEL_LOCKED') throw new StoreLockedError(dir, false);
    throw new StoreError(`cannot open data directory ${dir}: ${e.cause?.message ?? e.message}`);
  }
  return { db: level as unknown as Db, directory: dir, release };
}

/** Open the LevelDB of a directory this process already claimed again (after closing it). */
export async function reopenDb(directory: string): Promise<Db> {
  const level = new Level<Buffer, Buffer>(directory, levelOptions());
  await level.open();
  return level as unknown as Db;
}

/** Visit every item of a range in chunks, so a large range is never in memory at once. */
export async function scan<T>(cursor: Cursor<T>, visit: (item: T) => void, chunk = 1000): Promise<void> {
  try {
    for (;;) {
      const items = await cursor.nextv(chunk);
      if (items.length === 0) return;
      for (const item of items) visit(item);
    }
  } finally {
    await cursor.close();
  }
}
