// Promise wrappers for the few node-zookeeper-client calls the election makes, and the group's
// access control (cluster.zkPassword).

import { createHash } from 'node:crypto';
import * as zk from 'node-zookeeper-client';
import { ElectionError } from './errors';

export type { Client, Stat, Watcher } from 'node-zookeeper-client';

export const Code = zk.Exception;
export const CreateMode = zk.CreateMode;

/** The ZooKeeper error code of an error from the client, if it is one. */
export function zkCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number') {
    return (err as { code: number }).code;
  }
  return undefined;
}

export function isCode(err: unknown, ...codes: number[]): boolean {
  const code = zkCode(err);
  return code !== undefined && codes.includes(code);
}

export function getChildren(c: zk.Client, path: string, watcher?: zk.Watcher): Promise<string[]> {
  return new Promise((resolve, reject) => {
    c.getChildren(path, watcher, (err, children) => (err ? reject(err) : resolve(children)));
  });
}

export function getData(c: zk.Client, path: string, watcher?: zk.Watcher): Promise<{ data: Buffer; stat: zk.Stat }> {
  return new Promise((resolve, reject) => {
    c.getData(path, watcher, (err, data, stat) => (err ? reject(err) : resolve({ data: data ?? Buffer.alloc(0), stat })));
  });
}

export function exists(c: zk.Client, path: string, watcher?: zk.Watcher): Promise<zk.Stat | null> {
  return new Promise((resolve, reject) => {
    c.exists(path, watcher, (err, stat) => (err ? reject(err) : resolve(stat)));
  });
}

export function create(c: zk.Client, path: string, data: Buffer | undefined, mode: number, acl: zk.ACL[] = zk.ACL.OPEN_ACL_UNSAFE): Promise<string> {
  return new Promise((resolve, reject) => {
    c.create(path, data, acl, mode, (err, created) => (err ? reject(err) : resolve(created)));
  });
}

export function setData(c: zk.Client, path: string, data: Buffer, version: number): Promise<zk.Stat> {
  return new Promise((resolve, reject) => {
    c.setData(path, data, version, (err, stat) => (err ? reject(err) : resolve(stat)));
  });
}

export function remove(c: zk.Client, path: string, version: number): Promise<void> {
  return new Promise((resolve, reject) => {
    c.remove(path, version, (err) => (err ? reject(err) : resolve()));
  });
}

export function mkdirp(c: zk.Client, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    c.mkdirp(path, (err) => (err ? reject(err) : resolve()));
  });
}

export function commit(tx: zk.Transaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.commit((err) => (err ? reject(err) : resolve()));
  });
}

/** Drops the client's TCP connection (the client reconnects by itself, same session). */
export function dropConnection(c: zk.Client): void {
  c.connectionManager?.socket?.destroy();
}

export function isConnected(c: zk.Client): boolean {
  return c.getState() === zk.State.SYNC_CONNECTED;
}

/**
 * A client for `connectString`. With a password it authenticates (digest scheme, user
 * ZK_DIGEST_USER) now and after every reconnection, so it may use a protected group's znodes.
 */
export function createClient(connectString: string, options: zk.ClientOptions, password?: string): zk.Client {
  const c = zk.createClient(connectString, options);
  if (password) c.addAuthInfo('digest', Buffer.from(`${ZK_DIGEST_USER}:${password}`, 'utf8'));
  return c;
}

// --- access control (cluster.zkPassword) ------------------------------------------------------
//
// A group with a password keeps every znode under its zkPath (zkPath itself included) readable
// and writable only by sessions that authenticated with that password: ACL `digest:wharf:<hash>`
// with all permissions. The ancestors of zkPath stay open, since other groups may share them.
// Without a password the znodes are open (world:anyone), as ActiveMQ's were.

/** The ZooKeeper user name of a protected group (digest scheme). */
export const ZK_DIGEST_USER = 'wharf';

/** The ACL of every znode the group creates. */
export function groupAcl(password?: string): zk.ACL[] {
  return password ? zk.ACL.CREATOR_ALL_ACL : zk.ACL.OPEN_ACL_UNSAFE;
}

/** The digest id ZooKeeper stores for `wharf:<password>`: user:base64(sha1(user:password)). */
export function digestId(password: string): string {
  return `${ZK_DIGEST_USER}:${createHash('sha1').update(`${ZK_DIGEST_USER}:${password}`, 'utf8').digest('base64')}`;
}

/** The error for a znode ZooKeeper would not let this session use (NO_AUTH). */
export function accessDenied(zkPath: string, password?: string): ElectionError {
  return new ElectionError('ELECTION_AUTH', password
    ? `ZooKeeper denied access to the group ${zkPath}: its znodes are protected by another password. Set cluster.zkPassword (WHARF_ZK_PASSWORD) to the group's password, or use another zkPath`
    : `ZooKeeper denied access to the group ${zkPath}: its znodes are protected by a password. Set cluster.zkPassword (WHARF_ZK_PASSWORD) to the group's password`);
}

export function getAcl(c: zk.Client, path: string): Promise<zk.ACL[]> {
  return new Promise((resolve, reject) => {
    c.getACL(path, (err, acls) => (err ? reject(err) : resolve(acls)));
  });
}

export function setAcl(c: zk.Client, path: string, acl: zk.ACL[]): Promise<void> {
  return new Promise((resolve, reject) => {
    c.setACL(path, acl, -1, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Makes sure the persistent znode `path` of the group exists and, with a password, carries the
 * group's ACL: one created before the group had a password is locked down now (setACL needs
 * ADMIN, which an open znode grants to anyone). For zkPath itself, missing ancestors are
 * created open; a znode inside the group expects zkPath to be there. Throws `accessDenied`
 * when the znode is protected by another password.
 */
export async function ensureGroupNode(c: zk.Client, path: string, zkPath: string, password?: string, data?: Buffer): Promise<void> {
  const parent = path.slice(0, path.lastIndexOf('/'));
  if (path === zkPath && parent !== '' && !(await exists(c, parent))) await mkdirp(c, parent);
  try {
    await create(c, path, data, zk.CreateMode.PERSISTENT, groupAcl(password));
    return;
  } catch (err) {
    if (!isCode(err, zk.Exception.NODE_EXISTS)) throw denied(err, zkPath, password);
  }
  if (!password) return;
  try {
    const acl = await getAcl(c, path);
    const want = digestId(password);
    const ok = acl.length > 0 && acl.every((a) => a.id.scheme === 'digest' && a.id.id === want && a.permission === zk.Permission.ALL);
    if (!ok) await setAcl(c, path, zk.ACL.CREATOR_ALL_ACL);
  } catch (err) {
    throw denied(err, zkPath, password);
  }
}

/** `err`, or the access error when it is ZooKeeper's NO_AUTH. */
export function denied(err: unknown, zkPath: string, password?: string): unknown {
  return isCode(err, zk.Exception.NO_AUTH) ? accessDenied(zkPath, password) : err;
}

/** Closes a client for good: its listeners removed, its connection dropped. */
export function discard(client: zk.Client): void {
  client.removeAllListeners('connected');
  client.removeAllListeners('disconnected');
  client.removeAllListeners('expired');
  try {
    client.close();
  } catch {}
  dropConnection(client);
}
