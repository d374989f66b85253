// The failover load (load.mjs) in its own process, so that it can run inside a network
// namespace. argv[2]: failover URL. Commands on stdin, one JSON per line; answers on stdout:
//   {"cmd":"progress","n":N}           → {"ok":true} once N more sends were acknowledged
//   {"cmd":"direct","url":U}           → starts a producer bound to one broker (no failover)
//   {"cmd":"directReport"}             → {"sends":[{start,end,ok}]} of the direct producer
//   {"cmd":"finish","timeoutMs":T}     → stops producers, waits for every acknowledged send to be
//                                         consumed, answers {resolved, missing, unmarked, duplicates,
//                                         ackedBy: {id: [time, broker URL]} of the missing}
import readline from 'node:readline';
import { Load } from './load.mjs';
import { client, until } from './group.mjs';

const { ConnectionFactory, Session } = client;
const load = await new Load(process.argv[2], { producers: 3, consumers: 2, queue: 'PARTITION.LOAD' }).start();
const direct = { sends: [], running: false, conn: null };

function answer(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function runDirect(url) {
  const conn = await new ConnectionFactory(url).createConnection();
  conn.setExceptionListener?.(() => undefined);
  direct.conn = conn;
  direct.running = true;
  const session = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
  const producer = await session.createProducer(session.createQueue('PARTITION.DIRECT'));
  let i = 0;
  while (direct.running) {
    const rec = { id: `d-${++i}`, start: Date.now(), end: 0, ok: false };
    direct.sends.push(rec);
    try {
      await producer.send(session.createTextMessage(rec.id));
      rec.ok = true;
    } catch (err) {
      rec.error = err.message;
      if (/closed/.test(err.message)) break;
    } finally {
      rec.end = Date.now();
    }
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const c = JSON.parse(line);
  try {
    switch (c.cmd) {
      case 'progress':
        await load.progress(c.n, c.timeoutMs ?? 30_000);
        answer({ ok: true });
        break;
      case 'direct':
        runDirect(c.url).catch((err) => direct.sends.push({ start: Date.now(), end: Date.now(), ok: false, error: err.message }));
        answer({ ok: true });
        break;
      case 'directReport':
        answer({ ok: true, sends: direct.sends });
        break;
      case 'finish': {
        await load.stopProducers();
        await until(c.timeoutMs ?? 60_000, () => load.missing().length === 0, 'every acknowledged send to be consumed').catch(() => undefined);
        const missing = load.missing();
        answer({
          ok: true, resolved: load.resolved.size, missing, unmarked: load.unmarkedDuplicates(),
          duplicates: load.duplicates(), errors: load.errors.length,
          // When and through which broker URL each missing send was acknowledged.
          ackedBy: Object.fromEntries(missing.map((id) => [id, load.ackedBy.get(id)])),
        });
        direct.running = false;
        await Promise.all([load.close(), direct.conn?.close().catch(() => undefined)]);
        process.exit(0);
        break;
      }
      default:
        answer({ ok: false, error: `unknown command ${c.cmd}` });
    }
  } catch (err) {
    answer({ ok: false, error: err.message });
  }
});
answer({ ok: true, ready: true });
