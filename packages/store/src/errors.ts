// Store errors. They keep the protocol's STORE code (WHARF_STORE) so a client sees the same code
// over the wire; the subclasses let a caller tell the cases apart.
import { StoreError } from '@wharf/protocol';

export { StoreError };

/** The data directory is held by another store: another process, or this one. */
export class StoreLockedError extends StoreError {
  readonly directory: string;
  constructor(directory: string, inThisProcess: boolean) {
    super(
      inThisProcess
        ? `data directory ${directory} is locked by another broker in this process (LevelDB LOCK file): close the other store or choose another dataDirectory`
        : `data directory ${directory} is locked by another broker (LevelDB LOCK file): stop the other broker or choose another dataDirectory`,
    );
    this.directory = directory;
  }
}

/**
 * The store's files are damaged: what LevelDB would recover is less than what was committed.
 * A broker refuses to serve such a store unless told to accept the loss (acceptDamage).
 */
export class StoreDamagedError extends StoreError {
  readonly directory: string;
  readonly damage: ReadonlyArray<import('./integrity').StoreDamage>;
  constructor(directory: string, damage: ReadonlyArray<import('./integrity').StoreDamage>, describe: (d: import('./integrity').StoreDamage) => string, cause?: string) {
    const list = damage.map((d) => `\n  - ${describe(d)}`).join('');
    super(
      `store ${directory} is damaged${cause ? ` (${cause})` : ''}; serving it would lose what the damaged range held:${list}\n` +
        `  Run 'wharf store check --data-directory ${directory}' for a full report, then either restore a backup, ` +
        `or run 'wharf store repair --data-directory ${directory}' (keeps what is readable, drops the rest), ` +
        `or start with --accept-store-damage (acceptStoreDamage: true) to serve what is left.`,
    );
    this.name = 'StoreDamagedError';
    this.directory = directory;
    this.damage = damage;
  }
}

/**
 * A write failed for a reason that may go away (disk full, out of file descriptors). The store
 * refuses writes with this error until a write succeeds again; nothing is lost or acknowledged.
 */
export class StoreUnavailableError extends StoreError {
  readonly transient = true;
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/** ENOSPC, EMFILE and the like: I/O errors that end when the resource comes back. */
export function isTransientIoError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: { message?: unknown; code?: unknown } } | null;
  const text = `${String(e?.code ?? '')} ${String(e?.message ?? '')} ${String(e?.cause?.code ?? '')} ${String(e?.cause?.message ?? '')}`;
  return /ENOSPC|EDQUOT|EMFILE|ENFILE|No space left|Disk quota exceeded|Too many open files/i.test(text);
}
