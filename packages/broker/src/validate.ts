// Commands from clients, checked before the broker acts on them: the protocol's schema (types,
// ranges, lengths), then the fields only a network bridge may set, then a message's defaults.
import {
  CommandType, JMSSecurityError, checkCommand, trustedMessageField, type Command, type WireMessage,
} from '@wharf/protocol';

/** What the checks need to know of the connection. */
export interface Peer {
  /** The connection said `networkBridge: true` in its HELLO and was allowed to (see bridgeAllowed). */
  readonly networkBridge: boolean;
}

/**
 * Check a command read from a peer. Throws a JMSError naming the fault (the connection answers
 * with an ERROR; nothing else has seen the command).
 */
export function checkClientCommand(cmd: unknown, peer: Peer): asserts cmd is Command {
  checkCommand(cmd);
  const c = cmd as Command;
  if (peer.networkBridge) return;
  if (c.type === CommandType.CONSUMER_OPEN && c.network !== undefined && c.network !== null) {
    throw new JMSSecurityError('a network consumer may only be opened by a network bridge (HELLO networkBridge: true)');
  }
  if (c.type === CommandType.SEND) {
    const field = trustedMessageField(c.message);
    if (field) throw new JMSSecurityError(`message ${field} is set by brokers and network bridges only, not by a client`);
  }
}

/**
 * May a connection that asks to be a network bridge be one? When the broker authenticates
 * clients, only one that logged in by name (its HELLO named a user with the right password;
 * an anonymous client may not).
 */
export function bridgeAllowed(loggedInByName: boolean, authenticationEnabled: boolean): boolean {
  return !authenticationEnabled || loggedInByName;
}

/** Fill the header fields a sender may leave out (after checkClientCommand). */
export function messageDefaults(m: WireMessage): void {
  const x = m as unknown as Record<string, unknown>;
  if (typeof x.timestamp !== 'number') x.timestamp = Date.now();
  if (typeof x.expiration !== 'number') x.expiration = 0;
  if (typeof x.deliveryTime !== 'number') x.deliveryTime = 0;
  if (typeof x.redelivered !== 'boolean') x.redelivered = false;
  if (typeof x.deliveryCount !== 'number') x.deliveryCount = 0;
  if (x.properties === undefined || x.properties === null) x.properties = {};
}
