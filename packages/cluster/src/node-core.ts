// The state of a ClusterNode and what it tells others: its status, the refusal text and member
// list for clients it does not serve, the members announced to served clients, role events.
// node.ts runs the role changes on it.
import { EventEmitter } from 'node:events';
import type { Position } from '@wharf/store';
import type { Election, ElectionState } from './election/types';
import type { ReplicatedStore } from './replication/replicated-store';
import type { SlaveReplicator } from './replication/slave';
import type { ClusterLogger, ReplicableStore, SyncPolicy } from './types';
import type { ClusterNodeOptions, NodeRole, NodeStatus, Refuser, Term } from './node-types';

/** @internal The state half of ClusterNode. */
export abstract class ClusterNodeCore extends EventEmitter {
  readonly nodeId: string;
  readonly replicas: number;
  readonly sync: SyncPolicy;
  readonly replicationTimeout: number;
  readonly heartbeatMs: number;
  protected readonly o: ClusterNodeOptions;
  protected readonly log: ClusterLogger;
  role: NodeRole = 'starting';
  replicationUrl = '';
  protected term: Term | undefined;
  protected slave: SlaveReplicator | undefined;
  protected following: { id: string; url: string; epoch: number } | undefined;
  protected refuser: Refuser | undefined;
  protected tasks: Promise<void> = Promise.resolve();
  protected stopped = false;
  protected maxEpochSeen = 0;
  protected statusTimer: NodeJS.Timeout | null = null;
  protected lastMembers = '';

  constructor(opts: ClusterNodeOptions) {
    super();
    this.o = opts;
    this.nodeId = opts.nodeId;
    this.replicas = opts.replicas ?? 3;
    this.sync = opts.sync ?? 'quorum_mem';
    this.replicationTimeout = opts.replicationTimeout ?? 5000;
    this.heartbeatMs = opts.heartbeatMs ?? 500;
    // Every line names the node once: a pino logger gets the binding unless it has it already
    // (createBrokerClusterNode's logger has; a key given twice appears twice in the JSON).
    const l = opts.logger as ClusterLogger & { bindings?: () => Record<string, unknown>; child?: (b: object) => ClusterLogger };
    this.log = typeof l.bindings === 'function' && typeof l.child === 'function' && l.bindings().node === undefined ? l.child({ node: this.nodeId }) : l;
  }

  get store(): ReplicableStore {
    return this.o.store;
  }

  get election(): Election {
    return this.o.election;
  }

  /** The replicated store while this node is master (tests commit through it). */
  get masterStore(): ReplicatedStore | undefined {
    return this.term?.store;
  }

  /** True while clients are served here. */
  get serving(): boolean {
    return this.role === 'master';
  }

  status(): NodeStatus {
    const st = this.o.election.state();
    const s: NodeStatus = {
      nodeId: this.nodeId,
      role: this.role,
      replicas: this.replicas,
      epoch: this.term?.epoch ?? st.epoch,
      position: this.term ? this.term.store.assignedPosition : (this.slave?.position ?? this.o.store.position),
      members: st.members,
      updatedAt: Date.now(),
    };
    if (st.master) s.master = st.master;
    if (this.term) s.replication = this.term.store.status();
    return s;
  }

  protected publishPosition(p: Position): void {
    this.o.election.updatePosition(p).catch(() => undefined);
  }

  protected fatal(err: Error): void {
    this.log.error({ err: err.message }, 'cluster: the local store failed; this node stops');
    this.term?.store.deactivate('the local store failed');
    this.emit('failure', err);
  }

  // ---- clients --------------------------------------------------------------------------------

  /** This node's client URL first (it serves: Java clients try the first URL first), then the others. */
  protected clientUrls(st: ElectionState): string[] {
    return [this.o.clientUrl, ...st.members.map((m) => m.clientUrl).filter((u) => u !== this.o.clientUrl)];
  }

  protected membersChanged(st: ElectionState): void {
    const urls = this.clientUrls(st);
    const key = urls.join(',');
    if (key === this.lastMembers) return;
    this.lastMembers = key;
    this.term?.service?.membersChanged?.(urls);
  }

  /** The group's client URLs for a refused client: the master's first. */
  protected refusalMembers(): string[] {
    const st = this.o.election.state();
    const urls: string[] = [];
    if (st.master) urls.push(st.master.clientUrl);
    for (const m of st.members) if (!urls.includes(m.clientUrl)) urls.push(m.clientUrl);
    return urls;
  }

  /** What a refused client is told. */
  protected refusal(): string {
    const st = this.o.election.state();
    const term = this.term;
    if (term) {
      return `node ${this.nodeId} is the master (epoch ${term.epoch}) but is not serving yet: ` +
        `waiting for ${term.store.missingSlaves()} slave(s) to catch up`;
    }
    if (st.role === 'slave' && st.master) {
      return `node ${this.nodeId} is a slave; the master is ${st.master.clientUrl} (node ${st.master.id}, epoch ${st.epoch})`;
    }
    return `node ${this.nodeId} is not the master: no master is elected yet (${st.members.length} of ${this.replicas} members present)`;
  }

  protected setRole(role: NodeRole): void {
    if (this.role === role) return;
    this.role = role;
    this.emit('role', role);
    if (role === 'master' && this.o.statusSink && !this.statusTimer) {
      this.statusTimer = setInterval(() => this.o.statusSink?.(this.status()), 1000);
      this.statusTimer.unref();
    } else if (role !== 'master' && this.statusTimer) {
      clearInterval(this.statusTimer);
      this.statusTimer = null;
    }
    this.o.statusSink?.(this.status());
  }
}
