// What the console reads and does: a narrow view of a broker (docs/ARCHITECTURE.md: the console reads the
// broker through narrow interfaces). adapter.ts implements it over @wharf/broker's Broker; tests
// and other hosts may implement it directly. Everything returned is plain JSON-safe data.

/** `candidate`: a cluster node that is neither master nor slave (no master elected yet). */
export type Role = 'master' | 'slave' | 'candidate' | 'standalone';

export interface StoreInfo {
  kind: string;
  /** Approximate bytes on disk (or in memory). */
  bytes: number;
  messages: number;
  /** Commits since open, and the fsync'd batches that carried them (group size = commits / syncs). */
  commits: number;
  syncs: number;
}

export interface MemoryInfo {
  used: number;
  limit: number;
  percent: number;
}

export interface BrokerInfo {
  name: string;
  role: Role;
  /** Accepting client connections (a cluster slave is alive but not serving). */
  serving: boolean;
  /** Why not serving, when not. */
  notServingReason?: string;
  startedAt: number;
  uptimeMs: number;
  version: string;
  nodeVersion: string;
  store: StoreInfo;
  memory: MemoryInfo;
  /** Client URLs of the transport connectors. */
  connectors: string[];
  /** Refused logins and refused operations since start (security/). */
  security?: { authenticationFailures: number; authorizationRefusals: number };
}

export interface QueueInfo extends QueueCounters {
  name: string;
  url: string;
  /** Messages waiting or in flight (ActiveMQ "Number Of Pending Messages"). */
  pending: number;
  /** A dead letter queue (ActiveMQ.DLQ or DLQ.*). */
  dlq: boolean;
  temporary: boolean;
}

export interface DurableInfo {
  clientId: string;
  name: string;
  /** The topic (or topic pattern) subscribed to. */
  destination: string;
  selector?: string;
  active: boolean;
  pending: number;
  inflight: number;
  enqueued: number;
  dequeued: number;
  dispatched: number;
}

/** A topic subscription: durable (online or offline) or the live one of a plain consumer. */
export interface SubscriptionInfo extends DurableInfo {
  durable: boolean;
}

export interface TopicInfo extends DestinationCounters {
  name: string;
  url: string;
  durables: DurableInfo[];
  temporary: boolean;
  advisory: boolean;
}

export type ConnectionInfo = ConnectionStats;

/** A scheduled job as the console shows it: the scheduler's own description. */
import type { Page, PageRequest } from './destination-pages';
import type { ConnectionStats, ConsumerStats, DestinationCounters, JobInfo, QueueCounters } from '@wharf/broker';
export type { JobInfo };

export interface ClusterMember {
  id: string;
  clientUrl?: string;
  role: Role | 'unknown';
  replicationUrl?: string;
  /** Last log position this member reported (this node: its current position). */
  position?: { epoch: number; index: number };
  /** Batches behind the master (slaves). */
  lag?: number;
  /** Log index a slave has received, and written (from the master's status, as `wharf cluster status`). */
  received?: number;
  written?: number;
  connected?: boolean;
}

export interface ClusterInfo {
  /** This node's id. */
  self: string;
  /** The master's id. */
  master: string | null;
  /** The master's client URL. */
  masterUrl?: string;
  epoch: number;
  /** This node's state in the group (starting, candidate, slave, syncing, master, stopped). */
  state?: string;
  /** This node's log position. */
  position?: { epoch: number; index: number };
  /** Group size. */
  replicas?: number;
  members: ClusterMember[];
  /** Times this node became master after another one (or after losing its mastership). */
  failovers: number;
  /** Replication lag per slave id, in batches. */
  lag: Record<string, number>;
}

export interface BridgeInfo {
  name: string;
  remote: string;
  status: 'connected' | 'connecting' | 'stopped';
  duplex: boolean;
  forwarded: number;
}

export type BodyKindName = 'none' | 'text' | 'bytes' | 'map' | 'stream' | 'object';

/** One message as a browser shows it. */
export interface MessageSummary {
  id: string;
  destination: string;
  timestamp: number;
  priority: number;
  persistent: boolean;
  redelivered: boolean;
  deliveryCount: number;
  expiration: number;
  state: 'pending' | 'inflight';
  correlationId?: string;
  type?: string;
  replyTo?: string;
  groupId?: string;
  originalDestination?: string;
  properties: Record<string, string | number | boolean | null>;
  bodyKind: BodyKindName;
  /** The first characters of the body as text. */
  bodyPreview: string;
  /** Body length in characters (text) or bytes. */
  bodySize: number;
}

/** One message opened: every header and the whole body as text (bytes in base64). */
export interface MessageDetail extends MessageSummary {
  body: string;
  bodyEncoding: 'utf8' | 'base64' | 'json';
}

export interface SendRequest {
  body: string;
  properties?: Record<string, string | number | boolean>;
  persistent?: boolean;
  /** Delivery delay in ms (AMQ_SCHEDULED_DELAY). */
  delay?: number;
  priority?: number;
}

