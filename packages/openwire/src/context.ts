// What the parts of one OpenWire connection (sessions and consumers, producers, transactions,
// temporary-destination advisories) share: the connection's native side and its answers to the
// Java client. OpenWireConnection implements it; each part is a class holding its own state.
import { ErrorCode } from '@wharf/protocol';
import type { ProtocolConnection, ProtocolHost } from '@wharf/broker';
import type { Struct, WireThrowable } from './codec';
import { DataType } from './schema';
import { OpenWireError } from './errors';
import { XA_EXCEPTION_CLASS, xaTxKey } from './xa';

export interface OwContext {
  readonly conn: ProtocolConnection;
  readonly broker: ProtocolHost;
  /** ConnectionInfo was accepted and the connection is not closed. */
  isOpen(): boolean;
  /** Throws the ILLEGAL_STATE JMSError a command before ConnectionInfo earns. */
  requireOpen(): void;
  /** A corr for a native command; its RECEIPT answers the Java command `commandId` (if >= 0). */
  expect(commandId: number, then?: () => void, onError?: () => void, reply?: (data: unknown) => Struct): number;
  answerOk(commandId: number): void;
  writeCommand(c: Struct): void;
  /** The negotiated OpenWire version. */
  version(): number;
}

/** The native session every OpenWire transaction runs on (the Java client names the tx on each command). */
export const TX_SESSION = 1;
/** The native session of the client's temp-destination advisory consumer. */
export const ADVISORY_SESSION = 2;
export const FIRST_SESSION = 3;

/** JMS exception classes by Wharf error code, so a Java application catches what it catches on ActiveMQ. */
export const EXCEPTION_CLASS: Record<string, string> = {
  [ErrorCode.INVALID_SELECTOR]: 'javax.jms.InvalidSelectorException',
  [ErrorCode.INVALID_DESTINATION]: 'javax.jms.InvalidDestinationException',
  [ErrorCode.INVALID_CLIENT_ID]: 'javax.jms.InvalidClientIDException',
  [ErrorCode.SECURITY]: 'javax.jms.JMSSecurityException',
  [ErrorCode.ILLEGAL_STATE]: 'javax.jms.IllegalStateException',
  [ErrorCode.TRANSACTION_ROLLED_BACK]: 'javax.jms.TransactionRolledBackException',
  [ErrorCode.TRANSACTION_IN_PROGRESS]: 'javax.jms.TransactionInProgressException',
  [ErrorCode.MESSAGE_FORMAT]: 'javax.jms.MessageFormatException',
  [ErrorCode.RESOURCE_ALLOCATION]: 'javax.jms.ResourceAllocationException',
  [ErrorCode.XA]: XA_EXCEPTION_CLASS,
};

/** A map key for a ConsumerId / ProducerId / SessionId struct. */
export function idKey(s: unknown): string {
  if (s === null || typeof s !== 'object') return 'null';
  const o = s as Struct;
  return `${o.type}|${String(o.connectionId)}|${String(o.sessionId)}|${String(o.value)}`;
}

/** The native transaction id for a LocalTransactionId or XATransactionId struct. */
export function txKey(t: unknown): string | undefined {
  if (t === null || typeof t !== 'object') return undefined;
  const o = t as Struct;
  if (o.type === DataType.LOCAL_TRANSACTION_ID) return `ow:${String((o.connectionId as Struct | null)?.value)}:${String(o.value)}`;
  if (o.type === DataType.XA_TRANSACTION_ID) return xaTxKey(o);
  throw new OpenWireError(`a transaction id of data type ${String(o.type)}`);
}

export function throwableText(t: WireThrowable | null | undefined): string | undefined {
  if (!t) return undefined;
  return t.message ? `${t.className ?? 'java.lang.Throwable'}: ${t.message}` : (t.className ?? undefined);
}
