// `npm run bench`: native-protocol throughput and latency of a Wharf broker running in its own
// process, driven by @wharf/client from this one. Writes its table into docs/PERFORMANCE.md.
//   persistent:     32 producers with synchronous persistent sends + 1 consumer (LevelDB store),
//                   each producer on its own connection, then as 32 sessions of one connection
//   non-persistent: 1 producer with asynchronous sends + 1 consumer
//   send-only:      the same sends with no consumer (throughput of accepting messages)
// Options: --seconds N (per phase, default 5), --size BYTES (default 256), --producers N (32).
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import { ConnectionFactory, Session, DeliveryMode } from '@wharf/client';
import { loopbackCeiling, startBrokerProcess, percentile, tempDir, machineLine, writeSection } from './bench-lib.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    size: { type: 'string', default: '256' },
    producers: { type: 'string', default: '32' },
    'no-write': { type: 'boolean', default: false },
    // Stop after the first (persistent, many producers) phase, e.g. to profile it.
    'first-only': { type: 'boolean', default: false },
    // vm: the broker in this process, clients over vm:// (no sockets): what the broker and its
    // store can do without this machine's loopback TCP cost.
    transport: { type: 'string', default: 'tcp' },
  },
});
const SECONDS = Number(opts.seconds);
const SIZE = Number(opts.size);
const PRODUCERS = Number(opts.producers);
const body = 'x'.repeat(SIZE);

async function connect(url) {
  const c = await new ConnectionFactory(url).createConnection();
  await c.start();
  return c;
}

/** Producers sending for SECONDS while one consumer drains; returns the measurements. */
async function phase(url, { queue, producers, persistent, withConsumer, connections = producers }) {
  const conns = [];
  const sendLat = [];
  const e2eLat = [];
  let received = 0;
  let sent = 0;
  let consumerDone;
  const allReceived = new Promise((r) => (consumerDone = r));
  if (withConsumer) {
    const cc = await connect(url);
    conns.push(cc);
    const s = cc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const cons = await s.createConsumer(s.createQueue(queue));
    cons.setMessageListener((m) => {
      received++;
      if ((received & 15) === 0) e2eLat.push(performance.now() - m.getDoubleProperty('t'));
      if (stopped && received >= sent) consumerDone();
    });
  }
  let stopped = false;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  const workers = [];
  const producerConns = [];
  for (let i = 0; i < producers; i++) {
    // Producers past `connections` get a session of an existing connection (round robin).
    let pc = producerConns[i % connections];
    if (!pc) {
      pc = await connect(url);
      conns.push(pc);
      producerConns.push(pc);
    }
    const s = pc.createSession(false, Session.AUTO_ACKNOWLEDGE);
    const p = await s.createProducer(s.createQueue(queue));
    p.setDeliveryMode(persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT);
    workers.push((async () => {
      let n = 0;
      while (performance.now() < deadline) {
        const m = s.createTextMessage(body);
        const t0 = performance.now();
        m.setDoubleProperty('t', t0);
        await p.send(m);
        sent++;
        if (persistent) {
          if ((n & 7) === 0) sendLat.push(performance.now() - t0);
        } else if ((++n & 1023) === 0) {
          await new Promise((r) => setImmediate(r));
        }
        n++;
      }
    })());
  }
  await Promise.all(workers);
  // A synchronous persistent send on each producer connection is a barrier: the broker has
  // read every earlier frame of that connection.
  for (const c of conns.slice(withConsumer ? 1 : 0)) {
    const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
    await (await s.createProducer(s.createQueue(`${queue}.barrier`))).send(s.createTextMessage('b'));
  }
  const sendElapsed = (performance.now() - start) / 1000;
  stopped = true;
  if (withConsumer) {
    if (received < sent) await allReceived;
  }
  const totalElapsed = (performance.now() - start) / 1000;
  for (const c of conns) await c.close();
  sendLat.sort((a, b) => a - b);
  e2eLat.sort((a, b) => a - b);
  return {
    sent,
    received,
    sendRate: sent / sendElapsed,
    recvRate: withConsumer ? received / totalElapsed : 0,
    sendP50: percentile(sendLat, 50), sendP99: percentile(sendLat, 99),
    e2eP50: percentile(e2eLat, 50), e2eP99: percentile(e2eLat, 99),
  };
}

/** The broker in this process, reached over vm:// (same interface as startBrokerProcess). */
async function startBrokerHere(config) {
  const { Broker } = await import('@wharf/broker');
  const b = new Broker({ logLevel: 'warn', ...config });
  await b.start();
  return {
    url: `vm://${config.brokerName}`,
    stats: async () => ({ store: b.store.stats(), rss: process.memoryUsage().rss }),
    remove: async (urls) => {
      for (const u of urls) await b.removeDestination(u).catch(() => false);
    },
    stop: () => b.stop(),
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => (n ? `${n.toFixed(2)} ms` : '—');

const dataDirectory = tempDir('wharf-bench-');
const brokerConfig = {
  // The send-only phase leaves non-persistent messages in memory with nobody consuming:
  // give it room, since a full memory limit blocks producers (by design: flow control).
  brokerName: 'bench', persistent: true, dataDirectory, memoryLimit: 2 * 1024 ** 3,
  transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }],
};
const broker = opts.transport === 'vm' ? await startBrokerHere(brokerConfig) : await startBrokerProcess(brokerConfig);
console.log(`broker (LevelDB) at ${broker.url}${opts.transport === 'vm' ? ' (in this process)' : ''}; ${SECONDS}s per phase, ${SIZE}-byte messages`);
const rows = [];

