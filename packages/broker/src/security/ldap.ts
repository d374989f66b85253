// Users and groups from an LDAP directory, as ActiveMQ's LDAPLoginModule finds them: search the
// user under userBase with userSearchMatching ({0} = the escaped user name), bind as the entry
// found with the given password, then take the groups from the user entry's userRoleName
// attribute and from the roleName attribute of the entries roleSearchMatching finds under
// roleBase ({0} = the user's DN, {1} = the user name), expanded through nested groups with
// expandRoles. Each login has its own LDAP connection with a time limit, so a slow or absent
// directory refuses that login and never holds anything else up.
import fs from 'node:fs';
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import { ConfigError } from '@wharf/protocol';
import type { LdapLoginConfig } from '../config';
import { resolveSecret } from './passwords';

/** The LDAP answer was not about the credentials (server unreachable, timeout, bad search base). */
export class LdapUnavailableError extends Error {}

const DEFAULT_TIMEOUT_MS = 5000;
/** At most this many logins talk to LDAP at once; more are refused rather than queued for ever. */
const DEFAULT_MAX_CONCURRENT = 64;
/** Nested groups followed at most this deep (expandRoles): a loop in the directory must end. */
const MAX_EXPANDED = 1000;

/** RFC 2254 escaping of a value placed into a search filter (LDAPLoginModule's doRFC2254Encoding). */
export function escapeFilterValue(s: string): string {
  return s.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** java.text.MessageFormat's `{0}`/`{1}` substitution, with its `''` for a quote. */
export function formatPattern(pattern: string, args: readonly string[]): string {
  return pattern.replace(/''|\{(\d+)\}/g, (m, i: string | undefined) => (i === undefined ? "'" : (args[Number(i)] ?? m)));
}

function values(entry: Entry, attribute: string): string[] {
  const want = attribute.toLowerCase();
  for (const key of Object.keys(entry)) {
    if (key.toLowerCase() !== want || key === 'dn') continue;
    const v = entry[key]!;
    return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x));
  }
  return [];
}

export class LdapLogin {
  private readonly timeout: number;
  private readonly maxConcurrent: number;
  private readonly password: string | undefined;
  private readonly tls: { ca?: Buffer } | undefined;
  private active = 0;

