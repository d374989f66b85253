// Structured logs through pino (STYLE.md §10). Level `silent` in tests unless WHARF_LOG_LEVEL.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, brokerName: string): Logger {
  return pino({ level: process.env.WHARF_LOG_LEVEL ?? level, base: { broker: brokerName } });
}
