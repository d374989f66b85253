// node-zookeeper-client 1.1 ships no types and none on npm are usable: this declares the part
// Wharf uses (the election and its tests), checked against the package's index.js and lib/.
// Keep it internal: no public declaration of @wharf/cluster may mention these types.

declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';

  export interface Stat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }

  /** Errors passed to callbacks (lib/Exception.js). */
  export interface ZkException extends Error {
    code: number;
    path?: string;
    getCode(): number;
    getName(): string;
  }

  export interface WatchEvent {
    type: number;
    name: string;
    path: string;
    getType(): number;
    getName(): string;
    getPath(): string;
  }

  export type Watcher = (event: WatchEvent) => void;

  export interface State {
    name: string;
    code: number;
    getName(): string;
    getCode(): number;
  }

  export interface ClientOptions {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
    sessionId?: Buffer;
    sessionPassword?: Buffer;
  }

  export interface OpResult {
    type: number;
    path?: string;
    err?: number;
    stat?: Stat;
  }

  /**
   * Multi-op. Beware (1.1.3): check/setData/remove turn version 0 into -1 (`version || -1`),
   * i.e. an unconditional write; use versions >= 1 only.
   */
  /** lib/Id.js: who an ACL entry is for (`world:anyone`, `auth:`, `digest:user:hash`, ...). */
  export class Id {
    constructor(scheme: string, id: string);
    scheme: string;
    id: string;
  }

  /** lib/ACL.js: a permission bit set (Permission) for an Id. */
  export class ACL {
    constructor(permission: number, id: Id);
    permission: number;
    id: Id;
    static readonly OPEN_ACL_UNSAFE: ACL[];
    /** ALL for every identity the creating session authenticated as (scheme `auth`). */
    static readonly CREATOR_ALL_ACL: ACL[];
  }

  export const Permission: {
    readonly READ: 1;
    readonly WRITE: 2;
    readonly CREATE: 4;
    readonly DELETE: 8;
    readonly ADMIN: 16;
    readonly ALL: 31;
  };

  export interface Transaction {
    create(path: string, data: Buffer | undefined, acls: ACL[], mode: number): Transaction;
    setData(path: string, data: Buffer, version: number): Transaction;
    check(path: string, version: number): Transaction;
    remove(path: string, version: number): Transaction;
    commit(callback: (error: ZkException | null | undefined, results?: OpResult[]) => void): void;
  }

  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getState(): State;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    /** The negotiated timeout once connected. */
    getSessionTimeout(): number;
    create(path: string, data: Buffer | undefined, acls: ACL[], mode: number, callback: (error: ZkException | null, path: string) => void): void;
    remove(path: string, version: number, callback: (error: ZkException | null) => void): void;
    setData(path: string, data: Buffer, version: number, callback: (error: ZkException | null, stat: Stat) => void): void;
    getData(path: string, watcher: Watcher | undefined, callback: (error: ZkException | null, data: Buffer | undefined, stat: Stat) => void): void;
    exists(path: string, watcher: Watcher | undefined, callback: (error: ZkException | null, stat: Stat | null) => void): void;
    getChildren(path: string, watcher: Watcher | undefined, callback: (error: ZkException | null, children: string[], stat: Stat) => void): void;
    mkdirp(path: string, callback: (error: ZkException | null, path: string) => void): void;
    /** Credentials sent now and again after every reconnection (lib/ConnectionManager.js). */
    addAuthInfo(scheme: string, auth: Buffer): void;
    getACL(path: string, callback: (error: ZkException | null, acls: ACL[], stat: Stat) => void): void;
    setACL(path: string, acls: ACL[], version: number, callback: (error: ZkException | null, stat: Stat) => void): void;
    transaction(): Transaction;
    /** Internal (lib/ConnectionManager.js); used only to drop a connection that went silent. */
    connectionManager?: { socket?: { destroy(): void } };
  }

  export function createClient(connectionString: string, options?: ClientOptions): Client;

  export const CreateMode: {
    readonly PERSISTENT: 0;
    readonly EPHEMERAL: 1;
    readonly PERSISTENT_SEQUENTIAL: 2;
    readonly EPHEMERAL_SEQUENTIAL: 3;
  };

  export const State: {
    readonly DISCONNECTED: State;
    readonly SYNC_CONNECTED: State;
    readonly AUTH_FAILED: State;
    readonly CONNECTED_READ_ONLY: State;
    readonly SASL_AUTHENTICATED: State;
    readonly EXPIRED: State;
  };

  export const Exception: {
    readonly OK: 0;
    readonly CONNECTION_LOSS: -4;
    readonly OPERATION_TIMEOUT: -7;
    readonly NO_NODE: -101;
    readonly NO_AUTH: -102;
    readonly BAD_VERSION: -103;
    readonly NODE_EXISTS: -110;
    readonly NOT_EMPTY: -111;
    readonly SESSION_EXPIRED: -112;
  };
}
