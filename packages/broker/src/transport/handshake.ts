// The handshake timeout (ActiveMQ's transport.connectAttemptTimeout): a connection that has not
// completed its handshake (native HELLO, STOMP CONNECT) in time is closed, so idle or
// byte-a-second sockets cannot hold connections and descriptors for ever.
import { ProtocolError } from '@wharf/protocol';
import type { ServerConnection } from '../connection';

export function startHandshakeTimer(conn: ServerConnection): void {
  if (conn.protocol === 'vm') return; // in-process: not a socket anyone else can open
  const ms = conn.transport.connectAttemptTimeout ?? conn.broker.config.connectAttemptTimeout;
  if (!(ms > 0)) return;
  const t = setTimeout(() => {
    if (conn.helloDone || conn.closed) return;
    conn.broker.log.info({ conn: conn.id, remote: conn.remoteAddress, ms }, 'no handshake in time: closing (transport.connectAttemptTimeout)');
    conn.close(new ProtocolError(`no handshake within ${ms} ms (transport.connectAttemptTimeout)`), true);
  }, ms);
  t.unref();
}
