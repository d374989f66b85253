// STOMP connectors (ActiveMQ's `stomp://`, `stomp+nio://`, `stomp+ssl://`, `stomp+nio+ssl://`)
// and STOMP over WebSocket (`ws://`, `wss://`): `stompProtocol`, given to a broker in
// BrokerOptions.protocols, serves these schemes.
// URI options, as ActiveMQ's: `transport.hbGracePeriodMultiplier`, `transport.defaultHeartBeat`
// (`cx,cy`), `wireFormat.maxFrameSize` (otherwise the broker's maxFrameSize).
import { ConfigError } from '@wharf/protocol';
import type { ConnectorFactory, Connector, ProtocolHost, ProtocolPackage, TransportConnectorConfig } from '@wharf/broker';
import { DEFAULT_STOMP_OPTIONS, type StompOptions } from './options';
import { acceptStompSocket, startStompServer, startWebSocketServer } from './transport';

export { StompConnection } from './converter';
export { DEFAULT_STOMP_OPTIONS, type StompOptions, type StompSink } from './options';
export { negotiateHeartBeat, type HeartBeatPlan } from './heartbeat';
export { StompParser, StompParseError, encodeFrame, escapeHeader, unescapeHeader, HEARTBEAT, SUPPORTED_VERSIONS } from './parser';
export type { StompFrame, StompVersion, ParseEvent, ParserLimits, HeaderList } from './parser';
export { fromStompDestination, toStompDestination, sendToMessage, messageToFrame } from './mapping';

/** The STOMP options of a connector: its URI query over the broker's config. */
export function stompOptions(broker: ProtocolHost, cfg: TransportConnectorConfig): StompOptions {
  const opts: StompOptions = { ...DEFAULT_STOMP_OPTIONS, maxFrameSize: broker.config.maxFrameSize };
  const q = cfg.uri.indexOf('?');
  if (q < 0) return opts;
  const params = new URLSearchParams(cfg.uri.slice(q + 1));
  const bad = (k: string, v: string): ConfigError => new ConfigError(`connector ${cfg.name}: ${k}=${v} is not valid`);
  for (const [k, v] of params) {
    switch (k) {
      case 'transport.hbGracePeriodMultiplier': {
        const n = Number(v);
        if (!(n >= 1)) throw bad(k, v);
        opts.hbGracePeriodMultiplier = n;
        break;
      }
      case 'transport.defaultHeartBeat': {
        const m = /^(\d+),(\d+)$/.exec(v);
        if (!m) throw bad(k, v);
        opts.defaultHeartBeat = [Number(m[1]), Number(m[2])];
        break;
      }
      case 'wireFormat.maxFrameSize': {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0) throw bad(k, v);
        opts.maxFrameSize = n;
        break;
      }
      case 'maximumConnections':
        break; // the broker's (limitConnections)
      case 'transport.connectAttemptTimeout': {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw bad(k, v);
        opts.connectAttemptTimeout = n;
        break;
      }
      default:
        broker.log.warn({ connector: cfg.name, option: k }, 'stomp: unknown connector option ignored');
    }
  }
  return opts;
}

function factory(scheme: string, start: typeof startStompServer): ConnectorFactory {
  return (broker, cfg, host, port): Promise<Connector> => start(broker, cfg, host, port, scheme, stompOptions(broker, cfg));
}

const FIRST_COMMANDS = ['CONNECT\n', 'CONNECT\r\n', 'STOMP\n', 'STOMP\r\n'];

/** A STOMP client's first frame (after optional heart-beat newlines) is CONNECT or STOMP. */
export function looksLikeStomp(head: Buffer): boolean | undefined {
  let i = 0;
  while (i < head.length && (head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i === head.length) return i < 64 ? undefined : false;
  const text = head.subarray(i, i + 9).toString('latin1');
  if (FIRST_COMMANDS.some((c) => text.startsWith(c))) return true;
  return FIRST_COMMANDS.some((c) => c.startsWith(text)) ? undefined : false;
}

/**
 * The STOMP protocol package: pass it in BrokerOptions.protocols to serve stomp:// and ws://
 * connectors; its detector also lets the broker's tcp:// and ssl:// connectors take STOMP
 * clients (ActiveMQ's auto://).
 */
export const stompProtocol: ProtocolPackage = {
  name: 'stomp',
  schemes: {
    'stomp': factory('stomp', startStompServer),
    'stomp+nio': factory('stomp+nio', startStompServer),
    'stomp+ssl': factory('stomp+ssl', startStompServer),
    'stomp+nio+ssl': factory('stomp+nio+ssl', startStompServer),
    'ws': factory('ws', startWebSocketServer),
    'wss': factory('wss', startWebSocketServer),
  },
  detect: {
    matches: looksLikeStomp,
    accept: (broker, socket, head) => void acceptStompSocket(broker, socket, { ...DEFAULT_STOMP_OPTIONS, maxFrameSize: broker.config.maxFrameSize }, head),
  },
};
