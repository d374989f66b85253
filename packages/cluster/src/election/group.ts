// The part of an election that does not depend on the coordination service: the reconcile
// loop (read the group, decide, act, repeat), the state and 'lost' events, start/stop.
// Implementations supply sessions and the five storage operations.

import { EventEmitter } from 'node:events';
import { ElectionError } from './errors';
import {
  copyMember, decide, isPosition, liveMembers, NOT_REPORTED, sameState, stateOf, validateMember, validateReplicas,
  type Decision, type GroupView, type MasterRecord, type MemberRecord,
} from './rules';
import {
  silentLogger, type Election, type ElectionEvents, type ElectionLogger, type ElectionOptions,
  type ElectionState, type MemberInfo, type Position,
} from './types';

/** The data a member publishes (its record without the store's node name and sequence). */
export type MemberData = Pick<MemberRecord, 'info' | 'reportedFor'>;

const RETRY_MS = 250;
/** Decisions acted on in one pass before yielding (each act is followed by a fresh read). */
const MAX_STEPS = 8;

export abstract class GroupElection<V extends GroupView = GroupView>
  extends EventEmitter<ElectionEvents>
  implements Election {
  protected readonly replicas: number;
  protected readonly log: ElectionLogger;
  /** Incremented for every new session; work begun in an older session is dropped. */
  protected generation = 0;
  protected stopped = false;
  private info?: MemberInfo;
  private position: Position = { epoch: 0, index: 0 };
  /** Our member record in the current session. */
  private node?: string;
  /** The epoch of the mastership we claimed in this session and have not given up. */
  private term?: number;
  private connected = false;
  private current: ElectionState = { role: 'candidate', epoch: 0, members: [] };
  private dirty = false;
  private running = false;
  private waiters: Array<() => void> = [];
  private retryTimer?: NodeJS.Timeout;
  private withdrawTimer?: NodeJS.Timeout;
  private registered?: { resolve(): void; reject(err: Error): void };
  private lastReason = '';
  private oversize = 0;
  /** The highest epoch this node has seen, across sessions. */
  private maxEpochSeen = 0;

  constructor(opts: ElectionOptions) {
    super();
    this.replicas = validateReplicas(opts.replicas ?? 3);
    this.log = opts.logger ?? silentLogger;
  }

  async start(self: MemberInfo): Promise<void> {
    if (this.info || this.stopped) throw new ElectionError('ELECTION_STATE', 'an election can be started once');
    validateMember(self);
    this.info = copyMember(self);
    this.position = { ...self.position };
    const registered = new Promise<void>((resolve, reject) => {
      this.registered = { resolve, reject };
    });
    this.open();
    await registered;
  }

  async updatePosition(pos: Position): Promise<void> {
    if (!isPosition(pos)) throw new ElectionError('ELECTION_CONFIG', 'position must be {epoch, index} of integers');
    this.position = { epoch: pos.epoch, index: pos.index };
    if (this.connected && this.current.role === 'candidate') await this.kick();
  }

  isMaster(): boolean {
    return this.current.role === 'master' && this.leaseValid();
  }

  state(): ElectionState {
    const s = structuredClone(this.current);
    // A master whose lease ran out reports candidate even before the watchdog has fired.
    if (s.role === 'master' && !this.leaseValid()) return { role: 'candidate', epoch: s.epoch, members: s.members };
    return s;
  }

  async withdraw(ms: number, reason: string): Promise<void> {
    if (this.stopped || this.withdrawTimer || !this.info) return;
    this.log.warn({ id: this.info.id, rejoinInMs: ms, reason }, 'election: leaving the group for a while');
    this.connectionDown(reason);
    // Set before close(): a second call, or the timer of an earlier one, is ignored meanwhile.
    this.withdrawTimer = setTimeout(() => {
      this.withdrawTimer = undefined;
      if (this.stopped) return;
      this.log.info({ id: this.info?.id }, 'election: joining the group again');
      this.open();
    }, ms);
    await this.close();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.withdrawTimer);
    this.withdrawTimer = undefined;
    this.registered?.reject(new ElectionError('ELECTION_STOPPED', 'the election was stopped before it registered'));
    this.registered = undefined;
    await this.close();
    for (const w of this.waiters.splice(0)) w();
  }

  /** This node's member id, once started. */
  get id(): string | undefined {
    return this.info?.id;
  }

  /** The role last announced. */
  protected get role(): ElectionState['role'] {
    return this.current.role;
  }

  // --- for implementations ------------------------------------------------------------------

  /** Opens a session (asynchronously); calls connectionUp() once it can be used. */
  protected abstract open(): void;
  /** Ends the session; the group forgets our records at once. */
  protected abstract close(): Promise<void>;
  protected abstract readView(): Promise<V>;
  /** Creates our member record; returns its node name. */
  protected abstract register(data: MemberData, view: V): Promise<string>;
  protected abstract publish(node: string, data: MemberData): Promise<void>;
  /** Atomically creates the master record and raises the group epoch to record.epoch. */
  protected abstract claim(record: MasterRecord, view: V): Promise<boolean>;
  /** Deletes our master record. */
  protected abstract resign(view: V): Promise<void>;

  /** Whether this node may still act as master (ZooKeeper: its session lease). */
  protected leaseValid(): boolean {
    return true;
  }

  /** A new session begins: nothing registered or claimed in it yet. */
  protected sessionStarted(): void {
    this.generation += 1;
    this.node = undefined;
    this.term = undefined;
    this.connected = false;
  }

  protected connectionUp(): void {
    if (this.stopped) return;
    this.connected = true;
    this.poke();
  }

  /**
   * The session can no longer be trusted (disconnected, expired, lease ran out): a master
   * stops now. On reconnection in the same session, the stale master record is deleted and a
   * new election (with a new epoch) follows.
   */
  protected connectionDown(reason: string): void {
    if (this.stopped) return;
    this.connected = false;
    this.term = undefined;
    this.setState({ role: 'candidate', epoch: this.current.epoch, members: [] }, reason);
  }

  /** Another pass is needed; resolves once it has run. */
  protected kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.poke();
    return done;
  }

  /** Another pass is needed (nobody waits for it). */
  protected poke(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.running) return;
    // A pass handles the group's failures itself (retrying); what escapes it is a fault.
    this.loop().catch((err: Error) => this.log.error({ err, id: this.info?.id }, 'election: the election loop failed'));
  }

  // --- the loop -----------------------------------------------------------------------------

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        const waiters = this.waiters.splice(0);
        await this.pass();
        for (const w of waiters) w();
      }
    } finally {
      this.running = false;
      if (this.stopped) for (const w of this.waiters.splice(0)) w();
    }
  }

  private async pass(): Promise<void> {
    const info = this.info;
    if (!this.connected || !info) return;
    const gen = this.generation;
    try {
      for (let step = 0; step < MAX_STEPS; step++) {
        const view = await this.readView();
        if (gen !== this.generation || !this.connected || this.stopped) return;
        this.checkGroupSize(view);
        this.maxEpochSeen = Math.max(this.maxEpochSeen, view.groupEpoch, view.master?.epoch ?? 0);
        const decision = decide(view, { node: this.node, term: this.term, position: this.position, info }, this.replicas);
        this.trace(decision);
        if (!(await this.act(decision, view, info, gen))) {
          // A view that took too long to read is no proof of mastership: the lease watchdog
          // drops the connection and a new term follows.
          if (decision.kind === 'serve' && !this.leaseValid()) return;
          this.setState(stateOf(view, decision), reasonOf(decision));
          return;
        }
        if (gen !== this.generation || this.stopped) return;
      }
      // Still changing after MAX_STEPS acts: carry on shortly rather than spin.
      this.log.debug({ id: info.id }, 'election: group still changing, continuing shortly');
      this.scheduleRetry();
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      if (err instanceof ElectionError && err.code === 'ELECTION_AUTH') {
        // Wrong or missing zkPassword: no retry will help a node that has not joined yet, so
        // start() fails with the reason. A member whose access was taken away keeps trying.
        const registered = this.registered;
        this.log.error({ id: info.id }, `election: ${err.message}`);
        if (registered) {
          this.registered = undefined;
          registered.reject(err);
          this.stop().catch((e: Error) => this.log.warn({ err: e, id: info.id }, 'election: closing the session failed'));
          return;
        }
      }
      // Failures while disconnected are expected; the reconnection starts a new pass.
      const level = this.connected ? 'warn' : 'debug';
      this.log[level]({ err, id: info.id }, 'election: group operation failed, retrying');
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.connected) this.poke();
    }, RETRY_MS);
  }

  /** Carries out a decision; true when it changed the group (so it must be read again). */
  private async act(decision: Decision, view: V, info: MemberInfo, gen: number): Promise<boolean> {
    // A record written while a master holds the group must not decide the next election: its
    // node's position grows as it follows (rules.ts, NOT_REPORTED).
    const reportedFor = view.master ? NOT_REPORTED : view.groupEpoch;
    const data = (): MemberData => ({ info: { ...copyMember(info), position: { ...this.position } }, reportedFor });
    switch (decision.kind) {
      case 'register': {
        const node = await this.register(data(), view);
        if (gen !== this.generation) return true;
        this.node = node;
        this.log.info({ id: info.id, znode: node }, 'election: registered as member');
        this.registered?.resolve();
        this.registered = undefined;
        return true;
      }
      case 'publish':
        if (this.node === undefined) return true;
        await this.publish(this.node, data());
        return true;
      case 'claim': {
        if (this.node === undefined) return true;
        // Never reuse an epoch this node has seen, even if the group's epoch znode was reset.
        const epoch = Math.max(decision.epoch, this.maxEpochSeen + 1);
        const record: MasterRecord = { node: this.node, epoch, member: data().info };
        if (await this.claim(record, view)) {
          if (gen !== this.generation) return true;
          this.term = epoch;
          this.log.info({ id: info.id, epoch }, 'election: claimed mastership');
        }
        return true;
      }
      case 'resign':
        // Stop serving before the record goes: once it is deleted another node may be elected.
        if (decision.lost) {
          this.log.warn({ id: info.id, reason: decision.reason }, 'election: giving up mastership');
          this.setState(stateOf(view, { kind: 'wait', reason: decision.reason }), decision.reason);
        }
        this.term = undefined;
        await this.resign(view);
        return true;
      default:
        return false;
    }
  }

  private setState(next: ElectionState, reason: string): void {
    if (this.stopped) return;
    const prev = this.current;
    if (prev.role === 'master' && next.role !== 'master') {
      this.current = next;
      this.log.warn({ id: this.info?.id, epoch: prev.epoch, reason }, 'election: mastership lost');
      this.emit('lost', reason);
    }
    if (sameState(prev, next)) return;
    this.current = next;
    if (next.role !== prev.role || next.master?.id !== prev.master?.id || next.epoch !== prev.epoch) {
      this.log.info({ id: this.info?.id, role: next.role, master: next.master?.id, epoch: next.epoch }, 'election: state');
    }
    this.emit('state', structuredClone(next));
  }

  /** More members than `replicas` is a configuration mistake; elect anyway (as ActiveMQ does), but say so. */
  private checkGroupSize(view: V): void {
    const count = liveMembers(view.members).length;
    if (count > this.replicas && count !== this.oversize) {
      this.log.warn({ id: this.info?.id, members: count, replicas: this.replicas },
        'election: more members than replicas; check that every node of the group has the same replicas setting');
    }
    this.oversize = count > this.replicas ? count : 0;
  }

  private trace(decision: Decision): void {
    const reason = `${decision.kind}${'reason' in decision ? `: ${decision.reason}` : ''}`;
    if (reason === this.lastReason) return;
    this.lastReason = reason;
    this.log.debug({ id: this.info?.id, decision: reason }, 'election: decision');
  }
}

function reasonOf(decision: Decision): string {
  switch (decision.kind) {
    case 'follow':
      return 'another node is master';
    case 'wait':
    case 'resign':
      return decision.reason;
    default:
      return decision.kind;
  }
}
