// The core API: the seam between the broker core and the wire protocols (docs/ARCHITECTURE.md,
// "The core API"). A protocol adapter (the native tcp/ssl/vm transports here, @wharf/stomp,
// @wharf/openwire) never touches destinations, subscriptions or the store: it opens a
// ProtocolConnection, feeds it native commands (@wharf/protocol's Command), and receives the
// broker's commands (WELCOME, DISPATCH, RECEIPT, ERROR, PING, CLUSTER_UPDATE) through the
// ServerTransport it implements. When the broker closes the connection it calls
// ServerTransport.close(); when the client goes away the adapter calls close().
import type net from 'node:net';
import type { Command } from '@wharf/protocol';
import type { BrokerConfig, TransportConnectorConfig } from './config';
import type { Logger } from './logger';

/** What a connection needs from its transport: implemented by every protocol adapter. */
export interface ServerTransport {
  /** The peer's address, for logs, advisories and the console. */
  readonly remoteAddress: string;
  /** The subject DN of the client's verified TLS certificate, if any (certificate login). */
  readonly peerDN?: string | null;
  /**
   * A command from the broker to the client: WELCOME (answer to HELLO), DISPATCH (a message for
   * a consumer; `message: null` ends a browse or an empty pull), RECEIPT (answer to a command
   * that carried `corr`), ERROR (with `corr` when it answers one; `fatal` when the broker then
   * closes), PING/PONG, CLUSTER_UPDATE. Called synchronously from inside handle() too.
   */
  send(cmd: Command): void;
  /** The broker closed the connection: close the channel (after flushing what was sent). */
  close(): void;
  /** Stop/restart reading (producer flow control). */
  pause?(): void;
  resume?(): void;
  /** ms the client has to complete its handshake; default the broker's connectAttemptTimeout. */
  readonly connectAttemptTimeout?: number;
}

/** One client connection on the broker, as a protocol adapter sees it. */
export interface ProtocolConnection {
  /** The broker's connection id (unique per broker run). */
  readonly id: string;
  readonly clientId: string | null;
  /** The protocol name given to openConnection (console, logs). */
  readonly protocol: string;
  readonly closed: boolean;
  /**
   * Feed one native command, in the client's order. The first must be HELLO. Faults are
   * answered with an ERROR command through the transport (a fault before or during HELLO, or
   * a security fault, is fatal: the connection closes); handle() itself does not throw.
   */
  handle(cmd: Command): void;
  /**
   * Close the connection: in-flight messages return to their destinations marked redelivered,
   * open transactions are discarded, temporary destinations go away, and the transport's
   * close() is called. With `err` and `tellClient`, an ERROR is sent first.
   */
  close(err?: Error, tellClient?: boolean): void;
  /**
   * The transport's output waits for the network past its threshold (on), or drained (off):
   * nothing is dispatched to this connection's consumers while it is congested.
   */
  setCongested(on: boolean): void;
}

/** What a protocol package gets from the broker that loads it. */
export interface ProtocolHost {
  /** The broker's name (ActiveMQ's brokerName). */
  readonly name: string;
  readonly config: Readonly<BrokerConfig>;
  readonly log: Logger;
  /** Open a server connection driven by `transport`; `protocol` names it ('stomp', 'openwire'). */
  openConnection(transport: ServerTransport, protocol: string): ProtocolConnection;
  /**
   * The temporary destinations that exist now (URLs): OpenWire replays them to a Java client's
   * advisory consumer, as ActiveMQ's AdvisoryBroker does.
   */
  temporaryDestinations(): string[];
}

/** A listening transport connector (ActiveMQ's <transportConnector>). */
export interface Connector {
  readonly name: string;
  /** The bound URL (with the real port when 0 was asked). */
  readonly url: string;
  close(): Promise<void>;
}

/** Start a connector of one scheme on host:port for the broker. */
export type ConnectorFactory = (broker: ProtocolHost, cfg: TransportConnectorConfig, host: string, port: number) => Promise<Connector>;

/**
 * A wire protocol package (e.g. @wharf/stomp's `stompProtocol`): the connector schemes it
 * serves. A broker serves the schemes of the packages in BrokerOptions.protocols, and its
 * native tcp/ssl schemes.
 */
export interface ProtocolPackage {
  readonly name: string;
  readonly schemes: Readonly<Record<string, ConnectorFactory>>;
  /** Recognise this protocol on the broker's tcp:// and ssl:// connectors (ActiveMQ's auto://). */
  readonly detect?: ProtocolDetector;
}

/**
 * A protocol a tcp/ssl connector recognises from a connection's first bytes; connections no
 * package claims speak the native protocol.
 */
export interface ProtocolDetector {
  /** true: this protocol; false: not it; undefined: too few bytes to tell yet. */
  matches(head: Buffer): boolean | undefined;
  /** Take the socket; `head` is what was read from it so far. */
  accept(broker: ProtocolHost, socket: net.Socket, head: Buffer, cfg: TransportConnectorConfig): void;
  /**
   * Take the socket on a node of a replicated group that does not serve (a slave, or a master
   * still waiting for its slaves): tell the client, in its protocol, why and where the group's
   * members are, and close, so that its failover moves on at once. Without it the node answers
   * in the native protocol.
   */
  refuse?(socket: net.Socket, head: Buffer, refusal: Refusal): void;
}

/** What a non-serving node of a group tells a client it refuses. */
export interface Refusal {
  readonly reason: string;
  /** The group's client URLs, the master's first (empty when clients are not to be told). */
  readonly members: readonly string[];
}
