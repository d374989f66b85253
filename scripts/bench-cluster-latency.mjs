// Latency of one synchronous persistent producer (each send waits for its receipt: the Java
// client's default for persistent messages, and the native client's `send`): a standalone broker
// process against a three-node group of `wharf start` processes (real ZooKeeper, the client on
// the master, sync quorum_mem unless --sync), in the same run, alternated --repeat times. Prints
// per-send latency percentiles, the rate, the CPU each process spent per message (from /proc:
// the broker; the group's master and each slave) and, as the floor of what a replication hop can
// cost on this machine at that moment, the round trip of one TCP connection to an echo process.
// Throughput with many producers hides this latency (a frame carries many commits); one
// producer shows it. Writes the table to docs/PERFORMANCE.md between the bench-cluster-latency
// markers unless --no-write. --tmpfs puts every data directory in /dev/shm: fsync costs nothing
// there, and what remains is the processes' CPU and the hops between them (the disk of a shared
// machine varies more than anything measured here).
//   node scripts/bench-cluster-latency.mjs [--seconds 5] [--warmup 2] [--repeat 3] [--size 1024] [--sync quorum_mem] [--tmpfs] [--no-write]
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { loopbackCeiling, machineLine, percentile, root, startBenchZooKeeper, startBrokerProcess, tempDir, writeSection } from './bench-lib.mjs';
import { Group, testkit } from '../test-cluster/lib/group.mjs';

const require = createRequire(import.meta.url);
const { ConnectionFactory, Session } = require(path.join(root, 'packages/client/dist/src/index.js'));

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' }, repeat: { type: 'string', default: '3' },
    size: { type: 'string', default: '1024' }, sync: { type: 'string', default: 'quorum_mem' }, 'no-write': { type: 'boolean', default: false },
    tmpfs: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const SIZE = Number(values.size);
if (values.tmpfs) process.env.TMPDIR = '/dev/shm';
const TICK_US = 1e6 / 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** CPU time (µs) of a process so far, user + system. */
function cpuOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** One producer, one send in flight; `pids` are the processes whose CPU is reported. */
async function measure(url, label, pids) {
  const c = await new ConnectionFactory(url).createConnection();
  try {
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue(`BENCH.LATENCY.${label}`));
    const body = 'x'.repeat(SIZE);
    const warmEnd = Date.now() + WARMUP * 1000;
    for (let i = 0; i < 50 || Date.now() < warmEnd; i++) await p.send(s.createTextMessage(body));
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuOf(pid)]));
    const lat = [];
    const end = Date.now() + SECONDS * 1000;
    const started = performance.now();
    while (Date.now() < end) {
      const t = performance.now();
      await p.send(s.createTextMessage(body));
      lat.push(performance.now() - t);
    }
    const elapsed = (performance.now() - started) / 1000;
    const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (cpuOf(pid) - cpu0[k]) / lat.length]));
    lat.sort((a, b) => a - b);
    return {
      label, count: lat.length, rate: Math.round(lat.length / elapsed), cpu,
      p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), max: lat[lat.length - 1],
    };
  } finally {
    await c.close();
  }
}

