// Shared set-up for the integration tier: a real broker on a free loopback port, real TCP
// clients, and a ledger that closes everything each test opened.
import net from 'node:net';
import { ConnectionFactory, type Connection } from '@wharf/client';
import { FrameDecoder, encodeFrame, type Command } from '@wharf/protocol';
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

/** A raw native-protocol peer: frames out, decoded commands in. */
export async function raw(url: string): Promise<{ sock: net.Socket; next(): Promise<Command>; closed: Promise<void>; send(c: Command): void }> {
  const { hostname, port } = new URL(url.replace('tcp:', 'http:'));
  const sock = net.connect(Number(port), hostname);
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  const inbox: Command[] = [];
  const waiters: Array<(c: Command) => void> = [];
  const dec = new FrameDecoder({ command: (c) => (waiters.length ? waiters.shift()!(c) : inbox.push(c)), error: () => undefined });
  sock.on('data', (d) => dec.push(d));
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  return {
    sock,
    closed,
    send: (c) => sock.write(encodeFrame(c)),
    next: () => (inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((r) => waiters.push(r))),
  };
}

