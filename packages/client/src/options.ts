// Connection factory settings: the options object, ActiveMQ's `jms.*` URL options, and the
// prefetch policy (ActiveMQPrefetchPolicy defaults).
import os from 'node:os';
import type tls from 'node:tls';
import { ConfigError, didYouMean, rejectUnknownKeys, type RedeliveryPolicyData } from '@wharf/protocol';
import { RedeliveryPolicy } from './redelivery';
import { parseBool, parseNum } from './url';

export interface PrefetchPolicyData {
  queuePrefetch: number;
  topicPrefetch: number;
  durableTopicPrefetch: number;
  queueBrowserPrefetch: number;
}

export const DEFAULT_PREFETCH: Readonly<PrefetchPolicyData> = Object.freeze({
  queuePrefetch: 1000,
  topicPrefetch: 32767,
  durableTopicPrefetch: 100,
  queueBrowserPrefetch: 500,
});

/** ActiveMQPrefetchPolicy: how many messages the broker may push ahead of the application. */
export class PrefetchPolicy implements PrefetchPolicyData {
  queuePrefetch = DEFAULT_PREFETCH.queuePrefetch;
  topicPrefetch = DEFAULT_PREFETCH.topicPrefetch;
  durableTopicPrefetch = DEFAULT_PREFETCH.durableTopicPrefetch;
  queueBrowserPrefetch = DEFAULT_PREFETCH.queueBrowserPrefetch;

  constructor(init?: Partial<PrefetchPolicyData> & { all?: number }) {
    if (init) this.assign(init);
  }

  assign(init: Partial<PrefetchPolicyData> & { all?: number }): this {
    const check = (k: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(`prefetchPolicy.${k} must be an integer >= 0, got ${String(v)}`);
      return v;
    };
    if (init.all !== undefined) this.setAll(check('all', init.all));
    for (const k of ['queuePrefetch', 'topicPrefetch', 'durableTopicPrefetch', 'queueBrowserPrefetch'] as const) {
      if (init[k] !== undefined) this[k] = check(k, init[k]);
    }
    return this;
  }

  /** Set every prefetch (jms.prefetchPolicy.all). */
  setAll(n: number): void {
    this.queuePrefetch = n;
    this.topicPrefetch = n;
    this.durableTopicPrefetch = n;
    this.queueBrowserPrefetch = n;
  }
  setQueuePrefetch(n: number): void { this.assign({ queuePrefetch: n }); }
  getQueuePrefetch(): number { return this.queuePrefetch; }
  setTopicPrefetch(n: number): void { this.assign({ topicPrefetch: n }); }
  getTopicPrefetch(): number { return this.topicPrefetch; }
  setDurableTopicPrefetch(n: number): void { this.assign({ durableTopicPrefetch: n }); }
  getDurableTopicPrefetch(): number { return this.durableTopicPrefetch; }
  setQueueBrowserPrefetch(n: number): void { this.assign({ queueBrowserPrefetch: n }); }
  getQueueBrowserPrefetch(): number { return this.queueBrowserPrefetch; }

  copy(): PrefetchPolicy {
    return new PrefetchPolicy(this);
  }
}

export interface ConnectionFactoryOptions {
  userName?: string;
  password?: string;
  clientID?: string;
  /** Client-side redelivery (ActiveMQ defaults). Without it the broker's destination policy applies. */
  redeliveryPolicy?: RedeliveryPolicy | Partial<RedeliveryPolicyData>;
  prefetchPolicy?: PrefetchPolicy | (Partial<PrefetchPolicyData> & { all?: number });
  /** Persistent sends do not wait for the broker. */
  useAsyncSend?: boolean;
  /** Every send (also non-persistent) waits for the broker. */
  alwaysSyncSend?: boolean;
  /** ms a synchronous send waits for its receipt; 0 = forever. */
  sendTimeout?: number;
  /** Requested heartbeat interval in ms (0 = none); default from the URL or 30000. */
  heartbeat?: number;
  /** ms close() waits for the broker. */
  closeTimeout?: number;
  /** ms to wait for a socket and the broker's answer to HELLO. */
  connectTimeout?: number;
  /** TLS settings for ssl:// (ca, cert, key, …). */
  tls?: tls.ConnectionOptions;
  /** Our name in the broker's logs and advisories. */
  clientName?: string;
  /** A network bridge's connection (@wharf/cluster): asks the broker to let it open network consumers. */
  networkBridge?: boolean;
}

