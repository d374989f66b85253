// The Store contract (docs/ARCHITECTURE.md: invariants). Every durable change of broker state is an op in a batch; a
// batch gets a position {epoch, index} from commit() (master) or carries one into apply()
// (slave). Master and slave write through the same code, so their stores hold the same state.
import type { WireMessage } from '@wharf/protocol';

export interface Position {
  epoch: number;
  index: number;
}
export const ZERO_POSITION: Position = { epoch: 0, index: 0 };

export function comparePositions(a: Position, b: Position): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.index - b.index;
}

/** Op codes. Wire and log values: ONLY ADD TO THE END. */
/**
 * How many producers' highest sequence numbers a store keeps for duplicate detection after a
 * failover or restart: the most recently written ones (ActiveMQ's KahaDB keeps 1,000,
 * maxFailoverProducersToTrack). A client that opens a connection per send would otherwise grow
 * the store, and the memory of every recovery, without bound.
 */
export const MAX_TRACKED_PRODUCERS = 10_000;

export const OpType = {
  PUT_MESSAGE: 1,
  REMOVE_MESSAGE: 2,
  PUT_SUBSCRIPTION: 3,
  REMOVE_SUBSCRIPTION: 4,
  ACK_SUBSCRIPTION: 5,
  PUT_JOB: 6,
  REMOVE_JOB: 7,
  PUT_DESTINATION: 8,
  REMOVE_DESTINATION: 9,
  MARK_DELIVERED: 10,
  PUT_PREPARED: 11,
  REMOVE_PREPARED: 12,
} as const;

/**
 * A message stored under (dest, seq). `seq` is assigned by the broker per destination and only
 * grows. For a topic message kept for durable subscribers, `subs` lists the subscription keys
 * present at send time: the store records one reference per subscription, and the broker removes
 * the message (REMOVE_MESSAGE) once every reference is acknowledged (ACK_SUBSCRIPTION).
 */
export interface PutMessageOp { t: typeof OpType.PUT_MESSAGE; dest: string; seq: number; msg: WireMessage; subs?: string[] }
export interface RemoveMessageOp { t: typeof OpType.REMOVE_MESSAGE; dest: string; seq: number }
export interface SubscriptionRecord {
  /** `<clientId>:<subscriptionName>` */
  key: string;
  clientId: string;
  name: string;
  /** The subscribed topic (may be a wildcard), canonical URL. */
  destination: string;
  selector?: string;
  noLocal?: boolean;
  createdAt: number;
}
/** Store (or replace) a durable subscription. `dest` is the concrete topic URL it is attached to. */
export interface PutSubscriptionOp { t: typeof OpType.PUT_SUBSCRIPTION; dest: string; sub: SubscriptionRecord }
/** Remove a subscription and all its pending references on `dest`. */
export interface RemoveSubscriptionOp { t: typeof OpType.REMOVE_SUBSCRIPTION; dest: string; key: string }
/** One subscription acknowledged message `seq` of topic `dest`. */
export interface AckSubscriptionOp { t: typeof OpType.ACK_SUBSCRIPTION; dest: string; key: string; seq: number }
export interface JobRecord {
  id: string;
  /** Next fire time, ms since the epoch. */
  due: number;
  /** Remaining data the scheduler needs (period, repeat, cron, the message). */
  data: unknown;
}
export interface PutJobOp { t: typeof OpType.PUT_JOB; job: JobRecord }
export interface RemoveJobOp { t: typeof OpType.REMOVE_JOB; id: string; due: number }
export interface DestinationRecord { url: string; createdAt: number; options?: Record<string, unknown> }
export interface PutDestinationOp { t: typeof OpType.PUT_DESTINATION; dest: DestinationRecord }
/** Remove a destination with every message and subscription stored under it. */
export interface RemoveDestinationOp { t: typeof OpType.REMOVE_DESTINATION; url: string }
/**
 * The broker may have dispatched messages of `dest` up to `seq` (highest so far). On recovery
 * every stored message at or below this mark comes back with `redelivered` set (JMS: "may have
 * been delivered before"). Written with sync:false before dispatch: survives a process crash.
 */
export interface MarkDeliveredOp { t: typeof OpType.MARK_DELIVERED; dest: string; seq: number; key?: string }

/**
 * One message a prepared XA transaction acknowledged: `dest` is where the message is stored (the
 * queue, or the topic of a durable subscription), `key` the durable subscription's key.
 */
export interface PreparedAck { dest: string; seq: number; key?: string }
/**
 * A prepared XA transaction branch: what it sends and acknowledges once committed. `xid` is the
 * broker's text form of the transaction id (no NUL characters).
 */
export interface PreparedRecord { xid: string; sends: WireMessage[]; acks: PreparedAck[]; preparedAt: number }
/** Store (or replace) a prepared transaction; it is listed by recover() until removed. */
export interface PutPreparedOp { t: typeof OpType.PUT_PREPARED; tx: PreparedRecord }
/** A prepared transaction was committed or rolled back (in the same batch as its outcome). */
export interface RemovePreparedOp { t: typeof OpType.REMOVE_PREPARED; xid: string }

