// Who may do what in the console, and the record of what they did:
// - Host check: only the host names the console is meant to serve are answered, so a page on
//   another site that re-points its own name at this address (DNS rebinding) gets nothing.
// - Users and roles: the broker's users (its `users` and JAAS files) log in with HTTP basic auth;
//   members of `adminGroups` may act, members of `viewerGroups` may only look.
// - CSRF: a state-changing request from a browser must carry the token of `GET /api/session`,
//   which another origin cannot read (besides the Origin check of auth.ts).
// - Security headers on every answer; an audit record of every state-changing request.
import { createHmac, randomBytes } from 'node:crypto';
import os from 'node:os';
import net from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost, sameSecret } from '@wharf/broker';
import { REALM, parseBasic, type Credentials } from './auth';
import { ConsoleError, ConsoleErrorCode } from './errors';

interface UserGroups { user: string; groups: ReadonlySet<string> }

/** What the console needs of the broker's users (the broker's Authenticator fits). */
export interface ConsoleUserSource {
  readonly enabled: boolean;
  /** The user's groups; throws (or rejects) when the credentials are wrong. A promise when scrypt or LDAP answers. */
  authenticate(user: string, password: string, remote: string): UserGroups | Promise<UserGroups>;
  /** How long to hold back the answer to a failed login from this address. */
  failureDelay(remote: string): number;
}

/** `none`: the password was right, but the user is in none of the console's groups. */
export type Role = 'admin' | 'viewer' | 'none';

export interface AccessOptions {
  /** The single console login of `console.username`/`password` (an admin). */
  creds: Credentials | null;
  users?: ConsoleUserSource | undefined;
  /** Comma-separated groups (ActiveMQ's spelling); defaults `admins` and `viewers`. */
  adminGroups?: string | undefined;
  viewerGroups?: string | undefined;
  /** Host names answered besides loopback's and this machine's; `.example.com` admits its subdomains; `*` any. */
  allowedHosts?: readonly string[] | undefined;
  /** The bind address (a specific one is answered too). */
  bind: string;
  https: boolean;
}

/** Paths open to everyone: orchestrators probe them without credentials, by pod address. */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// The UI builds everything from its own scripts: nothing inline, nothing from elsewhere.
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const AUDIT_KEPT = 1000;

export interface AuditEntry {
  time: number;
  user: string;
  role: Role | '';
  remote: string;
  action: string;
  target: string;
  status: number;
}

interface Who {
  user: string;
  role: Role;
}

const groupsOf = (list: string | undefined, dflt: string): string[] => (list ?? dflt).split(',').map((g) => g.trim()).filter(Boolean);

function hostOf(header: string | undefined): string {
  if (!header) return '';
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const i = h.lastIndexOf(':');
  return i >= 0 ? h.slice(0, i) : h;
}

/** The rule of `allowedHosts`: exact names, `.suffix` for subdomains, `*` for any. */
export function hostAllowed(host: string, allowed: readonly string[], bind: string): boolean {
  if (host === '') return false;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(bare)) return true;
  // An IP literal cannot be a rebound name: a browser asks for the address itself.
  if (net.isIP(bare) !== 0) return true;
  if (bare === bind.toLowerCase() || bare === os.hostname().toLowerCase()) return true;
  for (const a of allowed) {
    const x = a.toLowerCase();
    if (x === '*' || x === bare || (x.startsWith('.') && (bare.endsWith(x) || bare === x.slice(1)))) return true;
  }
  return false;
}

export class ConsoleAccess {
  private readonly who = new WeakMap<FastifyRequest, Who>();
  private readonly secret = randomBytes(32);
  private readonly adminGroups: string[];
  private readonly viewerGroups: string[];
  private readonly audit: AuditEntry[] = [];

  constructor(private readonly opts: AccessOptions) {
    this.adminGroups = groupsOf(opts.adminGroups, 'admins');
    this.viewerGroups = groupsOf(opts.viewerGroups, 'viewers');
  }

  /** Is anyone asked for a password? */
  get authenticates(): boolean {
    return this.opts.creds !== null || this.opts.users?.enabled === true;
  }

  register(app: FastifyInstance): void {
    app.addHook('onRequest', async (req, reply) => this.headers(reply));
    app.addHook('onRequest', async (req) => this.checkHost(req));
    app.addHook('onRequest', async (req, reply) => this.authenticate(req, reply));
    app.addHook('preHandler', async (req) => this.checkAction(req));
    app.addHook('onResponse', async (req, reply) => this.record(req, reply));
    app.get('/api/session', async (req) => {
      const w = this.who.get(req)!;
      return { user: w.user, role: w.role, csrfToken: this.token(w.user) };
    });
    app.get('/api/audit', async () => [...this.audit].reverse());
  }

