// Whole-store copies for replication (docs/CLUSTER.md): a slave that is too far behind, or whose log
// diverged from the master's history, replaces its store with a copy of the master's.
//
// Export: one LevelDB iterator over every key. An iterator reads from the implicit snapshot
// taken when it was created, and every write is one atomic batch that also moves the position
// key (P), so the copy is a consistent state and P inside it is that state's position.
//
// Import, crash-safe through renames: the copy is written to `<dir>.snapshot`, its position key
// last, with an fsync; then `<dir>` → `<dir>.old`, `<dir>.snapshot` → `<dir>`, and `<dir>.old`
// is removed. settleSnapshotDirs() (run by open) finishes or undoes an interrupted import: a
// `.snapshot` directory is only complete once `<dir>` has been moved away.
import { rename, rm, stat } from 'node:fs/promises';
import { StoreError } from '@wharf/protocol';
import { decodePosition } from './codec';
import { POSITION_KEY } from './keys';
import { openDb, type BatchOp, type Cursor } from './level-db';
import { ZERO_POSITION, type Position } from './types';

export type SnapshotEntry = [key: Buffer, value: Buffer];

/** Reads a consistent copy of a store in chunks. */
export class SnapshotReader {
  /** The copy's position: known once the position key has been read (at the latest at the end). */
  position: Position = ZERO_POSITION;
  private done = false;

  constructor(private readonly cursor: Cursor<[Buffer, Buffer]>) {}

  /** The next entries, about `maxBytes` of keys and values; null at the end (the reader is then closed). */
  async next(maxBytes = 1024 * 1024): Promise<SnapshotEntry[] | null> {
    if (this.done) return null;
    const out: SnapshotEntry[] = [];
    let bytes = 0;
    while (bytes < maxBytes) {
      const rows = await this.cursor.nextv(256);
      if (rows.length === 0) {
        await this.close();
        break;
      }
      for (const row of rows) {
        if (row[0].equals(POSITION_KEY)) this.position = decodePosition(row[1]);
        out.push(row);
        bytes += row[0].length + row[1].length;
      }
    }
    return out.length > 0 ? out : null;
  }

  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.cursor.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes a copy into a new LevelDB at `dir` (replacing anything there); returns its position. */
export async function writeSnapshot(dir: string, chunks: AsyncIterable<SnapshotEntry[]>): Promise<Position> {
  await rm(dir, { recursive: true, force: true });
  const opened = await openDb(dir);
  let position: Buffer | undefined;
  try {
    for await (const chunk of chunks) {
      const ops: BatchOp[] = [];
      for (const [k, v] of chunk) {
        const key = Buffer.from(k);
        const value = Buffer.from(v);
        if (key.equals(POSITION_KEY)) position = value;
        else ops.push({ type: 'put', key, value });
      }
      if (ops.length > 0) await opened.db.batch(ops, { sync: false });
    }
    // The position goes last, with the fsync that makes the whole copy durable.
    const last: BatchOp[] = position ? [{ type: 'put', key: POSITION_KEY, value: position }] : [];
    await opened.db.batch(last, { sync: true });
  } catch (err) {
    await opened.db.close().catch(() => undefined);
    opened.release();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err instanceof StoreError ? err : new StoreError(`snapshot import failed: ${(err as Error).message}`);
  }
  await opened.db.close();
  opened.release();
  return position ? decodePosition(position) : ZERO_POSITION;
}

/** Puts a complete copy at `tmp` in the place of `dir` (both closed). */
export async function swapSnapshot(dir: string, tmp: string): Promise<void> {
  const old = `${dir}.old`;
  await rm(old, { recursive: true, force: true });
  if (await exists(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

/** Finishes or undoes an import a crash interrupted (before the store opens `dir`). */
export async function settleSnapshotDirs(dir: string): Promise<void> {
  const tmp = `${dir}.snapshot`;
  const old = `${dir}.old`;
  if (await exists(tmp)) {
    if (await exists(dir)) await rm(tmp, { recursive: true, force: true });
    else await rename(tmp, dir);
  }
  if (await exists(old)) {
    if (await exists(dir)) await rm(old, { recursive: true, force: true });
    else await rename(old, dir);
  }
}