/** The destinations /metrics reports one by one, and how many there are in all. */
export interface MetricsDestinations {
  /** At most `limit` user queues (not temporary), the deepest first. */
  queues: QueueInfo[];
  /** At most `limit` user topics (not temporary, not advisory), the busiest first. */
  topics: TopicInfo[];
  queueCount: number;
  topicCount: number;
  totals: DestinationTotals;
}

/** Sums over every queue and every topic but advisories, temporary ones included (the overview's). */
export interface DestinationTotals {
  queues: number;
  topics: number;
  /** Of queues and topics. */
  enqueued: number;
  /** Of queues (the overview adds durable subscriptions'). */
  dequeued: number;
  pending: number;
  inflight: number;
  /** Counted for the overview only (0 otherwise): a look at every queue's consumers and name. */
  consumers: number;
  /** Of topics only, their subscribers (for the overview only, as consumers). */
  subscribers: number;
  /** Pending in dead-letter queues (for the overview only, as consumers). */
  dlqPending: number;
}

export interface BrokerView {
  /**
   * The destinations for one /metrics scrape, read a chunk at a time so that a broker with
   * 100,000 destinations is never blocked for the whole list (optional: metrics fall back to
   * queues() and topics()).
   */
  metricsDestinations?(limit: number, overview?: boolean): Promise<MetricsDestinations>;
  info(): BrokerInfo;
  /** Every queue, by name (a broker with 100,000 queues takes seconds: prefer queuePage). */
  queues(): QueueInfo[];
  topics(): TopicInfo[];
  /** The same lists built and sorted a chunk at a time (optional: queues() and topics() otherwise). */
  listQueues?(): Promise<QueueInfo[]>;
  listTopics?(): Promise<TopicInfo[]>;
  /**
   * A page of the queues (topics: advisory ones only when asked), chosen in one pass a chunk at a time (optional:
   * the API pages queues() and topics() otherwise).
   */
  queuePage?(req: PageRequest): Promise<Page<QueueInfo>>;
  topicPage?(req: PageRequest): Promise<Page<TopicInfo>>;
  /** One queue or topic by URL, without listing them all (optional, as queuePage). */
  queue?(url: string): QueueInfo | undefined;
  topic?(url: string): TopicInfo | undefined;
  /** Durable subscriptions (active and offline) and non-durable topic subscribers. */
  subscriptions(): SubscriptionInfo[];
  connections(): ConnectionInfo[];
  jobs(): Promise<JobInfo[]>;
  cluster(): ClusterInfo | null;
  bridges(): BridgeInfo[];
  /** Send a text message to a destination URL (queue://X, topic://X). */
  send(destination: string, req: SendRequest): Promise<{ messageId: string }>;
  /**
   * Queue arguments are queue names (ORDERS) or URLs (queue://ORDERS, temp-queue://…). Browse
   * pages with `offset` and filters with a JMS `selector`.
   */
  browse(queue: string, limit: number, opts?: BrowseRequest): Promise<MessageSummary[]>;
  getMessage(queue: string, messageId: string): Promise<MessageDetail | undefined>;
  /** Remove every pending message; resolves to the number removed. */
  purge(queue: string): Promise<number>;
  /** Remove a destination with its messages; false if there was none. */
  deleteDestination(url: string): Promise<boolean>;
  /** Move DLQ messages (all, or one) back to their originalDestination; resolves to the count moved. */
  moveDlqMessages(dlq: string, opts: { messageId?: string }): Promise<number>;
  removeJob(id: string): Promise<boolean>;
  /** One pending message: delete it, or copy or move it to `to` (a destination URL); false when the queue does not hold it. */
  messageAction(queue: string, messageId: string, action: MessageAction, to?: string): Promise<boolean>;
  /** The consumers of a destination URL. */
  consumers(destination: string): ConsumerInfo[];
  /** Close a client connection; false when there is none of that id. */
  closeConnection(id: string): boolean;
}

export type MessageAction = 'delete' | 'copy' | 'move';

export interface BrowseRequest {
  offset?: number;
  selector?: string;
}

/** A consumer of a destination, as its page lists it. */
export type ConsumerInfo = ConsumerStats;

/**
 * Optional sources the Broker itself does not hold: the cluster's status (from @wharf/cluster),
 * the scheduler and the network bridges. Each is a small interface those packages can implement.
 */
export interface ClusterStatusSource {
  role(): Role;
  status(): ClusterInfo | null;
}

export interface SchedulerSource {
  list(limit: number): Promise<JobInfo[]> | JobInfo[];
  remove(id: string): Promise<boolean>;
}

export interface BridgeSource {
  list(): BridgeInfo[];
}

export function isBrokerView(x: unknown): x is BrokerView {
  const v = x as Partial<BrokerView> | null;
  return !!v && typeof v.info === 'function' && typeof v.queues === 'function' && typeof v.browse === 'function';
}
