// Every configuration key, in ActiveMQ's terms: what kind of value it takes and where it goes.
// One table drives the file reader, the WHARF_* environment variables, the flags and the help.
import type { BrokerConfig } from '@wharf/broker';

export type Spec =
  | { kind: 'string'; nonEmpty?: boolean; check?: (v: string) => string | undefined }
  | { kind: 'boolean' }
  | { kind: 'integer'; min?: number; max?: number; odd?: boolean }
  /** Bytes: a number or `64mb`, `1 gb`. */
  | { kind: 'size'; min?: number }
  /** Milliseconds: a number or `2s`, `500ms`. `-1` is allowed when `allowMinusOne` (ActiveMQ's "no limit"). */
  | { kind: 'duration'; min?: number; allowMinusOne?: boolean }
  | { kind: 'number'; min?: number; allowMinusOne?: boolean }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'uri' }
  | { kind: 'array'; of: Spec }
  | {
      kind: 'object';
      fields: Record<string, Spec>;
      required?: readonly string[];
      /** Extra rule on the coerced object; returns a problem (with its field path) or undefined. */
      check?: (v: Record<string, unknown>) => { field: string; problem: string; hint: string } | undefined;
    };

export type Section = 'broker' | 'cluster' | 'console' | 'extra';

export interface KeySpec {
  key: string;
  spec: Spec;
  section: Section;
  doc: string;
}

const str: Spec = { kind: 'string' };
const bool: Spec = { kind: 'boolean' };
const nonNegSize: Spec = { kind: 'size', min: 0 };
const nonNegInt: Spec = { kind: 'integer', min: 0 };
const nonNegMs: Spec = { kind: 'duration', min: 0 };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const SYNC_VALUES = ['quorum_mem', 'quorum_disk', 'local_disk'] as const;

const connector: Spec = {
  kind: 'object',
  fields: {
    name: { kind: 'string', nonEmpty: true }, uri: { kind: 'uri' }, key: str, cert: str, ca: str, needClientAuth: bool, wantClientAuth: bool,
    updateClusterClients: bool, rebalanceClusterClients: bool, updateClusterClientsOnRemove: bool,
  },
  required: ['name', 'uri'],
  check: (c) => {
    const uri = String(c.uri);
    if (/^(ssl|nio\+ssl|auto\+ssl|auto\+nio\+ssl|stomp\+ssl|wss):/i.test(uri) && (c.key === undefined || c.cert === undefined)) {
      return { field: 'key', problem: `connector '${String(c.name)}' uses ${uri.split(':')[0]} but has no key/cert`, hint: 'add key: and cert: with the paths of a PEM private key and certificate' };
    }
    return undefined;
  },
};

const SHARED_DLQ = ['deadLetterQueue', 'processExpired', 'processNonPersistent'];
const INDIVIDUAL_DLQ = ['queuePrefix', 'topicPrefix', 'queueSuffix', 'topicSuffix', 'useQueueForQueueMessages', 'useQueueForTopicMessages', 'processExpired', 'processNonPersistent'];

const deadLetterStrategy: Spec = {
  kind: 'object',
  fields: {
    type: { kind: 'enum', values: ['shared', 'individual', 'discarding'] },
    deadLetterQueue: { kind: 'string', nonEmpty: true },
    queuePrefix: str, topicPrefix: str, queueSuffix: str, topicSuffix: str,
    useQueueForQueueMessages: bool, useQueueForTopicMessages: bool,
    processExpired: bool, processNonPersistent: bool,
  },
  required: ['type'],
  check: (d) => {
    const allowed = d.type === 'shared' ? SHARED_DLQ : d.type === 'individual' ? INDIVIDUAL_DLQ : [];
    const bad = Object.keys(d).find((k) => k !== 'type' && !allowed.includes(k));
    if (bad === undefined) return undefined;
    return {
      field: bad,
      problem: `'${bad}' does not apply to the ${String(d.type)} strategy`,
      hint: allowed.length ? `${String(d.type)} takes ${allowed.join(', ')}` : 'the discarding strategy takes no other keys',
    };
  },
};

const redeliveryPolicy: Spec = {
  kind: 'object',
  fields: {
    maximumRedeliveries: { kind: 'integer', min: -1 },
    initialRedeliveryDelay: nonNegMs,
    redeliveryDelay: nonNegMs,
    useExponentialBackOff: bool,
    backOffMultiplier: { kind: 'number', min: 1 },
    maximumRedeliveryDelay: { kind: 'duration', min: 0, allowMinusOne: true },
  },
};

