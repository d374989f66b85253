// Builds a ClusterNode from configuration (what `wharf start` does with a `cluster` section):
// a LevelStore in dataDirectory, a ZooKeeper election, replication over TCP, a Broker while
// master and refusers on the client ports otherwise.
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { Security, checkConnectorExposure, createLogger, resolveConfig, type BrokerConfig, type Logger, type ProtocolPackage } from '@wharf/broker';
import { ConfigError } from '@wharf/protocol';
import { Journal, LevelStore } from '@wharf/store';
import { ZooKeeperElection } from './election/zookeeper';
import { NetworkConnector, type NetworkConnectorConfig } from './network/bridge';
import { ClusterNode } from './node';
import { TcpReplicationTransport, parseTcpUrl } from './replication/tcp-transport';
import { brokerServices, tcpEndpoints, type BrokerServices } from './services';
import { ZkStatusPublisher } from './status';
import { SYNC_POLICIES, type SyncPolicy } from './types';

/** The `cluster` section (ActiveMQ's replicatedLevelDB attributes; docs/CLUSTER.md). */
export interface ClusterSettings {
  replicas?: number;
  zkAddress?: string;
  zkPassword?: string;
  zkPath?: string;
  /** ms */
  zkSessionTimeout?: number;
  replicationBind?: string;
  /** ms */
  replicationTimeout?: number;
  hostname?: string;
  weight?: number;
  securityToken?: string;
  /** Mutual TLS on the replication link: this member's key and certificate, the group's CA (PEM paths). */
  replicationTls?: { key: string; cert: string; ca: string };
  sync?: SyncPolicy | string;
  /** Unique in the group and stable across restarts (the StatefulSet ordinal). */
  nodeId?: number | string;
  /** Retained replication log (batches / bytes): a slave further behind gets a snapshot. */
  logRetentionBatches?: number;
  logRetentionBytes?: number;
}

export const CLUSTER_DEFAULTS = {
  replicas: 3,
  zkAddress: '127.0.0.1:2181',
  zkPath: '/wharf/default',
  zkSessionTimeout: 2000,
  replicationBind: 'tcp://0.0.0.0:61619',
  replicationTimeout: 5000,
  sync: 'quorum_mem' as SyncPolicy,
};

export interface BrokerClusterNode {
  node: ClusterNode;
  services: BrokerServices;
  /** The member id in the election. */
  id: string;
  clientUrl: string;
  close(): Promise<void>;
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Validate a cluster section; throws ConfigError naming the key. */
export function resolveClusterSettings(s: ClusterSettings): Required<Pick<ClusterSettings, 'replicas' | 'zkAddress' | 'zkPath' | 'zkSessionTimeout' | 'replicationBind' | 'replicationTimeout'>> & { sync: SyncPolicy } {
  const replicas = s.replicas ?? CLUSTER_DEFAULTS.replicas;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas % 2 === 0) throw new ConfigError(`cluster.replicas must be a positive odd integer, got ${replicas}`);
  const sync = (s.sync ?? CLUSTER_DEFAULTS.sync) as SyncPolicy;
  if (!SYNC_POLICIES.includes(sync)) throw new ConfigError(`cluster.sync must be one of ${SYNC_POLICIES.join(', ')}, got '${String(s.sync)}'`);
  const replicationBind = s.replicationBind ?? CLUSTER_DEFAULTS.replicationBind;
  try {
    parseTcpUrl(replicationBind);
  } catch (err) {
    throw new ConfigError(`cluster.replicationBind: ${(err as Error).message}`);
  }
  return {
    replicas,
    sync,
    replicationBind,
    zkAddress: s.zkAddress ?? CLUSTER_DEFAULTS.zkAddress,
    zkPath: s.zkPath ?? CLUSTER_DEFAULTS.zkPath,
    zkSessionTimeout: s.zkSessionTimeout ?? CLUSTER_DEFAULTS.zkSessionTimeout,
    replicationTimeout: s.replicationTimeout ?? CLUSTER_DEFAULTS.replicationTimeout,
  };
}

