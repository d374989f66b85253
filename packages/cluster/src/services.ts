// The real services of a cluster node: a Broker on the replicated store while master, and
// refusers on the native client ports otherwise (refuser.ts).
import { Broker, type BrokerConfig, type Logger, type ProtocolPackage } from '@wharf/broker';
import { startNetworkConnectors, type NetworkConnector, type NetworkConnectorConfig } from './network/bridge';
import type { MasterService, NodeServices, Refuser } from './node';
import { startRefuser } from './refuser';
import type { ReplicatedStore } from './replication/replicated-store';

export interface TcpEndpoint {
  host: string;
  port: number;
  /** The connector's updateClusterClients (default true in a group). */
  tellProtocolClients: boolean;
}

/** host and port of every native tcp:// connector. */
export function tcpEndpoints(config: Pick<BrokerConfig, 'transportConnectors'>): TcpEndpoint[] {
  const out: TcpEndpoint[] = [];
  for (const c of config.transportConnectors) {
    const m = /^(?:tcp|nio):\/\/(\[[^\]]+\]|[^:/?#]*)(?::(\d+))?/i.exec(c.uri);
    if (m) out.push({ host: (m[1] || '0.0.0.0').replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 61616), tellProtocolClients: c.updateClusterClients !== false });
  }
  return out;
}

export interface BrokerServices extends NodeServices {
  /** The broker while this node serves. */
  readonly broker: Broker | undefined;
  /** The network bridges of the current term (none while this node does not serve). */
  readonly bridges: readonly NetworkConnector[];
}

export function brokerServices(
  config: BrokerConfig,
  opts: { logger?: Logger; onBroker?(b: Broker | undefined): void; networkConnectors?: NetworkConnectorConfig[]; protocols?: readonly ProtocolPackage[] } = {},
): BrokerServices {
  const endpoints = tcpEndpoints(config);
  let current: Broker | undefined;
  let bridges: NetworkConnector[] = [];
  return {
    get broker() {
      return current;
    },
    get bridges() {
      return bridges;
    },
    async serve(store: ReplicatedStore, members: string[]): Promise<MasterService> {
      const broker = await retryInUse(async () => {
        const b = new Broker({ ...config, advertisedMembers: members }, { store, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.protocols ? { protocols: opts.protocols } : {}) });
        await b.start();
        return b;
      });
      current = broker;
      opts.onBroker?.(broker);
      // The network bridges run on the serving master only (docs/CLUSTER.md).
      const termBridges = startNetworkConnectors(opts.networkConnectors, { brokerName: broker.name, logger: broker.log });
      bridges = termBridges;
      return {
        async stop() {
          if (bridges === termBridges) bridges = [];
          await Promise.all(termBridges.map((b) => b.stop()));
          broker.admin.stopServing('this node is no longer the master');
          if (current === broker) {
            current = undefined;
            opts.onBroker?.(undefined);
          }
          await broker.stop();
        },
        membersChanged(urls: string[]) {
          broker.admin.announceMembers(urls);
        },
      };
    },
    async refuse(reason: () => string, members?: () => string[]): Promise<Refuser> {
      const refusers = await Promise.all(endpoints.map((e) => retryInUse(() => startRefuser({ ...e, reason, ...(members ? { members } : {}), ...(opts.protocols ? { protocols: opts.protocols } : {}), ...(opts.logger ? { log: opts.logger } : {}) }))));
      return {
        async stop() {
          await Promise.all(refusers.map((r) => r.stop()));
        },
      };
    },
  };
}

/** A port just closed by the other service may take a moment to be free again. */
async function retryInUse<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const inUse = code === 'EADDRINUSE' || /EADDRINUSE/.test((err as Error).message);
      if (!inUse || attempt >= 40) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
