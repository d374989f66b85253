// Durable subscriptions, temporary destinations, scheduled delivery, restarts.
import { patchHeaders } from '../lib/compare.mjs';

function durable(t, extra = {}) {
  return { destination: t.topic(), id: 'd', 'activemq.subscriptionName': t.n('sub'), ...extra };
}

/** a asks b's service with a temporary `replyTo` of its own; b answers to the reply-to it got. */
async function requestReply(t, replyTo) {
  const a = await t.connect('a');
  const b = await t.connect('b');
  await b.send('SUBSCRIBE', { destination: t.q('service'), id: 'svc', receipt: 'r1' });
  await a.send('SUBSCRIBE', { destination: replyTo, id: 'rep', receipt: 'r2' });
  await a.send('SEND', { destination: t.q('service'), 'reply-to': replyTo, receipt: 's1' }, 'request');
  const req = await b.nextMessage();
  await b.send('SEND', { destination: req?.h['reply-to'] ?? '/queue/none', receipt: 's2' }, 'reply');
  await a.nextMessage();
}

export default [
  {
    name: 'durable-backlog-while-offline',
    async run(t) {
      const a = await t.connect('a', { 'client-id': t.n('c') });
      await a.send('SUBSCRIBE', durable(t, { receipt: 'r1' }));
      await a.send('DISCONNECT', { receipt: 'bye' });
      const p = await t.connect('p');
      for (let i = 0; i < 2; i++) await p.send('SEND', { destination: t.topic(), persistent: String(i === 0), receipt: `s${i}` }, `m${i}`);
      const b = await t.connect('b', { 'client-id': t.n('c') });
      await b.send('SUBSCRIBE', durable(t, { receipt: 'r2' }));
      await b.count(4);
    },
  },
  {
    name: 'durable-without-client-id',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', durable(t, { receipt: 'r1' }));
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'durable-on-queue-rejected',
    async run(t) {
      const a = await t.connect('a', { 'client-id': t.n('c') });
      await a.send('SUBSCRIBE', durable(t, { destination: t.q(), receipt: 'r1' }));
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
      await a.count(4, undefined, 1000);
    },
  },
  {
    name: 'durable-unsubscribe-removes',
    async run(t) {
      const a = await t.connect('a', { 'client-id': t.n('c') });
      await a.send('SUBSCRIBE', durable(t, { receipt: 'r1' }));
      await a.send('UNSUBSCRIBE', { id: 'd', 'activemq.subscriptionName': t.n('sub'), receipt: 'u1' });
      await t.sleep(500); // ActiveMQ answers before the removal is done
      await a.send('SEND', { destination: t.topic(), receipt: 's1' }, 'lost');
      await a.send('SUBSCRIBE', durable(t, { receipt: 'r2' }));
      await a.send('SEND', { destination: t.topic(), receipt: 's2' }, 'new');
      await a.nextMessage();
    },
  },
  {
    name: 'durable-remove-active-refused',
    async run(t) {
      const a = await t.connect('a', { 'client-id': t.n('c') });
      await a.send('SUBSCRIBE', durable(t, { receipt: 'r1' }));
      await a.send('UNSUBSCRIBE', { 'activemq.subscriptionName': t.n('sub'), receipt: 'u1' });
      await a.send('SEND', { destination: t.topic(), receipt: 's1' }, 'still subscribed?');
      await a.count(4, undefined, 1000);
    },
  },
  {
    name: 'durable-remove-inactive-by-name',
    async run(t) {
      const a = await t.connect('a', { 'client-id': t.n('c') });
      await a.send('SUBSCRIBE', durable(t, { receipt: 'r1' }));
      await a.send('UNSUBSCRIBE', { id: 'd', receipt: 'u1' });
      await a.send('UNSUBSCRIBE', { 'activemq.subscriptionName': t.n('sub'), receipt: 'u2' });
      await a.send('SEND', { destination: t.topic(), persistent: 'true', receipt: 's1' }, 'after removal');
      await a.send('SUBSCRIBE', durable(t, { receipt: 'r2' }));
      await a.send('SEND', { destination: t.topic(), receipt: 's2' }, 'new');
      await a.nextMessage();
    },
  },
  {
    name: 'durable-selector',
    async run(t) {
      const a = await t.connect('a', { 'client-id': t.n('c') });
      await a.send('SUBSCRIBE', durable(t, { selector: 'n > 1', receipt: 'r1' }));
      await a.send('DISCONNECT', { receipt: 'bye' });
      const p = await t.connect('p');
      for (const n of ['1', '2', '3']) await p.send('SEND', { destination: t.topic(), n, persistent: 'true', receipt: `s${n}` }, n);
      const b = await t.connect('b', { 'client-id': t.n('c') });
      await b.send('SUBSCRIBE', durable(t, { selector: 'n > 1', receipt: 'r2' }));
      await b.count(4);
    },
  },
  {
    name: 'durable-client-ack-redelivered',
    // docs/ACTIVEMQ-DIFFERENCES.md: ActiveMQ sends the unacknowledged message of a durable
    // subscription again without `redelivered` (it does set it for a queue); Wharf says so.
    difference: 'redelivered:true on a durable subscription\'s redelivery',
    expect: (rec) => patchHeaders(rec, 'b', 'd', 0, (h) => [...h, ['redelivered', 'true']]),
    async run(t) {
      const a = await t.connect('a', { 'client-id': t.n('c') });
      await a.send('SUBSCRIBE', durable(t, { ack: 'client', receipt: 'r1' }));
      await a.send('SEND', { destination: t.topic(), persistent: 'true', receipt: 's1' }, 'unacked');
      await a.nextMessage();
      await a.send('DISCONNECT', { receipt: 'bye' });
      const b = await t.connect('b', { 'client-id': t.n('c') });
      await b.send('SUBSCRIBE', durable(t, { ack: 'client', receipt: 'r2' }));
      const m = await b.nextMessage();
      await b.send('ACK', { id: m?.h.ack ?? 'none', receipt: 'ack' });
    },
  },
  // ---- temporary destinations -----------------------------------------------------------------
  {
    name: 'temp-queue-request-reply',
    run: (t) => requestReply(t, '/temp-queue/replies'),
  },
  {
    name: 'temp-topic-remote-send',
    run: (t) => requestReply(t, '/temp-topic/events'),
  },
  {
    name: 'temp-topic-send-and-receive',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: '/temp-topic/events', id: 'ev', receipt: 'r1' });
      await a.send('SEND', { destination: '/temp-topic/events', receipt: 's1' }, 'event');
      await a.nextMessage();
    },
  },
  {
    name: 'temp-queue-send-after-owner-left',
    async run(t) {
      const a = await t.connect('a');
      const b = await t.connect('b');
      await b.send('SUBSCRIBE', { destination: t.q('service'), id: 'svc', receipt: 'r1' });
      await a.send('SUBSCRIBE', { destination: '/temp-queue/replies', id: 'rep', receipt: 'r2' });
      await a.send('SEND', { destination: t.q('service'), 'reply-to': '/temp-queue/replies', receipt: 's1' }, 'request');
      const req = await b.nextMessage();
      await a.send('DISCONNECT', { receipt: 'bye' });
      await a.waitClosed();
      await t.sleep(300);
      await b.send('SEND', { destination: req?.h['reply-to'] ?? '/queue/none', receipt: 's2' }, 'too late');
      await b.send('SEND', { destination: t.q('other'), receipt: 'after' }, 'still usable?');
    },
  },
  // ---- scheduled delivery ---------------------------------------------------------------------
  {
    name: 'scheduled-delay',
    settle: 0,
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      const sent = Date.now();
      await a.send('SEND', { destination: t.q(), AMQ_SCHEDULED_DELAY: '1500', receipt: 's1' }, 'later');
      await a.send('SEND', { destination: t.q(), receipt: 's2' }, 'now');
      await a.count(2, 'MESSAGE', 5000);
      const later = a.messages().find((m) => m.body.toString() === 'later');
      // ActiveMQ rounds the start up to 500 ms and its scheduler is slower than the delay: the
      // message comes late, never early.
      const took = later ? later.at - sent : -1;
      t.observe('not-before-the-delay', took >= 1450);
      t.observe('within-3.5-s', took >= 0 && took < 3500);
    },
  },
  {
    name: 'scheduled-period-repeat',
    settle: 0,
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      const sent = Date.now();
      await a.send('SEND', { destination: t.q(), AMQ_SCHEDULED_DELAY: '500', AMQ_SCHEDULED_PERIOD: '500', AMQ_SCHEDULED_REPEAT: '2', receipt: 's1' }, 'tick');
      await a.count(3, 'MESSAGE', 5000);
      const ms = a.messages();
      t.observe('all-within-3-s', ms.length === 3 && ms[2].at - sent < 3000);
      await t.sleep(800);
    },
  },
  {
    name: 'scheduled-delay-not-a-number',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), AMQ_SCHEDULED_DELAY: 'soon', receipt: 's1' }, 'x');
      await a.count(4, undefined, 1000);
    },
  },
  {
    name: 'scheduled-in-transaction',
    settle: 0,
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.send('BEGIN', { transaction: 'tx', receipt: 'b' });
      await a.send('SEND', { destination: t.q(), transaction: 'tx', AMQ_SCHEDULED_DELAY: '500', receipt: 's1' }, 'delayed-tx');
      await a.send('COMMIT', { transaction: 'tx', receipt: 'c' });
      await a.count(6, undefined, 4000);
    },
  },
  // ---- restart -------------------------------------------------------------------------------
  {
    name: 'restart-keeps-persistent-state',
    restart: true,
    async run(t) {
      const a = await t.connect('a', { 'client-id': t.n('c') });
      await a.send('SUBSCRIBE', durable(t, { receipt: 'r1' }));
      await a.send('UNSUBSCRIBE', { id: 'd', receipt: 'u1' });
      await a.send('SEND', { destination: t.q(), persistent: 'true', receipt: 's1' }, 'persistent queue');
      await a.send('SEND', { destination: t.q(), receipt: 's2' }, 'non-persistent queue');
      await a.send('SEND', { destination: t.topic(), persistent: 'true', receipt: 's3' }, 'durable backlog');
      await a.send('SEND', { destination: t.q('sched'), persistent: 'true', AMQ_SCHEDULED_DELAY: '4000', receipt: 's4' }, 'scheduled');
      await a.send('BEGIN', { transaction: 'open', receipt: 'b' });
      await a.send('SEND', { destination: t.q(), persistent: 'true', transaction: 'open', receipt: 's5' }, 'uncommitted');
      await t.restart();
      const b = await t.connect('b', { 'client-id': t.n('c') });
      await b.send('SUBSCRIBE', { destination: t.q(), id: 'q', receipt: 'r2' });
      await b.send('SUBSCRIBE', durable(t, { receipt: 'r3' }));
      await b.send('SUBSCRIBE', { destination: t.q('sched'), id: 'sched', receipt: 'r4' });
      await b.count(3, 'MESSAGE', 8000);
      await t.sleep(300);
    },
  },
];
