// What a broker does with a STOMP connection whose peer does not read (run by
// scripts/congestion-vs-activemq.sh against ActiveMQ 5.17 and Wharf; the same scenario on each):
//
//   1. S subscribes to CONG.SLOW (client acks, prefetch 1,000) and stops reading its socket
//      (a queue, then again with a topic).
//      F subscribes to CONG.FAST and reads. P sends N messages of 100 KB to CONG.SLOW, each
//      with a receipt, and after every 20 a small one to CONG.FAST that F must receive.
//      Recorded: does P block (a receipt not within 15 s), is F still served, the broker's RSS.
//      Then (queue only) a second consumer subscribes to CONG.SLOW: how many of the messages S
//      has not read does it get (the rest S gets when it reads)?
//   2. S, still not reading, sends M messages of 64 KiB to CONG.OTHER (no receipts), as fast as
//      its socket takes them; O subscribes there. Recorded: how many the broker took from S
//      (what O got) by the time S's writes have made no progress for 5 s.
//   3. S reads again. Recorded: does S get all N, does O get all M, how long it takes.
//   4. Another connection R sends 8,000 messages with 8 KiB receipt ids and does not read its
//      receipts (receiptScenario).
//
//   node scripts/congestion-record.mjs --broker NAME=PORT:PID … [--hold MS]
// --hold keeps each broker in step 2's state MS ms (to take a thread dump of ActiveMQ).
// Prints one JSON line per broker and a summary table.
import net from 'node:net';
import fs from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    broker: { type: 'string', multiple: true, default: [] },
    messages: { type: 'string', default: '400' },
    sends: { type: 'string', default: '300' },
    hold: { type: 'string', default: '0' },
  },
});
const N = Number(opts.messages);
const M = Number(opts.sends);
const BODY = Buffer.alloc(100 * 1024, 0x61);
const SMALL = Buffer.alloc(64 * 1024, 0x62);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMB = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
};

/** A raw STOMP 1.2 connection: frames counted by command, waits on predicates. */
class Stomp {
  static async open(port, name) {
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    const c = new Stomp(sock, name);
    c.write('CONNECT', { 'accept-version': '1.2', host: 'localhost', login: 'admin', passcode: 'admin' });
    await c.until(() => c.count.CONNECTED > 0 || c.count.ERROR > 0, 10000, 'CONNECTED');
    if (!c.count.CONNECTED) throw new Error(`${name}: not connected: ${c.lastError}`);
    return c;
  }

  constructor(sock, name) {
    this.sock = sock;
    this.name = name;
    this.buf = Buffer.alloc(0);
    this.count = { CONNECTED: 0, MESSAGE: 0, RECEIPT: 0, ERROR: 0 };
    this.receipts = new Set();
    this.bytesIn = 0;
    this.lastError = '';
    this.waiters = [];
    sock.on('data', (d) => this.feed(d));
    sock.on('error', () => undefined);
    sock.on('close', () => (this.closed = true));
  }

  write(command, headers, body) {
    const head = `${command}\n${Object.entries(headers).map(([k, v]) => `${k}:${v}`).join('\n')}\n\n`;
    return this.sock.write(body ? Buffer.concat([Buffer.from(head), body, Buffer.from([0])]) : `${head}\0`);
  }

