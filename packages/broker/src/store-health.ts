// Store failures the broker lives through: a transient one (disk full, out of descriptors) fails
// the sends and acks that meet it, and the store heals by itself when the cause goes away. The
// broker logs it, at most once every few seconds however many calls fail.
import { statfs } from 'node:fs/promises';
import { describeDamage, LevelStore, type Store } from '@wharf/store';
import type { Logger } from './logger';

/** A store error whose cause can go away (the store's StoreUnavailableError). */
export function isTransientStoreError(err: unknown): boolean {
  return (err as { transient?: unknown } | null)?.transient === true;
}

/**
 * A write a replicated group's master cannot acknowledge (its term lost, or its slaves not
 * acknowledging in time), for which its node stops serving: it stops this broker next. The
 * store did not fail.
 */
export function isFencedStoreError(err: unknown): boolean {
  return (err as { fenced?: unknown } | null)?.fenced === true;
}

const EVERY_MS = 5000;

export class StoreWarnings {
  private lastAt = 0;
  private suppressed = 0;

  warn(log: Logger, err: Error, msg = 'store cannot write for now; sends and acks fail until it can'): void {
    const now = Date.now();
    if (now - this.lastAt < EVERY_MS) {
      this.suppressed++;
      return;
    }
    log.warn({ err, suppressed: this.suppressed }, msg);
    this.lastAt = now;
    this.suppressed = 0;
  }
}

/** A store opened with acceptStoreDamage says what it serves without. */
export function logAcceptedDamage(store: Store, log: Logger): void {
  if (!(store instanceof LevelStore) || store.damageAccepted.length === 0) return;
  for (const d of store.damageAccepted) log.error({ directory: store.directory, damage: describeDamage(d) }, 'store damage accepted (acceptStoreDamage): what it held is lost');
}

const MB = 1024 * 1024;
/**
 * Room LevelDB needs beyond the data it holds: its write-ahead log and memtable flushes (4 MiB
 * write buffers) and compactions, which write new tables before removing the old ones.
 */
export function storeMargin(totalBytes: number): number {
  return Math.max(16 * MB, Math.floor(totalBytes * 0.05));
}

/**
 * The store limit the disk can hold, as ActiveMQ's checkStoreUsageLimits at start: a limit
 * above the usable space plus what the store already takes is lowered to that (here minus
 * storeMargin, so producers block or fail before the disk is full, not at ENOSPC).
 */
export async function fitStoreLimit(limit: number, dir: string, store: Store, log: Logger): Promise<number> {
  if (limit <= 0) return limit;
  let usable: number;
  let total: number;
  try {
    const fs = await statfs(dir);
    usable = fs.bavail * fs.bsize;
    total = fs.blocks * fs.bsize;
  } catch {
    return limit;
  }
  const current = store.stats().bytes;
  const available = Math.max(0, usable + current - storeMargin(total));
  if (limit <= available) return limit;
  log.warn(
    { storeLimit: limit, usable, current, margin: storeMargin(total), adjusted: available },
    `Store limit is ${Math.round(limit / MB)} mb (current store usage is ${Math.round(current / MB)} mb). The data directory: ${dir} only has ` +
      `${Math.round(usable / MB)} mb of usable space. - resetting to maximum available disk space: ${Math.round(available / MB)} mb`,
  );
  return Math.max(1, available);
}
