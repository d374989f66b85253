// The election rules, as pure functions over a snapshot of the group. Both implementations
// (ZooKeeper and in-memory) read a GroupView, ask decide() what to do, and carry it out; so
// the rules live in this one place and the in-memory tests exercise the same code.
//
// ActiveMQ's replicated LevelDB (docs/ACTIVEMQ-BEHAVIOUR.md: replicated LevelDB) elects the member with the highest
// log position, ties to the highest weight, and only when a quorum is connected and every
// connected member has reported its position. Wharf keeps those rules; instead of an elector
// writing its choice, the winner claims an ephemeral master record together with a
// compare-and-set of the group's epoch (one atomic write), so two nodes can never both hold
// the same or any overlapping term.

import { ElectionError } from './errors';
import type { ElectionState, MemberInfo, Position } from './types';

/** A registered member, as stored in the group (member znode and its data). */
export interface MemberRecord {
  /** Node name, unique for the life of the group (e.g. `m-<token>-0000000007`). */
  node: string;
  /** Registration order; never reused. */
  seq: number;
  info: MemberInfo;
  /**
   * The group epoch at the time the member published its position: a position counts for
   * the next election only when it was published after the last master was elected and while
   * no master held the group (NOT_REPORTED when one did).
   */
  reportedFor: number;
}

/**
 * reportedFor of a record written while a master held the group (a node that registered and
 * then followed it): its position is from before everything the node received since, so it
 * counts for no election until the node publishes again, or its record goes.
 */
export const NOT_REPORTED = -1;

/** The master record (ephemeral, owned by the master's session). */
export interface MasterRecord {
  /** The master's member node. */
  node: string;
  /** The epoch this master raised the group to: its fencing token. */
  epoch: number;
  member: MemberInfo;
}

export interface GroupView {
  members: MemberRecord[];
  master?: MasterRecord;
  /** The last epoch the group elected (0 before the first election). */
  groupEpoch: number;
}

/** What the local node knows about itself. */
export interface SelfView {
  /** This node's member node in the current session, if registered. */
  node?: string;
  /** The epoch of the mastership this node claimed and still holds, if any. */
  term?: number;
  /** The latest position given by the replication layer. */
  position: Position;
  info: MemberInfo;
}

export type Decision =
  /** Not (or no longer) registered in this session: create the member record. */
  | { kind: 'register' }
  /** This node is master and may serve. */
  | { kind: 'serve' }
  /** Another node is master. */
  | { kind: 'follow' }
  /**
   * Delete our own master record: it belongs to a term we already gave up (after a
   * disconnection), or the group fell below quorum (`lost`).
   */
  | { kind: 'resign'; reason: string; lost: boolean }
  /** Candidate whose published position is stale: publish it for this election. */
  | { kind: 'publish' }
  /** This node is the best candidate: claim mastership with this epoch. */
  | { kind: 'claim'; epoch: number }
  /** Nothing to do until the group changes. */
  | { kind: 'wait'; reason: string };

/** Node name of a master record that exists but cannot be parsed: nobody may claim, nobody can follow. */
export const UNREADABLE = '';

export function quorumOf(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

export function validateReplicas(replicas: number): number {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas % 2 === 0) {
    throw new ElectionError('ELECTION_CONFIG', `replicas must be a positive odd integer, got ${replicas}`);
  }
  return replicas;
}

export function validateMember(info: MemberInfo): void {
  if (typeof info.id !== 'string' || info.id === '') {
    throw new ElectionError('ELECTION_CONFIG', 'member id must be a non-empty string');
  }
  if (!isPosition(info.position)) {
    throw new ElectionError('ELECTION_CONFIG', `member ${info.id}: position must be {epoch, index} of integers`);
  }
  if (info.weight !== undefined && !Number.isFinite(info.weight)) {
    throw new ElectionError('ELECTION_CONFIG', `member ${info.id}: weight must be a number`);
  }
}

export function isPosition(p: unknown): p is Position {
  if (typeof p !== 'object' || p === null) return false;
  const { epoch, index } = p as Record<string, unknown>;
  return Number.isInteger(epoch) && Number.isInteger(index);
}

export function comparePositions(a: Position, b: Position): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.index - b.index;
}