  private headers(reply: FastifyReply): void {
    reply.header('Content-Security-Policy', CSP);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (this.opts.https) reply.header('Strict-Transport-Security', 'max-age=31536000');
  }

  private checkHost(req: FastifyRequest): void {
    if (PUBLIC_PATHS.has(req.url.split('?')[0] ?? '')) return;
    const host = hostOf(req.headers.host);
    if (hostAllowed(host, this.opts.allowedHosts ?? [], this.opts.bind)) return;
    throw new ConsoleError(ConsoleErrorCode.FORBIDDEN_HOST, `host '${host}' is not served by this console: add it to console.allowedHosts`);
  }

  private async authenticate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (PUBLIC_PATHS.has(req.url.split('?')[0] ?? '')) return;
    if (!this.authenticates) {
      // Loopback without credentials (start-up refuses anything else): the local operator.
      this.who.set(req, { user: '', role: 'admin' });
      return;
    }
    const given = parseBasic(req.headers.authorization);
    const remote = `${req.ip}:${req.socket.remotePort ?? 0}`;
    const who = given ? await this.login(given, remote) : null;
    if (who) {
      this.who.set(req, who);
      return;
    }
    reply.header('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
    const delay = given && this.opts.users ? this.opts.users.failureDelay(remote) : 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    throw new ConsoleError(ConsoleErrorCode.UNAUTHORIZED, given ? 'wrong username or password' : 'authentication required');
  }

  private async login(given: Credentials, remote: string): Promise<Who | null> {
    const c = this.opts.creds;
    if (c && sameSecret(given.username, c.username) && sameSecret(given.password, c.password)) return { user: given.username, role: 'admin' };
    const users = this.opts.users;
    if (!users?.enabled || given.username === '') return null;
    let groups: ReadonlySet<string>;
    try {
      groups = (await users.authenticate(given.username, given.password, remote)).groups;
    } catch {
      return null;
    }
    if (this.adminGroups.some((g) => groups.has(g))) return { user: given.username, role: 'admin' };
    if (this.viewerGroups.some((g) => groups.has(g))) return { user: given.username, role: 'viewer' };
    // Right password, but no console role: a 403 (not a 401, which would ask again).
    return { user: given.username, role: 'none' };
  }

  private checkAction(req: FastifyRequest): void {
    const w = this.who.get(req);
    if (!w) return;
    if (w.role === 'none') throw new ConsoleError(ConsoleErrorCode.FORBIDDEN_ROLE, `user ${w.user} is in none of the console's groups (${[...this.adminGroups, ...this.viewerGroups].join(', ')})`);
    if (!UNSAFE.has(req.method)) return;
    if (w.role !== 'admin') throw new ConsoleError(ConsoleErrorCode.FORBIDDEN_ROLE, `user ${w.user} may only look: ${req.method} needs one of the groups ${this.adminGroups.join(', ')}`);
    // Requests from a browser carry the session's token; scripts (curl) send none of these headers.
    const h = req.headers;
    const fromBrowser = h.origin !== undefined || h.referer !== undefined || h['sec-fetch-site'] !== undefined || h.cookie !== undefined;
    if (!fromBrowser) return;
    const token = h['x-csrf-token'];
    if (typeof token !== 'string' || !sameSecret(token, this.token(w.user))) {
      throw new ConsoleError(ConsoleErrorCode.FORBIDDEN_ORIGIN, 'missing or wrong X-CSRF-Token: the console page sends the token of GET /api/session');
    }
  }

  private token(user: string): string {
    return createHmac('sha256', this.secret).update(user).digest('base64url');
  }

  private record(req: FastifyRequest, reply: FastifyReply): void {
    if (!UNSAFE.has(req.method)) return;
    const w = this.who.get(req);
    const route = req.routeOptions.url ?? req.url.split('?')[0] ?? '';
    const body = req.body as { destination?: unknown } | undefined;
    const target = decodeURIComponent(req.url.split('?')[0] ?? '') + (typeof body?.destination === 'string' ? ` ${body.destination}` : '');
    const entry: AuditEntry = {
      time: Date.now(), user: w?.user ?? '', role: w?.role ?? '', remote: req.ip,
      action: `${req.method} ${route}`, target, status: reply.statusCode,
    };
    if (this.audit.length >= AUDIT_KEPT) this.audit.shift();
    this.audit.push(entry);
    req.log.info({ audit: entry }, `console audit: ${entry.user || '(anonymous)'} ${entry.action} ${entry.target} -> ${entry.status}`);
  }
}
