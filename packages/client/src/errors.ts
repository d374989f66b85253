// The client's typed errors: the protocol's registry (codes shared with the broker), plus the
// few that only a client raises. Codes are stable and append-only (docs/CONVENTIONS.md: typed errors with stable codes).
import { JMSError } from '@wharf/protocol';

export {
  JMSError, InvalidSelectorError, InvalidDestinationError, IllegalStateError, TransactionRolledBackError,
  TransactionInProgressError, InvalidClientIDError, JMSSecurityError, MessageFormatError, MessageNotWriteableError,
  MessageNotReadableError, ResourceAllocationError, ProtocolError, FrameTooLargeError, ConnectionClosedError,
  TimeoutError, NotMasterError, StoreError, ConfigError, ErrorCode, errorFromCode,
} from '@wharf/protocol';

export const ClientErrorCode = {
  MESSAGE_EOF: 'WHARF_MESSAGE_EOF',
  UNSUPPORTED_OPERATION: 'WHARF_UNSUPPORTED_OPERATION',
} as const;

/** Reading past the end of a BytesMessage or StreamMessage (javax.jms.MessageEOFException). */
export class MessageEOFError extends JMSError {
  constructor(message: string) { super(message, ClientErrorCode.MESSAGE_EOF); }
}

/** An operation JMS forbids in this state of the object (java.lang.UnsupportedOperationException). */
export class UnsupportedOperationError extends JMSError {
  constructor(message: string) { super(message, ClientErrorCode.UNSUPPORTED_OPERATION); }
}

/**
 * An operation stopped by its AbortSignal, as Node's own APIs report it: name 'AbortError', code
 * 'ABORT_ERR', the signal's reason as the cause.
 */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

export function abortError(signal: AbortSignal): AbortError {
  return new AbortError('The operation was aborted', { cause: signal.reason });
}
