// Native wire commands (docs/ARCHITECTURE.md: the core API). Each frame carries one command `{ type, ... }`.
// Command type values are on the wire: ONLY ADD TO THE END.
import type { WireMessage } from './message';

export const PROTOCOL_VERSION = 1;

export const CommandType = {
  HELLO: 1,
  WELCOME: 2,
  SESSION_OPEN: 3,
  SESSION_CLOSE: 4,
  PRODUCER_OPEN: 5,
  PRODUCER_CLOSE: 6,
  CONSUMER_OPEN: 7,
  CONSUMER_CLOSE: 8,
  SEND: 9,
  DISPATCH: 10,
  ACK: 11,
  TX_BEGIN: 12,
  TX_COMMIT: 13,
  TX_ROLLBACK: 14,
  UNSUBSCRIBE: 15,
  PULL: 16,
  TEMP_CREATE: 17,
  TEMP_DELETE: 18,
  RECEIPT: 19,
  ERROR: 20,
  PING: 21,
  PONG: 22,
  CLUSTER_UPDATE: 23,
  SHUTDOWN: 24,
  CLIENT_ID: 25,
  CONSUMER_PREFETCH: 26,
  XA: 27,
} as const;
export type CommandTypeValue = (typeof CommandType)[keyof typeof CommandType];

/** MessageAck types, with ActiveMQ's numbers (MessageAck.java). ONLY ADD TO THE END. */
export const AckType = {
  /** Delivered to the application, not consumed: only opens the prefetch window. */
  DELIVERED: 0,
  /** Give up on the message: straight to the dead letter queue. */
  POISON: 1,
  /** Consumed. */
  STANDARD: 2,
  /** Delivery failed (rollback, recover, throwing listener): redeliver, or DLQ past the limit. */
  REDELIVERED: 3,
  /** Consumed, this message only (INDIVIDUAL_ACKNOWLEDGE). */
  INDIVIDUAL: 4,
  /** Prefetched but never given to the application: return it unchanged (not a redelivery). */
  RELEASE: 5,
  /** The client found it expired. */
  EXPIRED: 6,
} as const;
export type AckTypeValue = (typeof AckType)[keyof typeof AckType];

/** JMS acknowledge modes (javax.jms.Session constants; INDIVIDUAL is ActiveMQ's 4). */
export const AckMode = {
  SESSION_TRANSACTED: 0,
  AUTO_ACKNOWLEDGE: 1,
  CLIENT_ACKNOWLEDGE: 2,
  DUPS_OK_ACKNOWLEDGE: 3,
  INDIVIDUAL_ACKNOWLEDGE: 4,
} as const;
export type AckModeValue = (typeof AckMode)[keyof typeof AckMode];

/** ActiveMQ's RedeliveryPolicy fields (client may send its own with a consumer). */
export interface RedeliveryPolicyData {
  maximumRedeliveries: number;
  initialRedeliveryDelay: number;
  redeliveryDelay: number;
  useExponentialBackOff: boolean;
  backOffMultiplier: number;
  maximumRedeliveryDelay: number;
}

/** ActiveMQ's RedeliveryPolicy defaults (RedeliveryPolicy.java): shared by broker and client. */
export const DEFAULT_REDELIVERY_POLICY: Readonly<RedeliveryPolicyData> = Object.freeze({
  maximumRedeliveries: 6,
  initialRedeliveryDelay: 1000,
  redeliveryDelay: 1000,
  useExponentialBackOff: false,
  backOffMultiplier: 5,
  maximumRedeliveryDelay: -1,
});

