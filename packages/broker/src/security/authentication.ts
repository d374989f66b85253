// Who a client is: users from the configuration, from ActiveMQ's JAAS property files and from
// LDAP, with their groups; anonymous access; repeated failures from one address answered ever
// later. A login that needs scrypt or LDAP is answered through a promise, so the event loop
// (every other connection) never waits for it; the cheap ones are answered at once.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError, JMSSecurityError } from '@wharf/protocol';
import type { BrokerConfig } from '../config';
import type { Logger } from '../logger';
import { LdapLogin, LdapUnavailableError } from './ldap';
import { isHashed, parseHash, resolveSecret, verifyPassword, verifyPasswordAsync } from './passwords';
import { PropertiesFile } from './properties';
import { normalizeDN } from './tls';

export interface Principal {
  readonly user: string;
  readonly groups: ReadonlySet<string>;
  /** In-process (vm://) connections act for the broker itself: never refused (ActiveMQ's broker context). */
  readonly broker?: boolean;
}

type Stored = string | ReturnType<typeof parseHash>;
type Groups = Set<string> | null;

/** Failures remembered per address; after this long without one the count starts again. */
const FAILURE_WINDOW_MS = 10 * 60 * 1000;
const MAX_DELAY_MS = 5000;
const MAX_TRACKED = 10000;

export class Authenticator {
  private readonly configUsers = new Map<string, { stored: Stored; groups: string[] }>();
  private readonly usersFile: PropertiesFile | null;
  private readonly groupsFile: PropertiesFile | null;
  private readonly certUsersFile: PropertiesFile | null;
  private readonly certGroupsFile: PropertiesFile | null;
  /** A password verified against a hash once is checked by its digest after (scrypt is slow). */
  private readonly verified = new Map<string, Buffer>();
  private readonly failures = new Map<string, { count: number; last: number }>();
  private parsedFileHashes = new Map<string, Stored>();
  private readonly ldap: LdapLogin | null;
  readonly enabled: boolean;

  constructor(private readonly config: BrokerConfig, private readonly log: Logger) {
    for (const [i, u] of config.users.entries()) {
      const where = `users[${i}] (${String(u.username)})`;
      if (typeof u.username !== 'string' || u.username === '') throw new ConfigError(`users[${i}]: username must be a non-empty string`);
      if (typeof u.password !== 'string') throw new ConfigError(`${where}: password must be a string`);
      const pw = resolveSecret(u.password, where);
      this.configUsers.set(u.username, { stored: isHashed(pw) ? parseHash(pw, where) : pw, groups: [...(u.groups ?? [])] });
    }
    const jaas = config.jaasProperties;
    const reload = jaas?.reload !== false;
    const onError = (err: Error): void => this.log.warn({ err }, 'security: property file not reloaded');
    this.usersFile = jaas ? new PropertiesFile(jaas.user, reload, onError) : null;
    this.groupsFile = jaas?.group ? new PropertiesFile(jaas.group, reload, onError) : null;
    const certs = config.jaasCertificateLogin;
    this.certUsersFile = certs ? new PropertiesFile(certs.user, certs.reload !== false, onError) : null;
    this.certGroupsFile = certs?.group ? new PropertiesFile(certs.group, certs.reload !== false, onError) : null;
    this.ldap = config.jaasLdapLogin ? new LdapLogin(config.jaasLdapLogin) : null;
    this.enabled = this.configUsers.size > 0 || this.usersFile !== null || this.certUsersFile !== null || this.ldap !== null;
  }

  /**
   * The principal for these credentials; throws (or rejects with) JMSSecurityError, ActiveMQ's
   * message, when they are wrong. A promise when the answer needs scrypt or LDAP. Without users
   * configured anyone may connect, under the name they give.
   */
  authenticate(user: string | undefined, password: string | undefined, remote: string): Principal | Promise<Principal> {
    const c = this.config;
    const name = typeof user === 'string' && user !== '' ? user : null;
    if (name === null && (c.anonymousAccessAllowed || !this.enabled)) {
      return c.anonymousAccessAllowed ? { user: c.anonymousUser, groups: new Set([c.anonymousGroup]) } : { user: '', groups: new Set() };
    }
    if (!this.enabled) return { user: name!, groups: new Set() };
    if (name === null) return this.refuse('', remote);
    const groups = this.check(name, typeof password === 'string' ? password : '');
    if (groups instanceof Promise) {
      return groups.then((g) => this.result(name, g, remote), (err: unknown) => {
        if (!(err instanceof LdapUnavailableError)) throw err;
        // Not the client's fault: no slowing down, but the operator must hear of it.
        this.log.error({ user: name, remote, ldap: this.ldap!.url, err: err.message }, 'security: LDAP server unavailable: login refused');
        throw new JMSSecurityError(`User name [${name}] or password is invalid.`);
      });
    }
    return this.result(name, groups, remote);
  }

