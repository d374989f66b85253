// STOMP load generator for scripts/bench-vs-activemq.sh, on raw sockets so the client is never
// the bottleneck, the same for both brokers.
//   node scripts/bench-stomp.mjs serve --data DIR
//       run a Wharf broker (LevelDB store, one stomp:// connector on a free loopback port);
//       prints `port N` when it listens and stops on SIGTERM.
//   node scripts/bench-stomp.mjs run --broker NAME=PORT [--broker NAME=PORT …] [--seconds 6]
//       [--rounds 2] [--size 256] [--window 200] [--np-window 50] [--pid NAME=PID …] [--write]
//       runs every phase on every broker, alternating, and prints messages/s (every broker's
//       median and its ratio to the one named activemq); with --write it
//       also writes the table into docs/PERFORMANCE.md between the bench-vs-activemq markers.
// Phases (256-byte text bodies, one queue per phase and round):
//   persistent-send        SEND persistent:true with a receipt each, 200 receipts outstanding
//   persistent-roundtrip   the same producer plus an ack:auto consumer; rate at the consumer
//   nonpersistent-send     SEND without receipts but on every 100th, 50 of those outstanding;
//                          the backlog is drained afterwards, untimed
//   nonpersistent-roundtrip  that producer plus an ack:auto consumer; rate at the consumer
//   nonpersistent-receipt-roundtrip  non-persistent SENDs with a receipt each, 200 receipts
//                          outstanding (as persistent-send), plus an ack:auto consumer
import net from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeSection } from './bench-lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { StompParser } = await import(path.join(root, 'packages/stomp/dist/src/parser.js'));

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    broker: { type: 'string', multiple: true, default: [] },
    pid: { type: 'string', multiple: true, default: [] },
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '2' },
    size: { type: 'string', default: '256' },
    window: { type: 'string', default: '200' },
    'np-window': { type: 'string', default: '50' },
    warmup: { type: 'string', default: '3' },
    phases: { type: 'string', default: 'persistent-send,persistent-roundtrip,nonpersistent-send,nonpersistent-roundtrip,nonpersistent-receipt-roundtrip' },
    write: { type: 'boolean', default: false },
    root: { type: 'string' },
  },
});

// ---- serve: a Wharf broker with LevelDB and a STOMP connector -------------------------------

async function serve() {
  // --root serves another checkout's build (bench-vs-activemq.sh --before DIR).
  const from = opts.root ? path.resolve(opts.root) : root;
  const { Broker } = await import(path.join(from, 'packages/broker/dist/src/index.js'));
  const { stompProtocol } = await import(path.join(from, 'packages/stomp/dist/src/index.js'));
  const broker = new Broker({
    brokerName: 'wharf-bench',
    persistent: true,
    dataDirectory: opts.data,
    transportConnectors: [{ name: 'stomp', uri: 'stomp://127.0.0.1:0' }],
    advisorySupport: false,
    logLevel: 'warn',
  }, { protocols: [stompProtocol] });
  await broker.start();
  process.stdout.write(`port ${new URL(broker.connectorUrl('stomp')).port}\n`);
  const stop = async () => {
    await broker.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// ---- a raw STOMP connection ---------------------------------------------------------------

class Conn {
  static open(port) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const c = new Conn(socket);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.setNoDelay(true);
        c.onFrame = (f) => {
          if (f.command === 'CONNECTED') resolve(c);
          else reject(new Error(`${f.command}: ${f.headers.get('message')}`));
        };
        socket.write('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0');
      });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.parser = new StompParser({ maxBodyBytes: 16 * 1024 * 1024 });
    this.parser.version = '1.2';
    this.onFrame = () => undefined;
    socket.on('data', (chunk) => {
      this.parser.push(chunk);
      for (let ev = this.parser.next(); ev; ev = this.parser.next()) {
        if (ev.type === 'frame') this.onFrame(ev.frame);
        else if (ev.type === 'error') throw ev.error;
      }
    });
  }

  /** Send frames as a batch (one write); wait when the socket buffer is full. */
  async write(text) {
    if (!this.socket.write(text)) await new Promise((r) => this.socket.once('drain', r));
  }

  request(frame, receipt) {
    return new Promise((resolve, reject) => {
      const prev = this.onFrame;
      this.onFrame = (f) => {
        this.onFrame = prev;
        if (f.command === 'RECEIPT' && f.headers.get('receipt-id') === receipt) resolve();
        else reject(new Error(`${f.command}: ${f.headers.get('message')}`));
      };
      this.socket.write(frame);
    });
  }

  close() {
    this.socket.destroy();
  }
}

// ---- load phases ----------------------------------------------------------------------------

