// Typed errors with stable codes (docs/CONVENTIONS.md: typed errors with stable codes). The wire `error` command carries `code`, so a
// client rebuilds the same class from a broker's answer. Codes are append-only.

export const ErrorCode = {
  JMS: 'WHARF_JMS',
  INVALID_SELECTOR: 'WHARF_INVALID_SELECTOR',
  INVALID_DESTINATION: 'WHARF_INVALID_DESTINATION',
  ILLEGAL_STATE: 'WHARF_ILLEGAL_STATE',
  TRANSACTION_ROLLED_BACK: 'WHARF_TX_ROLLED_BACK',
  TRANSACTION_IN_PROGRESS: 'WHARF_TX_IN_PROGRESS',
  INVALID_CLIENT_ID: 'WHARF_INVALID_CLIENT_ID',
  SECURITY: 'WHARF_SECURITY',
  MESSAGE_FORMAT: 'WHARF_MESSAGE_FORMAT',
  MESSAGE_NOT_WRITEABLE: 'WHARF_MESSAGE_NOT_WRITEABLE',
  MESSAGE_NOT_READABLE: 'WHARF_MESSAGE_NOT_READABLE',
  RESOURCE_ALLOCATION: 'WHARF_RESOURCE_ALLOCATION',
  FRAME_TOO_LARGE: 'WHARF_FRAME_TOO_LARGE',
  PROTOCOL: 'WHARF_PROTOCOL',
  UNKNOWN_COMMAND: 'WHARF_UNKNOWN_COMMAND',
  UNKNOWN_MESSAGE: 'WHARF_UNKNOWN_MESSAGE',
  CONNECTION_CLOSED: 'WHARF_CONNECTION_CLOSED',
  TIMEOUT: 'WHARF_TIMEOUT',
  NOT_MASTER: 'WHARF_NOT_MASTER',
  STORE: 'WHARF_STORE',
  CONFIG: 'WHARF_CONFIG',
  XA: 'WHARF_XA',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base of every error Wharf raises on purpose (javax.jms.JMSException). */
export class JMSError extends Error {
  readonly code: string;
  constructor(message: string, code: string = ErrorCode.JMS) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}
export class InvalidSelectorError extends JMSError {
  /** 1-based column of the fault in the selector text, when known. */
  readonly position: number | undefined;
  constructor(message: string, position?: number) {
    super(message, ErrorCode.INVALID_SELECTOR);
    this.position = position;
  }
}
export class InvalidDestinationError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.INVALID_DESTINATION); }
}
export class IllegalStateError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.ILLEGAL_STATE); }
}
export class TransactionRolledBackError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.TRANSACTION_ROLLED_BACK); }
}
export class TransactionInProgressError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.TRANSACTION_IN_PROGRESS); }
}
/**
 * XAException codes (javax.transaction.xa.XAException) the broker answers with. Negative:
 * errors; 100-107: the branch was rolled back; XA_RDONLY is a prepare result, not an error.
 */
export const XaCode = {
  XA_OK: 0,
  XA_RDONLY: 3,
  XA_RETRY: 4,
  XA_RBROLLBACK: 100,
  XA_RBCOMMFAIL: 101,
  XA_RBOTHER: 104,
  XAER_RMERR: -3,
  XAER_NOTA: -4,
  XAER_INVAL: -5,
  XAER_PROTO: -6,
  XAER_RMFAIL: -7,
  XAER_DUPID: -8,
} as const;

/**
 * A failed XA operation (javax.transaction.xa.XAException). The message ends in
 * `xaErrorCode:<code>`, as ActiveMQ writes it: ActiveMQ's Java client reads the code back from
 * the message text of the exception it receives.
 */
export class XAError extends JMSError {
  readonly xaCode: number;
  constructor(message: string, xaCode: number) {
    super(`${message} xaErrorCode:${xaCode}`, ErrorCode.XA);
    this.xaCode = xaCode;
  }
}
export class InvalidClientIDError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.INVALID_CLIENT_ID); }
}
export class JMSSecurityError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.SECURITY); }
}
export class MessageFormatError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.MESSAGE_FORMAT); }
}
export class MessageNotWriteableError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.MESSAGE_NOT_WRITEABLE); }
}
export class MessageNotReadableError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.MESSAGE_NOT_READABLE); }
}
export class ResourceAllocationError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.RESOURCE_ALLOCATION); }
}
export class ProtocolError extends JMSError {
  constructor(message: string, code: string = ErrorCode.PROTOCOL) { super(message, code); }
}
export class FrameTooLargeError extends ProtocolError {
  constructor(size: number, max: number) {
    super(`frame of ${size} bytes exceeds maxFrameSize ${max}`, ErrorCode.FRAME_TOO_LARGE);
  }
}
export class ConnectionClosedError extends JMSError {
  constructor(message = 'connection closed') { super(message, ErrorCode.CONNECTION_CLOSED); }
}
export class TimeoutError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.TIMEOUT); }
}
export class NotMasterError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.NOT_MASTER); }
}
export class StoreError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.STORE); }
}
export class ConfigError extends JMSError {
  constructor(message: string) { super(message, ErrorCode.CONFIG); }
}

const byCode: Record<string, new (message: string) => JMSError> = {
  [ErrorCode.INVALID_SELECTOR]: InvalidSelectorError,
  [ErrorCode.INVALID_DESTINATION]: InvalidDestinationError,
  [ErrorCode.ILLEGAL_STATE]: IllegalStateError,
  [ErrorCode.TRANSACTION_ROLLED_BACK]: TransactionRolledBackError,
  [ErrorCode.TRANSACTION_IN_PROGRESS]: TransactionInProgressError,
  [ErrorCode.INVALID_CLIENT_ID]: InvalidClientIDError,
  [ErrorCode.SECURITY]: JMSSecurityError,
  [ErrorCode.MESSAGE_FORMAT]: MessageFormatError,
  [ErrorCode.RESOURCE_ALLOCATION]: ResourceAllocationError,
  [ErrorCode.CONNECTION_CLOSED]: ConnectionClosedError,
  [ErrorCode.TIMEOUT]: TimeoutError,
  [ErrorCode.NOT_MASTER]: NotMasterError,
  [ErrorCode.STORE]: StoreError,
  [ErrorCode.CONFIG]: ConfigError,
};

/** Rebuild a typed error from a wire error's code and message. */
export function errorFromCode(code: string, message: string): JMSError {
  const Cls = byCode[code];
  if (Cls) return new Cls(message);
  if (code === ErrorCode.PROTOCOL || code === ErrorCode.UNKNOWN_COMMAND || code === ErrorCode.FRAME_TOO_LARGE) {
    return new ProtocolError(message, code);
  }
  return new JMSError(message, code || ErrorCode.JMS);
}
