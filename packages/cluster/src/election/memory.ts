// An in-process stand-in for ZooKeeper, for deterministic tests of the election and of the
// layers above it. The hub keeps what ZooKeeper would keep for one group (ephemeral member
// records, the ephemeral master record, the epoch) and models sessions: a session can be cut
// off (partition: the node sees a disconnection, its records stay), healed, or expired (its
// records vanish; the node learns it when it can next reach the hub, and rejoins).
// Notifications are delivered with setImmediate, like watches, except the expiry of a connected
// session, which its node hears of synchronously (see expire()).

import { GroupElection, type MemberData } from './group';
import { copyMember, type GroupView, type MasterRecord, type MemberRecord } from './rules';
import type { ElectionOptions } from './types';

interface HubListener {
  changed(): void;
  disconnected(): void;
  reconnected(): void;
  expired(): void;
}

interface HubSession {
  readonly id: number;
  readonly listener: HubListener;
  memberId?: string;
  partitioned: boolean;
  expired: boolean;
  closed: boolean;
}

/** Thrown to a node that uses the hub while cut off from it (ZooKeeper: CONNECTION_LOSS). */
export class HubUnreachableError extends Error {
  override readonly name = 'HubUnreachableError';
}

export class MemoryElectionHub {
  private seq = 0;
  private sessionSeq = 0;
  private groupEpoch = 0;
  private readonly members = new Map<string, { session: number; record: MemberRecord }>();
  private master?: { session: number; record: MasterRecord };
  private readonly sessions = new Map<number, HubSession>();
  private notifyPending = false;

  /** The group's epoch (the last one elected). */
  epoch(): number {
    return this.groupEpoch;
  }

  /** The id of the member holding the master record, if any. */
  masterId(): string | undefined {
    return this.master?.record.member.id;
  }

  /** Ids of the registered members (one entry per live record). */
  memberIds(): string[] {
    return [...this.members.values()].map((m) => m.record.info.id);
  }

  /** Cuts the node(s) with this id off: they see a disconnection; their records stay. */
  partition(id: string): void {
    for (const s of this.sessionsOf(id)) {
      if (s.partitioned) continue;
      s.partitioned = true;
      setImmediate(() => s.listener.disconnected());
    }
  }

  /** Reconnects a partitioned node; if its session expired meanwhile, it learns so now. */
  heal(id: string): void {
    for (const s of this.sessionsOf(id)) {
      if (!s.partitioned) continue;
      s.partitioned = false;
      setImmediate(() => (s.expired ? s.listener.expired() : s.listener.reconnected()));
    }
  }

  /** Expires the session(s) of the node with this id, as ZooKeeper does after the timeout. */
  expire(id: string): void {
    for (const s of this.sessionsOf(id)) {
      s.expired = true;
      this.dropEphemerals(s.id);
      // The node hears of it at once, before the others can elect: with ZooKeeper a connected
      // node's session cannot expire unless it was silent, and then its lease had run out.
      if (!s.partitioned) s.listener.expired();
    }
  }

  // --- used by MemoryElection ---------------------------------------------------------------

  /** @internal */
  openSession(listener: HubListener): number {
    const id = ++this.sessionSeq;
    this.sessions.set(id, { id, listener, partitioned: false, expired: false, closed: false });
    return id;
  }

  /** @internal */
  closeSession(session: number): void {
    const s = this.sessions.get(session);
    if (!s) return;
    s.closed = true;
    this.sessions.delete(session);
    if (!s.expired) this.dropEphemerals(session);
  }

  /** @internal */
  view(session: number): GroupView {
    this.usable(session);
    const view: GroupView = {
      members: [...this.members.values()].map(({ record }) => ({ ...record, info: copyMember(record.info) })),
      groupEpoch: this.groupEpoch,
    };
    if (this.master) view.master = { ...this.master.record, member: copyMember(this.master.record.member) };
    return view;
  }