const policyEntry: Spec = {
  kind: 'object',
  fields: {
    queue: { kind: 'string', nonEmpty: true },
    topic: { kind: 'string', nonEmpty: true },
    redeliveryPolicy,
    deadLetterStrategy,
    queuePrefetch: nonNegInt,
    topicPrefetch: nonNegInt,
    durableTopicPrefetch: nonNegInt,
    memoryLimit: nonNegSize,
    producerFlowControl: bool,
    expireMessagesPeriod: nonNegMs,
    maxPageSize: { kind: 'integer', min: 1 },
    pendingMessageLimitStrategy: {
      kind: 'object',
      fields: { type: { kind: 'enum', values: ['constant', 'prefetchRatio'] }, limit: { kind: 'integer', min: -1 }, multiplier: { kind: 'number', min: 0 } },
      required: ['type'],
      check: (s) => s.type === 'constant' ? (s.limit === undefined ? { field: 'limit', problem: 'a constant strategy needs a limit', hint: 'write {type: constant, limit: 1000}' } : undefined)
        : (s.multiplier === undefined ? { field: 'multiplier', problem: 'a prefetchRatio strategy needs a multiplier', hint: 'write {type: prefetchRatio, multiplier: 2.5}' } : undefined),
    },
    gcInactiveDestinations: bool,
    inactiveTimoutBeforeGC: nonNegMs,
    prioritizedMessages: bool,
    slowConsumerStrategy: {
      kind: 'object',
      fields: {
        type: { kind: 'enum', values: ['abortSlowConsumer', 'abortSlowAckConsumer'] },
        maxSlowCount: { kind: 'integer', min: -1 },
        maxSlowDuration: { kind: 'duration', min: 0, allowMinusOne: true },
        checkPeriod: { kind: 'duration', min: 1 },
        abortConnection: bool,
        ignoreNetworkConsumers: bool,
        ignoreIdleConsumers: bool,
        maxTimeSinceLastAck: { kind: 'duration', min: 0, allowMinusOne: true },
      },
      required: ['type'],
      check: (s) => s.type === 'abortSlowConsumer' && (s.ignoreIdleConsumers !== undefined || s.maxTimeSinceLastAck !== undefined)
        ? { field: s.ignoreIdleConsumers !== undefined ? 'ignoreIdleConsumers' : 'maxTimeSinceLastAck', problem: 'only the abortSlowAckConsumer strategy watches acknowledgements', hint: 'write type: abortSlowAckConsumer' }
        : undefined,
    },
    advisoryForSlowConsumers: bool,
  },
  check: (p) => (p.queue === undefined) === (p.topic === undefined)
    ? { field: 'queue', problem: 'a policy entry needs exactly one of queue or topic', hint: "write queue: '>' for every queue, or topic: 'PRICES.>' for a pattern" }
    : undefined,
};

const authorizationEntry: Spec = {
  kind: 'object',
  fields: { queue: { kind: 'string', nonEmpty: true }, topic: { kind: 'string', nonEmpty: true }, read: str, write: str, admin: str },
  check: (e) => (e.queue === undefined) === (e.topic === undefined)
    ? { field: 'queue', problem: 'an authorization entry needs exactly one of queue or topic', hint: "write queue: '>' for every queue, or topic: 'ActiveMQ.Advisory.>'" }
    : undefined,
};

const consoleSection: Spec = {
  kind: 'object',
  fields: {
    enabled: bool,
    bind: { kind: 'string', nonEmpty: true },
    port: { kind: 'integer', min: 0, max: 65535 },
    username: str,
    password: str,
    allowedHosts: { kind: 'array', of: { kind: 'string', nonEmpty: true } },
    adminGroups: str,
    viewerGroups: str,
    tls: { kind: 'object', fields: { key: { kind: 'string', nonEmpty: true }, cert: { kind: 'string', nonEmpty: true }, ca: str }, required: ['key', 'cert'] },
    metricsDestinationLimit: { kind: 'integer', min: 0 },
  },
};

const mirroredQueue: Spec = { kind: 'object', fields: { prefix: str, postfix: str, copyMessage: bool } };

