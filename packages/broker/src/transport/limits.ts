// Per-connector limits from the connector URI's query, with ActiveMQ's names:
// `maximumConnections` (client connections open at once through this connector; ActiveMQ's
// TransportConnector refuses more by closing the socket) and `transport.connectAttemptTimeout`
// (ms a new connection has to complete its handshake; the broker-wide connectAttemptTimeout
// otherwise).
import type net from 'node:net';
import { ConfigError } from '@wharf/protocol';
import type { TransportConnectorConfig } from '../config';
import type { Logger } from '../logger';

export interface ConnectorLimits {
  /** 0: no limit. */
  maximumConnections: number;
  /** undefined: the broker's connectAttemptTimeout. */
  connectAttemptTimeout?: number;
}

const WARN_EVERY_MS = 5000;

/** The limits named in a connector URI's query (other options are the protocol's business). */
export function connectorLimits(cfg: TransportConnectorConfig): ConnectorLimits {
  const limits: ConnectorLimits = { maximumConnections: 0 };
  const q = cfg.uri.indexOf('?');
  if (q < 0) return limits;
  const params = new URLSearchParams(cfg.uri.slice(q + 1));
  const int = (k: string): number | undefined => {
    const v = params.get(k);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new ConfigError(`connector ${cfg.name}: ${k}=${v} must be an integer >= 0`);
    return n;
  };
  limits.maximumConnections = int('maximumConnections') ?? 0;
  const t = int('transport.connectAttemptTimeout');
  if (t !== undefined) limits.connectAttemptTimeout = t;
  return limits;
}

/**
 * Refuse connections of `server` beyond the connector's maximumConnections: the socket is closed
 * on accept (as ActiveMQ does), and the refusal logged (at most every few seconds).
 */
export function limitConnections(server: net.Server, log: Logger, cfg: TransportConnectorConfig): ConnectorLimits {
  const limits = connectorLimits(cfg);
  const max = limits.maximumConnections;
  if (max <= 0) return limits;
  let open = 0;
  let refused = 0;
  let lastWarn = 0;
  server.prependListener('connection', (socket: net.Socket) => {
    if (socket.destroyed) return;
    if (open >= max) {
      socket.destroy();
      refused++;
      const now = Date.now();
      if (now - lastWarn >= WARN_EVERY_MS) {
        lastWarn = now;
        log.warn({ connector: cfg.name, maximumConnections: max, refused },
          `Exceeded the maximum number of allowed client connections: see the 'maximumConnections' option of connector ${cfg.name}`);
      }
      return;
    }
    open++;
    socket.once('close', () => open--);
  });
  return limits;
}