const SIZE = Number(opts.size);
const WINDOW = Number(opts.window);
const NP_WINDOW = Number(opts['np-window']);
const BODY = 'x'.repeat(SIZE);
// A send phase stops at this many messages even before its time is up: the non-persistent
// backlog must stay well inside Wharf's default 256 MiB memory limit, where producer flow
// control would block a producer that nobody drains (ActiveMQ would spool to disk instead).
const MAX_NP = 120_000;
const MAX_P = 200_000;
/** A phase with no receipt for this long has stalled: it fails instead of hanging. */
const STALL_MS = 30_000;
let queueSeq = 0;

/**
 * Producer: `persistent` or `receiptEach` → a receipt per message and WINDOW outstanding;
 * otherwise a receipt every 100th message and NP_WINDOW outstanding. Runs until the deadline (or
 * max messages), then waits for its last receipt. Resolves { sent, firstAt, lastReceiptAt }.
 */
async function produce(conn, queue, persistent, ms, receiptEach = persistent) {
  const every = receiptEach ? 1 : 100;
  const window = receiptEach ? WINDOW : NP_WINDOW;
  const max = persistent ? MAX_P : MAX_NP;
  const head = `SEND\ndestination:/queue/${queue}\n${persistent ? 'persistent:true\n' : ''}`;
  let sent = 0;
  let outstanding = 0;
  let last = 0;
  const start = performance.now();
  const deadline = start + ms;
  return new Promise((resolve, reject) => {
    let finishing = false;
    let pumping = false;
    const pump = async () => {
      if (finishing || pumping) return;
      pumping = true;
      let batch = '';
      while (outstanding < window && sent < max && performance.now() < deadline) {
        sent++;
        if (sent % every === 0) {
          outstanding++;
          batch += `${head}receipt:${sent}\n\n${BODY}\0`;
        } else {
          batch += `${head}\n${BODY}\0`;
        }
        if (batch.length > 64 * 1024) {
          await conn.write(batch);
          batch = '';
        }
      }
      if (batch) await conn.write(batch);
      pumping = false;
      // Receipts that came while this pump waited for the socket opened the window again.
      if (outstanding < window && sent < max && performance.now() < deadline) return pump();
      if (sent >= max || performance.now() >= deadline) {
        finishing = true;
        // The last message carries a receipt, so its RECEIPT ends the phase.
        if (sent % every !== 0) {
          sent++;
          outstanding++;
          await conn.write(`${head}receipt:final\n\n${BODY}\0`);
        }
        if (outstanding === 0) done({ sent, start, end: performance.now() });
      }
    };
    last = start;
    const watchdog = setInterval(() => {
      if (performance.now() - last > STALL_MS) {
        clearInterval(watchdog);
        reject(new Error(`stalled: no receipt for ${STALL_MS / 1000} s after ${sent} messages`));
      }
    }, 1000);
    const done = (r) => {
      clearInterval(watchdog);
      resolve(r);
    };
    conn.onFrame = (f) => {
      if (f.command !== 'RECEIPT') {
        clearInterval(watchdog);
        return reject(new Error(`${f.command}: ${f.headers.get('message')}`));
      }
      outstanding--;
      last = performance.now();
      if (finishing && outstanding === 0) done({ sent, start, end: last });
      else if (!finishing) pump().catch(reject);
    };
    pump().catch(reject);
  });
}

async function consumer(port, queue) {
  const c = await Conn.open(port);
  await c.request(`SUBSCRIBE\nid:1\ndestination:/queue/${queue}\nack:auto\nreceipt:sub\n\n\0`, 'sub');
  const state = { received: 0, last: 0, c, waiters: [] };
  c.onFrame = (f) => {
    if (f.command !== 'MESSAGE') return;
    state.received++;
    state.last = performance.now();
    for (const w of state.waiters) w();
  };
  return state;
}

async function drain(port, queue, n) {
  const c = await consumer(port, queue);
  await waitReceived(c, n, 120_000);
  c.c.close();
}

function waitReceived(state, n, timeoutMs) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    const check = () => {
      if (state.received >= n) {
        clearTimeout(t);
        state.waiters = [];
        resolve();
      }
    };
    state.waiters.push(check);
    check();
  });
}

/**
 * One phase on one broker: { rate, messages, cpu } where cpu is the broker process's CPU seconds
 * (user + system, from /proc) spent while the timed part ran, so that per-message CPU can be
 * compared even when the shared machine slows the wall clock down.
 */
