// The election seam (docs/CLUSTER.md): the broker and the replication layer see only these types,
// so the ZooKeeper implementation and the in-memory one are interchangeable.

/** A log position: the epoch of the master that wrote the entry, and its index in the log. */
export interface Position {
  epoch: number;
  index: number;
}

/** What a node tells the group about itself. Published in its member znode (as JSON). */
export interface MemberInfo {
  /** Broker name; unique within the group. */
  id: string;
  /** Where clients connect when this node is master (e.g. `tcp://host:61616`). */
  clientUrl: string;
  /** Where slaves connect to replicate from this node when it is master. */
  replicationUrl: string;
  /** Last log position; the highest position wins the election. */
  position: Position;
  /** Tie-breaker when positions are equal: the highest weight wins (ActiveMQ default 1). */
  weight?: number;
}

export type ElectionRole = 'master' | 'slave' | 'candidate';

export interface ElectionState {
  role: ElectionRole;
  /**
   * The fencing token: the epoch of the current master (master and slave roles), or the
   * last epoch the group elected (candidate). It grows with every new master.
   */
  epoch: number;
  /** The current master, as it registered (slaves connect to `master.replicationUrl`). */
  master?: MemberInfo;
  /** The members present in the group (one per id), in registration order. */
  members: MemberInfo[];
}

/** Events of an {@link Election}. */
export interface ElectionEvents {
  /** Every change of role, master, epoch or members. */
  state: [state: ElectionState];
  /**
   * This node must stop being master now: it lost its session or its connection to the
   * coordination service, or the group fell below quorum. A 'state' event follows.
   */
  lost: [reason: string];
}

export interface Election {
  /** Joins the group; resolves once this node is registered as a member. */
  start(self: MemberInfo): Promise<void>;
  /**
   * Records this node's log position. It is published to the group while the node is a
   * candidate (so the best-placed node wins the next election); as master or slave it is only
   * remembered, and published when the node next becomes a candidate.
   */
  updatePosition(pos: Position): Promise<void>;
  /** The current view. Never reports 'master' once this node can no longer be sure it is. */
  state(): ElectionState;
  /** state().role === 'master', without copying the view (asked for every replicated commit). */
  isMaster(): boolean;
  /**
   * Leaves the group now (a master gives up its mastership at once: 'lost' is emitted and its
   * records go with its session) and joins again, with a new session, after `ms`. Meanwhile
   * the other members elect among themselves. For a master that the group's ZooKeeper sees but
   * its slaves cannot reach (docs/CLUSTER.md); does nothing while already withdrawn or stopped.
   */
  withdraw(ms: number, reason: string): Promise<void>;
  /** Leaves the group (a master gives up mastership at once). No events after this. */
  stop(): Promise<void>;
  on<K extends keyof ElectionEvents>(event: K, listener: (...args: ElectionEvents[K]) => void): this;
  once<K extends keyof ElectionEvents>(event: K, listener: (...args: ElectionEvents[K]) => void): this;
  off<K extends keyof ElectionEvents>(event: K, listener: (...args: ElectionEvents[K]) => void): this;
}

/** A pino-like logger; every call is `(fields, message)`. */
export interface ElectionLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ElectionOptions {
  /** Group size: odd, default 3. Quorum = floor(replicas / 2) + 1. */
  replicas?: number;
  logger?: ElectionLogger;
}

export const silentLogger: ElectionLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
