// A Java client that fails over back to a broker which has not yet noticed its old connection
// die (a network blip, the client's inactivity monitor) names the same ConnectionId again. As
// ActiveMQ's TransportConnection does, the old connection is closed then, so that what it held
// (prefetched messages, its client id) goes back at once rather than when its inactivity
// timeout ends. Unlike ActiveMQ, only a connection of the same user is taken over: knowing
// another client's ConnectionId is not enough to close its connection.
import type { ProtocolHost } from '@wharf/broker';

export interface ConnectionIdHolder {
  /** The user name the connection authenticated with. */
  readonly user: string | undefined;
  takenOver(): void;
}

const holders = new WeakMap<ProtocolHost, Map<string, ConnectionIdHolder>>();

/** `holder` authenticated with ConnectionId `id`: a stale holder of the same user is closed. */
export function claimConnectionId(broker: ProtocolHost, id: string, holder: ConnectionIdHolder): void {
  let m = holders.get(broker);
  if (!m) holders.set(broker, (m = new Map()));
  const old = m.get(id);
  if (old && old !== holder) {
    if (old.user !== holder.user) return;
    m.delete(id);
    old.takenOver();
  }
  m.set(id, holder);
}

export function releaseConnectionId(broker: ProtocolHost, id: string, holder: ConnectionIdHolder): void {
  const m = holders.get(broker);
  if (m?.get(id) === holder) m.delete(id);
}
