// The broker's registry of open connections: by id, and by JMS clientID, which is unique among
// them (a failover client that reconnects before its old connection was noticed dead takes its
// clientID over, as ActiveMQ's link stealing for reconnects).
import { JMSError } from '@wharf/protocol';
import type { Broker } from './broker';
import type { ServerConnection } from './connection';

export function addConnection(b: Broker, conn: ServerConnection): void {
  b.connections.set(conn.id, conn);
  b.log.debug({ connection: conn.id, remote: conn.remoteAddress, protocol: conn.protocol, user: conn.user, clientId: conn.clientId }, 'connection opened');
  b.emit('connection', conn.id);
}

export function removeConnection(b: Broker, conn: ServerConnection): void {
  if (b.connections.has(conn.id)) {
    b.log.debug({ connection: conn.id, remote: conn.remoteAddress, protocol: conn.protocol, user: conn.user, clientId: conn.clientId, ms: Date.now() - conn.connectedAt }, 'connection closed');
  }
  b.connections.delete(conn.id);
  if (conn.clientId && b.clientIds.get(conn.clientId) === conn) b.clientIds.delete(conn.clientId);
}

/** JMS: a clientId is unique among the broker's connections. */
export function claimClientId(b: Broker, conn: ServerConnection, clientId: string): void {
  const other = b.clientIds.get(clientId);
  if (other && other !== conn && !other.closed && conn.failover) {
    // A failover client coming back before its old connection was noticed dead takes the
    // clientID over (ActiveMQ's link stealing for reconnects).
    b.log.info({ clientId, old: other.id }, 'failover reconnect takes over the clientID');
    other.close(new JMSError(`clientID ${clientId} was taken over by a reconnecting client`), true);
  } else if (other && other !== conn && !other.closed) {
    throw new JMSError(`Broker: ${b.name} - Client: ${clientId} already connected from ${other.remoteAddress}`, 'WHARF_INVALID_CLIENT_ID');
  }
  b.clientIds.set(clientId, conn);
}
