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
