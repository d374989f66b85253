// The broker's security, in the core so every protocol gets the same checks (ActiveMQ's
// authentication plugins and AuthorizationBroker). Connections call these hooks: login at
// HELLO, then a check before each producer, send, consumer, browse and temporary destination.
// A refusal is a JMSSecurityError on that one operation: logged, counted, the connection
// stays open.
import {
  ConfigError, JMSSecurityError, isComposite, isTemporary, isWildcard, parseComposite, parseDestination,
  type Destination, type WireMessage,
} from '@wharf/protocol';
import type { BrokerConfig, TransportConnectorConfig } from '../config';
import { parseConnectorUri } from '../transport/connectors';
import { needsClientAuth } from './tls';
import type { Logger } from '../logger';
import { Authenticator, type Principal } from './authentication';
import { AuthorizationMap, type Operation } from './authorization';
import { isLoopbackHost } from './network';

export type { Principal } from './authentication';
export { hashPassword, verifyPassword, verifyPasswordAsync, sameSecret, resolveSecret } from './passwords';
export { AuthorizationMap, patternsOverlap, type Operation } from './authorization';
export { parseProperties } from './properties';
export { isLoopbackHost } from './network';
export { tlsServerOptions, watchTls, peerDN, needsClientAuth, rfc2253, MIN_TLS_VERSION } from './tls';
export { Authenticator } from './authentication';
export { LdapLogin, LdapUnavailableError, escapeFilterValue, formatPattern } from './ldap';

/** What the security layer needs to know of a connection. */
export interface SecuredConnection {
  readonly id: string;
  readonly protocol: string;
  readonly remoteAddress: string;
  /** Subject of the client's verified TLS certificate. */
  readonly clientDN?: string | null;
  principal: Principal | null;
}

/** What the broker needs to answer "does this destination exist yet" (creating one needs admin). */
export interface DestinationLookup {
  exists(d: Destination): boolean;
}

const VERB: Record<Operation, string> = { read: 'read from', write: 'write to', admin: 'create' };

export class Security {
  readonly authenticator: Authenticator;
  readonly authorization: AuthorizationMap | null;
  /** Counters for the metrics endpoint. */
  readonly stats = {
    authenticationFailures: 0, authorizationRefusals: 0,
    /** Logins answered through a promise (scrypt, LDAP): started in all, and running now. */
    asyncLogins: 0, asyncLoginsRunning: 0,
  };

  constructor(private readonly config: BrokerConfig, private readonly log: Logger, private readonly destinations: DestinationLookup) {
    this.authenticator = new Authenticator(config, log);
    const entries = config.authorizationEntries ?? [];
    if (!Array.isArray(entries)) throw new ConfigError('authorizationEntries must be a list of entries');
    this.authorization = entries.length > 0 || config.tempDestinationAuthorizationEntry ? new AuthorizationMap(entries, config.tempDestinationAuthorizationEntry) : null;
  }

  /** Are clients asked who they are (a user source configured)? */
  get authenticationEnabled(): boolean {
    return this.authenticator.enabled;
  }

  /**
   * Authenticate a connection's HELLO; throws (or rejects with) JMSSecurityError. A promise when
   * scrypt or LDAP must answer. vm:// connections are the broker's own.
   */
  login(conn: SecuredConnection, user: string | undefined, password: string | undefined): Principal | Promise<Principal> {
    if (conn.protocol === 'vm' && (user === undefined || user === '')) {
      conn.principal = { user: '', groups: new Set(), broker: true };
      return conn.principal;
    }
    const byCert = conn.clientDN ? this.authenticator.certificateUser(conn.clientDN) : null;
    if (byCert) {
      conn.principal = byCert;
      return byCert;
    }
    const failed = (err: unknown): never => {
      this.stats.authenticationFailures++;
      throw err;
    };
    let p: Principal | Promise<Principal>;
    try {
      p = this.authenticator.authenticate(user, password, conn.remoteAddress);
    } catch (err) {
      return failed(err);
    }
    if (p instanceof Promise) {
      this.stats.asyncLogins++;
      this.stats.asyncLoginsRunning++;
      return p.then((principal) => {
        this.stats.asyncLoginsRunning--;
        return (conn.principal = principal);
      }, (err: unknown) => {
        this.stats.asyncLoginsRunning--;
        return failed(err);
      });
    }
    conn.principal = p;
    return p;
  }

