// In-process replicated groups for deterministic tests: MemoryElectionHub for the election,
// MemoryReplicationHub for replication, LevelStores in temp directories, and a fake service
// that exposes the ReplicatedStore so a test commits as the broker would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WireMessage } from '@wharf/protocol';
import { Journal, OpType, LevelStore, type Position, type StoreOp } from '@wharf/store';
import { MemoryElection, MemoryElectionHub } from '../src/election/memory';
import { ClusterNode, type NodeServices } from '../src/node';
import { MemoryReplicationHub } from '../src/replication/memory-transport';
import type { ReplicatedStore } from '../src/replication/replicated-store';
import type { ClusterLogger, SyncPolicy } from '../src/types';

export function msg(seq: number, dest = 'queue://Q'): WireMessage {
  return {
    messageId: `ID:p1:${seq}`, destination: dest, deliveryMode: 2, priority: 4, timestamp: 1_700_000_000_000 + seq,
    expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'p1', producerSeq: seq,
    properties: { n: seq }, bodyKind: 1, body: `body ${seq}`,
  } as WireMessage;
}

export function putOps(seq: number, dest = 'queue://Q'): StoreOp[] {
  return [{ t: OpType.PUT_MESSAGE, dest, seq, msg: msg(seq, dest) }];
}

/** Records log lines so tests can see what happened (WHARF_TEST_LOG=1 prints them). */
export class TestLog implements ClusterLogger {
  readonly lines: Array<{ level: string; msg: string; obj: object }> = [];
  constructor(private readonly tag: string) {}
  private add(level: string, obj: object, msg: string): void {
    this.lines.push({ level, msg, obj });
    if (process.env.WHARF_TEST_LOG) console.log(new Date().toISOString(), this.tag, level, msg, JSON.stringify(obj));
  }
  debug(obj: object, msg: string): void { this.add('debug', obj, msg); }
  info(obj: object, msg: string): void { this.add('info', obj, msg); }
  warn(obj: object, msg: string): void { this.add('warn', obj, msg); }
  error(obj: object, msg: string): void { this.add('error', obj, msg); }
  has(re: RegExp): boolean {
    return this.lines.some((l) => re.test(l.msg));
  }
}

export interface TestNode {
  id: string;
  node: ClusterNode;
  store: LevelStore;
  dir: string;
  log: TestLog;
  /** The store the fake service serves on, while serving. */
  serving?: ReplicatedStore;
  refusal?: () => string;
}

export interface GroupOptions {
  replicas?: number;
  sync?: SyncPolicy;
  replicationTimeout?: number;
  logRetentionBatches?: number;
  /** The first this-many attempts to serve, whichever node makes them, fail (a client port in use). */
  failServes?: number;
}

export class TestGroup {
  readonly election = new MemoryElectionHub();
  readonly network = new MemoryReplicationHub();
  readonly nodes = new Map<string, TestNode>();
  private readonly dirs: string[] = [];
  private servesFailed = 0;

  constructor(private readonly opts: GroupOptions = {}) {}

  async add(id: string, over: GroupOptions = {}): Promise<TestNode> {
    const prev = this.nodes.get(id);
    const dir = prev?.dir ?? (await mkdtemp(join(tmpdir(), `wharf-cluster-${id}-`)));
    if (!prev) this.dirs.push(dir);
    const o = { ...this.opts, ...over };
    // As a `wharf start` node: the retained log in a journal beside the store.
    const store = new LevelStore({ directory: dir });
    const replicationLog = new Journal({
      directory: join(dir, 'replication-log'),
      ...(o.logRetentionBatches !== undefined ? { retentionBatches: o.logRetentionBatches } : {}),
    });
    const log = new TestLog(id);
    const t: TestNode = { id, store, dir, log } as TestNode;
    const services: NodeServices = {
      serve: async (rs) => {
        if ((this.opts.failServes ?? 0) > this.servesFailed) {
          this.servesFailed++;
          throw Object.assign(new Error('listen EADDRINUSE: address already in use 0.0.0.0:61616'), { code: 'EADDRINUSE' });
        }
        t.serving = rs;
        return {
          async stop() {
            if (t.serving === rs) t.serving = undefined;
          },
        };
      },
      async refuse(reason) {
        t.refusal = reason;
        return { async stop() {} };
      },
    };
    t.node = new ClusterNode({
      nodeId: id,
      replicas: o.replicas ?? 3,
      sync: o.sync ?? 'quorum_mem',
      replicationTimeout: o.replicationTimeout ?? 1000,
      heartbeatMs: 50,
      clientUrl: `tcp://${id}:61616`,
      replicationBind: 'mem',
      store,
      log: replicationLog,
      election: new MemoryElection(this.election, { replicas: o.replicas ?? 3, logger: log }),
      transport: this.network.transport(id),
      services,
      logger: log,
    });
    this.nodes.set(id, t);
    await t.node.start();
    return t;
  }

  get(id: string): TestNode {
    const t = this.nodes.get(id);
    if (!t) throw new Error(`no node ${id}`);
    return t;
  }

  /** The one serving node (fails if two serve). */
  servingNodes(): TestNode[] {
    return [...this.nodes.values()].filter((t) => t.serving?.active && t.node.role === 'master');
  }

  async waitForMaster(timeoutMs = 5000, except?: string): Promise<TestNode> {
    return waitFor(timeoutMs, () => {
      const s = this.servingNodes().filter((t) => t.id !== except);
      if (s.length > 1) throw new Error(`two masters serve: ${s.map((t) => t.id).join(', ')}`);
      return s[0];
    }, 'a serving master');
  }

  /** Cut a node off from the election hub and the replication network; its session then expires. */
  isolate(id: string): void {
    this.election.partition(id);
    this.network.partition(id);
    this.election.expire(id);
  }

  heal(id: string): void {
    this.network.heal(id);
    this.election.heal(id);
  }

  /** Wait until every listed node's store is at `p` (and open: a snapshot import reopens it). */
  async waitForPosition(ids: string[], p: Position, timeoutMs = 5000): Promise<void> {
    await waitFor(timeoutMs, () => ids.every((id) => {
      const q = this.get(id).store.position;
      return q.epoch === p.epoch && q.index === p.index;
    }), `${ids.join(', ')} at ${p.epoch}:${p.index} (now ${ids.map((id) => `${id}=${JSON.stringify(this.get(id).store.position)}`).join(' ')})`);
    const deadline = Date.now() + timeoutMs;
    for (const id of ids) {
      for (;;) {
        try {
          await this.get(id).store.loadMessages('queue://Q', 0, 1);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
  }

  async stopNode(id: string): Promise<void> {
    await this.get(id).node.stop();
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((t) => t.node.stop().catch(() => undefined)));
    await Promise.all(this.dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

export async function waitFor<T>(timeoutMs: number, fn: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = fn();
      if (v) return v;
    } catch (err) {
      last = err;
      if (/two masters/.test((err as Error).message)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Whether a promise settles within `ms` (without leaving it unhandled). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

/** All stored messages of a destination, as (seq, body) pairs. */
export async function contents(store: LevelStore, dest = 'queue://Q'): Promise<Array<[number, unknown]>> {
  const out = await store.loadMessages(dest, 0, 1_000_000);
  return out.map((m) => [m.seq, m.msg.body]);
}
