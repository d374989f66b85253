// @wharf/store: the Store contract (docs/ARCHITECTURE.md: invariants), LevelStore (LevelDB) and
// MemoryStore; Journal, the append-only segment files the cluster keeps its replication log in.
export * from './types';
export { StoreError, StoreLockedError, StoreDamagedError, StoreUnavailableError, isTransientIoError } from './errors';
export { checkFiles, describeDamage, type StoreDamage, type CheckProgress } from './integrity';
export { describeKey } from './integrity-tables';
export { scanLogs } from './integrity-logs';
export { readMark, MARK_FILE } from './committed-mark';
export { MemoryStore, type MemoryStoreOptions } from './memory-store';
export { LevelStore, type LevelStoreOptions } from './level-store';
export { fdLimit, storeMaxOpenFiles } from './level-db';
export {
  encodeBatch, decodeBatch, encodeBatchForApply, decodeEncodedBatch, isEncodedPut,
  type EncodedBatch, type EncodedOp, type EncodedPutMessageOp,
} from './codec';
export { validateOps } from './ops';
export { SnapshotReader, type SnapshotEntry } from './level-snapshot';
export { Journal, type JournalOptions, type JournalRecord, type JournalLogger } from './journal/journal';

import { StoreError } from './errors';
import { LevelStore } from './level-store';
import { MemoryStore } from './memory-store';
import type { Store } from './types';

export interface CreateStoreOptions {
  /** true: LevelStore in `directory`; false: MemoryStore. */
  persistent: boolean;
  directory?: string;
}

/** The store a broker configuration asks for (not yet opened). */
export function createStore(opts: CreateStoreOptions): Store {
  if (!opts.persistent) return new MemoryStore();
  if (!opts.directory) throw new StoreError('a persistent store needs a directory (dataDirectory)');
  return new LevelStore({ directory: opts.directory });
}
