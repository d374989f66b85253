// What a command may touch of its process: output lines, environment, whether stderr is a
// terminal. Tests pass their own; bin.ts passes the real process.
import { JMSError } from '@wharf/protocol';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** stderr is a terminal: progress bars instead of progress lines. */
  isTTY: boolean;
  stderr: NodeJS.WritableStream;
}

export function processIo(): Io {
  return {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
    stderr: process.stderr,
  };
}

/** An error whose message already says what to do; `exitCode` 2 for usage, 1 for failures. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof CliError || err instanceof JMSError) return err.message;
  if (err instanceof Error) return err.message || String(err);
  return String(err);
}