  /** How long to hold back the answer to a failed login from this address. */
  failureDelay(remote: string): number {
    return this.authenticator.failureDelay(remote);
  }

  /** Throws JMSSecurityError unless the connection may do `op` on `d`. */
  authorize(conn: SecuredConnection, op: Operation, d: Destination): void {
    const map = this.authorization;
    const p = conn.principal;
    if (map === null || p?.broker) return;
    if (map.allows(op, d, p?.groups ?? EMPTY)) return;
    this.stats.authorizationRefusals++;
    const user = p?.user ?? '';
    this.log.warn({ user, conn: conn.id, remote: conn.remoteAddress, op, destination: d.url }, 'security: operation refused');
    throw new JMSSecurityError(`User ${user} is not authorized to ${VERB[op]}: ${d.url}`);
  }

  /** Reading (consume, browse, durable subscribe): read, and admin when it creates the destination. */
  authorizeConsumer(conn: SecuredConnection, d: Destination): void {
    if (this.authorization === null) return;
    this.authorize(conn, 'read', d);
    if (!isWildcard(d.name) && !this.destinations.exists(d)) this.authorize(conn, 'admin', d);
  }

  /** A producer bound to a destination needs write (ActiveMQ checks it when the producer opens). */
  authorizeProducer(conn: SecuredConnection, d: Destination): void {
    if (this.authorization !== null) this.authorize(conn, 'write', d);
  }

  /** A temporary destination: admin by tempDestinationAuthorizationEntry. */
  authorizeTempCreate(conn: SecuredConnection, d: Destination): void {
    if (this.authorization !== null) this.authorize(conn, 'admin', d);
  }

  /**
   * A send: write on every destination it names (and admin on those it creates); then
   * JMSXUserID is the sender's authenticated user, never what the client wrote in it.
   */
  authorizeSend(conn: SecuredConnection, msg: WireMessage): void {
    if (this.authorization !== null) {
      const text = msg.destination;
      const dests = isComposite(text) ? parseComposite(text, text.startsWith('topic://') ? 'topic' : 'queue') : [parseDestination(text)];
      for (const d of dests) {
        this.authorize(conn, 'write', d);
        if (!isTemporary(d.kind) && !this.destinations.exists(d)) this.authorize(conn, 'admin', d);
      }
    }
    this.populateUserId(conn, msg);
  }

  private populateUserId(conn: SecuredConnection, msg: WireMessage): void {
    const p = conn.principal;
    // The broker's own connections (bridges, in-process code) forward the original sender's id.
    if (p?.broker) return;
    if (this.config.populateJMSXUserID && p && p.user !== '') msg.userId = p.user;
    else if (msg.userId !== undefined) delete msg.userId;
  }

  /** Throws ConfigError when a connector would listen beyond loopback with no one asked who they are. */
  checkExposure(what: string, host: string, clientCertificates = false): void {
    if (this.config.allowUnauthenticatedNetworkAccess === true || isLoopbackHost(host) || clientCertificates) return;
    const open = !this.authenticationEnabled || (this.config.anonymousAccessAllowed && this.authorization === null);
    if (!open) return;
    throw new ConfigError(`${what}: refusing to listen on ${host} without authentication: configure users (or jaasProperties), ` +
      'or set allowUnauthenticatedNetworkAccess: true to let anyone who can reach it connect');
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Throws ConfigError when a connector of this configuration would listen beyond loopback with no
 * one asked who they are (a broker's start, and a cluster node's before it joins its group).
 */
export function checkConnectorExposure(security: Security, connectors: readonly TransportConnectorConfig[]): void {
  for (const c of connectors) security.checkExposure(`connector ${c.name}`, parseConnectorUri(c.uri).host, needsClientAuth(c));
}
