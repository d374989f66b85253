// Group commit benchmark: N concurrent producers, each committing one 256-byte persistent message
// at a time with sync: true (as a broker does for persistent sends), against a LevelStore in a
// temp directory, for about 5 s per concurrency level.
//
//   npx tsc -b packages/store && node packages/store/bench/group-commit.mjs [N[,N...]] [seconds]
//
// Prints commits/s, syncs/s (LevelDB batch writes with fsync) and the mean group size
// (commits per sync).
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { LevelStore } = require('../dist/src/index.js');

const levels = (process.argv[2] ?? '64').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 5);
const body = 'x'.repeat(256);

function message(seq) {
  return {
    messageId: `ID:bench:${seq}`, destination: 'queue://bench', deliveryMode: 2, priority: 4,
    timestamp: Date.now(), expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0,
    producerId: 'bench', producerSeq: seq, properties: {}, bodyKind: 1, body,
  };
}

async function run(concurrency) {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-bench-store-'));
  const store = new LevelStore({ directory: dir });
  await store.open();
  let seq = 0;
  let stop = false;
  const latencies = [];
  const producer = async () => {
    while (!stop) {
      const my = ++seq;
      const t0 = performance.now();
      await store.commit([{ t: 1, dest: 'queue://bench', seq: my, msg: message(my) }], { sync: true });
      if ((my & 15) === 0) latencies.push(performance.now() - t0);
    }
  };
  const before = store.stats();
  const started = performance.now();
  const timer = setTimeout(() => (stop = true), seconds * 1000);
  await Promise.all(Array.from({ length: concurrency }, producer));
  clearTimeout(timer);
  const elapsed = (performance.now() - started) / 1000;
  const after = store.stats();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  const commits = after.commits - before.commits;
  const syncs = after.syncs - before.syncs;
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { concurrency, commits, syncs, elapsed, p50: p(0.5), p99: p(0.99) };
}

console.log(`LevelStore group commit, 256-byte messages, sync: true, ${seconds} s per level (node ${process.version})`);
console.log('concurrency  commits/s   syncs/s  mean group  p50 ms  p99 ms');
for (const n of levels) {
  const r = await run(n);
  console.log(
    `${String(r.concurrency).padStart(11)}  ${(r.commits / r.elapsed).toFixed(0).padStart(9)}  ${(r.syncs / r.elapsed).toFixed(0).padStart(8)}` +
    `  ${(r.commits / Math.max(1, r.syncs)).toFixed(1).padStart(10)}  ${r.p50.toFixed(2).padStart(6)}  ${r.p99.toFixed(2).padStart(6)}`,
  );
}
