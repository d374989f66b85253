// Broker configuration in ActiveMQ's terms (activemq.xml attributes, as YAML/JSON keys).
import { DEFAULT_REDELIVERY_POLICY, type RedeliveryPolicyData } from '@wharf/protocol';

export interface TransportConnectorConfig {
  /** e.g. `openwire`, `stomp`, `ws` */
  name: string;
  /** `tcp://127.0.0.1:61616`, `ssl://…`, `stomp://…`, `ws://…`; port 0 picks a free port. */
  uri: string;
  /** TLS material for ssl:// and stomp+ssl:// (file paths). */
  key?: string;
  cert?: string;
  ca?: string;
  /** TLS: clients must present a certificate signed by `ca` (also `?needClientAuth=true` on the URI). */
  needClientAuth?: boolean;
  /** TLS: clients may present one (it then names the user when jaasCertificateLogin maps it). */
  wantClientAuth?: boolean;
  /**
   * Tell connected Java (OpenWire) clients the replicated group's members (ActiveMQ's
   * updateClusterClients: a ConnectionControl with connectedBrokers), and a non-serving node's
   * refused Java clients too. Default: true in a replicated group (a standalone broker has no
   * members to tell).
   */
  updateClusterClients?: boolean;
  /** Ask Java clients to rebalance across the members told (ActiveMQ's rebalanceClusterClients); default false. */
  rebalanceClusterClients?: boolean;
  /** Tell Java clients when a member leaves too, not only when one joins (ActiveMQ's updateClusterClientsOnRemove); default false. */
  updateClusterClientsOnRemove?: boolean;
}

export type DeadLetterStrategyConfig =
  | { type: 'shared'; deadLetterQueue?: string; processExpired?: boolean; processNonPersistent?: boolean }
  | {
      type: 'individual'; queuePrefix?: string; topicPrefix?: string; queueSuffix?: string; topicSuffix?: string;
      useQueueForQueueMessages?: boolean; useQueueForTopicMessages?: boolean;
      processExpired?: boolean; processNonPersistent?: boolean;
    }
  | { type: 'discarding' };

/** One `policyEntry`: `queue` or `topic` names a destination or a wildcard pattern. */
export interface PolicyEntryConfig {
  queue?: string;
  topic?: string;
  redeliveryPolicy?: Partial<RedeliveryPolicyData>;
  deadLetterStrategy?: DeadLetterStrategyConfig;
  /** Default prefetch for consumers that do not ask for one. */
  queuePrefetch?: number;
  topicPrefetch?: number;
  durableTopicPrefetch?: number;
  /** Bytes of messages this destination may hold in memory before paging to the store / blocking. */
  memoryLimit?: number;
  producerFlowControl?: boolean;
  /** ms between expiry scans; 0 disables the scan (ActiveMQ expireMessagesPeriod). */
  expireMessagesPeriod?: number;
  /** How many pending messages one dispatch pass looks at (ActiveMQ maxPageSize). */
  maxPageSize?: number;
  /**
   * Non-durable topic subscribers: how many messages may wait for a slow one beyond its
   * prefetch; the oldest non-persistent ones past it are discarded (ActiveMQ's
   * constantPendingMessageLimitStrategy / prefetchRatePendingMessageLimitStrategy).
   */
  pendingMessageLimitStrategy?: PendingMessageLimitStrategyConfig;
  /**
   * Remove the destination once it has had no consumers and no messages for
   * inactiveTimoutBeforeGC ms (ActiveMQ's names, its spelling; checked every
   * schedulePeriodForDestinationPurge ms, which must be > 0).
   */
  gcInactiveDestinations?: boolean;
  inactiveTimoutBeforeGC?: number;
  /**
   * Dispatch a queue's (or durable subscription's) pending messages highest priority first.
   * ActiveMQ's default, false, keeps arrival (FIFO) order whatever the JMSPriority.
   */
  prioritizedMessages?: boolean;
  /** What to do with a consumer that does not keep up (ActiveMQ's slowConsumerStrategy). */
  slowConsumerStrategy?: SlowConsumerStrategyConfig;
  /** Publish ActiveMQ.Advisory.SlowConsumer.<Queue|Topic>.<name> when a subscriber turns slow. */
  advisoryForSlowConsumers?: boolean;
}

/**
 * ActiveMQ's abortSlowConsumerStrategy and abortSlowAckConsumerStrategy, with their names and
 * defaults. `abortSlowConsumer` judges topic subscribers: slow while their prefetch window is
 * full and messages wait behind it (more than a prefetch's worth for a non-durable one), as
 * ActiveMQ marks them; queue consumers never are (ActiveMQ's queues hold what a full consumer
 * cannot take). `abortSlowAckConsumer` judges every consumer, queues too, by the time since its
 * last acknowledgement.
 */
