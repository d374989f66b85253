// ClusterNode: one member of a replicated master-slave group (docs/CLUSTER.md). It owns the local
// store, joins the election, and follows what the election says:
//   master  — a new term: setEpoch, a ReplicatedStore over the local store, slave sessions;
//             once floor(replicas/2) slaves have caught up, serve clients (services.serve);
//   slave   — replicate from the master into the local store; refuse clients, naming the master;
//   candidate — neither; refuse clients.
// 'lost' (session or quorum gone) fences at once: the term's store fails its waiting commits
// and accepts no more before anything else runs; then the service stops and the node rejoins.
// Role changes run one at a time, in order (a serial task queue).
import type { ElectionState, MemberInfo } from './election/types';
import { openOrSetAside } from './damaged-store';
import { FrameType } from './replication/frames';
import { ReplicatedStore } from './replication/replicated-store';
import { openAndRecover } from './replication/replication-log';
import { SlaveReplicator } from './replication/slave';
import type { ReplicationLink } from './replication/transport';
import { fmt } from './types';
import { ClusterNodeCore } from './node-core';
import type { Term } from './node-types';

export type { MasterService, Refuser, NodeServices, NodeRole, ClusterNodeOptions, NodeStatus } from './node-types';

export class ClusterNode extends ClusterNodeCore {
  async start(): Promise<void> {
    const { store, election, transport } = this.o;
    await openOrSetAside(store, this.replicas, this.log);
    await this.recoverLogTail();
    this.maxEpochSeen = store.position.epoch;
    this.replicationUrl = await transport.listen(this.o.replicationBind, (link) => this.accept(link));
    this.refuser = await this.o.services.refuse(() => this.refusal(), () => this.refusalMembers());
    election.on('lost', (reason) => this.onLost(reason));
    election.on('state', () => this.schedule());
    await election.start({
      id: this.nodeId,
      clientUrl: this.o.clientUrl,
      replicationUrl: this.replicationUrl,
      position: store.position,
      ...(this.o.weight !== undefined ? { weight: this.o.weight } : {}),
    });
    this.log.info({ replicationUrl: this.replicationUrl, position: fmt(store.position) }, 'cluster: node started, joined the election');
    this.setRole('candidate');
    this.schedule();
  }

  /**
   * Opens the retained log; the batches it holds beyond the store's position (received and
   * acknowledged as a slave, or committed as master, but not yet written when the process ended)
   * go to the store first.
   */
  private async recoverLogTail(): Promise<void> {
    const log = this.o.log;
    if (!log) return;
    const from = this.o.store.position;
    const n = await openAndRecover(log, this.o.store, this.log);
    if (n > 0) {
      this.log.info({ from: fmt(from), to: fmt(this.o.store.position), batches: n }, 'cluster: batches from the retained log written to the store');
    }
  }

  /** Stops serving first (no acknowledgement after this), then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.term?.store.deactivate('the node is stopping');
    await this.run(async () => {
      await this.endTerm('the node is stopping', false);
      await this.unfollow();
    });
    await this.o.election.stop().catch((err: Error) => this.log.warn({ err: err.message }, 'cluster: leaving the election failed'));
    await this.o.transport.close();
    await this.refuser?.stop();
    this.refuser = undefined;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
    await this.o.store.close();
    await this.o.log?.close();
    this.setRole('stopped');
  }


  // ---- events ---------------------------------------------------------------------------------

  private onLost(reason: string): void {
    // Fence now, before any queued task: no commit is acknowledged from here on.
    if (this.term) {
      this.log.warn({ epoch: this.term.epoch, reason }, 'cluster: mastership lost; no longer acknowledging');
      this.term.store.deactivate(`mastership lost: ${reason}`);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.runLater(() => this.reconcile());
  }

  private run(task: () => Promise<void>): Promise<void> {
    const next = this.tasks.then(task).catch((err: Error) => {
      this.log.error({ err: err.message, stack: err.stack }, 'cluster: role change failed; this node tries again');
      // An 'error' event nobody listens to would end the process (and this node's part in the group).
      if (this.listenerCount('error') > 0) this.emit('error', err);
      this.retryAfterFailure(err);
    });
    this.tasks = next;
    return next;
  }

  /** run() for callers that do not wait: only an 'error' listener that throws can fail it. */
  private runLater(task: () => Promise<void>): void {
    this.run(task).catch((err: Error) => this.log.error({ err: err.message, stack: err.stack }, 'cluster: a failed role change could not be reported'));
  }

