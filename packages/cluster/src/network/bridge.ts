// Network of brokers (docs/CLUSTER.md; docs/ACTIVEMQ-BEHAVIOUR.md: network connectors): store-and-forward bridges from this broker
// to others, forwarding only where there is demand.
//
// A bridge is a client of both brokers. On the remote broker it subscribes to the consumer
// advisories (ActiveMQ.Advisory.Consumer.>; a new subscriber is first told of the consumers that
// exist already). Each remote consumer that passes the include/exclude lists, the loop check
// (its broker path must not name this broker) and networkTTL becomes demand: a local "network
// consumer" on the same destination (one per destination with conduitSubscriptions, the
// default). What the local broker dispatches to it is sent on to the remote broker, unchanged
// (same message id, so a re-send is dropped there as a duplicate), with this broker appended to
// its broker path; the local copy is acknowledged only once the remote broker has answered the
// send (stored, for a persistent message). The local broker never dispatches to a network
// consumer a message that has been on its remote broker or has crossed networkTTL brokers
// (ConsumerOpen.network), so messages do not loop.
//
// With `duplex` the same connection also carries the other way (demand from this broker's
// consumers, network consumers on the remote broker), so the remote broker needs no connector.
// A lost link tears the bridge down (the unacknowledged messages go back to their queues) and
// connects again with ActiveMQ's static-discovery back-off (1 s doubling to 30 s).
import fs from 'node:fs';
import { resolveSecret } from '@wharf/broker';
import {
  ConnectionFactory, Session, type Connection, type Destination, type Message, type MessageConsumer, type MessageProducer,
} from '@wharf/client';
import { createNetworkConsumer, forwardMessage, wireOf } from '@wharf/client/internal';
import { isTemporary, parseDestination, type Destination as WireDestination } from '@wharf/protocol';
import type { ClusterLogger } from '../types';

import { filterOf, matchesAny, parseNetworkUri, type Backoff, type NetworkBridgeOptions, type NetworkConnectorConfig } from './config';

export { parseNetworkUri, type NetworkBridgeOptions, type NetworkConnectorConfig } from './config';

/** The bridges of one `networkConnectors` entry: one per URI inside `static:(…)`. */
export class NetworkConnector {
  readonly name: string;
  private readonly bridges: Bridge[];

  constructor(readonly config: NetworkConnectorConfig, opts: NetworkBridgeOptions) {
    this.name = config.name ?? 'NC';
    const { urls, backoff } = parseNetworkUri(config.uri);
    const ttl = config.networkTTL ?? 1;
    if (!Number.isInteger(ttl) || ttl < 1) throw new Error(`network connector ${this.name}: networkTTL must be an integer >= 1, got ${String(config.networkTTL)}`);
    const prefetch = config.prefetchSize ?? 1000;
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new Error(`network connector ${this.name}: prefetchSize must be an integer >= 1 (network consumers never pull)`);
    const rules: Rules = {
      ttl, prefetch,
      conduit: config.conduitSubscriptions !== false,
      decreasePriority: config.decreaseNetworkConsumerPriority === true,
      dynamic: filterOf(config.dynamicallyIncludedDestinations, 'dynamicallyIncludedDestinations'),
      excluded: filterOf(config.excludedDestinations, 'excludedDestinations'),
      statics: filterOf(config.staticallyIncludedDestinations, 'staticallyIncludedDestinations'),
    };
    this.bridges = urls.map((url) => new Bridge(this.name, url, backoff, rules, config, opts));
  }

  start(): void {
    for (const b of this.bridges) b.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.bridges.map((b) => b.stop()));
  }

  /** Per bridge: its remote URL, the remote broker's name once connected, what it forwards and how much it has. */
  status(): BridgeStatus[] {
    return this.bridges.map((b) => b.status());
  }

  /** Per bridge, the console's row (its Network page, /api/bridges, the wharf_bridges metric). */
  describe(): Array<{ name: string; remote: string; status: 'connected' | 'connecting' | 'stopped'; duplex: boolean; forwarded: number }> {
    return this.bridges.map((b) => {
      const st = b.status();
      return {
        name: this.bridges.length > 1 ? `${this.name} (${st.url})` : this.name,
        remote: st.remoteBroker ? `${st.remoteBroker} at ${st.url}` : st.url,
        status: b.stopped ? 'stopped' : st.connected ? 'connected' : 'connecting',
        duplex: this.config.duplex === true,
        forwarded: st.forwarded + st.forwardedBack,
      };
    });
  }
}

