// Store failures the broker lives through: a transient one (disk full, out of descriptors) fails
// the sends and acks that meet it, and the store heals by itself when the cause goes away. The
// broker logs it, at most once every few seconds however many calls fail.
import { describeDamage, LevelStore, type Store } from '@wharf/store';
import type { Logger } from './logger';

/** A store error whose cause can go away (the store's StoreUnavailableError). */
export function isTransientStoreError(err: unknown): boolean {
  return (err as { transient?: unknown } | null)?.transient === true;
}

const EVERY_MS = 5000;

export class StoreWarnings {
  private lastAt = 0;
  private suppressed = 0;

  warn(log: Logger, err: Error): void {
    const now = Date.now();
    if (now - this.lastAt < EVERY_MS) {
      this.suppressed++;
      return;
    }
    log.warn({ err, suppressed: this.suppressed }, 'store cannot write for now; sends and acks fail until it can');
    this.lastAt = now;
    this.suppressed = 0;
  }
}

/** A store opened with acceptStoreDamage says what it serves without. */
export function logAcceptedDamage(store: Store, log: Logger): void {
  if (!(store instanceof LevelStore) || store.damageAccepted.length === 0) return;
  for (const d of store.damageAccepted) log.error({ directory: store.directory, damage: describeDamage(d) }, 'store damage accepted (acceptStoreDamage): what it held is lost');
}
