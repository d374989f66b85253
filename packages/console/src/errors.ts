// Every error the console reports, with a stable code and its HTTP status (as fastify keeps its
// codes in one file). README.md documents each code; a test checks the two agree.

export const ConsoleErrorCode = {
  BAD_REQUEST: 'WHARF_CONSOLE_BAD_REQUEST',
  INVALID_DESTINATION: 'WHARF_CONSOLE_INVALID_DESTINATION',
  INVALID_BODY: 'WHARF_CONSOLE_INVALID_BODY',
  DESTINATION_NOT_FOUND: 'WHARF_CONSOLE_DESTINATION_NOT_FOUND',
  MESSAGE_NOT_FOUND: 'WHARF_CONSOLE_MESSAGE_NOT_FOUND',
  JOB_NOT_FOUND: 'WHARF_CONSOLE_JOB_NOT_FOUND',
  NOT_FOUND: 'WHARF_CONSOLE_NOT_FOUND',
  UNAUTHORIZED: 'WHARF_CONSOLE_UNAUTHORIZED',
  FORBIDDEN_ORIGIN: 'WHARF_CONSOLE_FORBIDDEN_ORIGIN',
  FORBIDDEN_HOST: 'WHARF_CONSOLE_FORBIDDEN_HOST',
  FORBIDDEN_ROLE: 'WHARF_CONSOLE_FORBIDDEN_ROLE',
  NOT_SERVING: 'WHARF_CONSOLE_NOT_SERVING',
  UNSUPPORTED: 'WHARF_CONSOLE_UNSUPPORTED',
  BROKER_ERROR: 'WHARF_CONSOLE_BROKER_ERROR',
  UNSAFE_BIND: 'WHARF_CONSOLE_UNSAFE_BIND',
  CONFIG: 'WHARF_CONSOLE_CONFIG',
} as const;
export type ConsoleErrorCodeValue = (typeof ConsoleErrorCode)[keyof typeof ConsoleErrorCode];

/** HTTP status for each code (UNSAFE_BIND and CONFIG are start-up errors, never sent). */
export const HTTP_STATUS: Record<ConsoleErrorCodeValue, number> = {
  WHARF_CONSOLE_BAD_REQUEST: 400,
  WHARF_CONSOLE_INVALID_DESTINATION: 400,
  WHARF_CONSOLE_INVALID_BODY: 400,
  WHARF_CONSOLE_DESTINATION_NOT_FOUND: 404,
  WHARF_CONSOLE_MESSAGE_NOT_FOUND: 404,
  WHARF_CONSOLE_JOB_NOT_FOUND: 404,
  WHARF_CONSOLE_NOT_FOUND: 404,
  WHARF_CONSOLE_UNAUTHORIZED: 401,
  WHARF_CONSOLE_FORBIDDEN_ORIGIN: 403,
  WHARF_CONSOLE_FORBIDDEN_HOST: 403,
  WHARF_CONSOLE_FORBIDDEN_ROLE: 403,
  WHARF_CONSOLE_NOT_SERVING: 503,
  WHARF_CONSOLE_UNSUPPORTED: 501,
  WHARF_CONSOLE_BROKER_ERROR: 500,
  WHARF_CONSOLE_UNSAFE_BIND: 500,
  WHARF_CONSOLE_CONFIG: 500,
};

export class ConsoleError extends Error {
  override readonly name = 'ConsoleError';
  constructor(
    readonly code: ConsoleErrorCodeValue,
    message: string,
    /** Extra fields of the JSON error body (e.g. the role and the master on a slave). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
  get statusCode(): number {
    return HTTP_STATUS[this.code];
  }
}

export function badRequest(message: string): ConsoleError {
  return new ConsoleError(ConsoleErrorCode.BAD_REQUEST, message);
}

export function destinationNotFound(url: string): ConsoleError {
  return new ConsoleError(ConsoleErrorCode.DESTINATION_NOT_FOUND, `no such destination: ${url}`);
}
