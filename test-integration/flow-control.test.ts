import { strict as assert } from 'node:assert';
import { Session, DeliveryMode, ResourceAllocationError } from '@wharf/client';
import { checkFor, du } from '@wharf/testkit';
import { world, text } from './helpers';

const KB = 'x'.repeat(1024);

describe('producer flow control', () => {
  it('flow control - a full store fails persistent sends with a clear error when sendFailIfNoSpace', async () => {
    const w = await world({ persistent: true, storeLimit: 64 * 1024, sendFailIfNoSpace: true });
    try {
      const c = await w.connect();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('FC.STORE'));
      let sent = 0;
      let failure: unknown;
      for (; sent < 1000; sent++) {
        try {
          await p.send(s.createTextMessage(`${KB}${sent}`));
        } catch (err) {
          failure = err;
          break;
        }
      }
      assert.ok(failure instanceof ResourceAllocationError, `got ${String(failure)}`);
      assert.match((failure as Error).message, /Store is Full.*storeLimit/);
      assert.ok(sent > 10 && sent < 1000, `sent ${sent} before the limit`);
      // The limit is measured on the store's files: they do hold the limit's worth of bytes.
      const files = du(w.broker.config.dataDirectory);
      assert.ok(files >= 64 * 1024, `the store's files hold ${files} bytes when the limit of ${64 * 1024} is reported full`);
      // Everything accepted is still there.
      const cons = await s.createConsumer(s.createQueue('FC.STORE'));
      for (let i = 0; i < sent; i++) assert.equal(text(await cons.receive(2000)), `${KB}${i}`);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('flow control - a producer blocks while memory is full and resumes when a consumer drains', async () => {
    const w = await world({ memoryLimit: 40 * 1024 });
    try {
      const c = await w.connect({ alwaysSyncSend: true });
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('FC.MEM'));
      p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      const N = 100;
      let accepted = 0;
      const producing = (async () => {
        for (let i = 0; i < N; i++) {
          await p.send(s.createTextMessage(`${i}`.padEnd(1024, '.')));
          accepted++;
        }
      })();
      const conn = await checkFor(5000, () => [...w.broker.connections.values()].find((x) => x.blockedSends > 0), 'a blocked producer');
      assert.ok(accepted < N, 'the producer is held back');
      assert.ok(w.broker.memory.full);
      const cons = await (await w.connect()).createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(s.createQueue('FC.MEM'));
      for (let i = 0; i < N; i++) assert.equal(text(await cons.receive(3000)).split('.')[0], `${i}`, 'order kept across the block');
      await producing;
      assert.equal(conn.blockedSends, 0);
    } finally {
      await w.ledger.closeAll();
    }
  });

  it('flow control - a blocked send fails after sendFailIfNoSpaceAfterTimeout', async () => {
    const w = await world({ memoryLimit: 20 * 1024, sendFailIfNoSpaceAfterTimeout: 200 });
    try {
      const c = await w.connect({ alwaysSyncSend: true });
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('FC.TIMEOUT'));
      p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      let failure: unknown;
      for (let i = 0; i < 200 && !failure; i++) await p.send(s.createTextMessage(KB)).catch((e: unknown) => (failure = e));
      assert.ok(failure instanceof ResourceAllocationError);
      assert.match((failure as Error).message, /Memory Limit reached.*waited 200 ms/);
    } finally {
      await w.ledger.closeAll();
    }
  });
});