function samePosition(a: Position, b: Position): boolean {
  return a.epoch === b.epoch && a.index === b.index;
}

/** One record per member id: the newest registration (an older one is a session not yet expired). */
export function liveMembers(records: readonly MemberRecord[]): MemberRecord[] {
  const byId = new Map<string, MemberRecord>();
  for (const r of records) {
    const seen = byId.get(r.info.id);
    if (!seen || seen.seq < r.seq) byId.set(r.info.id, r);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** Best first: highest position, then highest weight, then earliest registration. */
export function rankMembers(records: readonly MemberRecord[]): MemberRecord[] {
  return [...records].sort(
    (a, b) =>
      comparePositions(b.info.position, a.info.position) ||
      (b.info.weight ?? 1) - (a.info.weight ?? 1) ||
      a.seq - b.seq,
  );
}

/** The epoch a new master takes: above the group's and above every epoch found in a member's log. */
export function nextEpoch(view: GroupView): number {
  let max = view.groupEpoch;
  for (const m of view.members) max = Math.max(max, m.info.position.epoch);
  return max + 1;
}

export function decide(view: GroupView, self: SelfView, replicas: number): Decision {
  const mine = self.node === undefined ? undefined : view.members.find((m) => m.node === self.node);
  if (!mine) {
    // Our member record vanished under a live session (deleted by hand): a master record
    // naming it must go first, or we would follow ourselves forever.
    if (self.node !== undefined && view.master?.node === self.node) {
      return { kind: 'resign', reason: 'our member record vanished', lost: true };
    }
    return { kind: 'register' };
  }
  const live = liveMembers(view.members);
  const quorum = quorumOf(replicas);
  const master = view.master;

  if (master) {
    if (master.node === UNREADABLE) return { kind: 'wait', reason: 'the master record is unreadable' };
    if (master.node !== self.node) return { kind: 'follow' };
    if (self.term !== master.epoch) {
      return { kind: 'resign', reason: `stale master record of epoch ${master.epoch}`, lost: false };
    }
    if (live.length < quorum) {
      return {
        kind: 'resign',
        reason: `quorum lost: ${live.length} of ${replicas} members present, ${quorum} needed`,
        lost: true,
      };
    }
    return { kind: 'serve' };
  }

  if (mine.reportedFor !== view.groupEpoch || !samePosition(mine.info.position, self.position) ||
      mine.info.clientUrl !== self.info.clientUrl || mine.info.replicationUrl !== self.info.replicationUrl ||
      (mine.info.weight ?? 1) !== (self.info.weight ?? 1)) {
    return { kind: 'publish' };
  }
  if (live.length < quorum) {
    return { kind: 'wait', reason: `no quorum: ${live.length} of ${replicas} members present, ${quorum} needed` };
  }
  const unreported = live.filter((m) => m.reportedFor !== view.groupEpoch);
  if (unreported.length > 0) {
    return { kind: 'wait', reason: `waiting for positions of ${unreported.map((m) => m.info.id).join(', ')}` };
  }
  const best = rankMembers(live)[0];
  if (best === undefined || best.node !== self.node) {
    return { kind: 'wait', reason: `${best?.info.id ?? 'nobody'} is the best candidate` };
  }
  return { kind: 'claim', epoch: nextEpoch(view) };
}

/** The state a decision leads to (the master record, when present, is re-read after a claim). */
export function stateOf(view: GroupView, decision: Decision): ElectionState {
  const members = liveMembers(view.members).map((m) => copyMember(m.info));
  const master = view.master;
  if (master && (decision.kind === 'serve' || decision.kind === 'follow')) {
    return {
      role: decision.kind === 'serve' ? 'master' : 'slave',
      epoch: master.epoch,
      master: copyMember(master.member),
      members,
    };
  }
  return { role: 'candidate', epoch: view.groupEpoch, members };
}

export function copyMember(m: MemberInfo): MemberInfo {
  const copy: MemberInfo = {
    id: m.id,
    clientUrl: m.clientUrl,
    replicationUrl: m.replicationUrl,
    position: { epoch: m.position.epoch, index: m.position.index },
  };
  if (m.weight !== undefined) copy.weight = m.weight;
  return copy;
}

export function sameState(a: ElectionState, b: ElectionState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
