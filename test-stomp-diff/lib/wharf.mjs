// Wharf as a scenario target: a broker in this process with a LevelDB store in a temporary
// directory, the scheduler on, STOMP over TCP and over WebSocket on free loopback ports;
// restart() stops it and starts it again on the same ports and data (as the restart scenarios
// need). The configuration mirrors the ActiveMQ one scripts/stomp-record.mjs records against.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Broker } from '@wharf/broker';
import { stompProtocol } from '@wharf/stomp';

export async function startWharf(extra = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-stomp-diff-'));
  const config = (stomp, ws) => ({
    brokerName: 'stompdiff',
    persistent: true,
    dataDirectory: dir,
    schedulerSupport: true,
    transportConnectors: [
      { name: 'stomp', uri: `stomp://127.0.0.1:${stomp}` },
      { name: 'ws', uri: `ws://127.0.0.1:${ws}` },
    ],
    logLevel: 'silent',
    ...extra,
  });
  let broker = new Broker(config(0, 0), { protocols: [stompProtocol] });
  await broker.start();
  const port = Number(new URL(broker.connectorUrl('stomp')).port);
  const wsPort = Number(new URL(broker.connectorUrl('ws')).port);
  return {
    name: 'wharf',
    host: '127.0.0.1',
    port,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    get broker() {
      return broker;
    },
    async restart() {
      await broker.stop();
      broker = new Broker(config(port, wsPort), { protocols: [stompProtocol] });
      await broker.start();
    },
    async close() {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
