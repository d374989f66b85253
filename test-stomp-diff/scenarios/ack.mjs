// Ack modes, ACK/NACK errors, transactions.
import { patchHeaders, renumberIds } from '../lib/compare.mjs';

async function fill(t, a, n, dest = t.q(), extra = {}) {
  for (let i = 0; i < n; i++) await a.send('SEND', { destination: dest, receipt: `s${i}`, ...extra }, `m${i}`);
}

/** Reconnect as `name` and take what the queue still holds (a marker ends the wait). */
async function drain(t, name) {
  const c = await t.connect(name);
  await c.send('SEND', { destination: t.q(), receipt: 'marker' }, 'marker');
  await c.send('SUBSCRIBE', { destination: t.q(), id: 'drain', receipt: 'd' });
  await c.until(() => c.messages().some((m) => m.body.toString() === 'marker'), 3000);
  t.observe(`${name}-left`, c.messages().map((m) => m.body.toString()));
  return c;
}

export default [
  {
    name: 'ack-auto-acked-on-dispatch',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 2);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.count(5);
      a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'ack-client-cumulative',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 3);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client', receipt: 'r1' });
      const ms = await a.count(3, 'MESSAGE');
      await a.send('ACK', { id: ms[1]?.h.ack ?? 'none', receipt: 'ack' });
      a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'ack-client-individual',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 3);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client-individual', receipt: 'r1' });
      const ms = await a.count(3, 'MESSAGE');
      await a.send('ACK', { id: ms[1]?.h.ack ?? 'none', receipt: 'ack' });
      a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'ack-unacked-redelivered-after-disconnect',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 1, t.q(), { persistent: 'true' });
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client', receipt: 'r1' });
      await a.nextMessage();
      await a.send('DISCONNECT', { receipt: 'bye' });
      const b = await t.connect('b');
      await b.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client', receipt: 'r1' });
      const m = await b.nextMessage();
      await b.send('ACK', { id: m?.h.ack ?? 'none', receipt: 'ack' });
    },
  },
  {
    name: 'ack-v11-message-id-and-subscription',
    async run(t) {
      const a = await t.connect('a', { 'accept-version': '1.1' });
      await fill(t, a, 2);
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'sub1', ack: 'client-individual', receipt: 'r1' });
      const ms = await a.count(2, 'MESSAGE');
      await a.send('ACK', { 'message-id': ms[0]?.h['message-id'] ?? 'none', subscription: 'sub1', receipt: 'ack' });
      a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'ack-v10-message-id',
    async run(t) {
      const a = await t.connect('a', { 'accept-version': undefined });
      await fill(t, a, 2);
      await a.send('SUBSCRIBE', { destination: t.q(), ack: 'client', receipt: 'r1' });
      const ms = await a.count(2, 'MESSAGE');
      await a.send('ACK', { 'message-id': ms[1]?.h['message-id'] ?? 'none', receipt: 'ack' });
      a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'ack-unknown-message',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client', receipt: 'r1' });
      await a.send('ACK', { id: 'no-such-message', receipt: 'ack' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
      await a.count(5, undefined, 1000);
    },
  },
  {
    name: 'ack-without-id',
    async run(t) {
      const a = await t.connect('a');
      await a.send('ACK', { receipt: 'ack' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'ack-in-auto-mode',
    async run(t) {
      const a = await t.connect('a', { 'accept-version': '1.1' });
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await fill(t, a, 1);
      const m = await a.nextMessage();
      await a.send('ACK', { 'message-id': m?.h['message-id'] ?? 'none', subscription: '1', receipt: 'ack' });
      await a.send('SEND', { destination: t.q('other'), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'ack-twice',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 1);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client-individual', receipt: 'r1' });
      const m = await a.nextMessage();
      await a.send('ACK', { id: m?.h.ack ?? 'none', receipt: 'ack1' });
      await a.send('ACK', { id: m?.h.ack ?? 'none', receipt: 'ack2' });
      await a.send('SEND', { destination: t.q('other'), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'nack-persistent-to-dlq',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 1, t.q(), { persistent: 'true', sd: t.n() });
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client-individual', receipt: 'r1' });
      const m = await a.nextMessage();
      await a.send('NACK', { id: m?.h.ack ?? 'none', receipt: 'nack' });
      await a.send('SUBSCRIBE', { destination: '/queue/ActiveMQ.DLQ', id: 'dlq', selector: `sd = '${t.n()}'`, receipt: 'r2' });
      await a.nextMessage();
    },
  },
  {
    name: 'nack-non-persistent-dropped',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 1, t.q(), { sd: t.n() });
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client', receipt: 'r1' });
      const m = await a.nextMessage();
      await a.send('NACK', { id: m?.h.ack ?? 'none', receipt: 'nack' });
      await a.send('SUBSCRIBE', { destination: '/queue/ActiveMQ.DLQ', id: 'dlq', selector: `sd = '${t.n()}'`, receipt: 'r2' });
      await a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'nack-unknown-message',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client', receipt: 'r1' });
      await a.send('NACK', { id: 'no-such-message', receipt: 'nack' });
      await a.send('SEND', { destination: t.q('other'), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'nack-v10-refused',
    async run(t) {
      const a = await t.connect('a', { 'accept-version': undefined });
      await a.send('NACK', { 'message-id': 'x', receipt: 'nack' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  // ---- transactions -------------------------------------------------------------------------
  {
    name: 'tx-send-commit',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b' });
      await a.send('SEND', { destination: t.q(), transaction: 'tx1', receipt: 's1' }, 'in-tx');
      await t.sleep(200);
      t.observe('before-commit', a.messages().length);
      await a.send('COMMIT', { transaction: 'tx1', receipt: 'c' });
      await a.nextMessage();
    },
  },
  {
    name: 'tx-send-abort',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b' });
      await a.send('SEND', { destination: t.q(), transaction: 'tx1', receipt: 's1' }, 'discarded');
      await a.send('ABORT', { transaction: 'tx1', receipt: 'ab' });
      await a.send('SEND', { destination: t.q(), receipt: 's2' }, 'after');
      await a.nextMessage();
    },
  },
  {
    name: 'tx-ack-then-abort',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 2);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client-individual', receipt: 'r1' });
      const ms = await a.count(2, 'MESSAGE');
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b' });
      await a.send('ACK', { id: ms[0]?.h.ack ?? 'none', transaction: 'tx1', receipt: 'ack' });
      await a.send('ABORT', { transaction: 'tx1', receipt: 'ab' });
      await a.send('SEND', { destination: t.q(), receipt: 'm' }, 'marker');
      await a.until(() => a.messages().some((m) => m.body.toString() === 'marker'));
      await a.send('ACK', { id: ms[0]?.h.ack ?? 'none', receipt: 'ack-again' });
      a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'tx-ack-then-commit',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 2);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client-individual', receipt: 'r1' });
      const ms = await a.count(2, 'MESSAGE');
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b' });
      await a.send('ACK', { id: ms[0]?.h.ack ?? 'none', transaction: 'tx1', receipt: 'ack' });
      await a.send('COMMIT', { transaction: 'tx1', receipt: 'c' });
      a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'tx-client-ack-cumulative-in-tx',
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 3);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client', receipt: 'r1' });
      const ms = await a.count(3, 'MESSAGE');
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b' });
      await a.send('ACK', { id: ms[1]?.h.ack ?? 'none', transaction: 'tx1', receipt: 'ack' });
      await a.send('COMMIT', { transaction: 'tx1', receipt: 'c' });
      a.close();
      await drain(t, 'b');
    },
  },
  {
    name: 'tx-send-unknown-transaction',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.q(), transaction: 'nope', receipt: 's1' }, 'x');
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.count(5, undefined, 1000);
    },
  },
  {
    name: 'tx-commit-unknown-transaction',
    async run(t) {
      const a = await t.connect('a');
      await a.send('COMMIT', { transaction: 'nope', receipt: 'c' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
    },
  },
  {
    name: 'tx-abort-unknown-transaction',
    async run(t) {
      const a = await t.connect('a');
      await a.send('ABORT', { transaction: 'nope', receipt: 'ab' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
    },
  },
  {
    name: 'tx-begin-twice',
    async run(t) {
      const a = await t.connect('a');
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b1' });
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b2' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
    },
  },
  {
    name: 'tx-begin-without-id',
    async run(t) {
      const a = await t.connect('a');
      await a.send('BEGIN', { receipt: 'b1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
    },
  },
  {
    name: 'tx-commit-twice',
    async run(t) {
      const a = await t.connect('a');
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b1' });
      await a.send('COMMIT', { transaction: 'tx1', receipt: 'c1' });
      await a.send('COMMIT', { transaction: 'tx1', receipt: 'c2' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
    },
  },
  {
    name: 'tx-disconnect-discards-open',
    async run(t) {
      const a = await t.connect('a');
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b1' });
      await a.send('SEND', { destination: t.q(), transaction: 'tx1', receipt: 's1' }, 'pending');
      await a.send('DISCONNECT', { receipt: 'bye' });
      await drain(t, 'b');
    },
  },
  {
    name: 'tx-two-interleaved',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.send('BEGIN', { transaction: 'A', receipt: 'bA' });
      await a.send('BEGIN', { transaction: 'B', receipt: 'bB' });
      await a.send('SEND', { destination: t.q(), transaction: 'A', receipt: 'sA' }, 'from A');
      await a.send('SEND', { destination: t.q(), transaction: 'B', receipt: 'sB' }, 'from B');
      await a.send('COMMIT', { transaction: 'B', receipt: 'cB' });
      await a.send('ABORT', { transaction: 'A', receipt: 'aA' });
      await a.nextMessage();
    },
  },
  {
    name: 'tx-nack-in-transaction',
    // docs/ACTIVEMQ-DIFFERENCES.md: the refusal is the same, the text has no Java toString.
    difference: 'ERROR message without the MessageAck dump',
    expect: (rec) => renumberIds(patchHeaders(rec, 'a', undefined, 4, (h) => h.map(([k, v]) => [k, k === 'message' ? 'Poison ack cannot be transacted' : v]))),
    async run(t) {
      const a = await t.connect('a');
      await fill(t, a, 1, t.q(), { persistent: 'true', sd: t.n() });
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', ack: 'client-individual', receipt: 'r1' });
      const m = await a.nextMessage();
      await a.send('BEGIN', { transaction: 'tx1', receipt: 'b' });
      await a.send('NACK', { id: m?.h.ack ?? 'none', transaction: 'tx1', receipt: 'nack' });
      await a.send('ABORT', { transaction: 'tx1', receipt: 'ab' });
      await a.send('SUBSCRIBE', { destination: '/queue/ActiveMQ.DLQ', id: 'dlq', selector: `sd = '${t.n()}'`, receipt: 'r2' });
      await a.count(7, undefined, 1000);
    },
  },
];
