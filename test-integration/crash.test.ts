// A broker under concurrent persistent load killed with SIGKILL at random moments: every send
// that resolved is delivered afterwards, exactly once or marked redelivered; the store reopens.
import { strict as assert } from 'node:assert';
import { ConnectionFactory, Session, type Connection } from '@wharf/client';
import { removeDir, tempDir, startBrokerProcess, type BrokerProcess } from '@wharf/testkit';
import { text } from './helpers';

const ROUNDS = Number(process.env.WHARF_CRASH_ROUNDS ?? 10);

interface Seen { count: number; redeliveredAfterFirst: boolean[] }

describe('crash safety', function () {
  this.timeout(120000);
  let dir: string;
  before(() => {
    dir = tempDir('wharf-crash-');
  });
  after(() => removeDir(dir));

  it(`crash - ${ROUNDS} rounds of kill -9 under load lose no acknowledged send`, async () => {
    const acked = new Set<string>();
    const seen = new Map<string, Seen>();
    let nextId = 0;
    const cfg = { brokerName: 'crash', dataDirectory: dir, persistent: true, transportConnectors: [{ name: 'o', uri: 'tcp://127.0.0.1:0' }] };

    const record = (id: string, redelivered: boolean): void => {
      const s = seen.get(id);
      if (!s) seen.set(id, { count: 1, redeliveredAfterFirst: [] });
      else {
        s.count++;
        s.redeliveredAfterFirst.push(redelivered);
      }
    };

    for (let round = 0; round < ROUNDS; round++) {
      const broker: BrokerProcess = await startBrokerProcess(cfg);
      const conns: Connection[] = [];
      let stop = false;
      const work: Promise<void>[] = [];
      // Producers: 4 connections sending persistent messages synchronously.
      for (let i = 0; i < 4; i++) {
        const c = await new ConnectionFactory(broker.url).createConnection();
        c.setExceptionListener(() => undefined);
        conns.push(c);
        const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        const p = await s.createProducer(s.createQueue('CRASH'));
        work.push((async () => {
          while (!stop) {
            const id = `m${nextId++}`;
            const m = s.createTextMessage(id);
            try {
              await p.send(m);
              acked.add(id);
            } catch {
              return;
            }
          }
        })());
      }
      // A consumer acknowledging as it goes.
      const cc = await new ConnectionFactory(broker.url).createConnection();
      cc.setExceptionListener(() => undefined);
      conns.push(cc);
      await cc.start();
      const cs = cc.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const cons = await cs.createConsumer(cs.createQueue('CRASH'));
      work.push((async () => {
        while (!stop) {
          try {
            const m = await cons.receive(100);
            if (m) record(text(m), m.getJMSRedelivered());
          } catch {
            return;
          }
        }
      })());
      // Let load build up, then kill at a random moment.
      const before = acked.size;
      while (acked.size < before + 50 + Math.floor(Math.random() * 400)) await new Promise((r) => setImmediate(r));
      await broker.kill();
      stop = true;
      await Promise.all(work);
      for (const c of conns) await c.close().catch(() => undefined);
    }

    // Final restart: drain everything left.
    const broker = await startBrokerProcess(cfg);
    try {
      const c = await new ConnectionFactory(broker.url).createConnection();
      await c.start();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const cons = await s.createConsumer(s.createQueue('CRASH'));
      for (let m = await cons.receive(3000); m; m = await cons.receive(500)) record(text(m), m.getJMSRedelivered());
      await c.close();
    } finally {
      await broker.stop();
    }

    const lost = [...acked].filter((id) => !seen.has(id));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged sends were lost`);
    const unmarked = [...seen].filter(([, s]) => s.redeliveredAfterFirst.some((r) => !r));
    assert.deepEqual(unmarked.slice(0, 10).map(([id]) => id), [], 'a duplicate delivery was not marked redelivered');
    assert.ok(acked.size > ROUNDS * 50, `load was applied (${acked.size} sends acknowledged)`);
  });
});
