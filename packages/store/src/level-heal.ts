// Waiting out a transient I/O failure (disk full, out of file descriptors). LevelDB keeps the
// first failed write's error and fails every later write with it until the database is reopened,
// so healing means reopening; a cheap probe first tells whether the cause is gone, so a store
// whose disk is still full keeps its open (readable) database meanwhile.
import { closeSync, openSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
