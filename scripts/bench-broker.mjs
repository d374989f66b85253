// A broker in its own process for benchmarks: started by scripts/bench.mjs through fork(),
// answers 'stats' requests over IPC with the store's counters.
import { Broker } from '@wharf/broker';

const config = JSON.parse(process.argv[2] ?? '{}');
const broker = new Broker({ logLevel: 'warn', ...config });
await broker.start();
process.send({ type: 'started', url: broker.connectorUrl('tcp'), urls: broker.connectors.map((c) => c.url) });
process.on('message', async (m) => {
  if (m.type === 'stats') {
    const q = [...broker.queues.values()].map((x) => ({ url: x.destination.url, depth: x.depth }));
    process.send({ type: 'stats', id: m.id, store: broker.store.stats(), memory: broker.memory.used, rss: process.memoryUsage().rss, queues: q, scheduler: broker.scheduler?.stats });
  } else if (m.type === 'remove') {
    // Drop a benchmark phase's queue so its backlog does not weigh on the next phase.
    for (const url of m.urls) await broker.removeDestination(url).catch(() => false);
    process.send({ type: 'removed', id: m.id });
  } else if (m.type === 'stop') {
    await broker.stop();
    process.exit(0);
  }
});
