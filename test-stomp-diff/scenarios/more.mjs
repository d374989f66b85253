// Further headers of ActiveMQ's mapping and edge cases: retroactive consumers, browsing with a
// selector, expiry at dispatch, 1.1 NACK, remote temporary topics, escapes. (The `transformation`
// header is not here: Debian's ActiveMQ lacks the XStream/Jettison jars its translators need and
// closes the connection, so a recording would show the package, not ActiveMQ.)
export default [
  {
    name: 'subscribe-retroactive-topic',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.topic(), receipt: 's1' }, 'before');
      await a.send('SUBSCRIBE', { destination: t.topic(), id: '1', 'activemq.retroactive': 'true', receipt: 'r1' });
      await a.send('SEND', { destination: t.topic(), receipt: 's2' }, 'after');
      await a.until(() => a.messages().some((m) => m.body.toString() === 'after'));
    },
  },
  {
    name: 'browse-with-selector',
    async run(t) {
      const a = await t.connect('a');
      for (const c of ['red', 'blue', 'red']) await a.send('SEND', { destination: t.q(), color: c, receipt: `s-${c}-${a.frames.length}` }, c);
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'b', browser: 'true', selector: "color = 'red'", receipt: 'r1' });
      await a.count(3, 'MESSAGE');
    },
  },
  {
    name: 'header-line-without-colon',
    async run(t) {
      const a = await t.connect('a');
      a.raw(`SEND\ndestination:${t.q()}\nnocolon\nreceipt:r1\n\nx\0`);
      await a.next(1000);
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'y');
    },
  },
  {
    name: 'expired-at-dispatch-persistent-to-dlq',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SEND', { destination: t.q(), expires: String(Date.now() + 300), persistent: 'true', sd: t.n(), receipt: 's1' }, 'short-lived');
      await t.sleep(700);
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      await a.send('SUBSCRIBE', { destination: '/queue/ActiveMQ.DLQ', id: 'dlq', selector: `sd = '${t.n()}'`, receipt: 'r2' });
      await a.nextMessage();
    },
  },
  {
    name: 'nack-v11-message-id-and-subscription',
    async run(t) {
      const a = await t.connect('a', { 'accept-version': '1.1' });
      await a.send('SEND', { destination: t.q(), persistent: 'true', sd: t.n(), receipt: 's1' }, 'bad');
      await a.send('SUBSCRIBE', { destination: t.q(), id: 'sub', ack: 'client-individual', receipt: 'r1' });
      const m = await a.nextMessage();
      await a.send('NACK', { 'message-id': m?.h['message-id'] ?? 'none', subscription: 'sub', receipt: 'nack' });
      await a.send('SUBSCRIBE', { destination: '/queue/ActiveMQ.DLQ', id: 'dlq', selector: `sd = '${t.n()}'`, receipt: 'r2' });
      await a.nextMessage();
    },
  },
  {
    name: 'header-escaped-colon-in-value',
    async run(t) {
      const a = await t.connect('a');
      await a.send('SUBSCRIBE', { destination: t.q(), id: '1', receipt: 'r1' });
      a.raw(`SEND\ndestination:${t.q()}\ncorrelation-id:a\\cb\ntype:x\\\\y\nkey\\cwith\\ccolons:v\n\nx\0`);
      await a.nextMessage();
    },
  },
  {
    name: 'unsubscribe-v10-by-destination',
    async run(t) {
      const a = await t.connect('a', { 'accept-version': undefined });
      await a.send('SUBSCRIBE', { destination: t.q(), receipt: 'r1' });
      await a.send('UNSUBSCRIBE', { destination: t.q(), receipt: 'u1' });
      await a.send('SEND', { destination: t.q(), receipt: 's1' }, 'nobody');
      await a.send('UNSUBSCRIBE', { destination: t.q(), receipt: 'u2' });
    },
  },
];