export interface Hello {
  type: 1; corr: number; version: number;
  clientId?: string; user?: string; password?: string;
  /** Requested heartbeat interval in ms; 0 = none. */
  heartbeat: number;
  /** The client reconnected through failover: resends may be duplicates. */
  failover?: boolean;
  /** Its own name for logs and advisories. */
  clientName?: string;
  /**
   * A network bridge's connection: it may open network consumers and forward messages with a
   * broker path. Allowed when the broker has no users, or the HELLO authenticated.
   */
  networkBridge?: boolean;
}
export interface Welcome {
  type: 2; corr: number; version: number; brokerName: string; connectionId: string;
  heartbeat: number; maxFrameSize: number;
  /** Client URLs of the group (failover learns them). */
  members?: string[];
}
export interface SessionOpen { type: 3; sessionId: number; ackMode: AckModeValue }
export interface SessionClose { type: 4; corr?: number; sessionId: number }
export interface ProducerOpen { type: 5; corr: number; sessionId: number; producerId: string; destination?: string }
export interface ProducerClose { type: 6; producerId: string }
export interface ConsumerOpen {
  type: 7; corr: number; sessionId: number; consumerId: number;
  destination: string; selector?: string; noLocal?: boolean;
  /** 0 = pull (receive asks the broker each time). */
  prefetch: number;
  /** Durable subscription name (topic only); the connection's clientId is the other half of the key. */
  durableName?: string;
  exclusive?: boolean;
  priority?: number;
  browser?: boolean;
  redelivery?: RedeliveryPolicyData;
  /** A STOMP-style selector with convert_string_expressions, etc. */
  selectorOptions?: { convertStringExpressions?: boolean };
  /**
   * A network bridge's demand consumer (docs/CLUSTER.md, network of brokers): it forwards what it gets
   * to the broker `target`, so it never gets a message whose brokerPath already names `target`
   * or that has crossed `ttl` brokers. `path` is the consumer's own broker path (the remote
   * consumer's, with `target` first), published in its consumer advisories for other bridges'
   * loop and TTL checks.
   */
  network?: { target: string; ttl: number; path: string[] };
}
export interface ConsumerClose { type: 8; corr?: number; consumerId: number }
export interface Send {
  type: 9; corr?: number; producerId: string; txId?: string; message: WireMessage;
  /** Fail at once with ResourceAllocationError when the broker is out of space, instead of waiting. */
  failIfNoSpace?: boolean;
}
export interface Dispatch {
  type: 10; consumerId: number;
  /** Connection-unique id the client names in acks; 0 with message null. */
  deliveryId: number;
  /** null: end of a browse, or an empty pull. */
  message: WireMessage | null;
  /** Per-delivery header values; the stored message itself is never changed by delivery. */
  redelivered?: boolean;
  deliveryCount?: number;
}
export interface Ack {
  type: 11; corr?: number; consumerId: number; ackType: AckTypeValue;
  deliveryIds: number[];
  txId?: string;
  /** Why delivery failed (REDELIVERED/POISON): ends up as dlqDeliveryFailureCause. */
  cause?: string;
}
export interface TxBegin { type: 12; corr?: number; sessionId: number; txId: string }
export interface TxCommit { type: 13; corr: number; sessionId: number; txId: string }
export interface TxRollback { type: 14; corr: number; sessionId: number; txId: string }
export interface Unsubscribe { type: 15; corr: number; name: string }
export interface Pull { type: 16; consumerId: number; /** ms; 0 = no wait, -1 = forever */ timeout: number }
export interface TempCreate { type: 17; corr: number; destination: string }
export interface TempDelete { type: 18; corr: number; destination: string }
export interface Receipt { type: 19; corr: number; /** optional answer data */ data?: unknown }
export interface ErrorCommand {
  type: 20; corr?: number; code: string; message: string;
  /** The connection is closing after this error. */
  fatal?: boolean;
  /**
   * Client URLs of the group's members, the master first (a slave refusing a client with
   * WHARF_NOT_MASTER): a failover client adds them to its URIs, as with CLUSTER_UPDATE.
   */
  members?: string[];
}
export interface Ping { type: 21 }
export interface Pong { type: 22 }
export interface ClusterUpdate { type: 23; members: string[]; master?: string }
export interface Shutdown { type: 24; reason?: string }
/** Connection.setClientID after connect, before any session (JMS 1.1 §4.3.2). */
export interface ClientIdCommand { type: 25; corr: number; clientId: string }
/**
 * Change a consumer's prefetch (0: it pulls). OpenWire's ConsumerControl: a Java client back
 * through failover reopens its consumers with prefetch 0 and restores their prefetch with it.
 */
export interface ConsumerPrefetch { type: 26; consumerId: number; prefetch: number }

/** XA operations on a transaction branch (XA command). ONLY ADD TO THE END. */
export const XaOp = {
  BEGIN: 1,
  END: 2,
  /** RECEIPT data: XA_OK (0) or XA_RDONLY (3). */
  PREPARE: 3,
  COMMIT: 4,
  ROLLBACK: 5,
  FORGET: 6,
  /** RECEIPT data: the xids of the prepared branches (no txId). */
  RECOVER: 7,
} as const;
export type XaOpValue = (typeof XaOp)[keyof typeof XaOp];
/**
 * An XA operation. `txId` is the branch's xid in text form; sends and acks name it as their
 * txId between BEGIN and END. A failure is an ERROR with code WHARF_XA whose message ends in
 * `xaErrorCode:<javax.transaction.xa.XAException code>`.
 */
export interface XaCommand { type: 27; corr: number; op: XaOpValue; txId?: string; onePhase?: boolean }

export type Command =
  | Hello | Welcome | SessionOpen | SessionClose | ProducerOpen | ProducerClose
  | ConsumerOpen | ConsumerClose | Send | Dispatch | Ack | TxBegin | TxCommit | TxRollback
  | Unsubscribe | Pull | TempCreate | TempDelete | Receipt | ErrorCommand | Ping | Pong
  | ClusterUpdate | Shutdown | ClientIdCommand | ConsumerPrefetch | XaCommand;

const KNOWN = new Set<number>(Object.values(CommandType));
export function isKnownCommandType(t: unknown): t is CommandTypeValue {
  return typeof t === 'number' && KNOWN.has(t);
}
