// What produce, consume and browse share: connecting with errors that say what to do, and
// closing.
import { ConnectionFactory, type Connection } from '@wharf/client';
import { JMSError } from '@wharf/protocol';
import { str, type Values } from '../args';
import { CliError, messageOf } from '../io';

export const DEFAULT_URL = 'tcp://127.0.0.1:61616';

/** Turn a connection failure into a message that says what to do. */
export function connectError(url: string, err: unknown): CliError {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  // The socket's errno may be the error's own code, its cause's, or only in its message (the
  // client wraps it in a ConnectionClosedError); the socket's reason is the useful one.
  const errno = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)\b/;
  const code = [e.cause?.code, e.code, errno.exec(messageOf(err))?.[1]].find((c) => c !== undefined && errno.test(c)) ?? e.code;
  const msg = messageOf(err);
  switch (code) {
    case 'ECONNREFUSED':
      return new CliError(`cannot connect to ${url}: connection refused — is a broker running? start one with \`wharf start\``);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CliError(`cannot connect to ${url}: host not found — check the host name in --url`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new CliError(`cannot connect to ${url}: ${code === 'ETIMEDOUT' ? 'timed out' : 'host unreachable'} — check the host, the port and any firewall`);
    case 'ECONNRESET':
      return new CliError(`cannot connect to ${url}: the connection was reset — is ${url} a Wharf broker's native port (61616), not STOMP or the console?`);
    case 'WHARF_SECURITY':
      return new CliError(`cannot connect to ${url}: ${msg} — check --user and --password`);
    case 'WHARF_NOT_MASTER':
      return new CliError(`cannot connect to ${url}: ${msg} — connect to the master, or list every node: --url 'failover:(tcp://a:61616,tcp://b:61616)'`);
    case 'WHARF_INVALID_CLIENT_ID':
      return new CliError(`cannot connect to ${url}: ${msg} — choose another --client-id, or stop the other connection using it`);
    case 'WHARF_CONFIG':
      return new CliError(`bad --url ${url}: ${msg}`, 2);
    default:
      return new CliError(`cannot connect to ${url}: ${msg}`);
  }
}

export interface Connected {
  url: string;
  connection: Connection;
}

export async function connect(v: Values): Promise<Connected> {
  const url = str(v, 'url') ?? DEFAULT_URL;
  let connection: Connection;
  try {
    const factory = new ConnectionFactory(url, { userName: str(v, 'user'), password: str(v, 'password'), clientID: str(v, 'client-id') });
    connection = await factory.createConnection();
  } catch (err) {
    throw connectError(url, err);
  }
  return { url, connection };
}

/** Close without hiding the error that made us close. */
export async function closeQuietly(c: Connected | undefined): Promise<void> {
  try {
    await c?.connection.close();
  } catch {
    // The connection may already be gone (broker stopped); nothing left to release.
  }
}

/** Failures after connecting: keep the broker's message, add what to check. */
export function operationError(what: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  const code = err instanceof JMSError ? err.code : '';
  const hint: Record<string, string> = {
    WHARF_INVALID_SELECTOR: ' — check the --selector syntax (JMS SQL-92, e.g. "color = \'red\' AND size > 2")',
    WHARF_INVALID_DESTINATION: ' — check the destination name',
    WHARF_SECURITY: ' — this user may not do that; check --user and the broker\'s users',
    WHARF_CONNECTION_CLOSED: ' — the broker closed the connection (stopped, or lost its master role)',
    WHARF_RESOURCE_ALLOCATION: ' — the broker is out of memory or store space; consume messages or raise memoryLimit/storeLimit',
  };
  return new CliError(`${what}: ${messageOf(err)}${hint[code] ?? ''}`);
}