export interface SlowConsumerStrategyConfig {
  type: 'abortSlowConsumer' | 'abortSlowAckConsumer';
  /** Abort after this many turns to slow (-1: no count limit). Default -1. */
  maxSlowCount?: number;
  /** Abort after this many ms slow (-1: no time limit). Default 30000. */
  maxSlowDuration?: number;
  /** ms between checks. Default 30000. */
  checkPeriod?: number;
  /** Close the consumer's whole connection instead of the consumer. Default false. */
  abortConnection?: boolean;
  /** Leave network bridges' consumers alone. Default true. */
  ignoreNetworkConsumers?: boolean;
  /** abortSlowAckConsumer: a consumer holding no unacknowledged message is not slow. Default true. */
  ignoreIdleConsumers?: boolean;
  /** abortSlowAckConsumer: slow after this many ms without an acknowledgement. Default 30000. */
  maxTimeSinceLastAck?: number;
}

export type PendingMessageLimitStrategyConfig =
  | { type: 'constant'; limit: number }
  | { type: 'prefetchRatio'; multiplier: number };

export interface VirtualTopicConfig {
  /** Topic name pattern that is a virtual topic (default `VirtualTopic.>`). */
  name?: string;
  /** Consumer queue prefix pattern (default `Consumer.*.`). */
  prefix?: string;
  postfix?: string;
  selectorAware?: boolean;
}

export interface MirroredQueueConfig {
  prefix?: string;
  postfix?: string;
  copyMessage?: boolean;
}

export interface UserConfig {
  username: string;
  password: string;
  groups?: string[];
}

/** One ActiveMQ `authorizationEntry`: a queue or topic (name or wildcard) and comma-separated group lists. */
export interface AuthorizationEntryConfig {
  queue?: string;
  topic?: string;
  read?: string;
  write?: string;
  admin?: string;
}

/** ActiveMQ's `tempDestinationAuthorizationEntry`: the groups for every temporary destination. */
export interface TempDestinationAuthorizationEntryConfig {
  read?: string;
  write?: string;
  admin?: string;
}

/** ActiveMQ's JAAS PropertiesLoginModule: users.properties, groups.properties, reload on change. */
/** ActiveMQ's LDAPLoginModule options, by their names there. */
export interface LdapLoginConfig {
  /** ldap://host:port or ldaps://host:port */
  connectionURL: string;
  /** The service account's DN that searches users and groups (none: anonymous searches). */
  connectionUsername?: string;
  /** Its password (`${ENV_VAR}` reads the environment). */
  connectionPassword?: string;
  /** `ssl` connects with TLS (as an ldaps:// URL does); anything else is plain LDAP. */
  connectionProtocol?: string;
  /** `simple` (default): bind as connectionUsername; `none`: search anonymously. */
  authentication?: 'simple' | 'none';
  userBase: string;
  /** Filter finding the user, `{0}` the escaped user name, e.g. `(uid={0})`. */
  userSearchMatching: string;
  /** Search the whole subtree under userBase (default: its direct children only). */
  userSearchSubtree?: boolean;
  roleBase?: string;
  /** Attribute of a group entry that is the group's name, e.g. `cn`. */
  roleName?: string;
  /** Filter finding the user's groups: `{0}` the user's DN, `{1}` the user name, e.g. `(member={0})`. */
  roleSearchMatching?: string;
  roleSearchSubtree?: boolean;
  /** Attribute of the user entry whose values are group names too. */
  userRoleName?: string;
  /** Follow groups that are members of groups, with expandRolesMatching (`{0}` a group's DN). */
  expandRoles?: boolean;
  expandRolesMatching?: string;
  /** Wharf: ms allowed for connecting and for each LDAP operation (default 5000). */
  timeout?: number;
  /** Wharf: logins talking to LDAP at once; more are refused (default 64). */
  maxConcurrentLogins?: number;
  /** Wharf: CA file that vouches for an ldaps:// server's certificate (default: the system's CAs). */
  ca?: string;
}

export interface JaasPropertiesConfig {
  /** users.properties: `user=password` lines. */
  user: string;
  /** groups.properties: `group=user1,user2` lines. */
  group?: string;
  /** Read a file again when it changed (checked at each login). Default true. */
  reload?: boolean;
}

