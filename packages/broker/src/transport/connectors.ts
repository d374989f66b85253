// Transport connectors (ActiveMQ <transportConnector name uri>): native tcp and ssl here;
// other schemes (stomp, ws, ...) come from the protocol packages the broker was given
// (BrokerOptions.protocols, see core.ts). A tcp/ssl connector recognises each connection's
// protocol from its first bytes, as ActiveMQ's auto:// transport does: packages with a detector
// (OpenWire) claim theirs; the rest speak Wharf's native protocol.
import net from 'node:net';
import tls from 'node:tls';
import { ConfigError } from '@wharf/protocol';
import type { Broker } from '../broker';
import type { TransportConnectorConfig } from '../config';
import type { Connector } from '../core';
import { guardAccepts } from './fd-reserve';
import { limitConnections, type ConnectorLimits } from './limits';
import { flushSocket, SocketTransport } from './socket';
import { tlsServerOptions, watchTls } from '../security/tls';

export type { Connector, ConnectorFactory } from '../core';

export function parseConnectorUri(uri: string): { scheme: string; host: string; port: number } {
  const m = /^([a-z+]+):\/\/([^:/?]*|\[[^\]]+\])(?::(\d+))?/i.exec(uri);
  if (!m) throw new ConfigError(`transport connector uri '${uri}' is not scheme://host:port`);
  const port = m[3] === undefined ? NaN : Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`transport connector uri '${uri}' needs a port 0-65535`);
  let host = m[2] ?? '';
  if (host === '' || host === '0.0.0.0') host = host === '' ? '127.0.0.1' : '0.0.0.0';
  return { scheme: m[1]!.toLowerCase(), host: host.replace(/^\[|\]$/g, ''), port };
}

export async function listen(server: net.Server, host: string, port: number, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onErr = (err: NodeJS.ErrnoException): void => {
      reject(new ConfigError(err.code === 'EADDRINUSE'
        ? `${what}: port ${port} on ${host} is already in use: stop the other process or choose another port`
        : `${what}: cannot listen on ${host}:${port}: ${err.message}`));
    };
    server.once('error', onErr);
    server.listen(port, host, () => {
      server.off('error', onErr);
      resolve();
    });
  });
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

export function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise((resolve) => {
    for (const s of sockets) {
      // Frames still batched for this turn (an error answering a failed send) go out first.
      flushSocket(s);
      s.destroy();
    }
    server.close(() => resolve());
  });
}

/** As ActiveMQ's protocolDetectionTimeOut: a connection that says nothing is closed. */
const DETECTION_TIMEOUT = 30000;

function acceptSocket(broker: Broker, socket: net.Socket, cfg: TransportConnectorConfig, limits: ConnectorLimits): void {
  const detectors = broker.protocolDetectors;
  if (detectors.length === 0) {
    new SocketTransport(socket, broker, undefined, limits);
    return;
  }
  let head: Buffer = Buffer.alloc(0);
  // Saying nothing is not completing the handshake either (connectAttemptTimeout).
  const handshake = limits.connectAttemptTimeout ?? broker.config.connectAttemptTimeout;
  const timer = setTimeout(() => socket.destroy(), handshake > 0 ? Math.min(handshake, DETECTION_TIMEOUT) : DETECTION_TIMEOUT);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    let undecided = false;
    for (const d of detectors) {
      const r = d.matches(head);
      if (r === true) {
        socket.off('data', onData);
        clearTimeout(timer);
        d.accept(broker, socket, head, cfg);
        return;
      }
      if (r === undefined) undecided = true;
    }
    if (undecided) return;
    socket.off('data', onData);
    clearTimeout(timer);
    new SocketTransport(socket, broker, head, limits);
  };
  socket.on('data', onData);
  socket.on('error', () => undefined);
}

export async function startConnector(broker: Broker, cfg: TransportConnectorConfig): Promise<Connector> {
  const { scheme, host, port } = parseConnectorUri(cfg.uri);
  if (['tcp', 'ssl', 'nio', 'nio+ssl', 'auto', 'auto+ssl', 'auto+nio', 'auto+nio+ssl'].includes(scheme)) {
    const secure = scheme.endsWith('ssl');
    const sockets = new Set<net.Socket>();
    const onSocket = (socket: net.Socket): void => {
      if (socket.destroyed) return; // refused by the descriptor reserve
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      acceptSocket(broker, socket, cfg, limits);
    };
    const server = secure ? tls.createServer(tlsServerOptions(cfg), onSocket) : net.createServer(onSocket);
    guardAccepts(server, broker.log, cfg.name);
    const limits = limitConnections(server, broker.log, cfg);
    const unwatch = secure ? watchTls(server as tls.Server, cfg, broker.log) : () => undefined;
    const bound = await listen(server, host, port, `connector ${cfg.name}`).catch((err: Error) => {
      unwatch();
      throw err;
    });
    const close = (): Promise<void> => {
      unwatch();
      return closeServer(server, sockets);
    };
    return { name: cfg.name, url: `${secure ? 'ssl' : 'tcp'}://${host.includes(':') ? `[${host}]` : host}:${bound}`, close };
  }
  const f = broker.protocolSchemes.get(scheme);
  if (!f) throw new ConfigError(`connector ${cfg.name}: unknown transport scheme '${scheme}' (known: tcp, ssl${[...broker.protocolSchemes.keys()].map((k) => `, ${k}`).join('')})`);
  return f(broker, cfg, host, port);
}
