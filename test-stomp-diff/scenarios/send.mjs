// SEND: header mapping, bodies, destinations, errors, priorities, expiry, receipts.

/** SEND each [headers, body] (with receipts), then SUBSCRIBE and take `n` messages. */
async function roundTrip(t, sends, { sub = {}, n = sends.length, version = '1.2' } = {}) {
  const a = await t.connect('a', { 'accept-version': version === '1.0' ? undefined : version });
  let i = 0;
  for (const [h, body] of sends) await a.send('SEND', { destination: t.q(), receipt: `s${++i}`, ...h }, body ?? '');
  await a.send('SUBSCRIBE', { destination: t.q(), id: 'sub', receipt: 'subscribed', ...sub });
  await a.count(i + 2 + n);
  return a;
}

export default [
  {
    name: 'send-basic-text',
    async run(t) {
      await roundTrip(t, [[{}, 'hello']]);
    },
  },
  {
    name: 'send-jms-headers',
    async run(t) {
      await roundTrip(t, [[{
        'correlation-id': 'corr-1', type: 'Order', priority: '7', 'reply-to': t.q('replies'),
        JMSXGroupID: 'g1', JMSXGroupSeq: '3', persistent: 'true', expires: String(Date.now() + 3600000),
      }, 'jms']]);
    },
  },
  {
    name: 'send-custom-properties',
    async run(t) {
      await roundTrip(t, [[{ color: 'red', num: '10', 'content-type': 'text/plain', empty: '' }, 'props']]);
    },
  },
  {
    name: 'send-reply-to-not-a-destination',
    async run(t) {
      await roundTrip(t, [[{ 'reply-to': 'just-a-name' }, 'x']]);
    },
  },
  {
    name: 'send-reply-to-topic',
    async run(t) {
      await roundTrip(t, [[{ 'reply-to': t.topic('replies') }, 'x']]);
    },
  },
  {
    name: 'send-stripped-headers',
    async run(t) {
      await roundTrip(t, [[{ 'message-id': 'mine', redelivered: 'true', subscription: 'nope', JMSXUserID: 'mallory' }, 'x']]);
    },
  },
  {
    name: 'send-timestamp-header',
    async run(t) {
      await roundTrip(t, [[{ timestamp: '1000' }, 'x']]);
    },
  },
  {
    name: 'send-persistent-false',
    async run(t) {
      await roundTrip(t, [[{ persistent: 'false' }, 'x'], [{ persistent: 'TRUE' }, 'y']]);
    },
  },
  {
    name: 'send-content-length-bytes',
    async run(t) {
      await roundTrip(t, [[{ 'content-length': '5' }, 'bytes']]);
    },
  },
  {
    name: 'send-binary-body-with-nul',
    async run(t) {
      const body = Buffer.from([0, 1, 2, 255, 0, 10, 13, 0]);
      await roundTrip(t, [[{ 'content-length': String(body.length) }, body]]);
    },
  },
  {
    name: 'send-utf8-body',
    async run(t) {
      await roundTrip(t, [[{}, 'héllo wörld ✓ 日本']]);
    },
  },
  {
    name: 'send-empty-body',
    async run(t) {
      await roundTrip(t, [[{}, ''], [{ 'content-length': '0' }, '']]);
    },
  },
  {
    name: 'send-large-text-body',
    async run(t) {
      await roundTrip(t, [[{}, 'x'.repeat(1024 * 1024)]]);
    },
  },
  {
    name: 'send-large-binary-body',
    async run(t) {
      const body = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
      await roundTrip(t, [[{ 'content-length': String(body.length), persistent: 'true' }, body]]);
    },
  },
  {
    name: 'send-without-destination',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { receipt: 'r1' }, 'nowhere');
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'send-without-destination-no-receipt',
    async run(t) {
      const a = await t.connect('a');
      a.raw('SEND\n\nnowhere\0');
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'send-destination-without-prefix',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.n('plain'), receipt: 'r1' }, 'x');
      await a.send('SUBSCRIBE', { destination: t.q('plain'), id: '1', receipt: 'r2' });
      await a.count(4, undefined, 1000);
    },
  },
  {
    name: 'send-unknown-destination-prefix',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: `/bogus/${t.n()}`, receipt: 'r1' }, 'x');
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'send-queue-name-with-slashes',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: `${t.q()}/with/slash`, receipt: 'r1' }, 'x');
      await a.send('SUBSCRIBE', { destination: `${t.q()}/with/slash`, id: '1', receipt: 'r2' });
      await a.count(4);
    },
  },
  {
    name: 'send-priority-fifo-default',
    async run(t) {
      await roundTrip(t, [[{ priority: '1' }, 'p1'], [{ priority: '9' }, 'p9'], [{ priority: '4' }, 'p4'], [{}, 'default']]);
    },
  },
  {
    name: 'send-priority-clamped',
    async run(t) {
      await roundTrip(t, [[{ priority: '15' }, 'high'], [{ priority: '-3' }, 'low']]);
    },
  },
  {
    name: 'send-priority-not-a-number',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.q(), priority: 'urgent', receipt: 'r1' }, 'x');
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r2' });
      await a.count(5, undefined, 1000);
    },
  },
  {
    name: 'send-expires-not-a-number',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.q(), expires: 'tomorrow', receipt: 'r1' }, 'x');
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
    },
  },
  {
    name: 'send-expired-non-persistent-dropped',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.q(), expires: String(Date.now() - 10000), receipt: 'r1' }, 'stale');
      await a.send('SEND', { destination: t.q(), receipt: 'r2' }, 'fresh');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r3' });
      await a.nextMessage();
    },
  },
  {
    name: 'send-expired-persistent-to-dlq',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.q(), expires: String(Date.now() - 10000), persistent: 'true', sd: t.n(), receipt: 'r1' }, 'stale');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r2' });
      await a.send('SUBSCRIBE', { destination: '/queue/ActiveMQ.DLQ', id: 'dlq', selector: `sd = '${t.n()}'`, receipt: 'r3' });
      await a.nextMessage();
    },
  },
  {
    name: 'send-receipts-in-frame-order',
    async run(t) {
      const a = await t.connect('a');
      const frames = [];
      for (let i = 0; i < 20; i++) {
        frames.push(`SEND\ndestination:${t.q()}\nreceipt:p${i}\npersistent:${i % 3 === 0 ? 'true' : 'false'}\n\nbody ${i}\0`);
        if (i % 5 === 4) frames.push(`SUBSCRIBE\ndestination:${t.q(`other${i}`)}\nid:${i}\nreceipt:sub${i}\n\n\0`);
      }
      a.raw(frames.join(''));
      await a.count(25);
    },
  },
  {
    name: 'send-to-topic-without-subscriber',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.topic(), receipt: 'r1' }, 'lost');
      await a.send('SUBSCRIBE', { destination: t.topic(), id: '1', receipt: 'r2' });
      await a.send('SEND', { destination: t.topic(), receipt: 'r3' }, 'seen');
      await a.nextMessage();
    },
  },
  {
    name: 'send-composite-queues',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: `${t.q('A')},${t.q('B')}`, receipt: 'r1' }, 'both');
      await a.send('SUBSCRIBE', { destination: t.q('A'), id: 'A', receipt: 'r2' });
      await a.send('SUBSCRIBE', { destination: t.q('B'), id: 'B', receipt: 'r3' });
      await a.count(5);
    },
  },
  {
    name: 'send-composite-second-without-prefix',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: `${t.q('A')},${t.n('B')}`, receipt: 'r1' }, 'both');
      await a.send('SUBSCRIBE', { destination: t.q('A'), id: 'A', receipt: 'r2' });
      await a.send('SUBSCRIBE', { destination: t.q('B'), id: 'B', receipt: 'r3' });
      await a.count(5, undefined, 1000);
    },
  },
  {
    name: 'send-composite-queue-and-topic',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.topic('T'), id: 'T', receipt: 'r1' });
      await a.send('SEND', { destination: `${t.q('A')},${t.topic('T')}`, receipt: 'r2' }, 'mixed');
      await a.send('SUBSCRIBE', { destination: t.q('A'), id: 'A', receipt: 'r3' });
      await a.count(5);
    },
  },
  {
    name: 'send-v10-message-format',
    async run(t) {
      await roundTrip(t, [[{ color: 'blue' }, 'old']], { version: '1.0', sub: { id: undefined } });
    },
  },
  {
    name: 'send-v11-message-format',
    async run(t) {
      await roundTrip(t, [[{ color: 'blue' }, 'eleven']], { version: '1.1', sub: { ack: 'client' } });
    },
  },
];
