// The handshake timeout (ActiveMQ's transport.connectAttemptTimeout): a connection that has not
// completed its handshake (native HELLO, STOMP CONNECT) in time is closed, so idle or
// byte-a-second sockets cannot hold connections and descriptors for ever.
import { ProtocolError } from '@wharf/protocol';
import type { ServerConnection } from '../connection';

//
// The caller clears the timer at the handshake and at close: a pending timer holds its
// connection (parser buffers, frames half read) for the whole timeout after the socket is gone,
// and a fuzzer opening hundreds of connections a second kept a gigabyte alive that way.
export function startHandshakeTimer(conn: ServerConnection): NodeJS.Timeout | null {
  if (conn.protocol === 'vm') return null; // in-process: not a socket anyone else can open
  const ms = conn.transport.connectAttemptTimeout ?? conn.broker.config.connectAttemptTimeout;
  if (!(ms > 0)) return null;
  const t = setTimeout(() => {
    if (conn.helloDone || conn.closed) return;
    conn.broker.log.info({ conn: conn.id, remote: conn.remoteAddress, ms }, 'no handshake in time: closing (transport.connectAttemptTimeout)');
    conn.close(new ProtocolError(`no handshake within ${ms} ms (transport.connectAttemptTimeout)`), true);
  }, ms);
  t.unref();
  return t;
}
