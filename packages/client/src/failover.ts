// The failover transport's options and reconnect schedule (docs/ACTIVEMQ-BEHAVIOUR.md: the failover transport), with
// ActiveMQ's names and defaults. The reconnect loop itself runs in channel.ts, which replays
// the connection's state on every new link.
import { ConfigError } from '@wharf/protocol';
import type { Endpoint } from './url';

export interface FailoverOptions {
  initialReconnectDelay: number;
  maxReconnectDelay: number;
  useExponentialBackOff: boolean;
  /** The back-off multiplier; `backOffMultiplier` is accepted as an alias (docs/ACTIVEMQ-BEHAVIOUR.md: the failover transport). */
  reconnectDelayExponent: number;
  /** -1 = forever; 0 = try once. */
  maxReconnectAttempts: number;
  /** Applies until the first successful connection; -1 = use maxReconnectAttempts. */
  startupMaxReconnectAttempts: number;
  randomize: boolean;
  /** ms a send waits for a reconnection before failing; -1 = forever. */
  timeout: number;
  /** Accept the broker's member list (WELCOME.members, CLUSTER_UPDATE). */
  updateURIsSupported: boolean;
}

export const DEFAULT_FAILOVER_OPTIONS: Readonly<FailoverOptions> = Object.freeze({
  initialReconnectDelay: 10,
  maxReconnectDelay: 30000,
  useExponentialBackOff: true,
  reconnectDelayExponent: 2,
  maxReconnectAttempts: -1,
  startupMaxReconnectAttempts: -1,
  randomize: true,
  timeout: -1,
  updateURIsSupported: true,
});

/** ActiveMQ options we accept without acting on them (backup pools, message tracking). */
const ACCEPTED_IGNORED = new Set([
  'backup', 'backupPoolSize', 'trackMessages', 'maxCacheSize', 'trackTransactionProducers', 'updateURIsURL',
  'rebalanceUpdateURIs', 'reconnectSupported', 'priorityBackup', 'priorityURIs', 'warnAfterReconnectAttempts',
  'connectionTimeout', 'nested',
]);

function num(v: string, key: string, url: string, min: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new ConfigError(`failover option ${key}=${v} in '${url}' must be a number >= ${min}`);
  return n;
}
function bool(v: string, key: string, url: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new ConfigError(`failover option ${key}=${v} in '${url}' must be true or false`);
}

export function parseFailoverOptions(params: Record<string, string>, url = 'failover URL'): FailoverOptions {
  const o: FailoverOptions = { ...DEFAULT_FAILOVER_OPTIONS };
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    switch (k) {
      case 'initialReconnectDelay': o.initialReconnectDelay = num(v, k, url, 0); break;
      case 'maxReconnectDelay': o.maxReconnectDelay = num(v, k, url, 0); break;
      case 'useExponentialBackOff': o.useExponentialBackOff = bool(v, k, url); break;
      case 'reconnectDelayExponent':
      case 'backOffMultiplier': o.reconnectDelayExponent = num(v, k, url, 1); break;
      case 'maxReconnectAttempts': o.maxReconnectAttempts = num(v, k, url, -1); break;
      case 'startupMaxReconnectAttempts': o.startupMaxReconnectAttempts = num(v, k, url, -1); break;
      case 'randomize': o.randomize = bool(v, k, url); break;
      case 'timeout': o.timeout = num(v, k, url, -1); break;
      case 'updateURIsSupported': o.updateURIsSupported = bool(v, k, url); break;
      default:
        if (!ACCEPTED_IGNORED.has(k)) unknown.push(k);
    }
  }
  if (unknown.length) {
    throw new ConfigError(`unknown failover option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in '${url}' `
      + '(known: initialReconnectDelay, maxReconnectDelay, useExponentialBackOff, reconnectDelayExponent, maxReconnectAttempts, '
      + 'startupMaxReconnectAttempts, randomize, timeout, updateURIsSupported)');
  }
  return o;
}

/**
 * Which URI to try next and how long to wait between rounds. One round tries every known
 * URI once; a failed round counts as one attempt (ActiveMQ FailoverTransport.doReconnect).
 */
export class ReconnectSchedule {
  private failures = 0;
  private delay = 0;
  connectedOnce = false;
  private readonly endpoints: Endpoint[];

  constructor(readonly options: FailoverOptions, endpoints: Endpoint[], private readonly random: () => number = Math.random) {
    this.endpoints = [...endpoints];
  }

  get knownEndpoints(): readonly Endpoint[] {
    return this.endpoints;
  }

  /** Learn a member URI (cluster update); false when it was already known. */
  add(e: Endpoint): boolean {
    if (this.endpoints.some((x) => x.uri === e.uri)) return false;
    this.endpoints.push(e);
    return true;
  }

  /** The URIs for the next round, shuffled when `randomize`. */
  round(): Endpoint[] {
    const list = [...this.endpoints];
    if (this.options.randomize) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
    }
    return list;
  }

  /** The attempt limit now: startupMaxReconnectAttempts before the first connection. */
  get limit(): number {
    if (!this.connectedOnce && this.options.startupMaxReconnectAttempts !== -1) return this.options.startupMaxReconnectAttempts;
    return this.options.maxReconnectAttempts;
  }

  /**
   * A round failed. Returns the delay before the next round, or -1 when the attempt limit is
   * reached (0 means one try; -1 means forever).
   */
  failed(): number {
    this.failures++;
    const limit = this.limit;
    if (limit !== -1 && this.failures >= Math.max(1, limit)) return -1;
    const o = this.options;
    if (this.failures === 1 || !o.useExponentialBackOff) this.delay = o.initialReconnectDelay;
    else this.delay = Math.min(this.delay * o.reconnectDelayExponent, o.maxReconnectDelay);
    return Math.min(this.delay, o.maxReconnectDelay);
  }

  get attempts(): number {
    return this.failures;
  }

  /** A link is up: the next outage starts a fresh count. */
  connected(): void {
    this.connectedOnce = true;
    this.failures = 0;
    this.delay = 0;
  }
}
