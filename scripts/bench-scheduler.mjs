// Scheduler at scale: N messages with AMQ_SCHEDULED_DELAY (default 1,000,000) are scheduled
// through the native client into a broker running in its own process (LevelDB store,
// schedulerSupport), held until a release time, then delivered over a spread of seconds. It
// reports the broker's RSS while it holds every job (bounded: only a window of jobs is in
// memory, the rest wait in the store) and how late each message arrived against the time it
// asked for (p50 / p99 / max). Writes its section into docs/PERFORMANCE.md.
//   node scripts/bench-scheduler.mjs [--count N] [--producers P] [--lead S] [--spread S]
//        [--persistent] [--no-write]
// Every send is synchronous (alwaysSyncSend): it returns once the broker has stored the job.
// The messages are NON_PERSISTENT by default, so a fired copy is not written to the store again
// (the job itself is always stored); --persistent makes them persistent queue messages as well.
// --lead: seconds from the start until the first job is due (moved later when the first 5% of
// the sends show that scheduling would not be done by then);
// --spread: seconds over which the due times are spread evenly.
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import { ConnectionFactory, Session, DeliveryMode } from '@wharf/client';
import { startBrokerProcess, percentile, tempDir, machineLine, writeSection } from './bench-lib.mjs';

const { values: opts } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    producers: { type: 'string', default: '64' },
    lead: { type: 'string', default: '150' },
    spread: { type: 'string', default: '100' },
    persistent: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const N = Number(opts.count);
const PRODUCERS = Number(opts.producers);
const LEAD_MS = Number(opts.lead) * 1000;
const SPREAD_MS = Number(opts.spread) * 1000;
const MODE = opts.persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT;
const QUEUE = 'bench.scheduled';

const dir = tempDir('wharf-bench-scheduler-');
const broker = await startBrokerProcess({
  brokerName: 'bench-scheduler', persistent: true, dataDirectory: dir, schedulerSupport: true,
  transportConnectors: [{ name: 'openwire', uri: 'tcp://127.0.0.1:0' }],
});

// Sample the broker's RSS once a second for the whole run.
const samples = [];
let phase = 'schedule';
const sampler = setInterval(async () => {
  const s = await broker.stats();
  samples.push({ t: Date.now(), phase, rss: s.rss, inMemory: s.scheduler?.inMemory, fired: s.scheduler?.fired });
}, 1000);

const t0 = Date.now();
// The due times start at `release`. If the first 5% of the sends show that scheduling would run
// past it, the rest are given a later release so that (nearly) every job is held at once.
let release = t0 + LEAD_MS;
let sent = 0;
const dueOf = (i) => release + Math.floor((i * SPREAD_MS) / N);

// ---- the consumer is there from the start ----------------------------------------------------
const lateness = new Float64Array(N);
// Worst lateness per tenth of the jobs (in due order): shows whether the tail is one stall.
const worstByTenth = new Float64Array(10);
let received = 0;
let early = 0;
const conn = await new ConnectionFactory(broker.url).createConnection();
await conn.start();
const session = conn.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
const consumer = await session.createConsumer(session.createQueue(QUEUE));
const done = new Promise((resolve) => {
  consumer.setMessageListener((m) => {
    if (phase === 'hold') phase = 'deliver';
    const late = Date.now() - m.getLongProperty('due');
    if (late < 0) early++;
    const tenth = Math.min(9, Math.floor((m.getIntProperty('index') * 10) / N));
    if (late > worstByTenth[tenth]) worstByTenth[tenth] = late;
    lateness[received++] = late;
    if (received === N) resolve();
  });
});

