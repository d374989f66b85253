// The console of a cluster node: what it reads of the ClusterNode (role, status, the broker of
// the current term). @wharf/console follows the broker through this NodeSource (follow.ts there),
// so one console serves every term of the process, and a slave's console answers /healthz,
// /readyz (503, naming the master), /api/cluster and /metrics.
import { readClusterStatus, type BrokerClusterNode, type ClusterView, type NodeStatus } from '@wharf/cluster';
import type { ClusterInfo, ClusterMember, NodeSource, Role, StoreInfo } from '@wharf/console';

export interface ClusterNodeSource extends NodeSource {
  /** Stop counting terms (the node's listener is removed). */
  close(): void;
}

function roleOf(state: NodeStatus['role']): Role {
  if (state === 'master' || state === 'syncing') return 'master';
  if (state === 'slave') return 'slave';
  return 'candidate';
}

/** Where `wharf cluster status` reads the group: the console reads the same znodes. */
export interface GroupLocation {
  zkAddress: string;
  zkPath: string;
  zkPassword?: string;
}

/** Read the group from ZooKeeper at most this often, and only while someone asks. */
const VIEW_MAX_AGE_MS = 2000;

export function clusterNodeSource(handle: BrokerClusterNode, replicas: number, group?: GroupLocation): ClusterNodeSource {
  const { node, services } = handle;
  let view: ClusterView | undefined;
  let viewAt = 0;
  let reading = false;
  let closed = false;
  const refresh = (): void => {
    if (!group || reading || closed || Date.now() - viewAt < VIEW_MAX_AGE_MS) return;
    reading = true;
    readClusterStatus(group.zkAddress, group.zkPath, 3000, group.zkPassword || undefined).then(
      (v) => {
        view = v;
        viewAt = Date.now();
      },
      () => {
        // ZooKeeper unreachable: the page falls back to what this node knows itself.
        view = undefined;
        viewAt = Date.now();
      },
    ).finally(() => {
      reading = false;
    });
  };
  // Terms this node has served (a new broker each): "took over as master".
  let failovers = 0;
  const onServing = (): void => {
    failovers++;
  };
  node.on('serving', onServing);

  const serving = (): boolean => {
    const b = services.broker;
    return node.role === 'master' && b !== undefined && b.started && b.serving;
  };

  return {
    role: () => roleOf(node.role),
    broker: () => services.broker,
    serving,
    notServingReason(): string {
      const st = node.status();
      if (st.role === 'master' && serving()) return `node ${st.nodeId} is the master and serves clients`;
      if (st.role === 'master' || st.role === 'syncing') {
        return `node ${st.nodeId} is the master (epoch ${st.epoch}) but is not serving yet: waiting for its slaves to catch up`;
      }
      if (st.role === 'slave' && st.master) {
        return `node ${st.nodeId} is a slave; the master is ${st.master.clientUrl} (node ${st.master.id}, epoch ${st.epoch})`;
      }
      if (st.role === 'stopped') return `node ${st.nodeId} is stopping`;
      return `node ${st.nodeId} is not the master: no master is elected yet (${st.members.length} of ${replicas} members present)`;
    },
    store(): StoreInfo {
      const s = node.store.stats();
      return { kind: node.store.kind, bytes: s.bytes, messages: s.messages, commits: s.commits, syncs: s.syncs };
    },
    status(): ClusterInfo {
      const st = node.status();
      const self = roleOf(st.role);
      const slaves = st.replication?.slaves ?? [];
      const lag: Record<string, number> = {};
      for (const s of slaves) lag[s.nodeId] = s.lag;
      refresh();
      const members: ClusterMember[] = view && view.epoch === st.epoch ? membersOf(view) : st.members.map((m) => {
        const slave = slaves.find((s) => s.nodeId === m.id);
        const role: ClusterMember['role'] = m.id === st.master?.id ? 'master' : m.id === st.nodeId ? self : st.master ? 'slave' : 'candidate';
        return {
          id: m.id,
          clientUrl: m.clientUrl,
          replicationUrl: m.replicationUrl,
          role,
          position: m.id === st.nodeId ? st.position : m.position,
          ...(slave ? { lag: slave.lag, connected: slave.state === 'streaming' } : {}),
        };
      });
      return {
        self: st.nodeId,
        master: st.master?.id ?? null,
        ...(st.master ? { masterUrl: st.master.clientUrl } : {}),
        epoch: st.epoch,
        state: st.role,
        position: st.position,
        replicas: view?.replicas ?? replicas,
        members,
        failovers,
        lag,
      };
    },
    close() {
      closed = true;
      node.off('serving', onServing);
    },
  };
}

/** The members as `wharf cluster status` prints them: a slave by what it received and wrote. */
function membersOf(view: ClusterView): ClusterMember[] {
  return view.members.map((m) => {
    const role: ClusterMember['role'] = m.role === 'master' ? 'master' : m.role === 'candidate' ? 'candidate' : 'slave';
    const position = m.role === 'master' && view.master?.position ? view.master.position : m.electionPosition;
    const published = m.role === 'master' || m.role === 'candidate' || m.received === undefined;
    return {
      id: m.id,
      clientUrl: m.clientUrl,
      replicationUrl: m.replicationUrl,
      role,
      ...(published ? { position } : {}),
      ...(m.received !== undefined && m.received >= 0 ? { received: m.received } : {}),
      ...(m.durable !== undefined && m.durable >= 0 ? { written: m.durable } : {}),
      ...(m.lag !== undefined ? { lag: m.lag, connected: m.slaveState === 'streaming' } : {}),
    };
  });
}