const SILENT = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function createBrokerClusterNode(
  config: BrokerConfig,
  settings: ClusterSettings,
  opts: { logger?: Logger; networkConnectors?: NetworkConnectorConfig[]; protocols?: readonly ProtocolPackage[] } = {},
): BrokerClusterNode {
  const s = resolveClusterSettings(settings);
  const logger = opts.logger ?? createLogger(config.logLevel, config.brokerName);
  if (!config.persistent) throw new ConfigError('a replicated group needs persistent: true (the replicated store is LevelDB)');
  // An unauthenticated listener beyond loopback is refused now, not each time this node becomes master.
  const resolved = resolveConfig(config);
  checkConnectorExposure(new Security(resolved, logger, { exists: () => false }), resolved.transportConnectors);
  const endpoints = tcpEndpoints(config);
  const first = endpoints[0];
  if (!first) throw new ConfigError('a cluster node needs a tcp:// transport connector for its clients');
  if (first.port === 0) throw new ConfigError('a cluster node needs a fixed client port (clients and the other nodes are told its URL)');
  const advertise = settings.hostname ?? (isWildcard(first.host) ? osHostname() : first.host);
  const clientUrl = `tcp://${hostPart(advertise)}:${first.port}`;
  const id = settings.nodeId !== undefined ? `${config.brokerName}-${settings.nodeId}` : `${config.brokerName}@${osHostname()}`;
  const bindHost = parseTcpUrl(s.replicationBind).host;
  const nodeLog = logger.child({ node: id });
  // The retained replication log is a journal in its own files beside LevelDB's (the store's
  // journal/journal.ts says why).
  const store = new LevelStore({ directory: config.dataDirectory });
  const log = new Journal({
    directory: join(config.dataDirectory, 'replication-log'),
    logger: nodeLog,
    label: 'replication log',
    ...(settings.logRetentionBatches !== undefined ? { retentionBatches: settings.logRetentionBatches } : {}),
    ...(settings.logRetentionBytes !== undefined ? { retentionBytes: settings.logRetentionBytes } : {}),
  });
  const election = new ZooKeeperElection({
    zkAddress: s.zkAddress, zkPath: s.zkPath, zkSessionTimeout: s.zkSessionTimeout, replicas: s.replicas, logger: nodeLog,
    ...(settings.zkPassword ? { zkPassword: settings.zkPassword } : {}),
  });
  const status = new ZkStatusPublisher(s.zkAddress, s.zkPath, s.zkSessionTimeout, nodeLog, settings.zkPassword || undefined);
  // A bad connector is a configuration error now, not when this node first becomes master.
  for (const nc of opts.networkConnectors ?? []) {
    try {
      void new NetworkConnector(nc, { brokerName: config.brokerName, logger: SILENT });
    } catch (err) {
      throw new ConfigError(`networkConnectors: ${(err as Error).message}`);
    }
  }
  const services = brokerServices(config, { logger, ...(opts.protocols ? { protocols: opts.protocols } : {}), ...(opts.networkConnectors ? { networkConnectors: opts.networkConnectors } : {}) });
  const node = new ClusterNode({
    nodeId: id,
    replicas: s.replicas,
    sync: s.sync,
    replicationTimeout: s.replicationTimeout,
    // Replication notices a dead link within about the ZooKeeper session timeout.
    heartbeatMs: Math.max(100, Math.min(1000, Math.floor(s.zkSessionTimeout / 4))),
    // A master the slaves cannot reach steps aside after 2 × replicationTimeout and stays out
    // long enough for them to elect one of themselves.
    rejoinAfterMs: Math.max(2000, 2 * s.zkSessionTimeout),
    securityToken: settings.securityToken ?? '',
    ...(settings.weight !== undefined ? { weight: settings.weight } : {}),
    clientUrl,
    replicationBind: s.replicationBind,
    store,
    log,
    election,
    transport: new TcpReplicationTransport({ advertiseHost: settings.hostname ?? (isWildcard(bindHost) ? osHostname() : bindHost), log: nodeLog, ...(settings.replicationTls ? { tls: settings.replicationTls } : {}) }),
    services,
    logger: nodeLog,
    statusSink: (st) => status.publish(st),
  });
  return {
    node,
    services,
    id,
    clientUrl,
    async close() {
      status.close();
      await node.stop();
    },
  };
}