/** One persistent phase with P synchronous producers, with or without a consumer: its row. */
async function persistentRow(b, label, queue, withConsumer, connections = PRODUCERS) {
  const s0 = await b.stats();
  const p = await phase(b.url, { queue, producers: PRODUCERS, persistent: true, withConsumer, connections });
  const s1 = await b.stats();
  const syncs = s1.store.syncs - s0.store.syncs;
  const commits = s1.store.commits - s0.store.commits;
  const cancelled = (s1.store.cancelledPuts ?? 0) - (s0.store.cancelledPuts ?? 0);
  const store = [`${fmt(syncs / SECONDS)} fsync/s`, `${(commits / Math.max(1, syncs)).toFixed(1)} commits per fsync`];
  if (withConsumer) store.push(`${p.sent ? Math.round((100 * cancelled) / p.sent) : 0}% consumed before written`);
  rows.push([label, fmt(p.sendRate), withConsumer ? fmt(p.recvRate) : '—', `${ms(p.sendP50)} / ${ms(p.sendP99)}`, withConsumer ? `${ms(p.e2eP50)} / ${ms(p.e2eP99)}` : '—', store.join(', ')]);
  console.log(rows.at(-1).join(' | '));
  await b.remove([`queue://${queue}`, `queue://${queue}.barrier`]);
}

let ceiling = null;
try {
  await persistentRow(broker, `persistent, ${PRODUCERS} producers (sync sends) + 1 consumer`, 'bench.persistent', true);
  if (!opts['first-only']) {
    // The same load with the producers' sessions on one connection, as an application with a
    // single shared JMS connection (e.g. Spring's SingleConnectionFactory) sends: sends and
    // receipts of many producers share socket writes.
    await persistentRow(broker, `persistent, ${PRODUCERS} producers (sync sends, ${PRODUCERS} sessions of one connection) + 1 consumer`, 'bench.persistent.shared', true, 1);
    await persistentRow(broker, `persistent, ${PRODUCERS} producers (sync sends), no consumer: group commit alone`, 'bench.persistent.nc', false);
    const so = await phase(broker.url, { queue: 'bench.np.sendonly', producers: 1, persistent: false, withConsumer: false });
    await broker.remove(['queue://bench.np.sendonly', 'queue://bench.np.sendonly.barrier']);
    rows.push(['non-persistent send only, 1 producer (async sends)', fmt(so.sendRate), '—', '—', '—', '']);
    console.log(rows.at(-1).join(' | '));

    const np = await phase(broker.url, { queue: 'bench.np', producers: 1, persistent: false, withConsumer: true });
    rows.push(['non-persistent, 1 producer + 1 consumer', fmt(np.sendRate), fmt(np.recvRate), '—', `${ms(np.e2eP50)} / ${ms(np.e2eP99)}`, '']);
    console.log(rows.at(-1).join(' | '));

    const ps1 = await phase(broker.url, { queue: 'bench.p1', producers: 1, persistent: true, withConsumer: true });
    rows.push(['persistent, 1 producer (sync sends) + 1 consumer', fmt(ps1.sendRate), fmt(ps1.recvRate), `${ms(ps1.sendP50)} / ${ms(ps1.sendP99)}`, `${ms(ps1.e2eP50)} / ${ms(ps1.e2eP99)}`, '']);
    console.log(rows.at(-1).join(' | '));
  }
  const st = await broker.stats();
  console.log(`broker RSS ${fmt(st.rss / 2 ** 20)} MiB`);
} finally {
  await broker.stop();
  fs.rmSync(dataDirectory, { recursive: true, force: true });
}
if (!opts['first-only'] && opts.transport !== 'vm') {
  // The same persistent phase with the broker in this process over vm://: no sockets.
  const vmDir = tempDir('wharf-bench-vm-');
  const here = await startBrokerHere({ ...brokerConfig, brokerName: 'benchvm', dataDirectory: vmDir });
  try {
    await persistentRow(here, `persistent, ${PRODUCERS} producers (sync sends) + 1 consumer, broker in-process (vm://)`, 'bench.persistent.vm', true);
  } finally {
    await here.stop();
    fs.rmSync(vmDir, { recursive: true, force: true });
  }
  ceiling = await loopbackCeiling(PRODUCERS, 3000);
  console.log(`loopback TCP ceiling: ${fmt(ceiling)} round trips/s over ${PRODUCERS} connections`);
}

const table = [
  '| scenario | sent msg/s | received msg/s | send latency p50 / p99 | end-to-end p50 / p99 | store |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
if (!opts['no-write'] && !opts['first-only'] && opts.transport !== 'vm') {
  const ceilingLine = `Loopback TCP on this machine, measured in the same run: ${PRODUCERS} connections between two Node processes echoing ${SIZE}-byte frames one at a time (no broker at all) make ${fmt(ceiling)} round trips/s. Every synchronous send in the first row is one such round trip on its producer's connection (send, then receipt), and between the two the message also goes to the consumer and its acknowledgement comes back.`;
  writeSection('bench-native', `## Native protocol (\`npm run bench\`)\n\n${new Date().toISOString().slice(0, 10)}, ${machineLine()}. Broker and load generator are separate processes on the same machine (except the vm:// row: one process); ${SIZE}-byte text messages; ${SECONDS} s per phase; LevelDB store with group commit and concurrent store and dispatch (the default).\n\n${table}\n\n${ceilingLine}`);
  console.log('written to docs/PERFORMANCE.md');
}
