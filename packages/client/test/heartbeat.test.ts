import { strict as assert } from 'node:assert';
import { CommandType } from '@wharf/protocol';
import { ConnectionFactory } from '../src/index';
import { fakeBroker } from './fake-broker';

describe('heartbeat', () => {
  it('heartbeat - the requested interval comes from the URL; PINGs keep an idle link alive', async () => {
    const fb = fakeBroker({ heartbeat: 30 });
    try {
      const conn = await new ConnectionFactory(`${fb.url}?wireFormat.maxInactivityDuration=30`).createConnection();
      assert.equal(fb.of(CommandType.HELLO)[0]!.heartbeat, 30);
      await new Promise((r) => setTimeout(r, 250));
      assert.ok(fb.of(CommandType.PING).length >= 2, 'pings while idle');
      assert.equal(conn.isClosed(), false, 'pongs count as traffic');
      await conn.close();
    } finally {
      fb.close();
    }
  });

  it('heartbeat - nothing read for 3 intervals: the exception listener hears it and the connection closes', async () => {
    const fb = fakeBroker({ heartbeat: 30, silent: true });
    try {
      const conn = await new ConnectionFactory(fb.url, { heartbeat: 30 }).createConnection();
      const errors: Error[] = [];
      conn.setExceptionListener((e) => errors.push(e));
      const t = Date.now();
      while (!conn.isClosed() && Date.now() - t < 2000) await new Promise((r) => setTimeout(r, 10));
      assert.ok(conn.isClosed());
      assert.ok(Date.now() - t >= 60);
      assert.match(errors[0]!.message, /no data from the broker/);
    } finally {
      fb.close();
    }
  });
});
