// Start brokers for tests: in-process on free ports, or as a child process (crash tests).
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { Broker, type BrokerConfig, type BrokerOptions } from '@wharf/broker';

let counter = 0;

export function tempDir(prefix = 'wharf-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The bytes of every file under `dir`, as `du --apparent-size --bytes` counts them (directories aside). */
export function du(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? du(p) : fs.statSync(p).size;
  }
  return total;
}

/**
 * A broker on a free loopback port. `persistent: true` gives it a LevelDB store in a fresh
 * temporary directory (removed by stopBroker unless keepData).
 */
export async function startBroker(config: Partial<BrokerConfig> = {}, opts: BrokerOptions = {}): Promise<Broker> {
  const persistent = config.persistent ?? false;
  const dataDirectory = config.dataDirectory ?? (persistent ? tempDir() : path.join(os.tmpdir(), 'wharf-unused'));
  const broker = new Broker({
    brokerName: config.brokerName ?? `test-${process.pid}-${++counter}`,
    transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }],
    logLevel: 'silent',
    ...config,
    persistent,
    dataDirectory,
  }, opts);
  await broker.start();
  return broker;
}

export async function stopBroker(broker: Broker, opts: { keepData?: boolean } = {}): Promise<void> {
  await broker.stop();
  if (!opts.keepData && broker.config.persistent) removeDir(broker.config.dataDirectory);
}