/** The factory's settings, copied into each connection it creates. */
export interface FactorySettings {
  userName: string | undefined;
  password: string | undefined;
  clientID: string | undefined;
  redeliveryPolicy: RedeliveryPolicy;
  prefetchPolicy: PrefetchPolicy;
  useAsyncSend: boolean;
  alwaysSyncSend: boolean;
  sendTimeout: number;
  heartbeat: number | undefined;
  closeTimeout: number;
  connectTimeout: number | undefined;
  tls: tls.ConnectionOptions | undefined;
  clientName: string;
  networkBridge: boolean;
}

export function defaultSettings(): FactorySettings {
  return {
    userName: undefined,
    password: undefined,
    clientID: undefined,
    redeliveryPolicy: new RedeliveryPolicy(),
    prefetchPolicy: new PrefetchPolicy(),
    useAsyncSend: false,
    alwaysSyncSend: false,
    sendTimeout: 0,
    heartbeat: undefined,
    closeTimeout: 15000,
    connectTimeout: undefined,
    tls: undefined,
    clientName: `${os.hostname()}-${process.pid}`,
    networkBridge: false,
  };
}

/** ActiveMQ factory options we accept with no effect here. */
const IGNORED_JMS = new Set([
  'optimizeAcknowledge', 'optimizeAcknowledgeTimeOut', 'dispatchAsync', 'copyMessageOnSend', 'watchTopicAdvisories',
  'useCompression', 'nonBlockingRedelivery', 'checkForDuplicates', 'exclusiveConsumer', 'messagePrioritySupported',
  'producerWindowSize', 'statsEnabled', 'objectMessageSerializationDefered', 'trustAllPackages', 'optimizedMessageDispatch',
  'useRetroactiveConsumer', 'nestedMapAndListEnabled', 'disableTimeStampsByDefault', 'sendAcksAsync', 'auditDepth',
  'auditMaximumProducerNumber', 'useDedicatedTaskRunner', 'transactedIndividualAck', 'consumerFailoverRedeliveryWaitPeriod',
  'rmIdFromConnectionId', 'maxThreadPoolSize', 'optimizedAckScheduledAckInterval', 'connectResponseTimeout',
]);

const REDELIVERY_NUMBERS = ['maximumRedeliveries', 'initialRedeliveryDelay', 'redeliveryDelay', 'backOffMultiplier', 'maximumRedeliveryDelay'] as const;
const PREFETCH_OPTIONS = ['all', 'queuePrefetch', 'topicPrefetch', 'durableTopicPrefetch', 'queueBrowserPrefetch'];
const REDELIVERY_FIELDS = [...REDELIVERY_NUMBERS, 'useExponentialBackOff'];