async function runPhase(port, phase, seconds, tag, pid) {
  const queue = `bench.${tag}.${phase}.${process.pid}.${++queueSeq}`;
  const persistent = phase.startsWith('persistent');
  const roundtrip = phase.endsWith('roundtrip');
  const cons = roundtrip ? await consumer(port, queue) : null;
  const prod = await Conn.open(port);
  const cpu0 = pid ? cpuSeconds(pid) : NaN;
  try {
    const r = await produce(prod, queue, persistent, seconds * 1000, persistent || phase.includes('receipt'));
    if (!cons) {
      const cpu = pid ? cpuSeconds(pid) - cpu0 : NaN;
      // Drain a non-persistent backlog (untimed): held in memory, it would throttle the next
      // phase through producer flow control, on either broker.
      if (!persistent) await drain(port, queue, r.sent);
      return { rate: r.sent / ((r.end - r.start) / 1000), messages: r.sent, cpu };
    }
    await waitReceived(cons, r.sent, 30_000);
    return { rate: cons.received / ((cons.last - r.start) / 1000), messages: cons.received, cpu: pid ? cpuSeconds(pid) - cpu0 : NaN };
  } finally {
    prod.close();
    cons?.c.close();
  }
}

const PHASES = opts.phases.split(',');

/** CPU seconds used so far by a process (Linux /proc; 0 where it cannot be read). */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Wait until every broker process is quiet (under 10% of a core for half a second), so the one
 * measured does not share the machine with the other's leftover work (GC, store clean-up).
 */
async function settle(pids) {
  if (pids.length === 0) return;
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline) {
    const before = pids.reduce((a, p) => a + cpuSeconds(p), 0);
    await new Promise((r) => setTimeout(r, 500));
    const used = pids.reduce((a, p) => a + cpuSeconds(p), 0) - before;
    if (used < 0.05) return;
  }
}

