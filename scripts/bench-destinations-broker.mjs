// The broker process of scripts/bench-destinations.mjs: a broker and its console on the store
// given in argv[2]; reports when started, and over IPC, between a 'mark' and a 'stall' request:
// the event loop's longest stall (perf_hooks' event-loop delay histogram, 1 ms resolution), the
// most CPU time spent in one event-loop iteration, the longest GC pause, and the process's CPU
// time. With argv[3] (a file name), a
// CPU profile of each such interval is written there, numbered from 0 (open them in Chrome's DevTools).
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
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
let profiles = 0;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
}
let cpu = process.cpuUsage();
// The most CPU time the process spent between two runs of a 1 ms timer (at most one event-loop
// iteration apart): the longest turn's own work, which unlike the histogram's stalls does not
// count the time a loaded machine kept the process off the CPU. GC helper threads' time in that
// window is counted too (an upper bound); a thread's own figure in /proc (schedstat) only moves
// at scheduler ticks, 4 ms apart, too coarse for this.
const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
let turnMax = 0;
let turnTimer = null;
const startTurns = () => {
  let prev = cpuNs();
  turnMax = 0;
  turnTimer = setInterval(() => {
    const now = cpuNs();
    turnMax = Math.max(turnMax, (now - prev) / 1e6);
    prev = now;
  }, 1);
};
// The longest garbage collection pause of the main thread (part of a stall, when there is one).
let gcMax = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMax = Math.max(gcMax, e.duration);
}).observe({ entryTypes: ['gc'] });
process.on('message', async (m) => {
  if (m.type === 'mark') {
    gcMax = 0;
    clearInterval(turnTimer);
    startTurns();
    if (session) await session.post('Profiler.start');
    h.reset();
    // After a reset the histogram's first interval is not recorded: a stall right after the
    // mark would be lost, so the mark is answered once that interval has passed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    cpu = process.cpuUsage();
    process.send({ type: 'marked' });
  } else if (m.type === 'stall') {
    // The histogram records a stall when its timer fires after it: this message can be read
    // first, right after the request that stalled.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const used = process.cpuUsage(cpu);
    const maxMs = h.max / 1e6;
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(`${profileFile}.${profiles++}`, JSON.stringify(profile));
    }
    clearInterval(turnTimer);
    process.send({ type: 'stall', maxMs, cpuMs: (used.user + used.system) / 1000, turnCpuMs: turnMax, gcMs: gcMax });
  } else if (m.type === 'stop') {
    await consoleHandle.close();
    await broker.stop();
    process.exit(0);
  }
});
