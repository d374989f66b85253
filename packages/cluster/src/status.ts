// Group status in ZooKeeper, for `wharf cluster status`. The election's znodes say who is a
// member (with the position each published as a candidate) and who is master; the master also
// writes `<zkPath>/status` about once a second: its position and, per slave, the indexes the
// slave acknowledged and its lag. The reader joins the two.
import type { Position } from '@wharf/store';
import type { MemberInfo } from './election/types';
import {
  Code, createClient, denied, dropConnection, ensureGroupNode, getChildren, getData, isCode, isConnected, setData,
  type Client,
} from './election/zk-client';
import type { NodeStatus } from './node';
import type { ClusterLogger, SlaveStatus } from './types';

/** The master's status znode content. */
export interface PublishedStatus {
  nodeId: string;
  /** The group's full size, as the master is configured (absent from older masters). */
  replicas?: number;
  epoch: number;
  position: Position;
  slaves: SlaveStatus[];
  updatedAt: number;
}

/** Writes the master's status znode through its own ZooKeeper session (best effort). */
export class ZkStatusPublisher {
  private client?: Client;
  private busy = false;
  private pending: PublishedStatus | undefined;
  private closed = false;
  private ensured = false;
  private readonly path: string;

  constructor(
    private readonly zkAddress: string,
    private readonly zkPath: string,
    private readonly sessionTimeout: number,
    private readonly log: ClusterLogger,
    /** cluster.zkPassword: the status znode gets the group's ACL. */
    private readonly password?: string,
  ) {
    this.path = `${zkPath}/status`;
  }

  publish(s: NodeStatus): void {
    if (this.closed || s.role !== 'master' || !s.replication) return;
    this.pending = { nodeId: s.nodeId, replicas: s.replicas, epoch: s.epoch, position: s.replication.position, slaves: s.replication.slaves, updatedAt: s.updatedAt };
    // A failed write is logged inside (the next status writes again); what escapes is a fault.
    if (!this.busy) this.flush().catch((err: Error) => this.log.warn({ err }, 'cluster: the status publisher failed'));
  }

  private async flush(): Promise<void> {
    this.busy = true;
    try {
      while (this.pending && !this.closed) {
        const body = Buffer.from(JSON.stringify(this.pending));
        this.pending = undefined;
        const c = this.connect();
        if (!isConnected(c)) break;
        if (!this.ensured) {
          // Once per publisher: the znode exists, with the group's ACL when it has a password
          // (a status znode left by an open run of the group is locked down too).
          await ensureGroupNode(c, this.zkPath, this.zkPath, this.password);
          await ensureGroupNode(c, this.path, this.zkPath, this.password, body);
          this.ensured = true;
        }
        try {
          await setData(c, this.path, body, -1);
        } catch (err) {
          if (isCode(err, Code.NO_NODE)) this.ensured = false; // deleted: the next status creates it
          throw err;
        }
      }
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'cluster: could not write the status znode');
    } finally {
      this.busy = false;
    }
  }

  private connect(): Client {
    if (this.client) return this.client;
    const c = createClient(this.zkAddress, { sessionTimeout: Math.max(this.sessionTimeout, 4000), spinDelay: 200, retries: 0 }, this.password);
    c.on('expired', () => {
      if (this.client === c) this.client = undefined;
      c.close();
    });
    c.connect();
    this.client = c;
    return c;
  }

  close(): void {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.close();
      dropConnection(c);
    }
  }
}

export type MemberRole = 'master' | 'slave' | 'slave (not attached)' | 'candidate';

export interface MemberView {
  id: string;
  role: MemberRole;
  clientUrl: string;
  replicationUrl: string;
  /** The position the member published in the election (as a candidate). */
  electionPosition: Position;
  weight: number;
  /** From the master's status: what it acknowledged, and how far behind it is. */
  received?: number;
  durable?: number;
  lag?: number;
  slaveState?: SlaveStatus['state'];
}

