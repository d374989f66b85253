// ActiveMQ's DefaultAuthorizationMap: each `authorizationEntry` names a queue or topic (or a
// wildcard) and the groups that may read, write and administer (create) it. A destination is
// checked against the union of the groups of every entry that matches it; when the destination
// itself is a wildcard (a consumer on `ORDERS.>`), every entry whose pattern overlaps it counts,
// as ActiveMQ's destination map collects the values below a wildcard key. A destination no entry
// matches is refused to everyone. The group `*` stands for every user. Temporary destinations
// use `tempDestinationAuthorizationEntry` only; without one they are open to every user.
import { ConfigError, isQueueKind, isTemporary, type Destination } from '@wharf/protocol';
import type { AuthorizationEntryConfig, TempDestinationAuthorizationEntryConfig } from '../config';

export type Operation = 'read' | 'write' | 'admin';

interface Entry {
  queue: boolean;
  tokens: string[];
  read: string[];
  write: string[];
  admin: string[];
}

/** ActiveMQ's comma-separated group list. */
export function groupList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'string') throw new ConfigError(`${where}: a group list is a string of comma-separated group names`);
  return v.split(',').map((g) => g.trim()).filter((g) => g !== '');
}

/**
 * Can some name match both patterns? `>` matches the rest (and, as ActiveMQ's prefix filter,
 * nothing: `FOO.>` matches FOO), `*` one element.
 */
export function patternsOverlap(a: readonly string[], b: readonly string[], i = 0): boolean {
  for (;; i++) {
    if (a[i] === '>' || b[i] === '>') return true;
    if (i >= a.length || i >= b.length) return i >= a.length && i >= b.length;
    if (a[i] !== '*' && b[i] !== '*' && a[i] !== b[i]) return false;
  }
}

const CACHE_LIMIT = 10000;

export class AuthorizationMap {
  private readonly entries: Entry[];
  private readonly temp: Record<Operation, string[]> | null;
  private readonly cache = new Map<string, ReadonlySet<string>>();

  constructor(entries: readonly AuthorizationEntryConfig[], temp?: TempDestinationAuthorizationEntryConfig) {
    this.entries = entries.map((e, i) => {
      const where = `authorizationEntries[${i}]`;
      if (typeof e !== 'object' || e === null || (e.queue === undefined) === (e.topic === undefined)) {
        throw new ConfigError(`${where}: an authorization entry needs exactly one of queue or topic`);
      }
      const name = e.queue ?? e.topic;
      if (typeof name !== 'string' || name === '') throw new ConfigError(`${where}: the destination name must be a non-empty string`);
      return { queue: e.queue !== undefined, tokens: name.split('.'), read: groupList(e.read, `${where}.read`), write: groupList(e.write, `${where}.write`), admin: groupList(e.admin, `${where}.admin`) };
    });
    this.temp = temp ? {
      read: groupList(temp.read, 'tempDestinationAuthorizationEntry.read'),
      write: groupList(temp.write, 'tempDestinationAuthorizationEntry.write'),
      admin: groupList(temp.admin, 'tempDestinationAuthorizationEntry.admin'),
    } : null;
  }

  /** The groups allowed `op` on `d`; null when the destination is not restricted. */
  groupsFor(op: Operation, d: Destination): ReadonlySet<string> | null {
    if (isTemporary(d.kind)) return this.temp ? new Set(this.temp[op]) : null;
    const key = `${op}|${d.url}`;
    let set = this.cache.get(key);
    if (!set) {
      const s = new Set<string>();
      const queue = isQueueKind(d.kind);
      const tokens = d.name.split('.');
      for (const e of this.entries) if (e.queue === queue && patternsOverlap(e.tokens, tokens)) for (const g of e[op]) s.add(g);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, (set = s));
    }
    return set;
  }

  allows(op: Operation, d: Destination, groups: ReadonlySet<string>): boolean {
    const allowed = this.groupsFor(op, d);
    if (allowed === null || allowed.has('*')) return true;
    for (const g of groups) if (allowed.has(g)) return true;
    return false;
  }
}
