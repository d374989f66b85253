// Backlog benchmark (issue 3): N persistent 1 KiB messages queued with no consumer; the broker's
// RSS is sampled while they pile up; then the broker is restarted and we time the first message
// served and the drain rate. Writes docs/PERFORMANCE.md (section bench-backlog).
//   node scripts/bench-backlog.mjs [--count 1000000] [--size 1024] [--producers 32]
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import { ConnectionFactory, Session } from '@wharf/client';
import { startBrokerProcess, tempDir, machineLine, writeSection } from './bench-lib.mjs';

const { values: o } = parseArgs({ options: {
  count: { type: 'string', default: '1000000' }, size: { type: 'string', default: '1024' },
  producers: { type: 'string', default: '32' }, 'no-write': { type: 'boolean', default: false },
} });
const N = Number(o.count);
const SIZE = Number(o.size);
const P = Number(o.producers);
const body = 'x'.repeat(SIZE);
const dir = tempDir('wharf-backlog-');
const cfg = { brokerName: 'backlog', persistent: true, dataDirectory: dir, transportConnectors: [{ name: 'o', uri: 'tcp://127.0.0.1:0' }] };
const fmt = (n) => Math.round(n).toLocaleString('en-US');

let broker = await startBrokerProcess(cfg);
console.log(`queueing ${fmt(N)} persistent ${SIZE}-byte messages with ${P} producers (no consumer)`);
let maxRss = 0;
const sampler = setInterval(async () => {
  const s = await broker.stats();
  maxRss = Math.max(maxRss, s.rss);
}, 500);
let sent = 0;
const t0 = performance.now();
let lastPrint = t0;
await Promise.all(Array.from({ length: P }, async () => {
  const c = await new ConnectionFactory(broker.url).createConnection();
  const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const p = await s.createProducer(s.createQueue('BACKLOG'));
  while (sent < N) {
    sent++;
    await p.send(s.createTextMessage(body));
    const now = performance.now();
    if (now - lastPrint > 5000) {
      lastPrint = now;
      const st = await broker.stats();
      console.log(`  ${fmt(sent)} queued, ${fmt(sent / ((now - t0) / 1000))} msg/s, broker RSS ${fmt(st.rss / 2 ** 20)} MiB`);
    }
  }
  await c.close();
}));
const fillSecs = (performance.now() - t0) / 1000;
clearInterval(sampler);
const filled = await broker.stats();
maxRss = Math.max(maxRss, filled.rss);
console.log(`queued in ${fillSecs.toFixed(1)} s (${fmt(N / fillSecs)} msg/s); peak broker RSS ${fmt(maxRss / 2 ** 20)} MiB; store ${fmt(filled.store.bytes / 2 ** 20)} MiB`);
await broker.stop();

const r0 = performance.now();
broker = await startBrokerProcess(cfg);
const c = await new ConnectionFactory(broker.url).createConnection();
await c.start();
const s = c.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
const cons = await s.createConsumer(s.createQueue('BACKLOG'));
const first = await cons.receive(60000);
const firstSecs = (performance.now() - r0) / 1000;
console.log(`restart: first message served ${firstSecs.toFixed(2)} s after the broker process was started`);
let got = first ? 1 : 0;
let drainRss = 0;
const d0 = performance.now();
let lastD = d0;
while (got < N) {
  const m = await cons.receive(10000);
  if (!m) break;
  got++;
  const now = performance.now();
  if (now - lastD > 5000) {
    lastD = now;
    const st = await broker.stats();
    drainRss = Math.max(drainRss, st.rss);
    console.log(`  drained ${fmt(got)} (${fmt(got / ((now - d0) / 1000))} msg/s), broker RSS ${fmt(st.rss / 2 ** 20)} MiB`);
  }
}
const drainSecs = (performance.now() - d0) / 1000;
const st = await broker.stats();
drainRss = Math.max(drainRss, st.rss);
console.log(`drained ${fmt(got)} in ${drainSecs.toFixed(1)} s (${fmt(got / drainSecs)} msg/s); peak RSS while draining ${fmt(drainRss / 2 ** 20)} MiB`);
await c.close();
await broker.stop();
fs.rmSync(dir, { recursive: true, force: true });
if (got !== N) {
  console.error(`FAILED: drained ${got} of ${N}`);
  process.exitCode = 1;
}
if (!o['no-write']) {
  writeSection('bench-backlog', `## Large backlog (\`node scripts/bench-backlog.mjs --count ${N}\`)

${new Date().toISOString().slice(0, 10)}, ${machineLine()}. ${fmt(N)} persistent ${SIZE}-byte messages queued by ${P} producers with synchronous sends and no consumer, then a broker restart and a full drain by one DUPS_OK consumer.

| measure | value | target |
|---|---|---|
| fill rate | ${fmt(N / fillSecs)} msg/s | |
| peak broker RSS while filling | ${fmt(maxRss / 2 ** 20)} MiB | < 400 MB |
| store size | ${fmt(filled.store.bytes / 2 ** 20)} MiB | |
| first message after restart | ${firstSecs.toFixed(2)} s (process start to first receive) | < 10 s |
| drain rate | ${fmt(got / drainSecs)} msg/s | full speed |
| peak broker RSS while draining | ${fmt(drainRss / 2 ** 20)} MiB | |`);
}
