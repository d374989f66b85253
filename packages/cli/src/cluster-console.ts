// The console of a cluster node: what it reads of the ClusterNode (role, status, the broker of
// the current term). @wharf/console follows the broker through this NodeSource (follow.ts there),
// so one console serves every term of the process, and a slave's console answers /healthz,
// /readyz (503, naming the master), /api/cluster and /metrics.
import type { BrokerClusterNode, NodeStatus } from '@wharf/cluster';
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

export function clusterNodeSource(handle: BrokerClusterNode, replicas: number): ClusterNodeSource {
  const { node, services } = handle;
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
      const members: ClusterMember[] = st.members.map((m) => {
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
        replicas,
        members,
        failovers,
        lag,
      };
    },
    close() {
      node.off('serving', onServing);
    },
  };
}