  /**
   * A role change failed (e.g. the client port could not be opened to serve). A master that
   * cannot serve gives its place up for a while, so that another member can; then the role is
   * reconciled again from what the election says.
   */
  private retryAfterFailure(err: Error): void {
    if (this.stopped) return;
    const term = this.term;
    if (term) {
      const reason = `a role change failed: ${err.message}`;
      term.store.deactivate(reason);
      void this.o.election.withdraw(this.o.rejoinAfterMs ?? 4000, reason).catch((e: Error) =>
        this.log.warn({ err: e.message }, 'cluster: stepping aside failed'));
    }
    setTimeout(() => this.schedule(), 1000).unref();
  }

  private accept(link: ReplicationLink): void {
    const term = this.term;
    if (term && term.store.active) {
      term.store.accept(link);
      return;
    }
    link.start({
      frame: (f) => {
        if (f.t !== FrameType.HELLO) return;
        link.send({ t: FrameType.REFUSE, reason: `node ${this.nodeId} is not master` });
        link.close('not master');
      },
      closed: () => undefined,
    });
  }

  // ---- role changes ---------------------------------------------------------------------------

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const st = this.o.election.state();
    this.maxEpochSeen = Math.max(this.maxEpochSeen, st.epoch);
    const term = this.term;
    if (term && (st.role !== 'master' || st.epoch !== term.epoch || !term.store.active)) {
      await this.endTerm(term.store.active ? `the election says ${st.role} (epoch ${st.epoch})` : 'mastership lost', true);
    }
    if (st.role === 'master' && !this.term) {
      await this.beginTerm(st);
    } else if (st.role === 'slave' && st.master) {
      await this.follow(st.master, st.epoch);
    } else if (st.role === 'candidate') {
      await this.unfollow();
      this.setRole('candidate');
    }
    this.membersChanged(st);
  }

  private async beginTerm(st: ElectionState): Promise<void> {
    await this.unfollow();
    const store = this.o.store;
    store.setEpoch(st.epoch);
    const rs = new ReplicatedStore(store, {
      nodeId: this.nodeId,
      epoch: st.epoch,
      replicas: this.replicas,
      sync: this.sync,
      replicationTimeout: this.replicationTimeout,
      heartbeatMs: this.heartbeatMs,
      token: this.o.securityToken ?? '',
      logger: this.log,
      ...(this.o.log ? { log: this.o.log } : {}),
      onAssigned: (p) => this.publishPosition(p),
      onQuorumTimeout: () => this.onQuorumTimeout(term),
      onFailure: (err) => this.fatal(err),
      mayAcknowledge: () => this.o.election.isMaster(),
      onDeposed: (epoch) => {
        this.maxEpochSeen = Math.max(this.maxEpochSeen, epoch);
        if (this.term === term) this.onLost(`a slave has seen the newer epoch ${epoch}`);
      },
    });
    const term: Term = { epoch: st.epoch, store: rs, syncing: true };
    this.term = term;
    this.setRole('syncing');
    this.log.info({ epoch: st.epoch, position: fmt(store.position), waitingFor: rs.missingSlaves() },
      'cluster: elected master; waiting for slaves to catch up before serving');
    this.whenCaughtUp(term);
  }

  /**
   * Serve once floor(replicas/2) slaves hold everything this master has. Meanwhile, step aside
   * when too few slaves are even connected for stepAsideMs: the election counts them present,
   * so they reach ZooKeeper, but not this node (a partition between master and slaves). Without
   * this the group would keep a master that can never serve. Slaves still catching up (e.g. by
   * snapshot) are connected and keep the master waiting as long as they need.
   */
  private whenCaughtUp(term: Term): void {
    const started = Date.now();
    const needed = Math.floor(this.replicas / 2);
    const stepAsideMs = this.o.stepAsideMs ?? 2 * this.replicationTimeout;
    let reachedAt = Date.now();
    const progress = setInterval(() => {
      this.log.info({ epoch: term.epoch, waitingFor: term.store.missingSlaves(), ms: Date.now() - started },
        'cluster: master still waiting for slaves to catch up');
    }, 5000);
    const watch = setInterval(() => {
      if (this.term !== term || !term.syncing || !term.store.active) return;
      const now = Date.now();
      if (term.store.sessions.size >= needed) reachedAt = now;
      else if (now - reachedAt >= stepAsideMs) {
        clearInterval(watch);
        this.stepAside(term, term.store.sessions.size, now - reachedAt);
      }
    }, Math.min(this.heartbeatMs, 1000));
    progress.unref();
    watch.unref();
    const done = (): void => {
      clearInterval(progress);
      clearInterval(watch);
    };
    term.store.whenCaughtUp().then(
      () => {
        done();
        this.runLater(() => this.serve(term));
      },
      done,
    );
  }

  private stepAside(term: Term, connected: number, forMs: number): void {
    const rejoinAfterMs = this.o.rejoinAfterMs ?? 4000;
    const reason = `only ${connected} of the ${Math.floor(this.replicas / 2)} slave(s) it needs connected to it for ${forMs} ms, ` +
      'though the election counts them present: stepping aside so that they can elect a master among themselves';
    this.log.warn({ epoch: term.epoch, connected, forMs, rejoinAfterMs }, `cluster: master ${reason}`);
    void this.o.election.withdraw(rejoinAfterMs, reason).catch((err: Error) =>
      this.log.warn({ err: err.message }, 'cluster: stepping aside failed'));
  }

  private async serve(term: Term): Promise<void> {
    if (this.stopped || this.term !== term || !term.store.active || term.service) return;
    await this.refuser?.stop();
    this.refuser = undefined;
    const members = this.clientUrls(this.o.election.state());
    try {
      term.service = await this.o.services.serve(term.store, members);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cluster: could not start serving');
      this.refuser = await this.o.services.refuse(() => this.refusal(), () => this.refusalMembers());
      throw err;
    }
    if (this.term !== term || !term.store.active) {
      // Deposed while starting: the next task ends the term.
      return;
    }
    term.syncing = false;
    this.setRole('master');
    this.log.info({ epoch: term.epoch, position: fmt(term.store.assignedPosition) }, 'cluster: master serving clients');
    this.emit('serving', term.epoch);
  }

  /**
   * A commit missed its quorum: the broker's memory may now hold less than its store (the
   * batch is written here but unacknowledged). Stop serving, wait for slaves to catch up again,
   * then serve with a broker recovered from the store.
   */
  private onQuorumTimeout(term: Term): void {
    this.runLater(async () => {
      if (this.term !== term || !term.store.active || term.syncing) return;
      this.log.warn({ epoch: term.epoch }, 'cluster: quorum lost for commits; stopping service until slaves catch up');
      term.syncing = true;
      term.store.failWaiting('replication: the master stopped serving: its slaves do not acknowledge');
      await yieldToIo();
      const service = term.service;
      term.service = undefined;
      await service?.stop().catch((err: Error) => this.log.warn({ err: err.message }, 'cluster: service stop failed'));
      if (!this.refuser) this.refuser = await this.o.services.refuse(() => this.refusal(), () => this.refusalMembers());
      this.setRole('syncing');
      this.whenCaughtUp(term);
    });
  }

  private async endTerm(reason: string, refuse: boolean): Promise<void> {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    term.store.deactivate(reason);
    // Let the failed commits' errors reach their clients before the connections close.
    await yieldToIo();
    const service = term.service;
    term.service = undefined;
    await service?.stop().catch((err: Error) => this.log.warn({ err: err.message }, 'cluster: service stop failed'));
    await term.store.drain();
    this.publishPosition(this.o.store.position);
    this.log.info({ epoch: term.epoch, position: fmt(this.o.store.position), reason }, 'cluster: term ended');
    if (refuse && !this.refuser) this.refuser = await this.o.services.refuse(() => this.refusal(), () => this.refusalMembers());
    this.setRole('candidate');
  }

  private async follow(master: MemberInfo, epoch: number): Promise<void> {
    const f = this.following;
    if (this.slave && f && f.id === master.id && f.url === master.replicationUrl && f.epoch === epoch) return;
    await this.unfollow();
    if (!this.refuser) this.refuser = await this.o.services.refuse(() => this.refusal(), () => this.refusalMembers());
    this.following = { id: master.id, url: master.replicationUrl, epoch };
    const slave = new SlaveReplicator({
      nodeId: this.nodeId,
      token: this.o.securityToken ?? '',
      store: this.o.store,
      transport: this.o.transport,
      sync: this.sync,
      heartbeatMs: this.heartbeatMs,
      logger: this.log,
      masterId: master.id,
      masterUrl: master.replicationUrl,
      epoch,
      maxEpochSeen: this.maxEpochSeen,
      ...(this.o.log ? { log: this.o.log } : {}),
      onPosition: (p) => this.publishPosition(p),
      onFailure: (err) => this.fatal(err),
    });
    this.slave = slave;
    slave.start();
    this.setRole('slave');
  }

  private async unfollow(): Promise<void> {
    const slave = this.slave;
    if (!slave) return;
    this.slave = undefined;
    this.following = undefined;
    await slave.stop();
    // Everything received is applied now: the election gets the exact position.
    this.publishPosition(this.o.store.position);
  }

}


/** One turn of the event loop: promise chains settle and their socket writes are queued. */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