  constructor(private readonly c: LdapLoginConfig) {
    const where = 'jaasLdapLogin';
    if (typeof c.connectionURL !== 'string' || !/^ldaps?:\/\/[^/]+\/?$/i.test(c.connectionURL)) {
      throw new ConfigError(`${where}.connectionURL must be ldap://host:port or ldaps://host:port (got ${String(c.connectionURL)})`);
    }
    if (typeof c.userBase !== 'string') throw new ConfigError(`${where}.userBase is required (the DN under which users are searched)`);
    if (typeof c.userSearchMatching !== 'string' || !c.userSearchMatching.includes('{0}')) {
      throw new ConfigError(`${where}.userSearchMatching is required and must contain {0} (the user name), e.g. (uid={0})`);
    }
    if (c.roleName && (typeof c.roleBase !== 'string' || typeof c.roleSearchMatching !== 'string')) {
      throw new ConfigError(`${where}: roleName needs roleBase and roleSearchMatching (e.g. (member={0}))`);
    }
    if (c.expandRoles && typeof c.expandRolesMatching !== 'string') throw new ConfigError(`${where}: expandRoles needs expandRolesMatching (e.g. (member={0}))`);
    const auth = c.authentication ?? 'simple';
    if (auth !== 'simple' && auth !== 'none') throw new ConfigError(`${where}.authentication must be simple or none (got ${String(auth)})`);
    this.password = c.connectionPassword !== undefined ? resolveSecret(c.connectionPassword, `${where}.connectionPassword`) : undefined;
    this.timeout = c.timeout ?? DEFAULT_TIMEOUT_MS;
    this.maxConcurrent = c.maxConcurrentLogins ?? DEFAULT_MAX_CONCURRENT;
    // Without a time limit one hung directory would hold its logins (and their sockets) for ever.
    if (!Number.isInteger(this.timeout) || this.timeout < 1) throw new ConfigError(`${where}.timeout must be a positive number of ms (got ${String(c.timeout)})`);
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1) throw new ConfigError(`${where}.maxConcurrentLogins must be a positive integer (got ${String(c.maxConcurrentLogins)})`);
    if (c.ca !== undefined) {
      try {
        this.tls = { ca: fs.readFileSync(c.ca) };
      } catch (err) {
        throw new ConfigError(`${where}.ca: cannot read ${c.ca}: ${(err as Error).message}`);
      }
    }
  }

  get url(): string {
    return this.c.connectionURL;
  }

  /**
   * The user's groups when the directory knows the user and the password is right; null when
   * not. Throws LdapUnavailableError when the directory could not answer.
   */
  async login(user: string, password: string): Promise<Set<string> | null> {
    // An empty password would be an anonymous bind, which succeeds for any DN (RFC 4513 5.1.2).
    if (password === '') return null;
    if (this.active >= this.maxConcurrent) throw new LdapUnavailableError(`${this.active} LDAP logins already running (jaasLdapLogin.maxConcurrentLogins)`);
    this.active++;
    const client = this.client();
    try {
      await this.bindService(client);
      const found = await this.search(client, this.c.userBase, formatPattern(this.c.userSearchMatching, [escapeFilterValue(user)]),
        this.c.userSearchSubtree === true, this.c.userRoleName ? [this.c.userRoleName] : ['1.1']);
      const entry = found[0];
      if (!entry) return null;
      try {
        await client.bind(entry.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return null;
        throw err;
      }
      // Groups are read with the service account's rights, as ActiveMQ does after the user's bind.
      await this.bindService(client);
      const groups = new Set(this.c.userRoleName ? values(entry, this.c.userRoleName) : []);
      if (this.c.roleName) await this.addRoles(client, entry.dn, user, groups);
      return groups;
    } catch (err) {
      if (err instanceof LdapUnavailableError) throw err;
      throw new LdapUnavailableError((err as Error).message || String(err));
    } finally {
      this.active--;
      client.unbind().catch(() => undefined);
    }
  }

  private client(): Client {
    const secure = /^ldaps:/i.test(this.c.connectionURL) || this.c.connectionProtocol === 'ssl';
    const url = secure ? this.c.connectionURL.replace(/^ldap:/i, 'ldaps:') : this.c.connectionURL;
    return new Client({ url, timeout: this.timeout, connectTimeout: this.timeout, ...(secure ? { tlsOptions: { minVersion: 'TLSv1.2', ...this.tls } } : {}) });
  }

  private async bindService(client: Client): Promise<void> {
    if ((this.c.authentication ?? 'simple') === 'none' || this.c.connectionUsername === undefined) return;
    await client.bind(this.c.connectionUsername, this.password ?? '');
  }

  private async search(client: Client, base: string, filter: string, subtree: boolean, attributes: string[]): Promise<Entry[]> {
    const { searchEntries } = await client.search(base, { scope: subtree ? 'sub' : 'one', filter, attributes, timeLimit: Math.ceil(this.timeout / 1000) });
    return searchEntries;
  }

  private async addRoles(client: Client, dn: string, user: string, groups: Set<string>): Promise<void> {
    const c = this.c;
    const roleName = c.roleName!;
    const subtree = c.roleSearchSubtree === true;
    const found = await this.search(client, c.roleBase!, formatPattern(c.roleSearchMatching!, [escapeFilterValue(dn), escapeFilterValue(user)]), subtree, [roleName]);
    const seen = new Set<string>();
    const pending: string[] = [];
    for (const e of found) {
      for (const v of values(e, roleName)) groups.add(v);
      if (c.expandRoles && !seen.has(e.dn)) {
        seen.add(e.dn);
        pending.push(e.dn);
      }
    }
    while (pending.length > 0 && seen.size < MAX_EXPANDED) {
      const groupDN = pending.shift()!;
      for (const e of await this.search(client, c.roleBase!, formatPattern(c.expandRolesMatching!, [escapeFilterValue(groupDN)]), subtree, [roleName])) {
        if (seen.has(e.dn)) continue;
        seen.add(e.dn);
        pending.push(e.dn);
        for (const v of values(e, roleName)) groups.add(v);
      }
    }
  }
}