export interface ClusterView {
  zkPath: string;
  epoch: number;
  /** The group's full size: from the master's status (or what the reader was told). */
  replicas?: number;
  master?: { id: string; epoch: number; clientUrl: string; position?: Position };
  members: MemberView[];
  /** The master's status znode, if it is from the current master. */
  status?: PublishedStatus & { ageMs: number };
}

function parse(data: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(data.toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function tryGet(c: Client, path: string): Promise<Buffer | undefined> {
  try {
    return (await getData(c, path)).data;
  } catch (err) {
    if (isCode(err, Code.NO_NODE)) return undefined;
    throw err;
  }
}

/**
 * Reads the group at `zkPath` (one short ZooKeeper session). A group protected by
 * cluster.zkPassword needs the same `password`.
 */
export async function readClusterStatus(zkAddress: string, zkPath: string, timeoutMs = 5000, password?: string): Promise<ClusterView> {
  const c = createClient(zkAddress, { sessionTimeout: Math.max(4000, timeoutMs), spinDelay: 200, retries: 0 }, password);
  try {
    return await readView(c, zkAddress, zkPath, timeoutMs);
  } catch (err) {
    throw denied(err, zkPath, password);
  } finally {
    c.close();
    dropConnection(c);
  }
}

async function readView(c: Client, zkAddress: string, zkPath: string, timeoutMs: number): Promise<ClusterView> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from ZooKeeper at ${zkAddress} within ${timeoutMs} ms`)), timeoutMs);
    c.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    c.connect();
  });
  const children = await getChildren(c, `${zkPath}/members`).catch((err: unknown) => {
    if (isCode(err, Code.NO_NODE)) throw new Error(`no Wharf group at ${zkPath} in ZooKeeper ${zkAddress} (no ${zkPath}/members znode)`);
    throw err;
  });
  const [epochData, masterData, statusData, ...memberData] = await Promise.all([
    tryGet(c, `${zkPath}/epoch`),
    tryGet(c, `${zkPath}/master`),
    tryGet(c, `${zkPath}/status`),
    ...children.sort((a, b) => a.slice(-10).localeCompare(b.slice(-10))).map((n) => tryGet(c, `${zkPath}/members/${n}`)),
  ]);
  const view: ClusterView = { zkPath, epoch: Number(epochData?.toString('utf8') ?? 0) || 0, members: [] };
  const masterRec = masterData && parse(masterData);
  const masterMember = masterRec?.member as MemberInfo | undefined;
  if (masterRec && masterMember && typeof masterMember.id === 'string') {
    view.master = { id: masterMember.id, epoch: Number(masterRec.epoch), clientUrl: masterMember.clientUrl };
  }
  const st = statusData && (parse(statusData) as PublishedStatus | undefined);
  if (st && view.master && st.nodeId === view.master.id && st.epoch === view.master.epoch) {
    view.status = { ...st, ageMs: Date.now() - st.updatedAt };
    view.master.position = st.position;
    if (typeof st.replicas === 'number' && st.replicas > 0) view.replicas = st.replicas;
  }
  const seen = new Set<string>();
  // Newest registration of an id wins (an older one is a session that has not expired yet).
  for (let i = memberData.length - 1; i >= 0; i--) {
    const d = memberData[i];
    const m = d && (parse(d) as (MemberInfo & { weight?: number }) | undefined);
    if (!m || typeof m.id !== 'string' || seen.has(m.id)) continue;
    seen.add(m.id);
    const slave = view.status?.slaves.find((s) => s.nodeId === m.id);
    let role: MemberRole = 'candidate';
    if (view.master?.id === m.id) role = 'master';
    else if (view.master) role = slave && slave.state === 'streaming' ? 'slave' : 'slave (not attached)';
    const mv: MemberView = {
      id: m.id, role, clientUrl: m.clientUrl, replicationUrl: m.replicationUrl,
      electionPosition: m.position, weight: m.weight ?? 1,
    };
    if (slave) {
      mv.received = slave.received;
      mv.durable = slave.durable;
      mv.lag = slave.lag;
      mv.slaveState = slave.state;
    }
    view.members.unshift(mv);
  }
  return view;
}