/** Apply `jms.*` URL options (prefix removed) to the settings. Unknown names are errors. */
export function applyJmsOptions(s: FactorySettings, jms: Record<string, string>, url: string): void {
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(jms)) {
    const what = `jms.${k} in '${url}'`;
    if (k.startsWith('prefetchPolicy.')) {
      const f = k.slice('prefetchPolicy.'.length);
      const n = parseNum(v, what, { integer: true, min: 0 });
      if (f === 'all') s.prefetchPolicy.setAll(n);
      else if (f === 'queuePrefetch' || f === 'topicPrefetch' || f === 'durableTopicPrefetch' || f === 'queueBrowserPrefetch') s.prefetchPolicy[f] = n;
      else if (f !== 'maximumPendingMessageLimit' && f !== 'optimizeDurableTopicPrefetch' && f !== 'inputStreamPrefetch') unknown.push(k);
      continue;
    }
    if (k.startsWith('redeliveryPolicy.')) {
      const f = k.slice('redeliveryPolicy.'.length);
      if (f === 'useExponentialBackOff') s.redeliveryPolicy.assign({ useExponentialBackOff: parseBool(v, what) });
      else if ((REDELIVERY_NUMBERS as readonly string[]).includes(f)) s.redeliveryPolicy.assign({ [f]: parseNum(v, what) });
      else if (f !== 'useCollisionAvoidance' && f !== 'collisionAvoidancePercent' && f !== 'preDispatchCheck') unknown.push(k);
      continue;
    }
    switch (k) {
      case 'clientID': s.clientID = v; break;
      case 'userName': s.userName = v; break;
      case 'password': s.password = v; break;
      case 'useAsyncSend': s.useAsyncSend = parseBool(v, what); break;
      case 'alwaysSyncSend': s.alwaysSyncSend = parseBool(v, what); break;
      case 'sendTimeout': s.sendTimeout = parseNum(v, what, { min: 0 }); break;
      case 'closeTimeout': s.closeTimeout = parseNum(v, what, { min: 0 }); break;
      case 'clientIDPrefix': case 'connectionIDPrefix': break;
      default:
        if (!IGNORED_JMS.has(k)) unknown.push(k);
    }
  }
  if (unknown.length) {
    const known = [
      'clientID', 'userName', 'password', 'useAsyncSend', 'alwaysSyncSend', 'sendTimeout', 'closeTimeout', ...IGNORED_JMS,
      ...PREFETCH_OPTIONS.map((f) => `prefetchPolicy.${f}`), ...REDELIVERY_FIELDS.map((f) => `redeliveryPolicy.${f}`),
    ];
    const named = unknown.map((u) => `jms.${u}${didYouMean(u, known).replace("'", "'jms.")}`);
    throw new ConfigError(`unknown factory option${unknown.length > 1 ? 's' : ''} ${named.join(', ')} in '${url}'`);
  }
}

const FACTORY_OPTIONS: ReadonlyArray<keyof ConnectionFactoryOptions> = [
  'userName', 'password', 'clientID', 'redeliveryPolicy', 'prefetchPolicy', 'useAsyncSend', 'alwaysSyncSend', 'sendTimeout',
  'heartbeat', 'closeTimeout', 'connectTimeout', 'tls', 'clientName', 'networkBridge',
];

/** Apply the options object (it wins over the URL). Unknown names are errors naming the closest one. */
export function applyOptions(s: FactorySettings, o: ConnectionFactoryOptions): void {
  if (typeof o !== 'object' || o === null) throw new ConfigError(`ConnectionFactory options must be an object, got ${String(o)}`);
  rejectUnknownKeys('ConnectionFactory', o, FACTORY_OPTIONS);
  if (o.prefetchPolicy !== undefined && !(o.prefetchPolicy instanceof PrefetchPolicy)) rejectUnknownKeys('prefetchPolicy', o.prefetchPolicy, PREFETCH_OPTIONS);
  if (o.userName !== undefined) s.userName = o.userName;
  if (o.password !== undefined) s.password = o.password;
  if (o.clientID !== undefined) s.clientID = o.clientID;
  if (o.redeliveryPolicy !== undefined) {
    if (o.redeliveryPolicy instanceof RedeliveryPolicy) s.redeliveryPolicy = o.redeliveryPolicy;
    else s.redeliveryPolicy.assign(o.redeliveryPolicy);
    s.redeliveryPolicy.configured = true;
  }
  if (o.prefetchPolicy !== undefined) {
    if (o.prefetchPolicy instanceof PrefetchPolicy) s.prefetchPolicy = o.prefetchPolicy;
    else s.prefetchPolicy.assign(o.prefetchPolicy);
  }
  if (o.useAsyncSend !== undefined) s.useAsyncSend = o.useAsyncSend;
  if (o.alwaysSyncSend !== undefined) s.alwaysSyncSend = o.alwaysSyncSend;
  if (o.sendTimeout !== undefined) s.sendTimeout = o.sendTimeout;
  if (o.heartbeat !== undefined) s.heartbeat = o.heartbeat;
  if (o.closeTimeout !== undefined) s.closeTimeout = o.closeTimeout;
  if (o.connectTimeout !== undefined) s.connectTimeout = o.connectTimeout;
  if (o.tls !== undefined) s.tls = o.tls;
  if (o.clientName !== undefined) s.clientName = o.clientName;
  if (o.networkBridge !== undefined) s.networkBridge = o.networkBridge === true;
}
