// Master election through ZooKeeper (docs/CLUSTER.md; ActiveMQ's replicated LevelDB: docs/ACTIVEMQ-BEHAVIOUR.md).
//
// Znode layout under zkPath (default /wharf/default):
//   members/m-<token>-<seq>  EPHEMERAL_SEQUENTIAL, one per node and session. JSON
//                            {id, clientUrl, replicationUrl, position, weight, reportedFor}.
//                            <token> is random per session, so a create whose answer was lost
//                            with the connection is found again instead of duplicated.
//   master                   EPHEMERAL, owned by the master's session. JSON
//                            {node, epoch, member}: node = the master's member znode name.
//   epoch                    PERSISTENT, decimal: the last epoch elected (the fencing token).
//
// Every node reads the group (with watches) and applies rules.ts: when there is no master, a
// quorum of members is present and all of them published their position for the current
// epoch, the best-ranked member claims mastership with one multi-op: create `master` and
// setData `epoch` with the version it read (compare-and-set). Only one claim can succeed.
//
// Losing ZooKeeper: the client library only notices a dead connection when the socket
// closes, so the election keeps its own lease. Every successful request proves the session
// was alive when it was sent; the server cannot expire the session before that time plus the
// session timeout. A master serves only while its last proof is younger than 2/3 of the
// negotiated timeout (the ZooKeeper Java client's read timeout); past that, or on any
// disconnection, it emits 'lost' at once. On expiry it opens a new client and registers
// again (AMQ-5082: ActiveMQ never rebuilt its view after a session loss and stopped electing).

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ElectionError } from './errors';
import { GroupElection, type MemberData } from './group';
import { UNREADABLE, type GroupView, type MasterRecord, type MemberRecord } from './rules';
import type { ElectionOptions } from './types';
import {
  Code, CreateMode, commit, create, createClient, denied, discard, dropConnection, ensureGroupNode, exists, getChildren,
  getData, groupAcl, isCode, isConnected, remove, setData, type Client,
} from './zk-client';
import { encodeMaster, encodeMember, parseMaster, parseMember } from './zk-records';

export interface ZooKeeperElectionOptions extends ElectionOptions {
  /** Comma-separated host:port list. Default `127.0.0.1:2181`. */
  zkAddress?: string;
  /** The group's directory. Default `/wharf/default`. */
  zkPath?: string;
  /**
   * Session timeout in ms, default 2000: the time ZooKeeper takes to notice a dead node.
   * The server bounds it to [minSessionTimeout, maxSessionTimeout] (defaults 2 and 20 ticks).
   */
  zkSessionTimeout?: number;
  /**
   * cluster.zkPassword: the group's znodes are created readable and writable only by sessions
   * that authenticate with it (digest scheme, user `wharf`); see zk-client.ts.
   */
  zkPassword?: string;
}

interface ZkView extends GroupView {
  /** Data version of the epoch znode; -1 when it does not exist. */
  epochVersion: number;
  /** Data version of the master znode, when present. */
  masterVersion?: number;
}

const SEQ_DIGITS = 10;

export class ZooKeeperElection extends GroupElection<ZkView> {
  readonly zkAddress: string;
  readonly zkPath: string;
  readonly zkSessionTimeout: number;
  private readonly zkPassword: string | undefined;
  private readonly membersPath: string;
  private readonly masterPath: string;
  private readonly epochPath: string;
  private client?: Client;
  private token = '';
  /** Send time (performance.now()) of the newest request that got an answer. */
  private lastOk = -Infinity;
  private connectedAt = -Infinity;
  private disconnectedAt = 0;
  private negotiated: number;
  private heartbeat?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private heartbeatInFlight = false;
  /** When the heartbeat in flight was sent, and when the watchdog last ran (diagnostics). */
  private heartbeatSent = 0;
  private lastCheck = 0;
  private readonly unparsable = new Set<string>();
  private readonly watcher = (): void => {
    this.poke();
  };

