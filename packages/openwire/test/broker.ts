// Brokers for the OpenWire tests: testkit's in-process broker with the OpenWire (and STOMP)
// protocol packages, as `wharf start` runs it.
import os from 'node:os';
import path from 'node:path';
import { Broker, type BrokerConfig } from '@wharf/broker';
import { stompProtocol } from '@wharf/stomp';
import { tempDir, removeDir } from '@wharf/testkit';
import { openwireProtocol } from '../src/index';

let counter = 0;

export async function startBroker(config: Partial<BrokerConfig> = {}): Promise<Broker> {
  const persistent = config.persistent ?? false;
  const broker = new Broker({
    brokerName: `ow-test-${process.pid}-${++counter}`,
    transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }],
    logLevel: (process.env.WHARF_TEST_LOG as BrokerConfig['logLevel'] | undefined) ?? 'silent',
    ...config,
    persistent,
    dataDirectory: config.dataDirectory ?? (persistent ? tempDir() : path.join(os.tmpdir(), 'wharf-unused')),
  }, { protocols: [openwireProtocol, stompProtocol] });
  await broker.start();
  return broker;
}

export async function stopBroker(broker: Broker): Promise<void> {
  await broker.stop();
  if (broker.config.persistent) removeDir(broker.config.dataDirectory);
}
