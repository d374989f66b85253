// The broker process of scripts/bench-destinations.mjs: a broker and its console on the store
// given in argv[2]; reports when started, and over IPC, between a 'mark' and a 'stall' request:
// the event loop's longest stall (perf_hooks' event-loop delay histogram, 1 ms resolution), the
// longest single stall the histogram saw and the process's CPU time. With argv[3] (a file name), a
// CPU profile of that interval is written there (open it in Chrome's DevTools).
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Broker } from '@wharf/broker';
import { startConsole } from '@wharf/console';

const broker = new Broker({ logLevel: 'warn', persistent: true, dataDirectory: process.argv[2], transportConnectors: [{ name: 'o', uri: 'tcp://127.0.0.1:0' }] });
await broker.start();
const consoleHandle = await startConsole(broker, { port: 0 });
process.send({ type: 'started', url: broker.connectorUrl('tcp'), consoleUrl: consoleHandle.url });
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
const profileFile = process.argv[3];
const session = profileFile ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
}
let cpu = process.cpuUsage();
process.on('message', async (m) => {
  if (m.type === 'mark') {
    if (session) await session.post('Profiler.start');
    h.reset();
    cpu = process.cpuUsage();
    process.send({ type: 'marked' });
  } else if (m.type === 'stall') {
    const used = process.cpuUsage(cpu);
    const maxMs = h.max / 1e6;
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(profileFile, JSON.stringify(profile));
    }
    process.send({ type: 'stall', maxMs, cpuMs: (used.user + used.system) / 1000 });
  } else if (m.type === 'stop') {
    await consoleHandle.close();
    await broker.stop();
    process.exit(0);
  }
});
