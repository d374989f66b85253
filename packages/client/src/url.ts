// Broker URLs as ActiveMQ writes them: `tcp://host:61616?opts`, `ssl://host:61617`, `vm://name`,
// `failover:(uri1,uri2)?opts` or `failover:uri1,uri2` (docs/ACTIVEMQ-BEHAVIOUR.md: the failover transport). Options named
// `jms.*` configure the connection factory; `nested.*` on a failover URL apply to every nested
// URI; the rest are transport or failover options.
import { ConfigError } from '@wharf/protocol';
import { parseFailoverOptions, type FailoverOptions } from './failover';

export type Scheme = 'tcp' | 'ssl' | 'vm';

export interface Endpoint {
  scheme: Scheme;
  /** Host name, or the broker name for vm://. */
  host: string;
  /** 0 for vm://. */
  port: number;
  /** Transport options of this URI (not jms.*). */
  options: Record<string, string>;
  /** The URI as given, without its query. */
  uri: string;
}

export interface BrokerUrl {
  endpoints: Endpoint[];
  /** Present for failover: URLs. */
  failover: FailoverOptions | null;
  /** `jms.*` options (without the prefix). */
  jms: Record<string, string>;
}

export interface TransportOptions {
  /** Requested heartbeat interval in ms; 0 = none. */
  heartbeat: number | undefined;
  /** ssl: accept any certificate (`trustAll=true`). */
  trustAll: boolean;
  /** ssl: check the certificate's host name (`verifyHostName=false` turns it off). */
  verifyHostName: boolean;
  /** ms to wait for the socket and the broker's WELCOME. */
  connectTimeout: number;
  maxFrameSize: number | undefined;
}

const DEFAULT_PORTS: Record<Scheme, number> = { tcp: 61616, ssl: 61617, vm: 0 };
const SCHEMES: Record<string, Scheme> = { tcp: 'tcp', nio: 'tcp', auto: 'tcp', ssl: 'ssl', 'nio+ssl': 'ssl', 'auto+ssl': 'ssl', tls: 'ssl', vm: 'vm' };

/** Transport options we accept and ignore (ActiveMQ socket tuning with no meaning here). */
const IGNORED_TRANSPORT_OPTIONS = new Set([
  'soTimeout', 'soWriteTimeout', 'tcpNoDelay', 'keepAlive', 'trace', 'daemon', 'socketBufferSize', 'ioBufferSize',
  'soLinger', 'closeAsync', 'useLocalHost', 'diffServ', 'typeOfService', 'logWriterName', 'dynamicManagement',
  'startLogging', 'jmxPort', 'minmumWireFormatVersion', 'threadName', 'maxReconnectAttempts',
  // vm:// options that create an embedded broker in ActiveMQ; here the broker must already run.
  'create', 'waitForStart', 'marshal', 'async',
]);

export function parseQuery(q: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!q) return out;
  for (const part of q.split('&')) {
    if (part === '') continue;
    const i = part.indexOf('=');
    const k = i < 0 ? part : part.slice(0, i);
    const v = i < 0 ? '' : part.slice(i + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(k);
      value = decodeURIComponent(v);
    } catch {
      throw new ConfigError(`bad percent-encoding in option '${part}' of ${where}`);
    }
    if (!key) throw new ConfigError(`empty option name in ${where}`);
    out[key] = value;
  }
  return out;
}

