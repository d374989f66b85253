// The configuration of a network connector (ActiveMQ's <networkConnector>): its options, the
// `static:(…)` URI with its reconnect back-off, and the destination filters.
import { parseDestination, wildcardMatches, type Destination as WireDestination } from '@wharf/protocol';
import type { ClusterLogger } from '../types';

/** One `networkConnectors` entry (ActiveMQ's networkConnector attributes of the same names). */
export interface NetworkConnectorConfig {
  /** Names the bridge in logs; default `NC`. */
  name?: string;
  /** `static:(tcp://host:61616,failover:(...))?initialReconnectDelay=…`: one bridge per URI inside. */
  uri: string;
  /**
   * Forward both ways over this one connection: the other broker needs no connector of its own
   * (e.g. it cannot connect to this one). Default false.
   */
  duplex?: boolean;
  /** How many brokers a message (and a demand) may cross; default 1. */
  networkTTL?: number;
  /** One network consumer per destination, whatever the number of remote consumers; default true. */
  conduitSubscriptions?: boolean;
  /** Network consumers get priority -5 (minus the path length beyond one hop), so local consumers come first; default false (ActiveMQ 5.17). */
  decreaseNetworkConsumerPriority?: boolean;
  /** Forward only these (wildcards allowed; `queue://` or `topic://`, bare names are queues); empty = everything. */
  dynamicallyIncludedDestinations?: string[];
  /** Never forward these on demand (not applied to the static includes). */
  excludedDestinations?: string[];
  /** Always forwarded, with or without remote consumers. */
  staticallyIncludedDestinations?: string[];
  /** Prefetch of the network consumers; default 1000. */
  prefetchSize?: number;
  userName?: string;
  password?: string;
  /** For ssl:// URIs: PEM file paths of the CA that signs the remote broker's certificate, and of this bridge's own key and certificate (for needClientAuth). */
  ssl?: { ca?: string; cert?: string; key?: string };
}

export interface NetworkBridgeOptions {
  /** The local broker's name: reached as vm://<name>, and added to forwarded messages' paths. */
  brokerName: string;
  logger: ClusterLogger;
}

export interface Backoff {
  initial: number;
  max: number;
  exponential: boolean;
  multiplier: number;
}

/** The URIs inside `static:(…)` (or `masterslave:(…)`, one failover bridge), with the reconnect options. */
export function parseNetworkUri(uri: string): { urls: string[]; backoff: Backoff } {
  const m = /^(static|masterslave):\((.*)\)(?:\?(.*))?$/i.exec(uri.trim());
  if (!m) throw new Error(`network connector uri '${uri}' is not supported: use static:(tcp://host:61616,...) or masterslave:(tcp://a,tcp://b,...)`);
  const inner = splitTopLevel(m[2] ?? '');
  if (inner.length === 0) throw new Error(`network connector uri '${uri}' names no broker`);
  const q = new URLSearchParams(m[3] ?? '');
  const num = (k: string, d: number): number => {
    const v = q.get(k);
    if (v === null) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`network connector uri '${uri}': ${k}=${v} must be a number >= 0`);
    return n;
  };
  const backoff: Backoff = {
    initial: num('initialReconnectDelay', 1000), max: num('maxReconnectDelay', 30000),
    exponential: q.get('useExponentialBackOff') !== 'false', multiplier: num('backOffMultiplier', 2),
  };
  const urls = m[1]!.toLowerCase() === 'masterslave' ? [`failover:(${inner.join(',')})?randomize=false`] : inner;
  return { urls, backoff };
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function filterOf(list: string[] | undefined, what: string): WireDestination[] {
  return (list ?? []).map((t) => {
    try {
      return parseDestination(t, 'queue');
    } catch (err) {
      throw new Error(`network connector ${what}: '${t}' is not a destination: ${(err as Error).message}`);
    }
  });
}

export function matchesAny(list: WireDestination[], d: WireDestination): boolean {
  return list.some((f) => f.kind === d.kind && wildcardMatches(f.name, d.name));
}
