// Shared types of the replication layer and the cluster node.
import type { CommitOptions, EncodedBatch, LogBatch, Position, SnapshotEntry, SnapshotReader, Store } from '@wharf/store';
import type { ElectionLogger } from './election/types';

/** docs/CLUSTER.md: when a replicated commit counts as done. */
export type SyncPolicy = 'quorum_mem' | 'quorum_disk' | 'local_disk';
export const SYNC_POLICIES: readonly SyncPolicy[] = ['quorum_mem', 'quorum_disk', 'local_disk'];

/** A store that can be copied whole: LevelStore. */
export interface ReplicableStore extends Store {
  /** Also takes a batch whose messages are encoded (what replication ships). */
  apply(batch: LogBatch | EncodedBatch, opts?: CommitOptions): Promise<void>;
  exportSnapshot(): SnapshotReader;
  importSnapshot(chunks: AsyncIterable<SnapshotEntry[]>): Promise<Position>;
  /** Move a closed, damaged store's files aside so that it opens empty (LevelStore). */
  setAside?(): Promise<string>;
}

/** pino-compatible: `(fields, message)`. */
export type ClusterLogger = ElectionLogger;

export function samePosition(a: Position, b: Position): boolean {
  return a.epoch === b.epoch && a.index === b.index;
}

export function fmt(p: Position): string {
  return `${p.epoch}:${p.index}`;
}

export function quorumOf(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

/** What a slave looks like from the master. */
export interface SlaveStatus {
  nodeId: string;
  /** 'snapshot' while a full copy is being sent; 'streaming' afterwards. */
  state: 'handshake' | 'snapshot' | 'streaming';
  /** Log index the slave has received (in memory), and written. */
  received: number;
  durable: number;
  /** Batches the slave is behind the master (by received index). */
  lag: number;
}

export interface MasterStatus {
  epoch: number;
  position: Position;
  slaves: SlaveStatus[];
}
