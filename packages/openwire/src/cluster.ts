// A replicated group's members, told to Java clients as ActiveMQ's transport connector does with
// updateClusterClients: a ConnectionControl whose connectedBrokers the client's FailoverTransport
// takes as its URL list (when its updateURIsSupported is on, the default; the client decides).
// A node that does not serve answers a Java client with the same ConnectionControl and closes
// (refuseOpenWire): the client moves on at once, to the master named first.
import type net from 'node:net';
import type { Refusal, TransportConnectorConfig } from '@wharf/broker';
import type { OwContext } from './context';
import { claimConnectionId, releaseConnectionId, type ConnectionIdHolder } from './takeover';
import { WireFormat, type Struct } from './codec';
import { FrameReader } from './frame';
import { DataType, MAX_VERSION } from './schema';
import { negotiate, wireFormatInfo, type WireFormatPrefs } from './wireformat-info';

/** A connector's updateClusterClients, rebalanceClusterClients and updateClusterClientsOnRemove. */
export interface ClusterClients {
  update: boolean;
  rebalance: boolean;
  onRemove: boolean;
  /** A TLS connector: its clients are told only TLS URLs (the members' are tcp://: none). */
  secure: boolean;
}

/** updateClusterClients defaults to on: it only has an effect in a group, where clients need it. */
export function clusterClients(cfg: TransportConnectorConfig | undefined): ClusterClients {
  return {
    update: cfg?.updateClusterClients !== false,
    rebalance: cfg?.rebalanceClusterClients === true,
    onRemove: cfg?.updateClusterClientsOnRemove === true,
    secure: /^(auto\+)?(nio\+)?ssl:/i.test(cfg?.uri ?? ''),
  };
}

/** The members a connector's clients may be told: a client on TLS never gets a plain URL. */
export function membersFor(cc: ClusterClients, members: readonly string[]): readonly string[] {
  return cc.secure ? members.filter((u) => /^ssl:/i.test(u)) : members;
}

/** What ConnectionInfo said that matters once the login succeeded. */
export interface Accepted {
  user: string | undefined;
  connectionId: string | null;
  failoverReconnect: boolean;
}

/** A connection's part in a group: the members told to its client, its ConnectionId held. */
export class GroupPart implements ConnectionIdHolder {
  user: string | undefined;
  private told: readonly string[] | null = null;
  private connectionId: string | null = null;
  private readonly cc: ClusterClients;

  constructor(private readonly ctx: OwContext, cc: ClusterClients | undefined, private readonly close: () => void) {
    this.cc = cc ?? clusterClients(undefined);
  }

  /** ConnectionInfo was accepted. */
  accepted(info: Accepted): void {
    this.user = info.user;
    if (info.connectionId !== null) claimConnectionId(this.ctx.broker, (this.connectionId = info.connectionId), this);
    // A client back through failover is not sent elsewhere again (as ActiveMQ's connector).
    this.tell(this.ctx.broker.config.advertisedMembers ?? [], !info.failoverReconnect);
  }

  /** The members, as a ConnectionControl, when the connector tells clients and there is news. */
  tell(all: readonly string[], mayRebalance: boolean): void {
    const members = membersFor(this.cc, all);
    if (!this.cc.update || !this.ctx.isOpen() || !worthTelling(this.told, members, this.cc.onRemove)) return;
    this.told = members;
    this.ctx.writeCommand(connectionControl(members, this.cc.rebalance && mayRebalance));
  }

  takenOver(): void {
    this.ctx.broker.log.info({ conn: this.ctx.conn.id }, 'openwire: the client reconnected with this connection id: closing the stale connection');
    this.close();
  }

  release(): void {
    if (this.connectionId !== null) releaseConnectionId(this.ctx.broker, this.connectionId, this);
  }
}

export function connectionControl(members: readonly string[], rebalance: boolean): Struct {
  return {
    type: DataType.CONNECTION_CONTROL, commandId: 0, responseRequired: false, close: false, exit: false, faultTolerant: false,
    resume: false, suspend: false, connectedBrokers: members.join(','), reconnectTo: null, rebalanceConnection: rebalance, token: null,
  };
}

/**
 * Whether a change of the member list is told to connected clients: always when a member
 * joins (or the list changes order: a new master), a member leaving only with onRemove.
 */
export function worthTelling(before: readonly string[] | null, after: readonly string[], onRemove: boolean): boolean {
  if (before === null) return after.length > 0;
  if (before.length === after.length && before.every((u, i) => u === after[i])) return false;
  if (after.some((u) => !before.includes(u))) return true;
  if (after.length < before.length) return onRemove;
  return true;
}

/** Only the client's WireFormatInfo is read before the socket closes. */
const REFUSER_PREFS: WireFormatPrefs = {
  version: MAX_VERSION, tightEncodingEnabled: true, cacheEnabled: false, cacheSize: 0, sizePrefixDisabled: false, stackTraceEnabled: false,
  tcpNoDelayEnabled: true, maxInactivityDuration: 30000, maxInactivityDurationInitalDelay: 10000, maxFrameSize: 64 * 1024,
};
const REFUSE_WITHIN_MS = 10_000;

/**
 * Refuse a Java client on a node that does not serve. Closing the socket makes the client's
 * FailoverTransport try its next URL after its initialReconnectDelay; telling it the members
 * first (master first) makes that next URL the master. An ExceptionResponse or ConnectionError
 * would not: the client reports those to the application and stays on this node.
 */
export function refuseOpenWire(socket: net.Socket, head: Buffer, refusal: Refusal): void {
  socket.setNoDelay(true);
  const close = (): void => {
    socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  };
  if (refusal.members.length === 0) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), REFUSE_WITHIN_MS);
  timer.unref();
  socket.on('error', () => socket.destroy());
  socket.on('close', () => clearTimeout(timer));
  const initial = new WireFormat({ version: MAX_VERSION, tightEncoding: false, cacheEnabled: false });
  socket.write(initial.encode(wireFormatInfo(REFUSER_PREFS)));
  const frames = new FrameReader(REFUSER_PREFS.maxFrameSize);
  let done = false;
  const onData = (chunk: Buffer): void => {
    if (done) return;
    try {
      frames.push(chunk);
      const f = frames.next();
      if (!f) return;
      done = true;
      const info = initial.decode(f);
      if (!info || info.type !== DataType.WIREFORMAT_INFO) {
        socket.destroy();
        return;
      }
      const wf = new WireFormat(negotiate(REFUSER_PREFS, info));
      socket.write(wf.encode(connectionControl(refusal.members, false)));
      close();
    } catch {
      done = true;
      socket.destroy();
    }
  };
  socket.on('data', onData);
  onData(head);
}
