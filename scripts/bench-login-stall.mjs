// Login burst benchmark: N clients log in at once as N different scrypt-hashed users (each one's
// first login pays scrypt) while another connection sends and receives messages in a loop. The
// broker runs in this process so its event loop can be watched: the longest event-loop delay and
// the slowest round trip of the other connection during the burst. For comparison the same
// scrypt work runs as the former login path did it: one scryptSync per login, each in its own
// event-loop callback (as each HELLO was handled in its socket's), with the same ping loop.
// Writes docs/PERFORMANCE.md (section bench-login-stall).
//   node scripts/bench-login-stall.mjs [--logins 32] [--no-write]
import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { Broker, hashPassword, verifyPassword } from '@wharf/broker';
import { ConnectionFactory, Session } from '@wharf/client';
import { machineLine, writeSection } from './bench-lib.mjs';

const { values: o } = parseArgs({ options: { logins: { type: 'string', default: '32' }, 'no-write': { type: 'boolean', default: false } } });
const N = Number(o.logins);
const users = Array.from({ length: N }, (_, i) => ({ username: `u${i}`, password: hashPassword(`pw${i}`), groups: ['users'] }));
/** A hash as verifyPassword takes it. */
function parsed(hash) {
  const [, n, r, p, salt, key] = hash.split('$');
  return { n: Number(n), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

async function burst(sync) {
  const broker = new Broker({
    brokerName: 'login-stall', persistent: false, dataDirectory: path.join(os.tmpdir(), 'wharf-unused'), logLevel: 'silent',
    transportConnectors: [{ name: 'tcp', uri: 'tcp://127.0.0.1:0' }],
    users: [...users, { username: 'app', password: 'app-pw', groups: ['users'] }],
  });
  await broker.start();
  const url = broker.connectorUrl('tcp');
  const app = await new ConnectionFactory(url).createConnection('app', 'app-pw');
  await app.start();
  const s = app.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const q = s.createQueue('PING');
  const producer = await s.createProducer(q);
  const consumer = await s.createConsumer(q);
  let running = true;
  let trips = 0;
  let slowest = 0;
  const pinging = (async () => {
    while (running) {
      const t = performance.now();
      await producer.send(s.createTextMessage('ping'));
      await consumer.receive(30000);
      slowest = Math.max(slowest, performance.now() - t);
      trips++;
    }
  })();
  // The longest gap between ticks of a 5 ms timer: how long the event loop was held at once.
  let last = performance.now();
  let loopMax = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    loopMax = Math.max(loopMax, now - last - 5);
    last = now;
  }, 5);
  const t0 = performance.now();
  const conns = sync
    ? await Promise.all(users.map((u, i) => new Promise((resolve) => setImmediate(() => resolve(verifyPassword(parsed(u.password), `pw${i}`)))))).then(() => [])
    : await Promise.all(users.map((u, i) => new ConnectionFactory(url).createConnection(u.username, `pw${i}`)));
  const ms = performance.now() - t0;
  running = false;
  await pinging;
  await new Promise((r) => setTimeout(r, 10)); // one more tick after the burst
  clearInterval(ticker);
  for (const c of conns) await c.close();
  await app.close();
  await broker.stop();
  return { ms, trips, slowest, loopMax };
}

const a = await burst(false);
const b = await burst(true);
const f = (x) => x.toFixed(0);
const md = `## Login burst: scrypt off the event loop

\`node scripts/bench-login-stall.mjs --logins ${N}\` — ${machineLine()}, load average ${os.loadavg()[0].toFixed(1)} when measured
(a shared machine: the delays include other processes' use of both cores)

${N} clients log in at once as ${N} scrypt-hashed users (N=16384, r=8: each user's first login
pays one scrypt) while another connection of the same broker sends and receives messages in a
loop. For comparison, the same ${N} verifications as the former login path did them: scryptSync,
each in its own event-loop callback.

| | scrypt on the thread pool (now) | scryptSync on the event loop (before) |
|---|---|---|
| all ${N} logins (verifications) done | ${f(a.ms)} ms | ${f(b.ms)} ms |
| round trips of the other connection meanwhile | ${a.trips} | ${b.trips} |
| its slowest round trip | ${f(a.slowest)} ms | ${f(b.slowest)} ms |
| longest event-loop delay | ${f(a.loopMax)} ms | ${f(b.loopMax)} ms |
`;
console.log(md);
if (!o['no-write']) writeSection('bench-login-stall', md);