  /** @internal */
  register(session: number, data: MemberData): string {
    const s = this.usable(session);
    s.memberId = data.info.id;
    const seq = this.seq++;
    const node = `m-${String(seq).padStart(10, '0')}`;
    this.members.set(node, { session, record: { node, seq, info: copyMember(data.info), reportedFor: data.reportedFor } });
    this.changed();
    return node;
  }

  /** @internal */
  publish(session: number, node: string, data: MemberData): void {
    this.usable(session);
    const m = this.members.get(node);
    if (!m || m.session !== session) return;
    m.record = { ...m.record, info: copyMember(data.info), reportedFor: data.reportedFor };
    this.changed();
  }

  /** @internal Creates the master record and raises the epoch, atomically; false if taken. */
  claim(session: number, record: MasterRecord, expectedEpoch: number): boolean {
    this.usable(session);
    if (this.master || this.groupEpoch !== expectedEpoch || record.epoch <= this.groupEpoch) return false;
    this.master = { session, record: { ...record, member: copyMember(record.member) } };
    this.groupEpoch = record.epoch;
    this.changed();
    return true;
  }

  /** @internal */
  resign(session: number, node: string): void {
    this.usable(session);
    if (this.master?.session !== session || this.master.record.node !== node) return;
    this.master = undefined;
    this.changed();
  }

  private usable(session: number): HubSession {
    const s = this.sessions.get(session);
    if (!s || s.closed) throw new HubUnreachableError('session closed');
    if (s.partitioned) throw new HubUnreachableError('partitioned from the hub');
    if (s.expired) throw new HubUnreachableError('session expired');
    return s;
  }

  private sessionsOf(id: string): HubSession[] {
    return [...this.sessions.values()].filter((s) => s.memberId === id && !s.closed);
  }

  private dropEphemerals(session: number): void {
    for (const [node, m] of this.members) if (m.session === session) this.members.delete(node);
    if (this.master?.session === session) this.master = undefined;
    this.changed();
  }

  private changed(): void {
    if (this.notifyPending) return;
    this.notifyPending = true;
    setImmediate(() => {
      this.notifyPending = false;
      for (const s of this.sessions.values()) {
        if (!s.partitioned && !s.expired && !s.closed) s.listener.changed();
      }
    });
  }
}

/** An Election on a MemoryElectionHub, with the same rules as ZooKeeperElection. */
export class MemoryElection extends GroupElection {
  private session?: number;

  constructor(
    private readonly hub: MemoryElectionHub,
    opts: ElectionOptions = {},
  ) {
    super(opts);
  }

  protected open(): void {
    this.sessionStarted();
    const gen = this.generation;
    const current = (): boolean => gen === this.generation && !this.stopped;
    this.session = this.hub.openSession({
      changed: () => {
        if (current()) this.poke();
      },
      disconnected: () => {
        if (current()) this.connectionDown('disconnected from the election hub');
      },
      reconnected: () => {
        if (current()) this.connectionUp();
      },
      expired: () => {
        if (!current()) return;
        this.connectionDown('session expired');
        if (this.session !== undefined) this.hub.closeSession(this.session);
        this.open();
      },
    });
    this.connectionUp();
  }

  protected async close(): Promise<void> {
    if (this.session !== undefined) this.hub.closeSession(this.session);
    this.session = undefined;
  }

  protected async readView(): Promise<GroupView> {
    return this.hub.view(this.requireSession());
  }

  protected async register(data: MemberData): Promise<string> {
    return this.hub.register(this.requireSession(), data);
  }

  protected async publish(node: string, data: MemberData): Promise<void> {
    this.hub.publish(this.requireSession(), node, data);
  }

  protected async claim(record: MasterRecord, view: GroupView): Promise<boolean> {
    return this.hub.claim(this.requireSession(), record, view.groupEpoch);
  }

  protected async resign(view: GroupView): Promise<void> {
    if (view.master) this.hub.resign(this.requireSession(), view.master.node);
  }

  private requireSession(): number {
    if (this.session === undefined) throw new HubUnreachableError('no session');
    return this.session;
  }
}