async function standalone() {
  const dir = tempDir('wharf-bench-latency-standalone-');
  try {
    const b = await startBrokerProcess({ dataDirectory: dir, transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }] });
    try {
      return await measure(b.url, 'standalone', { broker: b.pid });
    } finally {
      await b.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function replicated(zk) {
  const g = await Group.create({ zkAddress: zk.connectString, sync: values.sync, logLevel: 'warn', zkSessionTimeout: 10_000 });
  try {
    await g.start();
    const m = await g.waitForMaster(60_000);
    await g.waitCaughtUp(60_000, 2);
    const slaves = g.nodes.filter((n) => n !== m);
    const r = await measure(m.url, values.sync, { master: m.child.pid, slave1: slaves[0].child.pid, slave2: slaves[1].child.pid });
    if (m.role !== 'master') throw new Error(`the master changed during the run (${g.roles()}): void`);
    return r;
  } finally {
    // A clean stop (SIGTERM): nodes run with WHARF_TEST_NODE_ARGS=--cpu-prof write their profiles.
    await Promise.all(g.nodes.map((n) => n.stop()));
    await g.close();
  }
}

const fmtMs = (x) => x.toFixed(2);
const fmtCpu = (cpu) => Object.entries(cpu).map(([k, us]) => `${k} ${Math.round(us)}`).join(', ');
const runs = { standalone: [], group: [] };
const loads = [];
const echo = [];
const zk = await startBenchZooKeeper(testkit);
try {
  for (let rep = 0; rep < Number(values.repeat); rep++) {
    const rtt = 1000 / (await loopbackCeiling(1, 1000));
    echo.push(rtt);
    console.log(`echo round trip ${rtt.toFixed(3)} ms`);
    for (const [key, run] of [['standalone', standalone], ['group', () => replicated(zk)]]) {
      const load1 = os.loadavg()[0];
      loads.push(load1);
      const r = await run();
      runs[key].push(r);
      console.log(`${r.label.padEnd(11)} ${String(r.rate).padStart(6)} sends/s  p50 ${fmtMs(r.p50)}  p90 ${fmtMs(r.p90)}  p99 ${fmtMs(r.p99)}  max ${fmtMs(r.max)} ms  ` +
        `CPU µs/send: ${fmtCpu(r.cpu)}  (load ${load1.toFixed(1)})`);
    }
  }
} finally {
  await zk.stop();
}

const median = (rs, f) => [...rs].map(f).sort((a, b) => a - b)[Math.floor(rs.length / 2)];
const row = (name, rs) => `| ${name} | ${median(rs, (r) => r.rate).toLocaleString('en-US')} | ${fmtMs(median(rs, (r) => r.p50))} | ${fmtMs(median(rs, (r) => r.p90))} | ${fmtMs(median(rs, (r) => r.p99))} | ${Object.keys(rs[0].cpu).map((k) => `${k} ${Math.round(median(rs, (r) => r.cpu[k]))}`).join(', ')} | ${rs.map((r) => fmtMs(r.p50)).join(' / ')} |`;
const ratio = median(runs.group, (r) => r.p50) / median(runs.standalone, (r) => r.p50);
const md = [
  `## Synchronous send latency, one producer (\`node scripts/bench-cluster-latency.mjs --seconds ${SECONDS} --warmup ${WARMUP} --repeat ${values.repeat} --size ${SIZE}${values.sync !== 'quorum_mem' ? ` --sync ${values.sync}` : ''}${values.tmpfs ? ' --tmpfs' : ''}\`)`,
  '',
  `${new Date().toISOString().slice(0, 10)}, ${machineLine()}, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} before the runs. One producer sends ${SIZE}-byte persistent text messages, each waiting for its receipt, for ${SECONDS} s after ${WARMUP} s unmeasured, to a standalone broker process with no consumer (every send is written and synced) and to the master of a three-node group (\`wharf start\` processes, real ZooKeeper, sync ${values.sync}), alternated ${values.repeat} times; medians of the runs${values.tmpfs ? '; every data directory in /dev/shm (fsync costs nothing)' : ''}. One TCP round trip to an echo process took ${fmtMs(median(echo, (x) => x))} ms (median) in the same run: the floor of a replication hop here.`,
  '',
  '| setup | sends/s | p50 ms | p90 ms | p99 ms | CPU µs per send | p50 of every run |',
  '|---|---|---|---|---|---|---|',
  row('standalone broker', runs.standalone),
  row(`3 nodes, ${values.sync}`, runs.group),
  '',
  `Group p50 / standalone p50: ${ratio.toFixed(2)} (target: within about 2).`,
].join('\n');
console.log(`\n${md}`);
if (!values['no-write']) writeSection(values.tmpfs ? 'bench-cluster-latency-tmpfs' : 'bench-cluster-latency', md);
process.exit(0);
