// Many destinations: a store with N queues (one small persistent message each) is written, then
// a broker process (`wharf start`, console on) is started on it. Measured: process start to the
// started line, the broker's RSS, /metrics scrape time and size, and the longest round trip a
// client sees while scrapes run (the event-loop stall other clients wait through), then the
// broker's CPU time per scrape with no client running. Writes docs/PERFORMANCE.md (section
// bench-destinations); --profile FILE writes CPU profiles of the broker, FILE.0 to FILE.7: the
// baseline, the scrapes with a client, the scrapes alone, then each API request.
//   node scripts/bench-destinations.mjs [--queues 100000] [--scrapes 5] [--no-write] [--profile FILE]
//     [--json FILE] [--before FILE --before-label TEXT]
// --json writes this run's figures; --before adds a column with another build's (its --json),
// e.g. the commit before a change, run from a checkout of it just before.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConnectionFactory, DeliveryMode, Session } from '@wharf/client';
import { LevelStore } from '@wharf/store';
import { machineLine, root, tempDir, writeSection } from './bench-lib.mjs';

const { values: o } = parseArgs({ options: {
  queues: { type: 'string', default: '100000' }, scrapes: { type: 'string', default: '5' }, 'no-write': { type: 'boolean', default: false },
  profile: { type: 'string' }, json: { type: 'string' }, before: { type: 'string' }, 'before-label': { type: 'string' },
} });
const N = Number(o.queues);
const SCRAPES = Number(o.scrapes);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const dir = tempDir('wharf-destinations-');
const loadBefore = os.loadavg()[0];

// ---- the store: N queues, one message each --------------------------------------------------
const store = new LevelStore({ directory: dir });
await store.open();
for (let i = 0; i < N; i += 1000) {
  const ops = [];
  for (let j = i; j < Math.min(N, i + 1000); j++) {
    const url = `queue://BENCH.${j}`;
    ops.push({ t: 8, dest: { url, createdAt: Date.now() } });
    ops.push({ t: 1, dest: url, seq: 1, msg: {
      messageId: `ID:bench:${j}`, destination: url, deliveryMode: 2, priority: 4, timestamp: Date.now(), expiration: 0, deliveryTime: 0,
      redelivered: false, deliveryCount: 0, producerId: 'bench', producerSeq: j, properties: {}, bodyKind: 1, body: `message ${j}`,
    } });
  }
  await store.commit(ops, { sync: false });
}
await store.close();
const storeBytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
console.log(`store with ${fmt(N)} queues written (${(storeBytes / 2 ** 20).toFixed(1)} MiB)`);