/** Start every configured connector; a bad entry throws before any starts. */
export function startNetworkConnectors(list: NetworkConnectorConfig[] | undefined, opts: NetworkBridgeOptions): NetworkConnector[] {
  const connectors = (list ?? []).map((c) => new NetworkConnector(c, opts));
  for (const c of connectors) c.start();
  return connectors;
}

/**
 * A bridge now: `forwarding` lists the destinations with demand on the remote broker and
 * `forwarded` counts the messages sent there; with duplex, `forwardingBack`/`forwardedBack` are
 * the same for the other way.
 */
export interface BridgeStatus {
  url: string;
  remoteBroker: string | null;
  connected: boolean;
  forwarding: string[];
  forwarded: number;
  forwardingBack: string[];
  forwardedBack: number;
}

interface Rules {
  ttl: number;
  prefetch: number;
  conduit: boolean;
  decreasePriority: boolean;
  dynamic: WireDestination[];
  excluded: WireDestination[];
  statics: WireDestination[];
}

/** Local network consumer for one destination (conduit) or one remote consumer. */
interface Demand {
  key: string;
  destination: string;
  /** Remote consumers (advisory ids) behind it; empty for a static include. */
  remote: Set<string>;
  consumer?: Promise<MessageConsumer | undefined>;
}

/** One link: this broker → one remote broker (or group, through failover). */
class Bridge {
  stopped = true;
  private session: Generation | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private remoteBroker: string | null = null;
  private readonly counts = [0, 0];

  constructor(
    private readonly name: string,
    private readonly url: string,
    private readonly backoff: Backoff,
    private readonly rules: Rules,
    private readonly config: NetworkConnectorConfig,
    private readonly opts: NetworkBridgeOptions,
  ) {
    this.delay = backoff.initial;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connectNow();
  }

