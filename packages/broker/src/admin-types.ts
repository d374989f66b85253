// The shapes the admin operations (admin.ts) take and return: plain objects, no broker internals.
import type { WireMessage } from '@wharf/protocol';

/** One message as a queue holds it. */
export interface MessageView {
  message: WireMessage;
  redelivered: boolean;
  deliveryCount: number;
  /** Dispatched to a consumer and not yet acknowledged. */
  inflight: boolean;
}

export interface BrowseOptions {
  /** Messages to skip (in queue order, after the selector). Default 0. */
  offset?: number;
  /** Most messages returned. Default 100. */
  limit?: number;
  /** A JMS selector the messages must match. */
  selector?: string;
}

export interface MoveOptions {
  /**
   * The destination URL to move to. Without it, each message goes back to its
   * `originalDestination` (a dead letter queue's messages to where they came from); messages
   * without one stay.
   */
  to?: string;
  /** Only this message. */
  messageId?: string;
  /** Only messages matching this JMS selector. */
  selector?: string;
}

/** What ActiveMQ's DestinationViewMBean counts, shared by the admin API, the console and the CLI. */
export interface DestinationCounters {
  consumers: number;
  /** Producers opened on this destination (anonymous producers are not counted, as in ActiveMQ). */
  producers: number;
  enqueued: number;
  /** Consumed, purged, dead-lettered or expired (ActiveMQ's DequeueCount; for a topic, acknowledged by its subscriptions). */
  dequeued: number;
  /** Of the dequeued, taken by network bridges (ActiveMQ's ForwardCount). */
  forwarded: number;
}

/** A queue's counters beyond a destination's. */
export interface QueueCounters extends DestinationCounters {
  dispatched: number;
  inflight: number;
  expired: number;
  /** Its messages held in memory, as a percent of its own memoryLimit (a policy entry's), else its pending ones of the broker's. */
  memoryPercent: number;
}

export interface QueueStats extends QueueCounters {
  url: string;
  name: string;
  temporary: boolean;
  /** Pending and in flight, including messages paged out to the store. */
  depth: number;
  /** Waiting for a consumer, held in memory. */
  pending: number;
  /** Waiting, only in the store (paged out). */
  paged: number;
}

export interface SubscriptionStats {
  clientId: string;
  name: string;
  destination: string;
  selector?: string;
  active: boolean;
  durable: boolean;
  pending: number;
  inflight: number;
  enqueued: number;
  dequeued: number;
  dispatched: number;
}

export interface TopicStats extends DestinationCounters {
  url: string;
  name: string;
  temporary: boolean;
  durables: SubscriptionStats[];
}

export interface ConnectionStats {
  id: string;
  clientId: string | null;
  user: string | null;
  remoteAddress: string;
  protocol: string;
  connectedAt: number;
  messagesIn: number;
  messagesOut: number;
  consumers: number;
  producers: number;
}

export interface BrokerStats {
  name: string;
  /** Started and not stopped. */
  started: boolean;
  startedAt: number;
  /** Accepting client connections (false on a cluster slave). */
  serving: boolean;
  /** Why not serving ('' while serving). */
  notServingReason: string;
  schedulerSupport: boolean;
  store: { kind: string; bytes: number; messages: number; commits: number; syncs: number };
  memory: { used: number; limit: number; percent: number };
  /** The bound URLs of the transport connectors. */
  connectors: string[];
  /** Refused logins and refused operations since start (security/). */
  security: { authenticationFailures: number; authorizationRefusals: number };
}
