// The retained replication log (docs/CLUSTER.md): the encoded batches this node committed (as
// master) or applied (as slave), oldest first, so that a slave that was away streams the batches
// it missed instead of taking a snapshot. Only replication reads it. A cluster node keeps it in a
// Journal of @wharf/store (`<dataDirectory>/replication-log`: segment files beside LevelDB, whose
// format, recovery and durability are the store's business); a store that keeps its own log
// (MemoryStore) serves through StoreReplicationLog.
//
// A slave writes what it receives to the log before it acknowledges it and hands it to its store
// a little later (slave.ts), so a batch acknowledged as received survives the slave process. At
// open, the batches the log holds beyond the store's position are written to the store
// (openAndRecover): on a master, commits whose local write a crash interrupted, which is as if
// they had completed. quorum_disk: a slave syncs the log before it acknowledges batches as
// written, and only batches its store has written are trimmed.
import {
  decodeEncodedBatch, encodeBatch, ZERO_POSITION, type EncodedBatch, type JournalRecord, type Position, type Store,
} from '@wharf/store';
import { fmt, samePosition, type ClusterLogger, type ReplicableStore } from '../types';

/** One retained batch. */
export type LogRecord = JournalRecord;

/** What replication needs of its log; a Journal of @wharf/store is one. */
export interface ReplicationLog {
  /**
   * Loads the log (the store is open at `storePosition`) and returns the batches it holds after
   * that position, which the store must apply before anything else.
   */
  open(storePosition: Position): Promise<LogRecord[]>;
  /** Appends the batch that follows the log's end (a batch that does not follow restarts the log). */
  append(position: Position, bytes: Uint8Array, sync: boolean): void;
  /**
   * Writes what was appended now (otherwise at the end of the turn). True when every batch
   * appended is in the log's files: a crash of the process no longer loses it.
   */
  flush(): boolean;
  /**
   * Writes what was appended and makes it durable, now, on this thread (fdatasync of the files
   * written since the last sync: one sync serves every batch appended before it). Returns the
   * last index on disk; throws when the log cannot keep batches (then flush() says false too).
   */
  sync(): number;
  /** The store has written every batch up to `index`: retention may drop them now. */
  written(index: number): void;
  /** Whether a slave at `p` can stream from here: p is a retained batch or the point the log starts after. */
  holds(p: Position): Promise<boolean>;
  /** Up to `limit` batches (about `maxBytes`) after `from`; undefined when `from` is not held. */
  read(from: Position, limit: number, maxBytes: number): Promise<LogRecord[] | undefined>;
  /** Forgets everything: the store was replaced by a snapshot at `p`. */
  reset(p: Position): Promise<void>;
  /** Writes what is pending and releases the files. */
  close(): Promise<void>;
}

/**
 * Opens `log` for `store` (open) and writes to the store the batches the log holds beyond the
 * store's position: received (and acknowledged) as a slave or committed as master, but not yet
 * written when the process ended. Resolves with how many there were.
 */
export async function openAndRecover(log: ReplicationLog, store: Pick<ReplicableStore, 'position' | 'apply'>, logger?: ClusterLogger): Promise<number> {
  const tail = await log.open(store.position);
  if (tail.length === 0) return 0;
  const batches: EncodedBatch[] = [];
  for (const r of tail) {
    let batch: EncodedBatch | undefined;
    try {
      batch = decodeEncodedBatch(r.bytes);
    } catch {
      batch = undefined;
    }
    if (!batch || !samePosition(batch.position, r.position)) {
      logger?.warn({ position: fmt(r.position) }, 'replication log: a retained batch does not decode; the log starts afresh after the batches before it');
      break;
    }
    batches.push(batch);
  }
  // Every write is waited for, not only the last: a failing store refuses all of them, and a
  // refusal nobody waits for would end the process.
  await Promise.all(batches.map((b, i) => store.apply(b, { sync: i === batches.length - 1 })));
  if (batches.length < tail.length) await log.reset(store.position);
  else log.written(store.position.index);
  return batches.length;
}

/**
 * The log kept by the store itself (Store.readLog: a MemoryStore's; a LevelStore keeps none, so
 * a slave behind it gets a snapshot): for nodes built without a Journal, e.g. in tests.
 */
export class StoreReplicationLog implements ReplicationLog {
  constructor(private readonly store: Pick<Store, 'position' | 'readLog'>) {}

  async open(): Promise<LogRecord[]> {
    return [];
  }
  append(): void {}
  flush(): boolean {
    return false;
  }
  sync(): number {
    throw new Error('the store keeps the retained log: nothing to sync');
  }
  written(): void {}
  async reset(): Promise<void> {}
  async close(): Promise<void> {}

  async holds(p: Position): Promise<boolean> {
    if (samePosition(p, this.store.position)) return true;
    if (p.index === 0) return samePosition(p, ZERO_POSITION) && (await this.store.readLog(ZERO_POSITION, 1)) !== undefined;
    // The batch at p's index, if the retained log still has it, must be p itself.
    const probe = await this.store.readLog({ epoch: p.epoch, index: p.index - 1 }, 1);
    const found = probe?.[0];
    return found !== undefined && samePosition(found.position, p);
  }

  async read(from: Position, limit: number): Promise<LogRecord[] | undefined> {
    const batches = await this.store.readLog(from, limit);
    return batches?.map((b) => ({ position: b.position, bytes: encodeBatch(b), sync: true }));
  }
}
