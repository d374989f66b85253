// Honest memory accounting: every body kind counts its real size, and an open transaction's
// sends count against memoryLimit and block or fail as configured (they used to skip it).
import { strict as assert } from 'node:assert';
import { DeliveryMode, ResourceAllocationError, Session, TransactionRolledBackError, type Message } from '@wharf/client';
import { checkFor } from '@wharf/testkit';
import { world, type World } from './helpers';

const KB = 'k'.repeat(1024);
const ENTRIES = 100;

/** Messages of each body kind holding about ENTRIES KB of text (or bytes). */
const KINDS: Record<string, (s: Session) => Message> = {
  text: (s) => s.createTextMessage(KB.repeat(ENTRIES)),
  bytes: (s) => {
    const m = s.createBytesMessage();
    m.writeBytes(new Uint8Array(1024 * ENTRIES * 2));
    return m;
  },
  map: (s) => {
    const m = s.createMapMessage();
    for (let i = 0; i < ENTRIES; i++) m.setString(`k${i}`, KB);
    return m;
  },
  stream: (s) => {
    const m = s.createStreamMessage();
    for (let i = 0; i < ENTRIES; i++) m.writeString(KB);
    return m;
  },
  object: (s) => s.createObjectMessage({ rows: Array.from({ length: ENTRIES }, (_, i) => ({ id: i, text: KB })) }),
};

describe('memory accounting', () => {
  let w: World;
  afterEach(() => w.ledger.closeAll());

  for (const [kind, make] of Object.entries(KINDS)) {
    it(`memory accounting - ${kind === 'object' ? 'an' : 'a'} ${kind} body counts its real size`, async () => {
      w = await world();
      const c = await w.connect();
      const s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
      const p = await s.createProducer(s.createQueue('MEM'));
      p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
      await p.send(make(s));
      await checkFor(5000, () => w.broker.admin.queues().find((x) => x.url === 'queue://MEM')?.pending === 1 || undefined, 'queued');
      const used = w.broker.memory.used;
      // In-memory size: two bytes a character of text, one a byte of bytes.
      assert.ok(used >= ENTRIES * 2048 && used < ENTRIES * 2048 * 1.5, `${kind}: ${used} bytes accounted for ${ENTRIES * 2048} held`);
    });
  }

  it('memory accounting - an open transaction\'s sends are accounted, and released by rollback and by commit then consumption', async () => {
    w = await world();
    const c = await w.connect();
    const s = c.createSession(true, Session.SESSION_TRANSACTED);
    const q = s.createQueue('MEM.TX');
    const p = await s.createProducer(q);
    p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(KB.repeat(10)));
    await checkFor(5000, () => w.broker.memory.used >= 20 * 20 * 1024 || undefined, 'the uncommitted sends are accounted');
    await s.rollback();
    assert.equal(w.broker.memory.used, 0, 'rollback releases them');
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(KB.repeat(10)));
    await s.commit();
    const queued = w.broker.memory.used;
    assert.ok(queued >= 20 * 20 * 1024 && queued < 2 * 20 * 20 * 1024, `after commit the queue holds them once: ${queued}`);
    const cons = await s.createConsumer(q);
    for (let i = 0; i < 20; i++) assert.ok(await cons.receive(2000));
    await s.commit();
    await checkFor(5000, () => w.broker.memory.used === 0 || undefined, 'consumed: nothing accounted');
  });

  it('memory accounting - transacted sends fail past memoryLimit with sendFailIfNoSpace, and the commit rolls back', async () => {
    w = await world({ memoryLimit: 100 * 1024, sendFailIfNoSpace: true });
    const c = await w.connect();
    const errors: Error[] = [];
    c.setExceptionListener((e) => errors.push(e));
    const s = c.createSession(true, Session.SESSION_TRANSACTED);
    const p = await s.createProducer(s.createQueue('MEM.TXFAIL'));
    p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(KB.repeat(10)));
    await assert.rejects(s.commit(), (e: Error) => e instanceof TransactionRolledBackError && /Memory Limit/.test(e.message));
    assert.ok(w.broker.memory.used <= 100 * 1024 + 20 * 1024 + 1024, `memory stayed near its limit: ${w.broker.memory.used}`);
    await checkFor(5000, () => w.broker.memory.used === 0 || undefined, 'the rolled back transaction released its memory');
    assert.equal(w.broker.admin.queues().find((x) => x.url === 'queue://MEM.TXFAIL')?.pending ?? 0, 0, 'nothing of the failed transaction was delivered');
    assert.ok(errors.every((e) => e instanceof ResourceAllocationError), String(errors));
  });

  it('memory accounting - transacted sends block past memoryLimit; the commit waits behind them', async () => {
    w = await world({ memoryLimit: 100 * 1024, sendFailIfNoSpaceAfterTimeout: 300 });
    const c = await w.connect();
    c.setExceptionListener(() => undefined);
    const s = c.createSession(true, Session.SESSION_TRANSACTED);
    const p = await s.createProducer(s.createQueue('MEM.TXBLOCK'));
    p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
    for (let i = 0; i < 20; i++) await p.send(s.createTextMessage(KB.repeat(10)));
    const conn = [...w.broker.connections.values()][0]!;
    await checkFor(5000, () => conn.blockedSends > 0 || undefined, 'sends past the limit wait');
    assert.ok(w.broker.memory.used <= 100 * 1024 + 20 * 1024 + 1024, `memory stayed near its limit: ${w.broker.memory.used}`);
    await assert.rejects(s.commit(), (e: Error) => e instanceof TransactionRolledBackError && /sendFailIfNoSpaceAfterTimeout/.test(e.message));
    await checkFor(5000, () => w.broker.memory.used === 0 || undefined, 'the rolled back transaction released its memory');
  });
});