/** Every top-level key. Broker keys are those of BrokerConfig (a test checks it against defaultConfig()). */
export const KEYS: readonly KeySpec[] = [
  { key: 'brokerName', section: 'broker', spec: { kind: 'string', nonEmpty: true }, doc: 'name of this broker (all nodes of a replicated group share it)' },
  { key: 'dataDirectory', section: 'broker', spec: { kind: 'string', nonEmpty: true }, doc: 'where the LevelDB store lives' },
  { key: 'persistent', section: 'broker', spec: bool, doc: 'false: keep everything in memory' },
  { key: 'transportConnectors', section: 'broker', spec: { kind: 'array', of: connector }, doc: '[{name, uri, key, cert, ca, needClientAuth, updateClusterClients, rebalanceClusterClients, updateClusterClientsOnRemove}] listeners: tcp:// and ssl:// (Wharf and OpenWire clients on one port; auto:// is the same), stomp://, stomp+ssl://, ws://, wss:// (TLS 1.2+; certificate files reloaded when they change)' },
  { key: 'destinationPolicy', section: 'broker', spec: { kind: 'array', of: policyEntry }, doc: '[{queue|topic, redeliveryPolicy, deadLetterStrategy, queuePrefetch, memoryLimit, gcInactiveDestinations, inactiveTimoutBeforeGC, ...}]' },
  { key: 'maxFrameSize', section: 'broker', spec: { kind: 'size', min: 1 }, doc: 'largest frame accepted from a client' },
  { key: 'memoryLimit', section: 'broker', spec: nonNegSize, doc: 'memory for messages held in RAM (systemUsage memoryUsage)' },
  { key: 'storeLimit', section: 'broker', spec: nonNegSize, doc: 'store size before producers block (100 gb, lowered at start to what the disk can hold); 0 = no limit' },
  { key: 'schedulePeriodForDestinationPurge', section: 'broker', spec: nonNegMs, doc: 'ms between checks for inactive destinations to remove (policy gcInactiveDestinations, inactiveTimoutBeforeGC); 0 = never' },
  { key: 'acceptStoreDamage', section: 'broker', spec: bool, doc: 'start on a damaged store, serving what is left (what the damage held is lost); default: refuse, naming the damage (see wharf store check)' },
  { key: 'concurrentStoreAndDispatchQueues', section: 'broker', spec: bool, doc: 'dispatch a persistent queue message to a waiting consumer while its write is queued; one consumed first is never written (standalone store)' },
  { key: 'sendFailIfNoSpace', section: 'broker', spec: bool, doc: 'fail a send at once when memory or store is full instead of blocking the producer' },
  { key: 'sendFailIfNoSpaceAfterTimeout', section: 'broker', spec: nonNegMs, doc: 'ms a blocked producer waits before its send fails; 0 = forever' },
  { key: 'schedulerSupport', section: 'broker', spec: bool, doc: 'honour AMQ_SCHEDULED_DELAY / _PERIOD / _REPEAT / _CRON' },
  { key: 'useVirtualTopics', section: 'broker', spec: bool, doc: 'enable virtual topics' },
  { key: 'virtualTopics', section: 'broker', spec: { kind: 'array', of: { kind: 'object', fields: { name: str, prefix: str, postfix: str, selectorAware: bool } } }, doc: '[{name, prefix, postfix, selectorAware}]' },
  { key: 'useMirroredQueues', section: 'broker', spec: bool, doc: 'copy every queue message to a topic' },
  { key: 'mirroredQueue', section: 'broker', spec: mirroredQueue, doc: '{prefix, postfix, copyMessage}' },
  { key: 'advisorySupport', section: 'broker', spec: bool, doc: 'publish ActiveMQ.Advisory.* topics' },
  { key: 'maxInactivityDuration', section: 'broker', spec: nonNegMs, doc: 'longest heartbeat interval accepted (ms)' },
  { key: 'connectAttemptTimeout', section: 'broker', spec: nonNegMs, doc: 'ms a new client connection has to complete its handshake (HELLO, STOMP CONNECT) before it is closed; 0 = no limit; a connector URI may set its own with ?transport.connectAttemptTimeout=' },
  { key: 'maxFrameReadTime', section: 'broker', spec: nonNegMs, doc: 'ms a native frame may take to arrive once its first bytes came (a trickled large frame is cut off); 0 = no limit' },
  { key: 'users', section: 'broker', spec: { kind: 'array', of: { kind: 'object', fields: { username: { kind: 'string', nonEmpty: true }, password: str, groups: { kind: 'array', of: str } }, required: ['username', 'password'] } }, doc: '[{username, password, groups}]; password plain, an scrypt hash from `wharf hash-password`, or `${ENV_VAR}`; no users (and no jaasProperties) = no authentication (docs/SECURITY.md)' },
  { key: 'jaasProperties', section: 'broker', spec: { kind: 'object', fields: { user: { kind: 'string', nonEmpty: true }, group: { kind: 'string', nonEmpty: true }, reload: bool }, required: ['user'] }, doc: "{user: users.properties, group: groups.properties, reload} ActiveMQ's JAAS property files; re-read when changed (reload, default true)" },
  { key: 'jaasCertificateLogin', section: 'broker', spec: { kind: 'object', fields: { user: { kind: 'string', nonEmpty: true }, group: { kind: 'string', nonEmpty: true }, reload: bool }, required: ['user'] }, doc: "{user, group, reload} ActiveMQ's TextFileCertificateLoginModule: `user=DN` lines name the user of a verified client certificate (needClientAuth), `group=users` lines its groups" },
  {
    key: 'jaasLdapLogin', section: 'broker',
    spec: {
      kind: 'object',
      fields: {
        connectionURL: { kind: 'string', nonEmpty: true }, connectionUsername: str, connectionPassword: str, connectionProtocol: str,
        authentication: { kind: 'enum', values: ['simple', 'none'] }, userBase: str, userSearchMatching: { kind: 'string', nonEmpty: true }, userSearchSubtree: bool,
        roleBase: str, roleName: str, roleSearchMatching: str, roleSearchSubtree: bool, userRoleName: str, expandRoles: bool, expandRolesMatching: str,
        timeout: { kind: 'integer', min: 1 }, maxConcurrentLogins: { kind: 'integer', min: 1 }, ca: { kind: 'string', nonEmpty: true },
      },
      required: ['connectionURL', 'userBase', 'userSearchMatching'],
    },
    doc: "ActiveMQ's LDAPLoginModule options {connectionURL, connectionUsername, connectionPassword, userBase, userSearchMatching, roleBase, roleName, roleSearchMatching, ...}; users not in `users`/jaasProperties are looked up there, their LDAP groups feed authorizationEntries (docs/SECURITY.md)",
  },
  { key: 'anonymousAccessAllowed', section: 'broker', spec: bool, doc: 'clients without a username connect as anonymousUser in anonymousGroup' },
  { key: 'anonymousUser', section: 'broker', spec: { kind: 'string', nonEmpty: true }, doc: 'user name of anonymous clients' },
  { key: 'anonymousGroup', section: 'broker', spec: { kind: 'string', nonEmpty: true }, doc: 'group of anonymous clients' },
  { key: 'authorizationEntries', section: 'broker', spec: { kind: 'array', of: authorizationEntry }, doc: "[{queue|topic, read, write, admin}] comma-separated groups per operation, matched as ActiveMQ's authorizationMap; empty = every authenticated user may do everything" },
  { key: 'tempDestinationAuthorizationEntry', section: 'broker', spec: { kind: 'object', fields: { read: str, write: str, admin: str } }, doc: '{read, write, admin} groups for temporary destinations; absent = open to every user' },
  { key: 'populateJMSXUserID', section: 'broker', spec: bool, doc: "set JMSXUserID to the sender's authenticated user (a client's own value is always dropped)" },
  { key: 'allowUnauthenticatedNetworkAccess', section: 'broker', spec: bool, doc: 'let connectors listen beyond loopback with no users configured (otherwise the broker refuses to start)' },
  { key: 'logLevel', section: 'broker', spec: { kind: 'enum', values: LOG_LEVELS }, doc: LOG_LEVELS.join(' | ') },
  { key: 'advertisedMembers', section: 'broker', spec: { kind: 'array', of: { kind: 'string', nonEmpty: true } }, doc: 'client URLs told to failover clients' },
  // Replicated group (ActiveMQ's replicatedLevelDB attributes, docs/CLUSTER.md).
  { key: 'replicas', section: 'cluster', spec: { kind: 'integer', min: 1, odd: true }, doc: 'group size (odd); quorum = replicas/2 + 1' },
  { key: 'zkAddress', section: 'cluster', spec: { kind: 'string', nonEmpty: true, check: checkZkAddress }, doc: 'ZooKeeper servers, host:port,host:port' },
  { key: 'zkPassword', section: 'cluster', spec: str, doc: 'password of the group\'s znodes in ZooKeeper (digest auth, user wharf); every node and `wharf cluster status` need the same one' },
  { key: 'zkPath', section: 'cluster', spec: { kind: 'string', check: (v) => (v.startsWith('/') ? undefined : 'must start with /') }, doc: "the group's ZooKeeper directory" },
  { key: 'zkSessionTimeout', section: 'cluster', spec: { kind: 'duration', min: 1 }, doc: 'ZooKeeper session timeout (2s)' },
  { key: 'replicationBind', section: 'cluster', spec: { kind: 'uri' }, doc: 'replication listener, tcp://0.0.0.0:61619' },
  { key: 'replicationTimeout', section: 'cluster', spec: nonNegMs, doc: 'how long a commit waits for its quorum' },
  { key: 'hostname', section: 'cluster', spec: { kind: 'string', nonEmpty: true }, doc: 'host advertised in the replication URL' },
  { key: 'weight', section: 'cluster', spec: nonNegInt, doc: 'election tie-breaker' },
  { key: 'securityToken', section: 'cluster', spec: str, doc: 'must match on every node' },
  { key: 'replicationTls', section: 'cluster', spec: { kind: 'object', fields: { key: { kind: 'string', nonEmpty: true }, cert: { kind: 'string', nonEmpty: true }, ca: { kind: 'string', nonEmpty: true } }, required: ['key', 'cert', 'ca'] }, doc: "{key, cert, ca} mutual TLS on the replication link: this node's key and certificate, the group's CA (every node needs one)" },
  { key: 'sync', section: 'cluster', spec: { kind: 'enum', values: SYNC_VALUES }, doc: SYNC_VALUES.join(' | ') },
  { key: 'nodeId', section: 'cluster', spec: nonNegInt, doc: "this node's id (default: the StatefulSet ordinal of HOSTNAME)" },
  { key: 'logRetentionBatches', section: 'cluster', spec: nonNegInt, doc: 'retained replication log in batches (100000); a slave further behind catches up by snapshot' },
  { key: 'logRetentionBytes', section: 'cluster', spec: nonNegSize, doc: 'retained replication log in bytes (64mb)' },
  { key: 'console', section: 'console', spec: consoleSection, doc: '{enabled, bind, port, username, password, metricsDestinationLimit, allowedHosts, adminGroups, viewerGroups, tls: {key, cert, ca}} of the web console; on by default at 127.0.0.1:8161, as ActiveMQ\'s; the broker\'s users log in, admins (adminGroups, default admins) act, viewers (viewerGroups, default viewers) look (docs/SECURITY.md)' },
  { key: 'networkConnectors', section: 'extra', spec: { kind: 'array', of: { kind: 'object', fields: { name: str, uri: { kind: 'string', nonEmpty: true }, duplex: bool, networkTTL: nonNegInt, conduitSubscriptions: bool, decreaseNetworkConsumerPriority: bool, dynamicallyIncludedDestinations: { kind: 'array', of: str }, excludedDestinations: { kind: 'array', of: str }, staticallyIncludedDestinations: { kind: 'array', of: str }, prefetchSize: { kind: 'integer', min: 1 }, userName: str, password: str, ssl: { kind: 'object', fields: { ca: str, cert: str, key: str } } }, required: ['uri'] } }, doc: 'network-of-brokers bridges run by this broker (a group: by its master), [{uri: static:(tcp://other:61616), networkTTL, ...}] (docs/CLUSTER.md, Network of brokers)' },
];

function checkZkAddress(v: string): string | undefined {
  const bad = v.split(',').find((hp) => !/^[^\s:,]+:\d{1,5}$/.test(hp.trim()));
  return bad === undefined ? undefined : `'${bad}' is not host:port`;
}

export const KEY_BY_NAME: ReadonlyMap<string, KeySpec> = new Map(KEYS.map((k) => [k.key, k]));

/** `brokerName` → `BROKER_NAME`, `zkAddress` → `ZK_ADDRESS`. */
export function upperSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[.-]/g, '_').toUpperCase();
}

/** `brokerName` → `broker-name`. */
export function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The broker keys, for type checks against @wharf/broker's BrokerConfig. */
export type BrokerKey = keyof BrokerConfig;