export interface BrokerConfig {
  brokerName: string;
  /** Where the store lives (ActiveMQ's dataDirectory). */
  dataDirectory: string;
  /** false: everything in memory (ActiveMQ persistent="false": the memory store of the ActiveMQ tutorial this project follows). */
  persistent: boolean;
  transportConnectors: TransportConnectorConfig[];
  destinationPolicy: PolicyEntryConfig[];
  /** Largest frame accepted from a client (bytes). */
  maxFrameSize: number;
  /** Broker-wide memory for messages held in RAM (systemUsage memoryUsage). */
  memoryLimit: number;
  /**
   * Store size limit in bytes before producers are blocked (systemUsage storeUsage); 0 = none.
   * Default 100 GB as ActiveMQ's; at start a limit the disk cannot hold is lowered to the free
   * space plus the store's size, minus a margin (store-health.ts).
   */
  storeLimit: number;
  /**
   * Serve a store whose files are damaged (what the damage held is lost) instead of refusing to
   * start; the damage is logged. Default false: start fails naming the damage.
   */
  acceptStoreDamage: boolean;
  /** ms between checks for inactive destinations to remove (gcInactiveDestinations); 0 = never (ActiveMQ's default). */
  schedulePeriodForDestinationPurge: number;
  /** Fail a send at once when memory or store is full, instead of blocking the producer (ActiveMQ sendFailIfNoSpace). */
  sendFailIfNoSpace: boolean;
  /** How long a blocked producer waits before its send fails (ms); 0 = forever (ActiveMQ sendFailIfNoSpaceAfterTimeout). */
  sendFailIfNoSpaceAfterTimeout: number;
  /**
   * Dispatch a persistent queue message to a waiting consumer while its store write is queued
   * (KahaDB's concurrentStoreAndDispatchQueues): a message consumed before its write starts is
   * never written, and its send completes then. Standalone LevelDB store only.
   */
  concurrentStoreAndDispatchQueues: boolean;
  schedulerSupport: boolean;
  useVirtualTopics: boolean;
  virtualTopics: VirtualTopicConfig[];
  useMirroredQueues: boolean;
  mirroredQueue: MirroredQueueConfig;
  advisorySupport: boolean;
  /** Heartbeat the broker accepts at most (ms); clients ask for their own. */
  maxInactivityDuration: number;
  /**
   * ms a new client connection has to complete its handshake (native HELLO, STOMP CONNECT)
   * before the broker closes it (ActiveMQ's transport.connectAttemptTimeout); 0 = no limit.
   */
  connectAttemptTimeout: number;
  /** ms a native frame may take to arrive once its first bytes came; 0 = no limit. */
  maxFrameReadTime: number;
  /** Users allowed to connect; empty = no authentication (ActiveMQ's default). */
  users: UserConfig[];
  /** Users and groups from ActiveMQ's JAAS property files, besides `users`. */
  jaasProperties?: JaasPropertiesConfig;
  /**
   * ActiveMQ's TextFileCertificateLoginModule: `user=DN` lines name the user of a verified client
   * certificate; `group=user1,user2` lines its groups.
   */
  jaasCertificateLogin?: JaasPropertiesConfig;
  /** ActiveMQ's LDAPLoginModule: users and groups from an LDAP directory (docs/SECURITY.md). */
  jaasLdapLogin?: LdapLoginConfig;
  /** Clients without a username connect as `anonymousUser` in `anonymousGroup`. */
  anonymousAccessAllowed: boolean;
  anonymousUser: string;
  anonymousGroup: string;
  /** Who may read, write and create which destination; empty = every authenticated user may do everything. */
  authorizationEntries: AuthorizationEntryConfig[];
  tempDestinationAuthorizationEntry?: TempDestinationAuthorizationEntryConfig;
  /** Set JMSXUserID of every message to the sender's authenticated user (a client's own value is never kept). */
  populateJMSXUserID: boolean;
  /** Allow listeners beyond loopback while no user is configured (anyone on the network could connect). */
  allowUnauthenticatedNetworkAccess: boolean;
  /** Log level for pino. */
  logLevel: string;
  /** Client URLs to advertise to failover clients (cluster sets these). */
  advertisedMembers?: string[];
}

/** ActiveMQ's RedeliveryPolicy defaults. */
export const DEFAULT_REDELIVERY: RedeliveryPolicyData = { ...DEFAULT_REDELIVERY_POLICY };

export function defaultConfig(): BrokerConfig {
  return {
    brokerName: 'localhost',
    dataDirectory: 'data',
    persistent: true,
    transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:61616' }],
    destinationPolicy: [],
    maxFrameSize: 100 * 1024 * 1024,
    memoryLimit: 256 * 1024 * 1024,
    storeLimit: 100 * 1024 * 1024 * 1024,
    acceptStoreDamage: false,
    schedulePeriodForDestinationPurge: 0,
    sendFailIfNoSpace: false,
    sendFailIfNoSpaceAfterTimeout: 0,
    concurrentStoreAndDispatchQueues: true,
    schedulerSupport: false,
    useVirtualTopics: true,
    virtualTopics: [{ name: 'VirtualTopic.>', prefix: 'Consumer.*.', postfix: '' }],
    useMirroredQueues: false,
    mirroredQueue: { prefix: 'VirtualTopic.Mirror.', postfix: '', copyMessage: true },
    advisorySupport: true,
    maxInactivityDuration: 30000,
    connectAttemptTimeout: 30000,
    maxFrameReadTime: 60000,
    users: [],
    anonymousAccessAllowed: false,
    anonymousUser: 'anonymous',
    anonymousGroup: 'anonymous',
    authorizationEntries: [],
    populateJMSXUserID: true,
    allowUnauthenticatedNetworkAccess: false,
    logLevel: 'info',
  };
}

/** Merge a partial config over the defaults (arrays replace, objects merge one level). */
export function resolveConfig(partial: Partial<BrokerConfig> = {}): BrokerConfig {
  const base = defaultConfig();
  const out: BrokerConfig = { ...base, ...partial } as BrokerConfig;
  out.mirroredQueue = { ...base.mirroredQueue, ...(partial.mirroredQueue ?? {}) };
  return out;
}
