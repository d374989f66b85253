// A cluster node as the cli's clusterNodeSource presents one to the console (NodeSource), with
// its role, master and current broker set by the test.
import { Broker } from '@wharf/broker';
import type { ClusterInfo, NodeSource, Role } from '../src/index';

let counter = 0;

export async function newBroker(): Promise<Broker> {
  const b = new Broker({ brokerName: `follow-test-${process.pid}-${++counter}`, persistent: false, transportConnectors: [], logLevel: 'silent' });
  await b.start();
  return b;
}

/** A node as the cli's clusterNodeSource presents one: tests set its role, master and broker. */
export class FakeNode implements NodeSource {
  current: Broker | undefined;
  nodeRole: Role = 'slave';
  master: { id: string; clientUrl: string } | null = { id: 'orders-2', clientUrl: 'tcp://10.0.0.2:61616' };
  epoch = 3;

  role(): Role {
    return this.nodeRole;
  }
  broker(): Broker | undefined {
    return this.current;
  }
  serving(): boolean {
    return this.nodeRole === 'master' && this.current !== undefined && this.current.started;
  }
  notServingReason(): string {
    if (this.nodeRole === 'slave' && this.master) {
      return `node orders-1 is a slave; the master is ${this.master.clientUrl} (node ${this.master.id}, epoch ${this.epoch})`;
    }
    return 'node orders-1 is not the master: no master is elected yet (1 of 3 members present)';
  }
  store() {
    return { kind: 'leveldb', bytes: 4096, messages: 7, commits: 9, syncs: 3 };
  }
  status(): ClusterInfo {
    return {
      self: 'orders-1',
      master: this.master?.id ?? null,
      ...(this.master ? { masterUrl: this.master.clientUrl } : {}),
      epoch: this.epoch,
      state: this.nodeRole,
      position: { epoch: this.epoch, index: 42 },
      members: [
        { id: 'orders-1', role: this.nodeRole, clientUrl: 'tcp://10.0.0.1:61616', position: { epoch: this.epoch, index: 42 } },
        ...(this.master ? [{ id: this.master.id, role: 'master' as const, clientUrl: this.master.clientUrl }] : []),
      ],
      failovers: 0,
      lag: {},
    };
  }
}