  feed(chunk) {
    this.bytesIn += chunk.length;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      let s = 0;
      while (s < this.buf.length && (this.buf[s] === 10 || this.buf[s] === 13)) s++;
      const he = this.buf.indexOf('\n\n', s);
      if (he < 0) break;
      const lines = this.buf.toString('utf8', s, he).split('\n');
      const headers = {};
      for (const l of lines.slice(1)) {
        const k = l.indexOf(':');
        if (k > 0 && !(l.slice(0, k) in headers)) headers[l.slice(0, k)] = l.slice(k + 1);
      }
      let end;
      if (headers['content-length'] !== undefined) {
        end = he + 2 + Number(headers['content-length']);
        if (this.buf.length < end + 1) break;
      } else {
        end = this.buf.indexOf(0, he + 2);
        if (end < 0) break;
      }
      const command = lines[0];
      this.count[command] = (this.count[command] ?? 0) + 1;
      if (command === 'RECEIPT') this.receipts.add(headers['receipt-id']);
      if (command === 'ERROR') this.lastError = headers.message ?? '';
      this.buf = this.buf.subarray(end + 1);
      s = 0;
    }
    if (this.buf.length === 0) this.buf = Buffer.alloc(0);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves true once `fn()` holds, false after `ms`. */
  async until(fn, ms, what) {
    const deadline = Date.now() + ms;
    while (!fn()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return false;
      await new Promise((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    void what;
    return true;
  }

  async receipt(id, ms) {
    return this.until(() => this.receipts.has(id), ms, `receipt ${id}`);
  }

  close() {
    this.sock.destroy();
  }
}

/** Waits until `progress()` has not changed for `quietMs` (or `done()` holds); at most `maxMs`. */
async function settle(progress, done, quietMs, maxMs) {
  const start = Date.now();
  let last = progress();
  let since = Date.now();
  while (!done() && Date.now() - start < maxMs) {
    await sleep(100);
    const now = progress();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) break;
  }
}

/** `count` writes on `c` (`write()` returns false when its socket is full), each after 'drain'. */
function floodOf(c, count, write) {
  const f = { written: 0, waiting: false, done: null };
  f.done = (async () => {
    for (let i = 0; i < count && !c.closed; i++) {
      const ok = write(i);
      f.written++;
      if (ok) continue;
      f.waiting = true;
      await new Promise((resolve) => {
        const go = () => {
          c.sock.off('drain', go).off('close', go);
          resolve();
        };
        c.sock.on('drain', go).on('close', go);
      });
      f.waiting = false;
    }
  })();
  return f;
}

/**
 * 4. R sends K messages with 8 KiB receipt ids (so 8 KiB receipts) and does not read: how many
 * does the broker take (C consumes them) before it stops, and does R get every receipt later?
 */
async function receiptScenario(name, port, pid) {
  const K = 8000;
  const r = { broker: `${name} (receipts)` };
  const dest = `/queue/CONG.${name}-${Date.now()}.RCPT`;
  const R = await Stomp.open(port, 'receipts');
  const C = await Stomp.open(port, 'consumer');
  try {
    C.write('SUBSCRIBE', { id: '1', destination: dest, ack: 'auto', receipt: 'c' });
    if (!(await C.receipt('c', 10000))) throw new Error('consumer: no SUBSCRIBE receipt');
    R.sock.pause();
    const id = 'r'.repeat(8 * 1024);
    const flood = floodOf(R, K, (i) => R.write('SEND', { destination: dest, receipt: `${id}${i}` }, Buffer.from('x')));
    await settle(() => `${flood.written}/${C.count.MESSAGE}`, () => C.count.MESSAGE >= K, 5000, 60000);
    r.receiptSendsTakenWhileNotReading = `${C.count.MESSAGE}/${K}`;
    r.receiptWriterBlocked = flood.waiting;
    r.rssWhileCongestedMB = rssMB(pid);
    R.sock.resume();
    await flood.done;
    await settle(() => `${R.count.RECEIPT}/${C.count.MESSAGE}`, () => R.count.RECEIPT >= K && C.count.MESSAGE >= K, 10000, 120000);
    r.afterReadingReceipts = `${R.count.RECEIPT}/${K}`;
    r.afterReadingTaken = `${C.count.MESSAGE}/${K}`;
  } finally {
    R.close();
    C.close();
  }
  return r;
}

async function scenario(name, port, pid, kind) {
  const r = { broker: `${name} (${kind})`, rssStartMB: rssMB(pid) };
  const tag = `${name}-${Date.now()}`;
  const q = (x) => `/${x === 'SLOW' ? kind : 'queue'}/CONG.${tag}.${x}`;
  const S = await Stomp.open(port, 'slow');
  const F = await Stomp.open(port, 'fast');
  const O = await Stomp.open(port, 'other');
  const P = await Stomp.open(port, 'producer');
  try {
    S.write('SUBSCRIBE', { id: '1', destination: q('SLOW'), ack: 'client', 'activemq.prefetchSize': '1000', receipt: 's' });
    F.write('SUBSCRIBE', { id: '1', destination: q('FAST'), ack: 'auto', receipt: 'f' });
    O.write('SUBSCRIBE', { id: '1', destination: q('OTHER'), ack: 'auto', receipt: 'o' });
    for (const [c, id] of [[S, 's'], [F, 'f'], [O, 'o']]) if (!(await c.receipt(id, 10000))) throw new Error(`${c.name}: no SUBSCRIBE receipt`);
    S.sock.pause();

    // 1. P publishes to the slow subscriber's queue; F must still be served.
    const t0 = Date.now();
    let sent = 0;
    let fastSent = 0;
    let fastWorstMs = 0;
    r.producerBlocked = false;
    for (let i = 0; i < N; i++) {
      P.write('SEND', { destination: q('SLOW'), 'content-length': BODY.length, receipt: `p${i}` }, BODY);
      if (!(await P.receipt(`p${i}`, 15000))) {
        r.producerBlocked = true;
        break;
      }
      sent++;
      if (i % 20 === 19) {
        const before = F.count.MESSAGE;
        const ft = Date.now();
        P.write('SEND', { destination: q('FAST'), receipt: `f${i}` }, Buffer.from('ping'));
        fastSent++;
        if (!(await F.until(() => F.count.MESSAGE > before, 15000))) {
          r.fastStarved = true;
          break;
        }
        fastWorstMs = Math.max(fastWorstMs, Date.now() - ft);
      }
    }
    r.producerSent = sent;
    r.producerSeconds = (Date.now() - t0) / 1000;
    r.fastServed = `${F.count.MESSAGE}/${fastSent}`;
    r.fastWorstMs = fastWorstMs;
    r.rssAfterPublishMB = rssMB(pid);

    // 1b. A second consumer of the slow subscriber's queue: does it get what S has not read?
    let late = 0;
    if (kind === 'queue') {
      const L = await Stomp.open(port, 'late');
      L.write('SUBSCRIBE', { id: '1', destination: q('SLOW'), ack: 'auto', receipt: 'l' });
      await L.receipt('l', 10000);
      await settle(() => L.count.MESSAGE, () => L.count.MESSAGE >= sent, 3000, 30000);
      late = L.count.MESSAGE;
      r.secondConsumerGot = `${late}/${sent}`;
      L.close();
    }

    // 2. S keeps sending while it does not read.
    const flood = floodOf(S, M, () => S.write('SEND', { destination: q('OTHER'), 'content-length': SMALL.length }, SMALL));
    await settle(() => `${flood.written}/${O.count.MESSAGE}`, () => O.count.MESSAGE >= M, 5000, 60000);
    r.slowSendsTakenWhileNotReading = `${O.count.MESSAGE}/${M}`;
    r.slowWriterBlocked = flood.waiting;
    r.rssWhileCongestedMB = rssMB(pid);
    if (opts.hold !== '0') {
      // Time to look at the broker in this state (e.g. a thread dump of ActiveMQ with jstack).
      process.stdout.write(`${name} (${kind}): congested, holding ${opts.hold} ms\n`);
      await sleep(Number(opts.hold));
    }

    // 3. S reads again.
    const t1 = Date.now();
    S.sock.resume();
    await flood.done;
    await settle(() => `${S.count.MESSAGE}/${O.count.MESSAGE}`, () => S.count.MESSAGE >= sent - late && O.count.MESSAGE >= M, 10000, 120000);
    r.afterReadingSlowGot = `${S.count.MESSAGE}/${sent - late}`;
    r.afterReadingOtherGot = `${O.count.MESSAGE}/${M}`;
    r.afterReadingSeconds = (Date.now() - t1) / 1000;
    r.slowConnectionOpen = !S.closed;
    r.errorsToSlow = S.count.ERROR ? S.lastError : '';
  } finally {
    for (const c of [S, F, O, P]) c.close();
  }
  return r;
}

const results = [];
for (const spec of opts.broker) {
  const [name, rest] = spec.split('=');
  const [port, pid] = rest.split(':').map(Number);
  for (const kind of ['queue', 'topic', 'receipts']) {
    const run = kind === 'receipts' ? receiptScenario(name, port, pid) : scenario(name, port, pid, kind);
    const r = await run.catch((e) => ({ broker: `${name} (${kind})`, error: e.message }));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    results.push(r);
  }
}
const keys = [...new Set(results.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'broker');
process.stdout.write(`\n| | ${results.map((r) => r.broker).join(' | ')} |\n|---|${results.map(() => '---').join('|')}|\n`);
for (const k of keys) process.stdout.write(`| ${k} | ${results.map((r) => String(r[k] ?? '')).join(' | ')} |\n`);
process.exit(0);