  constructor(opts: ZooKeeperElectionOptions = {}) {
    super(opts);
    this.zkAddress = opts.zkAddress ?? '127.0.0.1:2181';
    this.zkPath = opts.zkPath ?? '/wharf/default';
    this.zkSessionTimeout = opts.zkSessionTimeout ?? 2000;
    this.zkPassword = opts.zkPassword || undefined;
    if (!/^(\/[^/]+)+$/.test(this.zkPath)) {
      throw new ElectionError('ELECTION_CONFIG', `zkPath must be an absolute znode path without a trailing slash, got '${this.zkPath}'`);
    }
    if (!Number.isFinite(this.zkSessionTimeout) || this.zkSessionTimeout < 100) {
      throw new ElectionError('ELECTION_CONFIG', `zkSessionTimeout must be at least 100 ms, got ${this.zkSessionTimeout}`);
    }
    this.membersPath = `${this.zkPath}/members`;
    this.masterPath = `${this.zkPath}/master`;
    this.epochPath = `${this.zkPath}/epoch`;
    this.negotiated = this.zkSessionTimeout;
  }

  /** The current session id (hex), for logs and diagnostics. */
  sessionId(): string | undefined {
    return this.client?.getSessionId().toString('hex');
  }

  // --- session ------------------------------------------------------------------------------

  protected open(): void {
    this.sessionStarted();
    this.token = randomBytes(6).toString('hex');
    this.lastOk = -Infinity;
    this.disconnectedAt = performance.now();
    const client = createClient(this.zkAddress, {
      sessionTimeout: this.zkSessionTimeout,
      spinDelay: Math.min(1000, Math.max(50, Math.floor(this.zkSessionTimeout / 10))),
      retries: 0,
    }, this.zkPassword);
    this.client = client;
    client.on('connected', () => {
      if (client !== this.client || this.stopped) return;
      this.connectedAt = performance.now();
      this.negotiated = client.getSessionTimeout();
      if (this.negotiated !== this.zkSessionTimeout) {
        this.log.warn({ requested: this.zkSessionTimeout, negotiated: this.negotiated },
          'election: ZooKeeper changed the session timeout (server min/maxSessionTimeout)');
      }
      this.log.info({ session: this.sessionId(), zkAddress: this.zkAddress }, 'election: connected to ZooKeeper');
      this.connectionUp();
    });
    client.on('disconnected', () => {
      if (client !== this.client || this.stopped) return;
      this.disconnectedAt = performance.now();
      this.connectionDown('disconnected from ZooKeeper');
    });
    client.on('expired', () => {
      if (client !== this.client || this.stopped) return;
      this.log.warn({ session: this.sessionId() }, 'election: ZooKeeper session expired, rejoining with a new session');
      this.connectionDown('ZooKeeper session expired');
      discard(client);
      this.open();
    });
    this.startTimers();
    client.connect();
  }

