// Promise wrappers for the few node-zookeeper-client calls the election makes.

import * as zk from 'node-zookeeper-client';

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

export function create(c: zk.Client, path: string, data: Buffer | undefined, mode: number): Promise<string> {
  return new Promise((resolve, reject) => {
    c.create(path, data, mode, (err, created) => (err ? reject(err) : resolve(created)));
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

export function createClient(connectString: string, options: zk.ClientOptions): zk.Client {
  return zk.createClient(connectString, options);
}