export type StoreOp =
  | PutMessageOp
  | RemoveMessageOp
  | PutSubscriptionOp
  | RemoveSubscriptionOp
  | AckSubscriptionOp
  | PutJobOp
  | RemoveJobOp
  | PutDestinationOp
  | RemoveDestinationOp
  | MarkDeliveredOp
  | PutPreparedOp
  | RemovePreparedOp;

export interface LogBatch {
  position: Position;
  ops: StoreOp[];
}

export interface CommitOptions {
  /** true: resolve only once the batch is on disk (fsync, shared with concurrent commits). */
  sync?: boolean;
  /**
   * Concurrent store and dispatch (stores with `cancelQueuedPut` only): the broker may dispatch
   * this commit's queue messages (PUT_MESSAGE without subs) before they are on disk. While the
   * commit waits for the writer, cancelQueuedPut() takes a consumed message back out of it, and
   * once every message of a commit made only of such puts (and MARK_DELIVERED ops) is cancelled,
   * its promise resolves at once: the message was consumed, nothing is left to make durable.
   */
  dispatchable?: boolean;
}

export interface StoredMessage {
  seq: number;
  msg: WireMessage;
}

export interface DestinationSummary {
  url: string;
  createdAt: number;
  options?: Record<string, unknown>;
  /** Number of stored messages. */
  count: number;
  /** Lowest and highest stored seq (0 when empty). */
  firstSeq: number;
  lastSeq: number;
  /** Highest seq recorded by MARK_DELIVERED for the destination itself (queues). */
  deliveredSeq: number;
}

export interface SubscriptionSummary extends SubscriptionRecord {
  /** The concrete topic URL it is attached to. */
  dest: string;
  pending: number;
  deliveredSeq: number;
}

export interface RecoveredState {
  position: Position;
  destinations: DestinationSummary[];
  subscriptions: SubscriptionSummary[];
  /** Highest stored producerSeq per producerId, for duplicate detection after restart/failover. */
  producerSeqs: Map<string, number>;
  jobCount: number;
  /** Prepared XA transactions, in xid order. */
  prepared: PreparedRecord[];
}

export interface StoreStats {
  /** Approximate bytes on disk (or in memory for MemoryStore). */
  bytes: number;
  messages: number;
  /** Commits since open, and the batches (fsyncs) that carried them: group size = commits / syncs. */
  commits: number;
  syncs: number;
  /** Messages consumed before their write started, so never written (concurrent store and dispatch). */
  cancelledPuts?: number;
}

export interface Store {
  readonly kind: 'memory' | 'leveldb';
  open(): Promise<void>;
  close(): Promise<void>;
  /** Position of the last batch written (committed or applied). */
  readonly position: Position;
  /** Epoch used for the next commit's positions (the cluster raises it on election). */
  setEpoch(epoch: number): void;
  /** Assign the next position; resolve once written (durable if sync). Group-commits. */
  commit(ops: StoreOp[], opts?: CommitOptions): Promise<Position>;
  /**
   * Concurrent store and dispatch (optional; LevelStore without a retained log has it). True
   * when the put of queue message (dest, seq) from a dispatchable commit has not started writing:
   * it is dropped from its write, and the caller must not commit the message's removal.
   */
  cancelQueuedPut?(dest: string, seq: number): boolean;
  /** Write a batch that already has a position (slave path). Positions must only grow. */
  apply(batch: LogBatch, opts?: CommitOptions): Promise<void>;
  /** Summaries of everything stored; messages are then paged in with loadMessages. */
  recover(): Promise<RecoveredState>;
  /** Up to `limit` messages of `dest` with seq > afterSeq, in seq order. */
  loadMessages(dest: string, afterSeq: number, limit: number): Promise<StoredMessage[]>;
  /** Up to `limit` pending message seqs of subscription `key` on topic `dest`, seq > afterSeq. */
  loadSubscriptionRefs(dest: string, key: string, afterSeq: number, limit: number): Promise<number[]>;
  /** Fetch single messages by seq (topic backlogs are stored once and read by reference). */
  getMessage(dest: string, seq: number): Promise<WireMessage | undefined>;
  /**
   * Scheduled jobs due at or before `until`, in due order, up to `limit`; with `after`, only jobs
   * whose key (due, id) comes after it (a cursor: reads need not pass removed jobs again).
   */
  loadJobs(until: number, limit: number, after?: { due: number; id: string }): Promise<JobRecord[]>;
  /** Retained replication log: batches after `from`, up to `limit`; undefined if `from` is older than the retained log. */
  readLog(from: Position, limit: number): Promise<LogBatch[] | undefined>;
  stats(): StoreStats;
}