  protected async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.watchdog);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners('connected');
    client.removeAllListeners('expired');
    client.removeAllListeners('disconnected');
    if (isConnected(client)) {
      // Closing the session deletes our ephemeral znodes at once: the group need not wait
      // for the session timeout to elect a new master.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(2000, this.negotiated));
        client.once('disconnected', () => {
          clearTimeout(timer);
          resolve();
        });
        client.close();
      });
    } else {
      client.close();
    }
    dropConnection(client);
  }

  protected override leaseValid(): boolean {
    return performance.now() - this.lastOk < this.leaseMs();
  }

  private leaseMs(): number {
    return (this.negotiated * 2) / 3;
  }

  private startTimers(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.watchdog);
    this.heartbeat = setInterval(() => this.beat(), Math.max(10, Math.floor(this.negotiated / 4)));
    this.watchdog = setInterval(() => this.check(), Math.max(10, Math.floor(this.negotiated / 20)));
    this.heartbeat.unref();
    this.watchdog.unref();
  }

  private beat(): void {
    const client = this.client;
    if (!client || this.heartbeatInFlight || !isConnected(client)) return;
    this.heartbeatInFlight = true;
    this.heartbeatSent = performance.now();
    this.call((c) => exists(c, this.zkPath))
      .catch(() => {})
      .finally(() => {
        this.heartbeatInFlight = false;
      });
  }

  private check(): void {
    const client = this.client;
    if (!client || this.stopped) return;
    const now = performance.now();
    const sinceCheck = this.lastCheck > 0 ? now - this.lastCheck : 0;
    this.lastCheck = now;
    if (isConnected(client)) {
      const proof = Math.max(this.lastOk, this.connectedAt);
      if ((this.role === 'master' && !this.leaseValid()) || now - proof >= this.leaseMs()) {
        const silent = Math.round(now - proof);
        // Which side starved: a watchdog that ran far later than its interval means this
        // process's event loop was held up (an answer may be waiting unread in the socket); a
        // heartbeat long in flight with a punctual watchdog means ZooKeeper (or the network)
        // did not answer.
        this.log.warn({
          silentMs: silent, watchdogLateMs: Math.max(0, Math.round(sinceCheck - this.negotiated / 20)),
          heartbeatInFlightMs: this.heartbeatInFlight ? Math.round(now - this.heartbeatSent) : 0,
        }, 'election: no answer from ZooKeeper, dropping the connection');
        this.disconnectedAt = now;
        this.connectionDown(`no answer from ZooKeeper for ${silent} ms`);
        dropConnection(client); // reconnects (same session if it is still alive)
      }
    } else if (now - this.disconnectedAt >= this.negotiated) {
      // A connect attempt can hang on a server that accepted the TCP connection but does
      // not answer (e.g. a stopped process); the library has no timeout for that.
      this.disconnectedAt = now;
      dropConnection(client);
    }
  }

  /** Runs a request on the current client and renews the lease when it is answered. */
  private async call<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const client = this.client;
    if (!client) throw new ElectionError('ELECTION_STATE', 'no ZooKeeper client');
    const sent = performance.now();
    let result: T;
    try {
      result = await fn(client);
    } catch (err) {
      // An answer all the same: NO_AUTH proves the session is alive.
      if (client === this.client && isCode(err, Code.NO_AUTH)) this.lastOk = Math.max(this.lastOk, sent);
      throw denied(err, this.zkPath, this.zkPassword);
    }
    if (client === this.client) this.lastOk = Math.max(this.lastOk, sent);
    return result;
  }

  // --- group operations ---------------------------------------------------------------------

  protected async readView(): Promise<ZkView> {
    const children = await this.call((c) => getChildren(c, this.membersPath, this.watcher)).catch((err: unknown) => {
      if (isCode(err, Code.NO_NODE)) return [] as string[];
      throw err;
    });
    const [epoch, master, members] = await Promise.all([
      this.readEpoch(),
      this.readMaster(),
      Promise.all(children.map((name) => this.readMember(name))),
    ]);
    const view: ZkView = {
      members: members.filter((m): m is MemberRecord => m !== undefined),
      groupEpoch: epoch.epoch,
      epochVersion: epoch.version,
    };
    if (master) {
      view.master = master.record;
      view.masterVersion = master.version;
    }
    return view;
  }

  protected async register(data: MemberData): Promise<string> {
    await this.call((c) => ensureGroupNode(c, this.zkPath, this.zkPath, this.zkPassword));
    await this.call((c) => ensureGroupNode(c, this.membersPath, this.zkPath, this.zkPassword));
    await this.ensureEpoch();
    const prefix = `m-${this.token}-`;
    const body = encodeMember(data);
    // The create may have succeeded in this session before a connection loss hid the answer.
    const found = (await this.call((c) => getChildren(c, this.membersPath))).find((n) => n.startsWith(prefix));
    if (found) {
      await this.call((c) => setData(c, `${this.membersPath}/${found}`, body, -1));
      return found;
    }
    const path = await this.call((c) => create(c, `${this.membersPath}/${prefix}`, body, CreateMode.EPHEMERAL_SEQUENTIAL, groupAcl(this.zkPassword)));
    return path.slice(this.membersPath.length + 1);
  }

  protected async publish(node: string, data: MemberData): Promise<void> {
    await this.call((c) => setData(c, `${this.membersPath}/${node}`, encodeMember(data), -1));
  }

  protected async claim(record: MasterRecord, view: ZkView): Promise<boolean> {
    if (view.epochVersion <= 0) {
      // Missing, or at version 0 which the library's multi-op cannot compare against.
      await this.ensureEpoch();
      return false;
    }
    try {
      await this.call((c) =>
        commit(
          c.transaction()
            .create(this.masterPath, encodeMaster(record), groupAcl(this.zkPassword), CreateMode.EPHEMERAL)
            .setData(this.epochPath, Buffer.from(String(record.epoch)), view.epochVersion),
        ),
      );
      return true;
    } catch (err) {
      if (isCode(err, Code.NODE_EXISTS, Code.BAD_VERSION, Code.NO_NODE)) return false;
      throw err;
    }
  }

  protected async resign(view: ZkView): Promise<void> {
    try {
      await this.call((c) => remove(c, this.masterPath, view.masterVersion ?? -1));
    } catch (err) {
      if (!isCode(err, Code.NO_NODE, Code.BAD_VERSION)) throw err;
    }
  }

  /** Creates the epoch znode if needed, and moves it past data version 0 (see zk-types.d.ts). */
  private async ensureEpoch(): Promise<void> {
    await this.call((c) => ensureGroupNode(c, this.epochPath, this.zkPath, this.zkPassword, Buffer.from('0')));
    const { data, stat } = await this.call((c) => getData(c, this.epochPath));
    if (stat.version !== 0) return;
    try {
      await this.call((c) => setData(c, this.epochPath, data, 0));
    } catch (err) {
      if (!isCode(err, Code.BAD_VERSION)) throw err;
    }
  }

  private async readEpoch(): Promise<{ epoch: number; version: number }> {
    try {
      const { data, stat } = await this.call((c) => getData(c, this.epochPath, this.watcher));
      const epoch = Number(data.toString('utf8'));
      if (!Number.isSafeInteger(epoch) || epoch < 0) {
        this.warnOnce(this.epochPath, 'epoch znode does not hold a number; counting from 0');
        return { epoch: 0, version: stat.version };
      }
      return { epoch, version: stat.version };
    } catch (err) {
      if (isCode(err, Code.NO_NODE)) return { epoch: 0, version: -1 };
      throw err;
    }
  }

  private async readMaster(): Promise<{ record: MasterRecord; version: number } | undefined> {
    const stat = await this.call((c) => exists(c, this.masterPath, this.watcher));
    if (!stat) return undefined;
    try {
      const { data, stat: current } = await this.call((c) => getData(c, this.masterPath, this.watcher));
      const record = parseMaster(data);
      if (!record) {
        // Unknown content: a master we cannot follow, never a vacancy.
        this.warnOnce(this.masterPath, 'master znode holds unexpected data');
        const member = { id: '', clientUrl: '', replicationUrl: '', position: { epoch: 0, index: 0 } };
        return { record: { node: UNREADABLE, epoch: 0, member }, version: current.version };
      }
      return { record, version: current.version };
    } catch (err) {
      if (isCode(err, Code.NO_NODE)) return undefined;
      throw err;
    }
  }

  private async readMember(name: string): Promise<MemberRecord | undefined> {
    const seq = Number(name.slice(-SEQ_DIGITS));
    try {
      const { data } = await this.call((c) => getData(c, `${this.membersPath}/${name}`, this.watcher));
      const parsed = parseMember(data);
      if (!parsed || !Number.isSafeInteger(seq)) {
        this.warnOnce(name, 'ignoring a member znode with unexpected data');
        return undefined;
      }
      return { node: name, seq, info: parsed.info, reportedFor: parsed.reportedFor };
    } catch (err) {
      if (isCode(err, Code.NO_NODE)) return undefined;
      throw err;
    }
  }

  private warnOnce(key: string, msg: string): void {
    if (this.unparsable.has(key)) return;
    this.unparsable.add(key);
    this.log.warn({ znode: key, zkPath: this.zkPath }, `election: ${msg}`);
  }
}