// ---- schedule ----------------------------------------------------------------------------------
async function producer(k) {
  const c = await new ConnectionFactory(broker.url, { alwaysSyncSend: true }).createConnection();
  const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const p = await s.createProducer(s.createQueue(QUEUE));
  for (let i = k; i < N; i += PRODUCERS) {
    const m = s.createTextMessage('x'.repeat(64));
    const due = dueOf(i);
    m.setIntProperty('index', i);
    m.setLongProperty('due', due);
    m.setLongProperty('AMQ_SCHEDULED_DELAY', Math.max(0, due - Date.now()));
    await p.send(m, { deliveryMode: MODE });
    if (++sent === Math.floor(N / 20)) {
      const needed = t0 + (Date.now() - t0) * 20 * 1.2 + 10000;
      if (needed > release) {
        release = Math.ceil(needed / 1000) * 1000;
        console.log(`scheduling is slower than --lead allows: the due times now start ${((release - t0) / 1000).toFixed(0)} s after the start`);
      }
    }
  }
  await c.close();
}
await Promise.all(Array.from({ length: PRODUCERS }, (_, k) => producer(k)));
const scheduledAt = Date.now();
phase = 'hold';
const firedEarly = (await broker.stats()).scheduler?.fired ?? 0;
const scheduleSeconds = (scheduledAt - t0) / 1000;
console.log(`scheduled ${N.toLocaleString('en-US')} jobs in ${scheduleSeconds.toFixed(1)} s (${Math.round(N / scheduleSeconds).toLocaleString('en-US')}/s); ${firedEarly} had fired by then`);
const stallCheck = setInterval(() => {
  if (Date.now() > release + SPREAD_MS + 120000) {
    console.error(`FAILED: only ${received} of ${N} delivered two minutes after the last due time`);
    process.exit(1);
  }
}, 1000);
await done;
clearInterval(stallCheck);
clearInterval(sampler);
const finished = Date.now();
await conn.close();
const storeBytes = (await broker.stats()).store.bytes;
await broker.stop();
fs.rmSync(dir, { recursive: true, force: true });

// ---- report -------------------------------------------------------------------------------
const sorted = Float64Array.from(lateness).sort();
const mib = (b) => `${Math.round(b / 2 ** 20)} MiB`;
const peak = (p) => Math.max(0, ...samples.filter((s) => p(s)).map((s) => s.rss));
const holdRss = peak((s) => s.phase === 'hold');
const maxInMemory = Math.max(0, ...samples.map((s) => s.inMemory ?? 0));
const rows = [
  ['jobs scheduled', `${N.toLocaleString('en-US')} (${PRODUCERS} producers, synchronous sends of ${MODE === DeliveryMode.PERSISTENT ? 'persistent' : 'non-persistent'} 64-byte messages)`],
  ['scheduling rate', `${Math.round(N / scheduleSeconds).toLocaleString('en-US')} jobs/s`],
  ['peak broker RSS while scheduling', mib(peak((s) => s.phase === 'schedule'))],
  ['broker RSS holding all jobs', mib(holdRss)],
  ['peak broker RSS while delivering', mib(peak((s) => s.phase === 'deliver'))],
  ['jobs held at once (all scheduled, none due yet)', (N - firedEarly).toLocaleString('en-US')],
  ['jobs in memory at most (the window)', maxInMemory.toLocaleString('en-US')],
  ['store size after the run', mib(storeBytes)],
  ['delivery', `${N.toLocaleString('en-US')} messages due over ${SPREAD_MS / 1000} s, received in ${((finished - release) / 1000).toFixed(1)} s`],
  ['early deliveries', String(early)],
  ['lateness p50 / p99 / max', `${percentile(sorted, 50)} / ${percentile(sorted, 99)} / ${sorted[sorted.length - 1]} ms`],
];
console.log(`worst lateness per tenth of the jobs (ms): ${[...worstByTenth].join(', ')}`);
console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
const table = ['| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
console.log(table);
const section = `## Scheduler (\`node scripts/bench-scheduler.mjs --count ${N}\`)

${new Date().toISOString().slice(0, 10)}, ${machineLine()}. ${N.toLocaleString('en-US')} messages with
\`AMQ_SCHEDULED_DELAY\` sent through the native client to a broker in its own process (LevelDB store,
\`schedulerSupport: true\`) by ${PRODUCERS} producers with synchronous sends; the due times start
after the last job was scheduled, so the broker holds them all at once, then they are spread
evenly over ${SPREAD_MS / 1000} s and one DUPS_OK consumer receives them. Lateness is the receive time minus the time the message asked for, measured in the
client, so it includes the send path, the store write of the fired batch and the dispatch.
The broker's RSS is sampled once a second. Load average at the end of the run:
${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (1 / 5 / 15 min; other work shares this machine).

${table}

Worst lateness in each tenth of the jobs, in due order (ms): ${[...worstByTenth].join(', ')}.`;
if (!opts['no-write']) writeSection('bench-scheduler', section);