// ---- restart -------------------------------------------------------------------------------
const t0 = performance.now();
const child = fork(path.join(root, 'scripts/bench-destinations-broker.mjs'), [dir, ...(o.profile ? [path.resolve(o.profile)] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
let onMessage = () => undefined;
child.on('message', (m) => onMessage(m));
const ask = (type, answer) => new Promise((resolve) => {
  onMessage = (m) => {
    if (m.type === answer) resolve(m);
  };
  if (type) child.send({ type });
});
const { url: brokerUrl, consoleUrl } = await ask(null, 'started');
const startSecs = (performance.now() - t0) / 1000;
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024;
const rssAfterStart = rss();
// The process's own CPU time to that point (user + system, clock ticks of 10 ms): unlike the
// wall time it does not grow with the load of a shared machine.
const cpuSecs = (() => {
  const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
})();
const loadAtStart = os.loadavg()[0];
console.log(`restart: broker and console started ${startSecs.toFixed(2)} s after the process was (${cpuSecs.toFixed(2)} s of CPU, load ${loadAtStart.toFixed(1)}); RSS ${fmt(rssAfterStart / 2 ** 20)} MiB`);

// ---- scrapes, with a client measuring round trips meanwhile -----------------------------------
const c = await new ConnectionFactory(brokerUrl).createConnection();
await c.start();
const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
const ping = s.createQueue('BENCH.PING');
const producer = await s.createProducer(ping);
producer.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
const consumer = await s.createConsumer(ping);
let measuring = true;
let worst = 0;
let trips = 0;
const pinger = (async () => {
  while (measuring) {
    const t = performance.now();
    await producer.send(s.createTextMessage('ping'));
    await consumer.receive(10000);
    const ms = performance.now() - t;
    if (ms > worst) worst = ms;
    trips++;
  }
})();
// A baseline with no scrape running: the machine's own stalls (a shared machine deschedules the
// broker too) against which the scrapes' are read.
await ask('mark', 'marked');
await new Promise((r) => setTimeout(r, 2000));
const baselineWorst = worst;
const { maxMs: baselineStall } = await ask('stall', 'stall');
worst = 0;
const scrapeMs = [];
let scrapeBytes = 0;
// Scrapes one after another, as a Prometheus server's are (a scrape waits for the last one).
const scrapes = async () => {
  for (let i = 0; i < SCRAPES; i++) {
    const t = performance.now();
    const res = await fetch(`${consoleUrl}/metrics`);
    const body = await res.text();
    scrapeMs.push(performance.now() - t);
    scrapeBytes = body.length;
  }
};
await ask('mark', 'marked');
await scrapes();
const scrapeWorst = worst;
const { maxMs: loopStall } = await ask('stall', 'stall');
measuring = false;
await pinger;
// The broker's CPU time per scrape, with no client running (the one figure here that does not
// grow with the load of a shared machine).
const scrapeMsWithClient = scrapeMs.splice(0);
await ask('mark', 'marked');
await scrapes();
const { cpuMs, maxMs: loopStallAlone, turnCpuMs: scrapeTurnCpu, gcMs: scrapeGc } = await ask('stall', 'stall');
const cpuPerScrape = cpuMs / SCRAPES;
scrapeMs.push(...scrapeMsWithClient);
// The console's API with as many queues: each request alone, its time, size, CPU and stall.
const apiRows = [];
for (const [what, url] of [
  ['overview (the dashboard polls it every second)', '/api/overview'],
  ['a page of the 100 deepest queues', '/api/queues?sort=pending&limit=100'],
  ['queues whose name contains a text', '/api/queues?filter=BENCH.9999&limit=100'],
  ['one queue', '/api/queues/BENCH.4242'],
  ['the whole queue list (no paging parameter)', '/api/queues'],
]) {
  await ask('mark', 'marked');
  const t = performance.now();
  const bytes = (await (await fetch(`${consoleUrl}${url}`)).text()).length;
  const ms = performance.now() - t;
  const { cpuMs: cpu, maxMs: stall, turnCpuMs: turn } = await ask('stall', 'stall');
  apiRows.push({ what, url, ms, bytes, cpu, stall, turn });
  console.log(`GET ${url}: ${ms.toFixed(0)} ms, ${fmt(bytes / 1024)} KiB, broker CPU ${cpu.toFixed(0)} ms, longest stall ${stall.toFixed(1)} ms, longest turn ${turn.toFixed(1)} ms of CPU`);
}
{
  // What `wharf dstat` and the other admin commands read: every queue, 1,000 per page after the
  // last name; the figures are for all the pages together.
  await ask('mark', 'marked');
  const t = performance.now();
  let bytes = 0;
  let pages = 0;
  let after;
  for (;;) {
    const text = await (await fetch(`${consoleUrl}/api/queues?limit=1000${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`)).text();
    bytes += text.length;
    pages++;
    const { queues } = JSON.parse(text);
    if (queues.length < 1000) break;
    after = queues[queues.length - 1].name;
  }
  const ms = performance.now() - t;
  const { cpuMs: cpu, maxMs: stall, turnCpuMs: turn } = await ask('stall', 'stall');
  const url = '/api/queues?limit=1000&after=NAME';
  apiRows.push({ what: `every queue a page at a time, as \`wharf dstat\` reads them (${pages} requests, together)`, url, ms, bytes, cpu, stall, turn });
  console.log(`GET ${url} x ${pages}: ${ms.toFixed(0)} ms, ${fmt(bytes / 1024)} KiB, broker CPU ${cpu.toFixed(0)} ms, longest stall ${stall.toFixed(1)} ms, longest turn ${turn.toFixed(1)} ms of CPU`);
}
const rssAfterScrapes = rss();
await c.close();
const exited = new Promise((r) => child.once('exit', r));
child.send({ type: 'stop' });
await exited;
fs.rmSync(dir, { recursive: true, force: true });
scrapeMs.sort((a, b) => a - b);
const median = scrapeMs[Math.floor(scrapeMs.length / 2)];
console.log(`/metrics: ${fmt(scrapeBytes / 1024)} KiB, median ${median.toFixed(0)} ms over ${SCRAPES} scrapes; longest event-loop stall ${loopStall.toFixed(1)} ms (${baselineStall.toFixed(1)} ms with no scrape); ` +
  `longest client round trip while scraping ${scrapeWorst.toFixed(1)} ms (${baselineWorst.toFixed(1)} ms without; ${fmt(trips)} round trips); ` +
  `broker CPU ${cpuPerScrape.toFixed(1)} ms per scrape, longest turn ${scrapeTurnCpu.toFixed(1)} ms of CPU, longest GC pause ${scrapeGc.toFixed(1)} ms (longest stall ${loopStallAlone.toFixed(1)} ms with no client); RSS ${fmt(rssAfterScrapes / 2 ** 20)} MiB`);

// This run's figures, for --json; with --before, the same figures of another build (measured just
// before in the same session, on the same machine) stand beside these.
const result = {
  load: loadBefore, loadAtStart, startSecs, cpuSecs, rssAfterStart, scrapeBytes, median, cpuPerScrape, scrapeTurnCpu, scrapeGc, loopStall,
  baselineStall, scrapeWorst, baselineWorst, rssAfterScrapes, apiRows,
};
if (o.json) fs.writeFileSync(o.json, JSON.stringify(result, null, 2));
const before = o.before ? JSON.parse(fs.readFileSync(o.before, 'utf8')) : null;
const mib = (b) => `${fmt(b / 2 ** 20)} MiB`;
const ms1 = (v) => `${v.toFixed(1)} ms`;
/** A table row: this run's value, and the other build's when there is one. */
const row = (what, show, target = '') => `| ${what} | ${show(result)} |${before ? ` ${show(before)} |` : ''} ${target} |`;
const apiRow = (r, b) => {
  const cell = (x) => `${x.ms.toFixed(0)} ms, ${fmt(x.bytes / 1024)} KiB, ${x.cpu.toFixed(0)} ms of CPU, ${x.turn.toFixed(1)} ms | ${x.stall.toFixed(1)} ms`;
  return `| ${r.what}: \`GET ${r.url}\` | ${cell(r)} |${b ? ` ${cell(b)} |` : ''}`;
};

if (!o['no-write']) {
  writeSection('bench-destinations', `
## Many destinations (\`node scripts/bench-destinations.mjs --queues ${N}\`)

${new Date().toISOString().slice(0, 10)}, ${machineLine()}, load average ${loadBefore.toFixed(1)} while it ran (the machine is shared: timings scale with it). A store of ${fmt(N)} queues holding one small persistent message each (${(storeBytes / 2 ** 20).toFixed(1)} MiB of LevelDB files), then a broker with its console started on it (\`scripts/bench-destinations-broker.mjs\`); ${SCRAPES} scrapes of \`/metrics\` while one client sends and receives a non-persistent message in a loop (its longest round trip is how long the broker kept other clients waiting), ${SCRAPES} more with no client (the CPU figures), then requests to the console's API one at a time.${before ? ` "Before": the same benchmark on ${o['before-label'] ?? 'the build before'}, run just before this one (load average ${before.load.toFixed(1)}).` : ''}

| measure | value |${before ? ' before |' : ''} target |
|---|---|${before ? '---|' : ''}---|
${[
    row('restart (process start to broker and console started)', (r) => `${r.startSecs.toFixed(2)} s (load average ${r.loadAtStart.toFixed(1)} then)`, 'seconds'),
    row('the restart\'s CPU time (the broker process\'s user + system; independent of the machine\'s load)', (r) => `${r.cpuSecs.toFixed(2)} s`),
    row('broker RSS after the restart', (r) => mib(r.rssAfterStart), 'a few hundred MB'),
    row('`/metrics` size', (r) => `${fmt(r.scrapeBytes / 1024)} KiB (series for the 1,000 deepest queues, \`metricsDestinationLimit\`)`, 'bounded'),
    row('`/metrics` scrape time, median', (r) => `${r.median.toFixed(0)} ms`),
    row('the broker\'s CPU time per scrape (user + system, scrapes with no client running)', (r) => ms1(r.cpuPerScrape)),
    row('the most CPU time in one event-loop iteration while scraping (the longest turn\'s own work with its GC pauses, not the time the machine\'s load kept the broker waiting; GC helper threads\' time in it is counted too)', (r) => ms1(r.scrapeTurnCpu), 'a couple of ms'),
    row('the longest garbage-collection pause while scraping', (r) => ms1(r.scrapeGc)),
    row('longest event-loop stall while scraping (the broker\'s own delay histogram)', (r) => `${ms1(r.loopStall)} (${ms1(r.baselineStall)} in 2 s with no scrape)`, 'a few ms'),
    row('longest client round trip while scraping', (r) => `${ms1(r.scrapeWorst)} (${ms1(r.baselineWorst)} with no scrape; the machine's other load included)`),
    row('broker RSS after the scrapes', (r) => mib(r.rssAfterScrapes)),
  ].join('\n')}

The console's API on the same broker, each request alone: its time, response size, the broker's CPU time, the most CPU time in one event-loop iteration, and the longest event-loop stall.

| request | time, size, CPU, longest iteration | stall |${before ? ' before | stall before |' : ''}
|---|---|---|${before ? '---|---|' : ''}
${apiRows.map((r, i) => apiRow(r, before?.apiRows[i])).join('\n')}

The wall-clock figures include the time the broker waited for a CPU on the shared machine (the load average above on 2 cores): the CPU time rows do not, and the event-loop histogram counts the process's descheduling as stall too. The restart's work is the store's recovery scan (destination records and message keys, about half the CPU time), the store's start-up checks, and one small object set per queue. A scrape walks every destination (totals, and the 1,000 deepest kept with a bounded selection) 1,000 at a time, renders 500 lines at a time and writes its response a slice per turn; what else a turn holds is prom-client's own metrics (about 2 ms of CPU) and the garbage collector's pauses on a heap of ${fmt(N)} queues.

Before this work the same store took 28 s and 2.2 GB of RSS to restart (every queue read its messages in at once) and a scrape rendered a series per queue and metric (tens of MB, seconds of blocked event loop).
`);
  console.log('docs/PERFORMANCE.md updated');
}
