// Waiting out a transient I/O failure (disk full, out of file descriptors). LevelDB keeps the
// first failed write's error and fails every later write with it until the database is reopened,
// so healing means reopening; a cheap probe first tells whether the cause is gone, so a store
// whose disk is still full keeps its open (readable) database meanwhile.
import { closeSync, openSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePosition, encodePosition } from './codec';
import { POSITION_KEY } from './keys';
import { reopenDb, type Db, type OpenedDb } from './level-db';
import { comparePositions, ZERO_POSITION, type Position } from './types';

const PROBE_BYTES = 1024 * 1024;
const PROBE_FDS = 16;

/** True when `dir` has room for a small write and the process can open a few files. */
export async function resourcesBack(dir: string): Promise<boolean> {
  const fds: number[] = [];
  try {
    for (let i = 0; i < PROBE_FDS; i++) fds.push(openSync(dir, 'r'));
  } catch {
    return false;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  const probe = join(dir, 'WHARF-PROBE');
  try {
    await writeFile(probe, Buffer.alloc(PROBE_BYTES));
    return true;
  } catch {
    return false;
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/** Retry delays: quick at first, then every two seconds. */
export function healDelay(attempt: number): number {
  return Math.min(2000, 100 * 2 ** Math.min(attempt, 5));
}

/**
 * Tries to heal until `heal` says it did: after healDelay, again and again while it answers
 * false or throws. One attempt at a time.
 */
export class Healer {
  private timer: NodeJS.Timeout | null = null;
  /** The attempt in progress. */
  running: Promise<void> | null = null;
  private attempts = 0;

  constructor(private readonly heal: () => Promise<boolean>, private readonly active: () => boolean) {}

  schedule(): void {
    if (this.timer || this.running || !this.active()) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.heal().then(
        (healed) => {
          this.running = null;
          if (healed) this.attempts = 0;
          else this.schedule();
        },
        () => {
          this.running = null;
          this.schedule();
        },
      );
    }, healDelay(this.attempts++));
    this.timer.unref();
  }

  /** No more attempts; resolves once one in progress is done. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}

/**
 * Reopens LevelDB once the cause of a transient failure is gone (LevelDB keeps a failed write's
 * error until reopened). The position is read back: a write reported failed may have reached
 * its log after all (its fsync failed), and then it counts. Resolves with the position on disk,
 * or null when the store cannot write yet.
 */
export async function reopenAfterFailure(o: OpenedDb, written: Position): Promise<Position | null> {
  if (!(await resourcesBack(o.directory))) return null;
  await o.db.close().catch(() => undefined);
  let db: Db;
  try {
    db = await reopenDb(o.directory);
  } catch {
    return null;
  }
  o.db = db;
  try {
    const [pos] = await db.getMany([POSITION_KEY]);
    const onDisk = pos ? decodePosition(pos) : ZERO_POSITION;
    const now = comparePositions(onDisk, written) > 0 ? onDisk : written;
    await db.batch([{ type: 'put', key: POSITION_KEY, value: encodePosition(now) }], { sync: true });
    return now;
  } catch {
    await db.close().catch(() => undefined);
    return null;
  }
}