/** Split `a,b(c,d),e` at top-level commas. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim());
}

function parseEndpoint(text: string, extra: Record<string, string> = {}): { endpoint: Endpoint; jms: Record<string, string> } {
  const m = /^([a-z+]+):\/\/([^?]*)(?:\?(.*))?$/is.exec(text.trim());
  if (!m) throw new ConfigError(`broker URL '${text}' is not scheme://host:port (tcp, ssl, vm or failover:(...))`);
  const rawScheme = m[1]!.toLowerCase();
  const scheme = SCHEMES[rawScheme];
  if (!scheme) throw new ConfigError(`unknown transport scheme '${rawScheme}' in '${text}' (known: tcp, ssl, vm, failover)`);
  const authority = (m[2] ?? '').replace(/\/+$/, '');
  const query = { ...parseQuery(m[3] ?? '', text), ...extra };
  const jms: Record<string, string> = {};
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (k.startsWith('jms.')) jms[k.slice(4)] = v;
    else options[k] = v;
  }
  let host: string;
  let port = DEFAULT_PORTS[scheme];
  if (scheme === 'vm') {
    host = authority;
    if (!host) throw new ConfigError(`vm URL '${text}' needs a broker name: vm://<brokerName>`);
  } else {
    const hm = /^(\[[^\]]+\]|[^:[\]]*)(?::(\d*))?$/.exec(authority);
    if (!hm) throw new ConfigError(`cannot read host and port in '${text}'`);
    host = (hm[1] ?? '').replace(/^\[|\]$/g, '') || 'localhost';
    if (host === '0.0.0.0') host = '127.0.0.1';
    if (hm[2] !== undefined && hm[2] !== '') {
      port = Number(hm[2]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`port in '${text}' must be 1-65535`);
    }
  }
  const uri = scheme === 'vm' ? `vm://${host}` : `${rawScheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  transportOptionsOf({ scheme, host, port, options, uri });
  return { endpoint: { scheme, host, port, options, uri }, jms };
}

/** Parse a broker URL (see the file comment). Throws ConfigError naming the fault. */
export function parseBrokerUrl(url: string): BrokerUrl {
  if (typeof url !== 'string' || url.trim() === '') throw new ConfigError('broker URL must be a non-empty string');
  const text = url.trim();
  const fm = /^failover:(?:\/\/)?(.*)$/is.exec(text);
  if (!fm) {
    const { endpoint, jms } = parseEndpoint(text);
    return { endpoints: [endpoint], failover: null, jms };
  }
  let rest = fm[1] ?? '';
  let list: string;
  let outer = '';
  if (rest.startsWith('(')) {
    let depth = 0;
    let close = -1;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '(') depth++;
      else if (rest[i] === ')' && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) throw new ConfigError(`failover URL '${url}' has no closing parenthesis`);
    list = rest.slice(1, close);
    rest = rest.slice(close + 1);
    if (rest && !rest.startsWith('?')) throw new ConfigError(`unexpected '${rest}' after the URI list in '${url}'`);
    outer = rest.slice(1);
  } else {
    // `failover:tcp://a,tcp://b?opts`: the query belongs to the failover transport.
    const q = rest.indexOf('?');
    list = q < 0 ? rest : rest.slice(0, q);
    outer = q < 0 ? '' : rest.slice(q + 1);
  }
  const outerOpts = parseQuery(outer, url);
  const jms: Record<string, string> = {};
  const nested: Record<string, string> = {};
  const failoverOpts: Record<string, string> = {};
  for (const [k, v] of Object.entries(outerOpts)) {
    if (k.startsWith('jms.')) jms[k.slice(4)] = v;
    else if (k.startsWith('nested.')) nested[k.slice(7)] = v;
    else failoverOpts[k] = v;
  }
  const uris = splitTopLevel(list).filter((s) => s.length > 0);
  if (uris.length === 0) throw new ConfigError(`failover URL '${url}' lists no broker URIs`);
  const endpoints: Endpoint[] = [];
  for (const u of uris) {
    if (/^failover:/i.test(u)) throw new ConfigError(`failover URIs cannot be nested: '${u}'`);
    // ActiveMQ: a nested.* value wins over the same option on one URI.
    const { endpoint, jms: innerJms } = parseEndpoint(u, nested);
    if (Object.keys(innerJms).length > 0) {
      throw new ConfigError(`jms.* options belong on the failover URL, not on the nested URI '${u}'`);
    }
    endpoints.push(endpoint);
  }
  return { endpoints, failover: parseFailoverOptions(failoverOpts, url), jms };
}

export function parseBool(v: string, what: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '') return true;
  if (s === 'false') return false;
  throw new ConfigError(`${what} must be true or false, got '${v}'`);
}

export function parseNum(v: string, what: string, opts: { integer?: boolean; min?: number } = {}): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${what} must be a number, got '${v}'`);
  if (opts.integer && !Number.isInteger(n)) throw new ConfigError(`${what} must be an integer, got '${v}'`);
  if (opts.min !== undefined && n < opts.min) throw new ConfigError(`${what} must be at least ${opts.min}, got '${v}'`);
  return n;
}

/** The transport options of one endpoint, validated (unknown names are errors). */
export function transportOptionsOf(e: Endpoint): TransportOptions {
  const o = e.options;
  const out: TransportOptions = { heartbeat: undefined, trustAll: false, verifyHostName: true, connectTimeout: 30000, maxFrameSize: undefined };
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    const what = `option ${k} of ${e.uri}`;
    switch (k) {
      case 'heartbeat':
      case 'wireFormat.maxInactivityDuration':
        // An explicit `heartbeat` wins over ActiveMQ's wireFormat name.
        if (k === 'heartbeat' || o.heartbeat === undefined) out.heartbeat = parseNum(v, what, { min: 0 });
        break;
      case 'useInactivityMonitor':
        if (!parseBool(v, what)) out.heartbeat = 0;
        break;
      case 'wireFormat.maxFrameSize':
        out.maxFrameSize = parseNum(v, what, { integer: true, min: 1 });
        break;
      case 'trustAll':
        out.trustAll = parseBool(v, what);
        break;
      case 'verifyHostName':
      case 'socket.verifyHostName':
        out.verifyHostName = parseBool(v, what);
        break;
      case 'connectionTimeout':
      case 'connectTimeout':
        out.connectTimeout = parseNum(v, what, { min: 0 });
        break;
      default:
        if (k.startsWith('wireFormat.') || k.startsWith('transport.') || k.startsWith('socket.') || k.startsWith('broker.')) break;
        if (IGNORED_TRANSPORT_OPTIONS.has(k)) break;
        unknown.push(k);
    }
  }
  if (o['useInactivityMonitor'] !== undefined && !parseBool(o['useInactivityMonitor'], 'useInactivityMonitor')) out.heartbeat = 0;
  if (unknown.length) {
    throw new ConfigError(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')} in ${e.uri} `
      + '(transport options: heartbeat, wireFormat.maxInactivityDuration, wireFormat.maxFrameSize, trustAll, verifyHostName, connectionTimeout; factory options start with jms.)');
  }
  return out;
}