function median(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function range(values) {
  const ok = values.filter(Number.isFinite);
  return ok.length ? `${Math.round(Math.min(...ok))}–${Math.round(Math.max(...ok))}` : '–';
}

function us(v) {
  return Number.isFinite(v) ? v.toFixed(1) : '–';
}

function fmt(rate) {
  return Number.isFinite(rate) ? String(Math.round(rate)) : 'failed';
}


async function run() {
  const brokers = opts.broker.map((b) => {
    const [name, port] = b.split('=');
    return { name, port: Number(port) };
  });
  if (brokers.length === 0) throw new Error('give at least one --broker NAME=PORT');
  const seconds = Number(opts.seconds);
  const rounds = Number(opts.rounds);
  const pids = new Map(opts.pid.map((p) => {
    const [name, pid] = p.split('=');
    return [name, Number(pid)];
  }));
  // Warm-up (the JVM's JIT and V8's): a short round trip on each broker, not counted.
  for (const b of brokers) await runPhase(b.port, 'nonpersistent-roundtrip', Number(opts.warmup), `warm-${b.name}`, undefined);
  const results = new Map(brokers.map((b) => [b.name, new Map(PHASES.map((p) => [p, []]))]));
  const cpuPerMsg = new Map(brokers.map((b) => [b.name, new Map(PHASES.map((p) => [p, []]))]));
  const loads = [os.loadavg()];
  for (let r = 1; r <= rounds; r++) {
    for (const phase of PHASES) {
      for (const b of r % 2 ? brokers : [...brokers].reverse()) {
        await settle([...pids.values()]);
        const cpu = process.cpuUsage();
        const brokerCpu = pids.has(b.name) ? cpuSeconds(pids.get(b.name)) : 0;
        const t0 = performance.now();
        let rate = NaN;
        let perMsg = NaN;
        let count = 0;
        try {
          const res = await runPhase(b.port, phase, seconds, b.name, pids.get(b.name));
          rate = res.rate;
          perMsg = (res.cpu / res.messages) * 1e6;
          count = res.messages;
        } catch (err) {
          console.log(`round ${r}  ${phase.padEnd(24)} ${b.name.padEnd(9)} failed: ${err.message}`);
        }
        const wall = (performance.now() - t0) / 1000;
        const used = process.cpuUsage(cpu);
        const load = Math.round(((used.user + used.system) / 1e6 / wall) * 100);
        const bload = pids.has(b.name) ? `, broker ${Math.round(((cpuSeconds(pids.get(b.name)) - brokerCpu) / wall) * 100)}%` : '';
        results.get(b.name).get(phase).push(rate);
        cpuPerMsg.get(b.name).get(phase).push(perMsg);
        const us = Number.isFinite(perMsg) ? `, broker ${perMsg.toFixed(1)} µs CPU/msg` : '';
        console.log(`round ${r}  ${phase.padEnd(24)} ${b.name.padEnd(9)} ${Math.round(rate).toString().padStart(8)} msg/s, ${count} messages  (CPU: load generator ${load}%${bload}${us}; load average ${os.loadavg()[0].toFixed(1)})`);
      }
    }
  }
  const [wharf, amq] = [brokers.find((b) => b.name === 'wharf'), brokers.find((b) => b.name === 'activemq')];
  const rows = PHASES.map((p) => {
    const ws = wharf ? results.get('wharf').get(p) : [];
    const as = amq ? results.get('activemq').get(p) : [];
    const w = median(ws);
    const a = median(as);
    const wc = wharf ? median(cpuPerMsg.get('wharf').get(p)) : NaN;
    const ac = amq ? median(cpuPerMsg.get('activemq').get(p)) : NaN;
    return { phase: p, wharf: w, activemq: a, ratio: w / a, wr: range(ws), ar: range(as), wc, ac };
  });
  loads.push(os.loadavg());
  const loadText = loads.map((l) => l.map((x) => x.toFixed(1)).join(' / ')).join(' at the start, ') + ' at the end';
  console.log(`\nload average (1 / 5 / 15 min): ${loadText}`);
  console.log('median over rounds (messages/s):');
  for (const row of rows) {
    console.log(`${row.phase.padEnd(24)} wharf ${Math.round(row.wharf).toString().padStart(8)}  activemq ${Math.round(row.activemq).toString().padStart(8)}  ratio ${row.ratio.toFixed(2)}x` +
      `   CPU µs/msg wharf ${us(row.wc)} activemq ${us(row.ac)}`);
  }
  const others = brokers.filter((b) => b.name !== 'wharf' && b.name !== 'activemq');
  for (const b of others) {
    for (const p of PHASES) {
      const m = median(results.get(b.name).get(p));
      const a = amq ? median(results.get('activemq').get(p)) : NaN;
      console.log(`${p.padEnd(24)} ${b.name.padEnd(9)} ${Math.round(m).toString().padStart(8)} (${range(results.get(b.name).get(p))})` +
        `  ratio to activemq ${(m / a).toFixed(2)}x   CPU µs/msg ${us(median(cpuPerMsg.get(b.name).get(p)))}`);
    }
  }
  if (opts.write) {
    const cpus = os.cpus();
    const md = [
      '## Wharf vs ActiveMQ 5.17 over STOMP',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} by \`scripts/bench-vs-activemq.sh\` on ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ` +
        `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ActiveMQ is Debian's \`activemq\` package (KahaDB, its default 512 MiB heap), ` +
        'Wharf runs with its LevelDB store. Both brokers, and this load generator, share the machine. One raw-socket STOMP 1.2 producer ' +
        `(and one \`ack:auto\` consumer for round trips), ${SIZE}-byte text bodies, ${seconds} s per phase, phases alternated between the brokers, ` +
        `median of ${rounds} rounds after a warm-up.`,
      '',
      '| phase | Wharf msg/s | (rounds) | ActiveMQ msg/s | (rounds) | Wharf / ActiveMQ | Wharf CPU µs/msg | ActiveMQ CPU µs/msg |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.phase} | ${fmt(r.wharf)} | ${r.wr} | ${fmt(r.activemq)} | ${r.ar} | ${Number.isFinite(r.ratio) ? `${r.ratio.toFixed(1)}×` : '–'} | ${us(r.wc)} | ${us(r.ac)} |`),
      '',
      'Medians, with the lowest and highest round. The machine has two cores and was shared with other work while this ran ' +
        `(load average ${loadText}), so rounds differ; run the script again for numbers of your own machine. ` +
        'CPU µs/msg is the broker process\'s CPU time (user + system) during the timed part of a phase divided by the messages ' +
        'it moved: it depends less on what else runs on the machine than the rate does.',
      '',
      `- persistent-send: \`persistent:true\` with a receipt on every SEND, ${WINDOW} receipts outstanding (the receipt means the message is on disk).`,
      '- persistent-roundtrip: the same producer and a consumer on the same queue; rate at the consumer.',
      `- nonpersistent-send: no receipt but on every 100th SEND, at most ${NP_WINDOW} of those outstanding (${NP_WINDOW * 100} messages unconfirmed); nobody consumes (the backlog is drained, untimed, after the phase).`,
      '- nonpersistent-roundtrip: that producer and a consumer; rate at the consumer.',
      `- nonpersistent-receipt-roundtrip: non-persistent SENDs with a receipt on every one, ${WINDOW} receipts outstanding, and a consumer; rate at the consumer.`,
    ].join('\n');
    writeSection('bench-vs-activemq', md);
    console.log('\nwrote docs/PERFORMANCE.md (bench-vs-activemq section)');
  }
}

const mode = positionals[0];
if (mode === 'serve') await serve();
else if (mode === 'run') await run().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
else {
  console.error('usage: bench-stomp.mjs serve --data DIR | run --broker NAME=PORT … [--seconds N] [--rounds N] [--write]');
  process.exit(2);
}
