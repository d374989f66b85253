// Shared set-up for the integration tier: a real broker on a free loopback port, real TCP
// clients, and a ledger that closes everything each test opened.
import { ConnectionFactory, type Connection } from '@wharf/client';
import type { Broker, BrokerConfig } from '@wharf/broker';
import { Ledger, startBroker, stopBroker } from '@wharf/testkit';

export interface World {
  broker: Broker;
  url: string;
  ledger: Ledger;
  connect(opts?: ConstructorParameters<typeof ConnectionFactory>[1], start?: boolean): Promise<Connection>;
}

export async function world(config: Partial<BrokerConfig> = {}): Promise<World> {
  const ledger = new Ledger();
  const broker = await startBroker(config);
  ledger.defer(() => stopBroker(broker));
  const url = broker.connectorUrl('tcp');
  return {
    broker,
    url,
    ledger,
    async connect(opts, start = true) {
      const f = new ConnectionFactory(url, opts);
      const c = await f.createConnection();
      ledger.add(c, (x) => x.close());
      if (start) await c.start();
      return c;
    },
  };
}

export function text(m: unknown): string {
  return (m as { getText(): string }).getText();
}
