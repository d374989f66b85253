// The broker process of scripts/bench-destinations.mjs: a broker and its console on the store
// given in argv[2]; reports when started, and over IPC the event loop's longest stall between
// 'mark' and 'stall' requests (perf_hooks' event-loop delay histogram, 1 ms resolution).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Broker } from '@wharf/broker';
import { startConsole } from '@wharf/console';

const broker = new Broker({ logLevel: 'warn', persistent: true, dataDirectory: process.argv[2], transportConnectors: [{ name: 'o', uri: 'tcp://127.0.0.1:0' }] });
await broker.start();
const consoleHandle = await startConsole(broker, { port: 0 });
process.send({ type: 'started', url: broker.connectorUrl('tcp'), consoleUrl: consoleHandle.url });
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
process.on('message', async (m) => {
  if (m.type === 'mark') {
    h.reset();
    process.send({ type: 'marked' });
  } else if (m.type === 'stall') {
    process.send({ type: 'stall', maxMs: h.max / 1e6 });
  } else if (m.type === 'stop') {
    await consoleHandle.close();
    await broker.stop();
    process.exit(0);
  }
});
