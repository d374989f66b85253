import { strict as assert } from 'node:assert';
import net from 'node:net';
import { ConnectionFactory, JMSSecurityError, Session } from '@wharf/client';
import { CommandType, FrameDecoder, encodeFrame, PROTOCOL_VERSION, type Command } from '@wharf/protocol';
import { checkFor } from '@wharf/testkit';
import { world, text } from './helpers';

describe('connections', () => {
  it('connection - a client that stops sending heartbeats is closed by the broker', async () => {
    const w = await world();
    try {
      const { hostname, port } = new URL(w.url.replace('tcp:', 'http:'));
      const sock = net.connect(Number(port), hostname);
      const got: Command[] = [];
      const dec = new FrameDecoder({ command: (c) => got.push(c), error: () => undefined });
      sock.on('data', (d) => dec.push(d));
      const closed = new Promise<void>((r) => sock.once('close', () => r()));
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write(encodeFrame({ type: CommandType.HELLO, corr: 1, version: PROTOCOL_VERSION, heartbeat: 100 }));
      await checkFor(2000, () => got.find((c) => c.type === CommandType.WELCOME), 'WELCOME');
      assert.equal((got[0] as Extract<Command, { type: 2 }>).heartbeat, 100);
      // Say nothing more: the broker pings, then gives up after three silent intervals.
      await closed;
      assert.ok(got.some((c) => c.type === CommandType.PING), 'the broker pinged first');
      const err = got.find((c) => c.type === CommandType.ERROR) as Extract<Command, { type: 20 }> | undefined;
      assert.match(err?.message ?? '', /heartbeat/);
      assert.equal(w.broker.connections.size, 0);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('connection - with users configured, bad credentials are refused and good ones work', async () => {
    const w = await world({ users: [{ username: 'admin', password: 's3cret' }] });
    try {
      await assert.rejects(new ConnectionFactory(w.url).createConnection('admin', 'wrong'), (e: Error) => e instanceof JMSSecurityError && /User name \[admin\] or password is invalid/.test(e.message));
      await assert.rejects(new ConnectionFactory(w.url).createConnection(), JMSSecurityError);
      const c = w.ledger.add(await new ConnectionFactory(w.url).createConnection('admin', 's3cret'), (x) => x.close());
      await c.start();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      await (await s.createProducer(s.createQueue('AUTH'))).send(s.createTextMessage('ok'));
      const m = await (await s.createConsumer(s.createQueue('AUTH'))).receive(1000);
      assert.equal(text(m), 'ok');
      assert.equal(m!.getStringProperty('JMSXUserID'), 'admin');
    } finally {
      await w.ledger.closeAll();
    }
  });
});