  /** A failed connect is handled inside (lost: retried later); what escapes it is a fault. */
  private connectNow(): void {
    this.connect().catch((err: Error) => this.opts.logger.error({ bridge: this.name, url: this.url, err }, 'network bridge: connecting failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.session?.close();
    this.session = undefined;
  }

  status(): BridgeStatus {
    const forwarding = (i: number): string[] => [...(this.session?.directions[i]?.demands.values() ?? [])].map((d) => d.destination);
    return {
      url: this.url, remoteBroker: this.remoteBroker, connected: this.session?.up === true,
      forwarding: forwarding(0), forwarded: this.counts[0]!, forwardingBack: forwarding(1), forwardedBack: this.counts[1]!,
    };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const g = new Generation(this, this.opts.brokerName);
    this.session = g;
    try {
      await g.open(this.url, this.config);
      if (this.stopped || this.session !== g) return await g.close();
      this.remoteBroker = g.remoteName;
      this.delay = this.backoff.initial;
      this.opts.logger.info({ bridge: this.name, url: this.url, remote: g.remoteName }, `network bridge ${this.opts.brokerName} -> ${g.remoteName} started`);
    } catch (err) {
      this.lost(g, err as Error);
    }
  }

  /** The link of generation `g` failed: tear it down and try again later. */
  lost(g: Generation, err: Error): void {
    if (this.session !== g) return;
    this.session = undefined;
    // Closing settles each connection's close itself; nothing is left to fail.
    g.close().catch((e: Error) => this.opts.logger.warn({ bridge: this.name, url: this.url, err: e }, 'network bridge: closing the link failed'));
    if (this.stopped) return;
    const wait = this.delay;
    if (this.backoff.exponential) this.delay = Math.min(this.backoff.max, Math.max(1, this.delay) * this.backoff.multiplier);
    this.opts.logger.warn({ bridge: this.name, url: this.url, err: err.message, retryInMs: wait },
      `network bridge ${this.opts.brokerName} -> ${this.url} is down; connecting again in ${wait} ms`);
    this.timer = setTimeout(() => this.connectNow(), wait);
    this.timer.unref?.();
  }

  /** A message crossed: direction 0 to the remote broker, 1 back (duplex). */
  countForwarded(direction: number): void {
    this.counts[direction]!++;
  }

  get ruleset(): Rules {
    return this.rules;
  }

  get label(): string {
    return this.name;
  }

  get log(): ClusterLogger {
    return this.opts.logger;
  }
}

/** A message that went back to its queue when a link dropped is forwarded again at once, however
 * often that happens: no redelivery delay, never a dead letter for a bridge's consumers. */
const BRIDGE_REDELIVERY = { maximumRedeliveries: -1, initialRedeliveryDelay: 0, redeliveryDelay: 0, useExponentialBackOff: false };

/** One connected period of a bridge: its two connections, and one direction (two with duplex). */
class Generation {
  up = false;
  remoteName = '';
  /** [this broker → remote, remote → this broker (duplex)]. */
  readonly directions: Direction[] = [];
  private local?: Connection;
  private remote?: Connection;
  closed = false;

  constructor(readonly bridge: Bridge, private readonly localName: string) {}

  async open(url: string, config: NetworkConnectorConfig): Promise<void> {
    const fail = (err: Error): void => this.bridge.lost(this, err);
    // A failover URL may take long to connect; a bridge stopped meanwhile closes what it gets.
    const remote = await new ConnectionFactory(url, { redeliveryPolicy: BRIDGE_REDELIVERY, networkBridge: true, ...bridgeTls(config) }).createConnection(config.userName, config.password === undefined ? undefined : resolveSecret(config.password, `network connector ${url}`));
    this.remote = remote;
    if (this.closed) return void (await remote.close().catch(() => undefined));
    remote.setExceptionListener((err) => fail(err));
    remote.setTransportListener({ transportInterrupted: (err) => fail(err) });
    this.remoteName = remote.getBrokerName();
    if (this.remoteName === this.localName) throw new Error(`the remote broker is this broker (${this.localName}): a bridge to itself would loop`);
    const local = await new ConnectionFactory(`vm://${this.localName}`, { redeliveryPolicy: BRIDGE_REDELIVERY, networkBridge: true }).createConnection();
    this.local = local;
    if (this.closed) return void (await local.close().catch(() => undefined));
    local.setExceptionListener((err) => fail(err));
    await local.start();
    await remote.start();
    this.directions.push(new Direction(this, 0, local, remote, this.localName, this.remoteName));
    if (config.duplex) this.directions.push(new Direction(this, 1, remote, local, this.remoteName, this.localName));
    for (const d of this.directions) await d.start();
    this.up = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.up = false;
    // Closing a connection returns what its network consumers hold to their queues.
    await Promise.all([this.local?.close().catch(() => undefined), this.remote?.close().catch(() => undefined)]);
  }
}

/**
 * Forwarding one way: demand is the sink broker's consumers (its consumer advisories); network
 * consumers on the source broker take what the sink wants and send it there.
 */
class Direction {
  readonly demands = new Map<string, Demand>();
  /** Sink consumer id → the demand key it counts in. */
  private readonly bySinkConsumer = new Map<string, string>();
  private sourceSession?: Session;
  private producer?: MessageProducer;

  constructor(
    private readonly g: Generation,
    private readonly index: number,
    private readonly source: Connection,
    private readonly sink: Connection,
    readonly sourceName: string,
    readonly sinkName: string,
  ) {}

  async start(): Promise<void> {
    this.sourceSession = this.source.createSession(false, Session.INDIVIDUAL_ACKNOWLEDGE);
    const sinkSession = this.sink.createSession(false, Session.AUTO_ACKNOWLEDGE);
    this.producer = await sinkSession.createProducer(null);
    const r = this.g.bridge.ruleset;
    for (const d of r.statics) this.addDemand(`static:${d.url}`, d.url, null);
    const advisories = await sinkSession.createConsumer(sinkSession.createTopic('ActiveMQ.Advisory.Consumer.>'));
    advisories.setMessageListener((m) => this.onAdvisory(m));
  }

  private onAdvisory(m: Message): void {
    if (this.g.closed) return;
    const body = wireOf(m).body as { destination?: unknown; consumerId?: unknown; event?: unknown; brokerPath?: unknown } | null;
    if (!body || typeof body.destination !== 'string' || typeof body.consumerId !== 'string') return;
    const id = body.consumerId;
    if (body.event === 'removed') return this.removeSinkConsumer(id);
    if (body.event !== 'added' || this.bySinkConsumer.has(id)) return;
    const path = Array.isArray(body.brokerPath) ? body.brokerPath.filter((x): x is string => typeof x === 'string') : [];
    const r = this.g.bridge.ruleset;
    // Loops and TTL (consumerTTL = networkTTL): demand that came from the source, or from too far.
    if (path.includes(this.sourceName) || path.length >= r.ttl) return;
    let d: WireDestination;
    try {
      d = parseDestination(body.destination);
    } catch {
      return;
    }
    if (isTemporary(d.kind) || d.name.startsWith('ActiveMQ.')) return;
    if (matchesAny(r.statics, d)) return; // forwarded anyway
    if (r.dynamic.length > 0 && !matchesAny(r.dynamic, d)) return;
    if (matchesAny(r.excluded, d)) return;
    this.addDemand(r.conduit ? d.url : `consumer:${id}`, d.url, { id, path });
  }

  private addDemand(key: string, destination: string, sinkConsumer: { id: string; path: string[] } | null): void {
    let demand = this.demands.get(key);
    if (!demand) {
      demand = { key, destination, remote: new Set() };
      this.demands.set(key, demand);
      demand.consumer = this.subscribe(destination, sinkConsumer?.path ?? []);
    }
    if (sinkConsumer) {
      demand.remote.add(sinkConsumer.id);
      this.bySinkConsumer.set(sinkConsumer.id, key);
    }
  }

  private removeSinkConsumer(id: string): void {
    const key = this.bySinkConsumer.get(id);
    if (key === undefined) return;
    this.bySinkConsumer.delete(id);
    const demand = this.demands.get(key);
    if (!demand) return;
    demand.remote.delete(id);
    if (demand.remote.size > 0 || key.startsWith('static:')) return;
    this.demands.delete(key);
    // Its connection may be gone already: the consumer then went with it.
    demand.consumer?.then((c) => c?.close()).catch((err: Error) => this.g.bridge.log.debug({ bridge: this.g.bridge.label, destination: demand.destination, err: err.message }, 'network bridge: closing a network consumer failed'));
  }

  /** The network consumer for `destination` on the source broker, forwarding to the sink. */
  private async subscribe(destination: string, sinkPath: string[]): Promise<MessageConsumer | undefined> {
    const s = this.sourceSession;
    if (!s || this.g.closed) return undefined;
    const r = this.g.bridge.ruleset;
    const path = [this.sinkName, ...sinkPath];
    const priority = r.decreasePriority ? -5 - (path.length > 1 ? path.length : 0) : 0;
    // Everything in the try: a session closed under the bridge throws at once, and this promise
    // waits in the demand until its consumer is closed, with nobody handling it before that.
    try {
      const d: Destination = destination.startsWith('topic://') ? s.createTopic(destination.slice(8)) : s.createQueue(destination.slice(8));
      const c = await createNetworkConsumer(s, d, { target: this.sinkName, ttl: r.ttl, path }, { prefetch: r.prefetch, priority });
      c.setMessageListener((m) => this.forward(m));
      this.g.bridge.log.info({ bridge: this.g.bridge.label, destination, from: this.sourceName, to: this.sinkName }, 'network bridge: forwarding on demand');
      return c;
    } catch (err) {
      if (!this.g.closed) this.g.bridge.lost(this.g, err as Error);
      return undefined;
    }
  }

  /** Store and forward: the source's copy goes only once the sink broker has answered. */
  private forward(m: Message): void {
    const p = this.producer;
    if (!p || this.g.closed) return;
    const w = wireOf(m);
    forwardMessage(p, w, [...(w.brokerPath ?? []), this.sourceName]).then(
      () => {
        this.g.bridge.countForwarded(this.index);
        return m.acknowledge();
      },
      (err: Error) => this.g.bridge.lost(this.g, err),
    ).catch((err: Error) => this.g.bridge.lost(this.g, err));
  }
}

/** The TLS files of an ssl:// bridge, read at each (re)connect so renewed files are used. */
function bridgeTls(config: NetworkConnectorConfig): { tls?: import('node:tls').ConnectionOptions } {
  const s = config.ssl;
  if (!s) return {};
  const read = (p: string | undefined): Buffer | undefined => (p ? fs.readFileSync(p) : undefined);
  const ca = read(s.ca);
  const cert = read(s.cert);
  const key = read(s.key);
  return { tls: { minVersion: 'TLSv1.2', ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } };
}
