// OpenWire on the broker's tcp:// and ssl:// connectors: a connection whose first frame is a
// WireFormatInfo (size, type 1, magic "ActiveMQ") is an OpenWire connection.
import type net from 'node:net';
import { ConfigError } from '@wharf/protocol';
import { CONGESTED_BYTES, ReadHold, endSocket, type ProtocolHost, type ProtocolPackage, type TransportConnectorConfig } from '@wharf/broker';
import { OpenWireConnection, type OpenWireSink } from './connection';
import { clusterClients, refuseOpenWire } from './cluster';
import { MAGIC } from './codec';
import { DataType, MAX_VERSION } from './schema';
import type { WireFormatPrefs } from './wireformat-info';

/** Why reading is stopped (ReadHold bits): the connection (flow control, login), congested output. */
const HELD_BY_CONNECTION = 1;
const HELD_BY_OUTPUT = 2;

class SocketSink implements OpenWireSink {
  readonly remoteAddress: string;
  private ended = false;
  private readonly reading: ReadHold;
  private congested = false;
  private congestion: ((on: boolean) => void) | null = null;

  constructor(private readonly socket: net.Socket) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.reading = new ReadHold(socket);
    socket.on('drain', () => {
      if (!this.congested) return;
      this.congested = false;
      this.reading.set(HELD_BY_OUTPUT, false);
      this.congestion?.(false);
    });
  }

  write(data: Buffer): void {
    if (this.ended) return;
    this.socket.write(data);
    if (!this.congested && this.socket.writableLength > CONGESTED_BYTES) {
      // write() returned false: 'drain' will come.
      this.congested = true;
      this.reading.set(HELD_BY_OUTPUT, true);
      this.congestion?.(true);
    }
  }

  onCongestion(fn: (on: boolean) => void): void {
    this.congestion = fn;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    endSocket(this.socket);
  }

  pause(): void {
    this.reading.set(HELD_BY_CONNECTION, true);
  }

  resume(): void {
    this.reading.set(HELD_BY_CONNECTION, false);
  }
}

/** What the broker advertises: ActiveMQ's defaults, so the client's own settings decide. */
export function defaultPrefs(broker: Pick<ProtocolHost, 'config'>): WireFormatPrefs {
  return {
    version: MAX_VERSION,
    tightEncodingEnabled: true,
    cacheEnabled: true,
    cacheSize: 1024,
    sizePrefixDisabled: false,
    stackTraceEnabled: false,
    tcpNoDelayEnabled: true,
    maxInactivityDuration: broker.config.maxInactivityDuration,
    maxInactivityDurationInitalDelay: 10000,
    maxFrameSize: broker.config.maxFrameSize,
  };
}

/** The connector URI's `wireFormat.*` options over the defaults (as ActiveMQ's transportConnector). */
export function prefsFor(broker: ProtocolHost, cfg: TransportConnectorConfig): WireFormatPrefs {
  const p = defaultPrefs(broker);
  const q = cfg.uri.indexOf('?');
  if (q < 0) return p;
  const bad = (k: string, v: string): ConfigError => new ConfigError(`connector ${cfg.name}: ${k}=${v} is not valid`);
  for (const [k, v] of new URLSearchParams(cfg.uri.slice(q + 1))) {
    const bool = (): boolean => {
      if (v !== 'true' && v !== 'false') throw bad(k, v);
      return v === 'true';
    };
    const int = (min: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw bad(k, v);
      return n;
    };
    switch (k) {
      case 'wireFormat.tightEncodingEnabled': p.tightEncodingEnabled = bool(); break;
      case 'wireFormat.cacheEnabled': p.cacheEnabled = bool(); break;
      case 'wireFormat.cacheSize': p.cacheSize = int(1); break;
      case 'wireFormat.stackTraceEnabled': p.stackTraceEnabled = bool(); break;
      case 'wireFormat.maxInactivityDuration': p.maxInactivityDuration = int(0); break;
      case 'wireFormat.maxInactivityDurationInitalDelay': p.maxInactivityDurationInitalDelay = int(0); break;
      case 'wireFormat.maxFrameSize': p.maxFrameSize = int(1024); break;
      case 'wireFormat.version': p.version = Math.min(MAX_VERSION, int(9)); break;
      default:
        broker.log.warn({ connector: cfg.name, option: k }, 'openwire: unknown connector option ignored');
    }
  }
  return p;
}

/** Size (4 bytes), type WireFormatInfo, then the loose-encoded magic. */
export function looksLikeOpenWire(head: Buffer): boolean | undefined {
  const n = Math.min(head.length, 13);
  for (let i = 4; i < n; i++) {
    const want = i === 4 ? DataType.WIREFORMAT_INFO : MAGIC[i - 5]!;
    if (head[i] !== want) return false;
  }
  return n < 13 ? undefined : true;
}

export function acceptOpenWire(broker: ProtocolHost, socket: net.Socket, head: Buffer, cfg: TransportConnectorConfig): OpenWireConnection {
  socket.setNoDelay(true);
  const ow = new OpenWireConnection(broker, new SocketSink(socket), { prefs: prefsFor(broker, cfg), cluster: clusterClients(cfg) });
  socket.on('data', (chunk: Buffer) => ow.onData(chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => ow.onClosed());
  if (head.length) ow.onData(head);
  return ow;
}

/**
 * The OpenWire protocol package: pass it in BrokerOptions.protocols and the broker's tcp:// and
 * ssl:// connectors serve Java clients on ActiveMQ's client jar beside Wharf's native clients.
 */
export const openwireProtocol: ProtocolPackage = {
  name: 'openwire',
  schemes: {},
  detect: {
    matches: looksLikeOpenWire,
    accept: (broker, socket, head, cfg) => void acceptOpenWire(broker, socket, head, cfg),
    refuse: refuseOpenWire,
  },
};
