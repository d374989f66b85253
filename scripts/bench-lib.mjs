// Helpers shared by the benchmark scripts: a broker child process, percentiles, and writing a
// section of docs/PERFORMANCE.md between markers.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');

export async function startBrokerProcess(config) {
  const child = fork(path.join(here, 'bench-broker.mjs'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const pending = new Map();
  const started = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`broker process exited with ${code}`)));
    child.on('message', (m) => {
      if (m.type === 'started') resolve(m);
      else if (pending.has(m.id)) {
        pending.get(m.id)(m);
        pending.delete(m.id);
      }
    });
  });
  const info = await started;
  return {
    url: info.url,
    urls: info.urls,
    pid: child.pid,
    stats: () => new Promise((resolve) => {
      const id = ++seq;
      pending.set(id, resolve);
      child.send({ type: 'stats', id });
    }),
    remove: (urls) => new Promise((resolve) => {
      const id = ++seq;
      pending.set(id, resolve);
      child.send({ type: 'remove', id, urls });
    }),
    stop: () => new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.send({ type: 'stop' });
    }),
    kill: () => child.kill('SIGKILL'),
  };
}

/**
 * A ZooKeeper for a benchmark's group, with its data in /dev/shm: a standalone ZooKeeper answers
 * every request (the nodes' heartbeats too) only after the fsync of the writes queued before it,
 * and on the disk the brokers load that fsync can take seconds, which ends a master's lease
 * (docs/CLUSTER.md, ZooKeeper's disk): a benchmark must not measure an election. stop() also
 * removes the directory.
 */
export async function startBenchZooKeeper(testkit) {
  const dir = fs.mkdtempSync(path.join('/dev/shm', 'wharf-bench-zk-'));
  const zk = await testkit.startZooKeeper({ dataDir: dir });
  return {
    connectString: zk.connectString,
    async stop() {
      await zk.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return sorted[i];
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function machineLine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Replace (or append) the section between <!-- name:start --> and <!-- name:end -->. */
export function writeSection(name, markdown) {
  const file = path.join(root, 'docs', 'PERFORMANCE.md');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Performance\n\nNumbers measured on this project\'s machine; each section says how to reproduce it.\n';
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, text);
}

/**
 * Round trips per second that `connections` TCP connections to an echo server in another
 * process make on this machine, each with one `size`-byte frame in flight: the loopback ceiling
 * for synchronous request/response traffic, with no broker work at all.
 */
export async function loopbackCeiling(connections, ms, size = 256) {
  const child = fork(path.join(here, 'bench-echo.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    });
    const frame = Buffer.alloc(size, 1);
    let trips = 0;
    const end = performance.now() + ms;
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, () => new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.setNoDelay(true);
      let got = 0;
      s.on('connect', () => s.write(frame));
      s.on('data', (d) => {
        got += d.length;
        if (got < size) return;
        got -= size;
        trips++;
        if (performance.now() < end) s.write(frame);
        else s.end(resolve);
      });
      s.on('error', reject);
    })));
    return trips / ((performance.now() - started) / 1000);
  } finally {
    child.kill();
  }
}
