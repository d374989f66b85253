// The options, status and services of a ClusterNode.
import type { Position } from '@wharf/store';
import type { Election, MemberInfo } from './election/types';
import type { ReplicatedStore } from './replication/replicated-store';
import type { ReplicationLog } from './replication/replication-log';
import type { ReplicationTransport } from './replication/transport';
import type { ClusterLogger, MasterStatus, ReplicableStore, SyncPolicy } from './types';

/** What a node runs while it serves clients (the broker). */
export interface MasterService {
  stop(): Promise<void>;
  /** The group's client URLs changed (tell connected failover clients). */
  membersChanged?(clientUrls: string[]): void;
}

export interface Refuser {
  stop(): Promise<void>;
}

export interface NodeServices {
  /** Serve clients on top of the replicated store. */
  serve(store: ReplicatedStore, clientUrls: string[]): Promise<MasterService>;
  /**
   * While not serving: answer clients with an error; `reason()` says why and names the master,
   * `members()` gives the group's client URLs, the master first (failover clients learn them).
   */
  refuse(reason: () => string, members?: () => string[]): Promise<Refuser>;
}

export type NodeRole = 'starting' | 'candidate' | 'slave' | 'syncing' | 'master' | 'stopped';

export interface ClusterNodeOptions {
  nodeId: string;
  /** Group size (odd); default 3. */
  replicas?: number;
  sync?: SyncPolicy;
  /** ms a sync commit waits for its quorum; default 5000. */
  replicationTimeout?: number;
  /** ms between replication heartbeats; default 500. */
  heartbeatMs?: number;
  /** Must match on every node (ActiveMQ securityToken). */
  securityToken?: string;
  /**
   * A master waiting to serve (after its election, or after a missed quorum) that has had
   * fewer than floor(replicas/2) slaves connected for this long, while the election still
   * counts them present (they reach ZooKeeper but not this node), leaves the election for
   * `rejoinAfterMs` so that they can elect one of themselves. Default 2 × replicationTimeout.
   */
  stepAsideMs?: number;
  /** How long a master that stepped aside stays out of the election; default 4000. */
  rejoinAfterMs?: number;
  weight?: number;
  /** This node's client URL, as clients reach it. */
  clientUrl: string;
  /** Where the replication listener binds (tcp://host:port, or anything for the memory hub). */
  replicationBind: string;
  store: ReplicableStore;
  /**
   * The retained replication log (a Journal of @wharf/store beside the store); without one, the
   * store's own (Store.readLog) is used.
   */
  log?: ReplicationLog;
  election: Election;
  transport: ReplicationTransport;
  services: NodeServices;
  logger: ClusterLogger;
  /** Called about once a second while master, and on role changes (ZooKeeper status znode). */
  statusSink?(status: NodeStatus): void;
}

export interface NodeStatus {
  nodeId: string;
  role: NodeRole;
  /** The group's full size (cluster.replicas). */
  replicas: number;
  epoch: number;
  position: Position;
  master?: MemberInfo;
  members: MemberInfo[];
  /** As master: its slaves. */
  replication?: MasterStatus;
  updatedAt: number;
}

/** @internal */
export interface Term {
  epoch: number;
  store: ReplicatedStore;
  service?: MasterService;
  /** Waiting for slaves to catch up before serving (again). */
  syncing: boolean;
}
