// Who may use the console: HTTP basic auth when credentials are configured, a refusal to listen
// beyond loopback without them, and a same-origin check on state-changing requests (a browser
// sends basic credentials with any request to the console, so a foreign page must not be able
// to post a purge through it).
import { isLoopbackHost } from '@wharf/broker';
import type { FastifyRequest } from 'fastify';
import { ConsoleError, ConsoleErrorCode } from './errors';

export const REALM = 'Wharf console';

/** The broker's rule: the same listen addresses count as loopback for every listener. */
export const isLoopback = isLoopbackHost;

export interface Credentials {
  username: string;
  password: string;
}

/** Credentials from the options; throws when only one half is given or when the bind is unsafe. */
export function checkSecurity(host: string, username?: string, password?: string, brokerUsers = false): Credentials | null {
  const hasUser = username !== undefined && username !== '';
  const hasPass = password !== undefined && password !== '';
  if (hasUser !== hasPass) {
    throw new ConsoleError(ConsoleErrorCode.CONFIG, 'console: set both console.username and console.password, or neither');
  }
  if (hasUser && username.includes(':')) {
    throw new ConsoleError(ConsoleErrorCode.CONFIG, "console: console.username must not contain ':' (HTTP basic auth)");
  }
  if (!hasUser && !brokerUsers && !isLoopback(host)) {
    throw new ConsoleError(
      ConsoleErrorCode.UNSAFE_BIND,
      `console: refusing to listen on ${host} without credentials: configure the broker's users (console roles from their groups), or set console.username and console.password`,
    );
  }
  return hasUser ? { username, password: password! } : null;
}

export function parseBasic(header: string | undefined): Credentials | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Refuse state-changing requests that a browser made on behalf of another origin. */
export async function sameOriginHook(req: FastifyRequest): Promise<void> {
  if (!UNSAFE.has(req.method)) return;
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') throw forbidden(String(origin ?? site));
  if (!origin || origin === 'null') {
    if (origin === 'null') throw forbidden('null');
    return; // not a browser (curl, scripts): nothing to protect against
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw forbidden(origin);
  }
  // Behind a reverse proxy the Host header may be the upstream's: the forwarded host counts too.
  const forwarded = req.headers['x-forwarded-host'];
  const allowed = [req.headers.host, ...(typeof forwarded === 'string' ? forwarded.split(',').map((s) => s.trim()) : [])];
  if (!allowed.includes(host)) throw forbidden(origin);
}

function forbidden(origin: string): ConsoleError {
  return new ConsoleError(ConsoleErrorCode.FORBIDDEN_ORIGIN, `cross-origin request from ${origin} refused`);
}