  private result(name: string, groups: Groups, remote: string): Principal {
    if (!groups) return this.refuse(name, remote);
    this.failures.delete(addressOf(remote));
    return { user: name, groups };
  }

  private refuse(name: string, remote: string): never {
    this.log.warn({ user: name, remote }, 'security: authentication failed');
    this.noteFailure(remote);
    throw new JMSSecurityError(`User name [${name}] or password is invalid.`);
  }

  /**
   * The user a verified client certificate names (`user=DN` in the certificate login file), with
   * the groups of the certificate groups file; null when the DN is not listed.
   */
  certificateUser(dn: string): Principal | null {
    if (!this.certUsersFile) return null;
    const want = normalizeDN(dn);
    for (const [user, userDN] of this.certUsersFile.get()) {
      if (normalizeDN(userDN) !== want) continue;
      const groups = new Set<string>();
      for (const [group, members] of this.certGroupsFile?.get() ?? []) if (members.split(',').some((m) => m.trim() === user)) groups.add(group);
      return { user, groups };
    }
    return null;
  }

  /** The user's groups when the password is right, else null (a promise when scrypt or LDAP decides). */
  private check(name: string, password: string): Groups | Promise<Groups> {
    const cu = this.configUsers.get(name);
    let stored: Stored | undefined = cu?.stored;
    if (stored === undefined && this.usersFile) {
      const raw = this.usersFile.get().get(name);
      if (raw !== undefined) stored = this.fileHash(raw, name);
    }
    if (stored === undefined) {
      // Users the broker does not know itself are the directory's (JAAS modules in order).
      if (this.ldap) return this.ldap.login(name, password);
      // Spend the time of a comparison, so an unknown user looks like a wrong password.
      verifyPassword('', password);
      return null;
    }
    const groupsOf = (ok: boolean): Groups => (ok ? this.groupsOf(name, cu?.groups) : null);
    const ok = this.passwordMatches(name, stored, password);
    return ok instanceof Promise ? ok.then(groupsOf) : groupsOf(ok);
  }

  private groupsOf(name: string, configured: readonly string[] | undefined): Set<string> {
    const groups = new Set(configured ?? []);
    if (this.groupsFile) {
      for (const [group, members] of this.groupsFile.get()) {
        if (members.split(',').some((m) => m.trim() === name)) groups.add(group);
      }
    }
    return groups;
  }

  private fileHash(raw: string, name: string): Stored {
    if (!isHashed(raw)) return raw;
    let p = this.parsedFileHashes.get(raw);
    if (!p) {
      p = parseHash(raw, `${this.usersFile!.path} (${name})`);
      if (this.parsedFileHashes.size > MAX_TRACKED) this.parsedFileHashes.clear();
      this.parsedFileHashes.set(raw, p);
    }
    return p;
  }

  private passwordMatches(name: string, stored: Stored, password: string): boolean | Promise<boolean> {
    if (typeof stored === 'string') return verifyPassword(stored, password);
    const cacheKey = `${name}\u0000${stored.salt.toString('base64')}`;
    const d = createHash('sha256').update(password).digest();
    const known = this.verified.get(cacheKey);
    if (known) return timingSafeEqual(known, d);
    return verifyPasswordAsync(stored, password).then((ok) => {
      if (ok) {
        if (this.verified.size > MAX_TRACKED) this.verified.clear();
        this.verified.set(cacheKey, d);
      }
      return ok;
    });
  }

  private noteFailure(remote: string): void {
    const a = addressOf(remote);
    const now = Date.now();
    const f = this.failures.get(a);
    if (f && now - f.last < FAILURE_WINDOW_MS) {
      f.count++;
      f.last = now;
    } else {
      if (this.failures.size >= MAX_TRACKED) this.failures.clear();
      this.failures.set(a, { count: 1, last: now });
    }
  }

  /**
   * How long to wait before answering a failed login from `remote`: doubling from 100 ms with
   * each recent failure from that address, at most 5 s, so guessing passwords is slow.
   */
  failureDelay(remote: string): number {
    const f = this.failures.get(addressOf(remote));
    if (!f || Date.now() - f.last >= FAILURE_WINDOW_MS) return 0;
    return Math.min(MAX_DELAY_MS, 100 * 2 ** Math.min(f.count - 1, 10));
  }
}

/** `1.2.3.4:5678` → `1.2.3.4`; `[::1]:80` / `::1:80` → `::1`. Failures count per host, not per port. */
export function addressOf(remote: string): string {
  const m = /^\[?(.*?)\]?:\d+$/.exec(remote);
  return m ? m[1]! : remote;
}
