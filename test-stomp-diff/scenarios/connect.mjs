// CONNECT / STOMP, versions, heart-beats, DISCONNECT, frames out of place.
export default [
  {
    name: 'connect-v12',
    async run(t) {
      await t.connect('a', { 'accept-version': '1.2' });
    },
  },
  {
    name: 'connect-v11',
    async run(t) {
      await t.connect('a', { 'accept-version': '1.1' });
    },
  },
  {
    name: 'connect-v10-no-accept-version',
    async run(t) {
      await t.connect('a', { 'accept-version': undefined });
    },
  },
  {
    name: 'connect-accept-version-list',
    async run(t) {
      await t.connect('a', { 'accept-version': '1.0,1.1,1.2' });
    },
  },
  {
    name: 'connect-unsupported-version',
    async run(t) {
      const a = await t.connect('a', { 'accept-version': '2.0' });
      await a.waitClosed(1000);
    },
  },
  {
    name: 'connect-stomp-command',
    async run(t) {
      const a = await t.connect('a', { command: 'STOMP' });
      await a.send('SEND', { destination: t.q(), receipt: 'r1' }, 'x');
    },
  },
  {
    name: 'connect-client-id-is-session',
    async run(t) {
      await t.connect('a', { 'client-id': t.n('client') });
    },
  },
  {
    name: 'connect-login-passcode',
    async run(t) {
      await t.connect('a', { login: 'user', passcode: 'secret' });
    },
  },
  {
    name: 'connect-second-connect',
    async run(t) {
      const a = await t.connect('a');
      await a.send('CONNECT', { 'accept-version': '1.2', host: 'localhost', receipt: 'again' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'still usable?');
    },
  },
  {
    name: 'connect-frame-before-connect',
    async run(t) {
      const a = await t.open('a');
      await a.send('SEND', { destination: t.q(), receipt: 'early' }, 'too soon');
      await a.send('CONNECT', { 'accept-version': '1.2', host: 'localhost' });
      await a.next();
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'connect-subscribe-before-connect',
    async run(t) {
      const a = await t.open('a');
      a.raw('SUBSCRIBE\ndestination:/queue/x\nid:1\n\n\0');
      await a.next();
      await a.waitClosed(1000);
    },
  },
  {
    name: 'connect-client-id-in-use',
    async run(t) {
      await t.connect('a', { 'client-id': t.n('c') });
      const b = await t.connect('b', { 'client-id': t.n('c') });
      await b.waitClosed(1000);
    },
  },
  {
    name: 'connect-heart-beat-negotiated',
    async run(t) {
      await t.connect('a', { 'heart-beat': '5000,10000' });
    },
  },
  {
    name: 'connect-heart-beat-zero',
    async run(t) {
      await t.connect('a', { 'heart-beat': '0,0' });
    },
  },
  {
    name: 'connect-heart-beat-malformed',
    async run(t) {
      const a = await t.connect('a', { 'heart-beat': 'soon' });
      await a.waitClosed(1000);
    },
  },
  {
    name: 'heart-beat-broker-writes',
    settle: 0,
    async run(t) {
      const a = await t.connect('a', { 'heart-beat': '0,500' });
      await t.sleep(2600);
      t.observe('beats-at-least-3', a.beats.length >= 3);
      const gaps = a.beats.slice(1).map((x, i) => x - a.beats[i]);
      t.time('mean-gap', Math.round(gaps.reduce((s, x) => s + x, 0) / Math.max(1, gaps.length)), { abs: 200, rel: 0.3 });
    },
  },
  {
    name: 'heart-beat-silent-client-closed',
    settle: 0,
    async run(t) {
      const a = await t.connect('a', { 'heart-beat': '500,0' });
      const start = Date.now();
      const closed = await a.waitClosed(6000);
      t.observe('closed', closed);
      t.time('closed-after', Date.now() - start, { abs: 600, rel: 0.5 });
    },
  },
  {
    name: 'heart-beat-client-keeps-alive',
    settle: 0,
    async run(t) {
      const a = await t.connect('a', { 'heart-beat': '400,0' });
      for (let i = 0; i < 8; i++) {
        await t.sleep(200);
        a.raw('\n');
      }
      await a.send('SEND', { destination: t.q(), receipt: 'alive' }, 'x');
    },
  },
  {
    name: 'disconnect-with-receipt',
    async run(t) {
      const a = await t.connect('a');
      await a.send('DISCONNECT', { receipt: 'bye' });
      await a.waitClosed(2000);
    },
  },
  {
    name: 'disconnect-without-receipt',
    async run(t) {
      const a = await t.connect('a');
      await a.send('DISCONNECT', {});
      await a.waitClosed(2000);
    },
  },
  {
    name: 'unknown-command',
    async run(t) {
      const a = await t.connect('a');
      await a.send('FROB', { receipt: 'r1' });
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'lowercase-command',
    async run(t) {
      const a = await t.connect('a');
      await a.send('send', { destination: t.q(), receipt: 'r1' }, 'x');
      await a.send('SEND', { destination: t.q(), receipt: 'after' }, 'x');
    },
  },
  {
    name: 'eol-between-frames-and-crlf',
    async run(t) {
      const a = await t.open('a');
      a.raw('\n\r\nCONNECT\r\naccept-version:1.2\r\nhost:localhost\r\n\r\n\0\n\n');
      await a.next();
      a.raw(`SEND\r\ndestination:${t.q()}\r\nreceipt:crlf\r\n\r\nbody\0\r\n`);
      await a.count(2);
    },
  },
];
