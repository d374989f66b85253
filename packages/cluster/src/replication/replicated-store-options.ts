// The options of a ReplicatedStore (a master's term), and the batches it keeps for its slaves.
import type { Position } from '@wharf/store';
import type { ReplicationLog } from './replication-log';
import type { ClusterLogger, SyncPolicy } from '../types';

export interface ReplicatedStoreOptions {
  nodeId: string;
  /** This master's term: every batch it writes carries it. */
  epoch: number;
  replicas: number;
  sync: SyncPolicy;
  /** ms a sync commit waits for its quorum. */
  replicationTimeout: number;
  /** ms between heartbeats on idle slave links; a slave silent for 4 of them is dropped. */
  heartbeatMs: number;
  /** Shared secret a slave must present (ActiveMQ securityToken). */
  token: string;
  logger: ClusterLogger;
  /** The retained log (default: the store's own, Store.readLog). */
  log?: ReplicationLog;
  /** Every position assigned (the node publishes it to the election). */
  onAssigned?(p: Position): void;
  /** A commit missed its quorum deadline. */
  onQuorumTimeout?(message: string): void;
  /** The local store failed a write: this node cannot go on. */
  onFailure?(err: Error): void;
  /** A slave knows of a newer epoch than ours: we are deposed. */
  onDeposed?(epoch: number): void;
  /**
   * Whether this node may still acknowledge (the election's lease is valid). Checked before a
   * quorum releases a commit: after the lease, another master may already be elected, and an
   * acknowledgement now could be of a batch the new master lacks.
   */
  mayAcknowledge?(): boolean;
}

/** A batch of this term, kept in memory until written and while recent (slaves read it here). */
export interface BufferedBatch {
  position: Position;
  bytes: Uint8Array;
  sync: boolean;
  written: boolean;
}
