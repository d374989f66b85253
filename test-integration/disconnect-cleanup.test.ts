// Whatever a connection opened is released when it goes, however it goes: consumers (queue,
// durable, browser, pull), durable subscriptions, temporary destinations, transactions,
// producers, its clientID and its blocked sends. And no ghost consumer survives it.
import { strict as assert } from 'node:assert';
import { CommandType, type Command } from '@wharf/protocol';
import { checkFor } from '@wharf/testkit';
import { hello, raw, wireMessage, world, type RawPeer, type World } from './helpers';

type Ending = 'socket destroyed' | 'SHUTDOWN command' | 'fatal protocol error';
const ENDINGS: Ending[] = ['socket destroyed', 'SHUTDOWN command', 'fatal protocol error'];

async function end(p: RawPeer, how: Ending): Promise<void> {
  if (how === 'socket destroyed') p.sock.destroy();
  else if (how === 'SHUTDOWN command') p.send({ type: CommandType.SHUTDOWN });
  else p.sock.write(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
  await p.closed;
}

async function answer(p: RawPeer, corr: number): Promise<Command> {
  for (;;) {
    const c = await p.next();
    if ((c as { corr?: number }).corr === corr) return c;
  }
}

async function open(w: World, clientId = 'cleanup'): Promise<RawPeer> {
  const p = await raw(w.url);
  await hello(p, { clientId });
  p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 2 });
  p.send({ type: CommandType.SESSION_OPEN, sessionId: 2, ackMode: 0 });
  return p;
}

const gone = (w: World): Promise<true> => checkFor(5000, () => w.broker.connections.size === 0 || undefined, 'the connection is gone');

describe('disconnect cleanup', () => {
  let w: World;
  beforeEach(async () => {
    w = await world({ persistent: true, memoryLimit: 1024 * 1024 });
  });
  afterEach(() => w.ledger.closeAll());

  for (const how of ENDINGS) {
    it(`disconnect cleanup - ${how}: a queue consumer's in-flight message goes back, redelivered`, async () => {
      await w.broker.send(wireMessage({ destination: 'queue://CQ' }), null);
      const p = await open(w);
      p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'queue://CQ', prefetch: 10 });
      assert.equal((await answer(p, 2)).type, CommandType.RECEIPT);
      assert.equal((await p.next()).type, CommandType.DISPATCH);
      await end(p, how);
      await gone(w);
      const q = w.broker.queues.get('queue://CQ')!;
      assert.equal(q.consumers.length, 0);
      assert.equal(q.inflightCount, 0);
      assert.equal(w.broker.admin.queues().find((x) => x.url === 'queue://CQ')?.pending, 1);
      assert.equal(q.snapshot()[0]!.redelivered, true);
    });

    it(`disconnect cleanup - ${how}: a durable subscription becomes inactive, and its owner can reopen it`, async () => {
      const p = await open(w);
      p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'topic://CT', prefetch: 10, durableName: 'd' });
      assert.equal((await answer(p, 2)).type, CommandType.RECEIPT);
      await end(p, how);
      await gone(w);
      assert.equal(w.broker.durables.get('cleanup:d')?.active, null);
      const again = await open(w);
      again.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'topic://CT', prefetch: 10, durableName: 'd' });
      assert.equal((await answer(again, 2)).type, CommandType.RECEIPT, 'the clientID and the subscription were released');
      again.sock.destroy();
    });

    it(`disconnect cleanup - ${how}: temporary destinations, transactions, producers and browsers go`, async () => {
      const p = await open(w);
      p.send({ type: CommandType.TEMP_CREATE, corr: 2, destination: 'temp-queue://cleanup-t1' });
      assert.equal((await answer(p, 2)).type, CommandType.RECEIPT);
      p.send({ type: CommandType.PRODUCER_OPEN, corr: 3, sessionId: 1, producerId: 'pp:1', destination: 'queue://CP' });
      assert.equal((await answer(p, 3)).type, CommandType.RECEIPT);
      p.send({ type: CommandType.TX_BEGIN, corr: 4, sessionId: 2, txId: 'tx1' });
      p.send({ type: CommandType.SEND, corr: 5, producerId: 'pp:1', txId: 'tx1', message: wireMessage({ destination: 'queue://CTX', producerId: 'pp:1', deliveryMode: 1 }) });
      assert.equal((await answer(p, 5)).type, CommandType.RECEIPT);
      p.send({ type: CommandType.CONSUMER_OPEN, corr: 6, sessionId: 1, consumerId: 7, destination: 'queue://CB', prefetch: 0, browser: true });
      p.send({ type: CommandType.CONSUMER_OPEN, corr: 8, sessionId: 1, consumerId: 8, destination: 'queue://CPULL', prefetch: 0 });
      assert.equal((await answer(p, 8)).type, CommandType.RECEIPT);
      p.send({ type: CommandType.PULL, consumerId: 8, timeout: -1 });
      const conn = [...w.broker.connections.values()][0]!;
      await checkFor(5000, () => conn.consumers.get(8)?.pullCredit === 1 || undefined, 'the pull is waiting');
      await end(p, how);
      await gone(w);
      assert.equal(w.broker.queues.has('temp-queue://cleanup-t1'), false, 'temporary queue removed');
      assert.equal(conn.producers.size, 0, 'producers closed');
      assert.equal(conn.consumers.size, 0, 'consumers closed');
      assert.equal(w.broker.queues.get('queue://CPULL')?.consumers.length ?? 0, 0, 'pull consumer detached');
      assert.equal(w.broker.admin.queues().find((x) => x.url === 'queue://CTX')?.pending ?? 0, 0, 'the uncommitted transaction was discarded');
      assert.equal(w.broker.memory.used, 0, 'nothing of the connection is still accounted in memory');
      assert.equal(w.broker.clientIds.has('cleanup'), false, 'clientID released');
    });
  }

  it('disconnect cleanup - a durable and a queue CONSUMER_OPEN with one consumer id: the second is refused, no ghost is left', async () => {
    await w.broker.send(wireMessage({ destination: 'queue://GQ' }), null);
    const p = await open(w);
    p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'topic://GT', prefetch: 10, durableName: 'g' });
    p.send({ type: CommandType.CONSUMER_OPEN, corr: 3, sessionId: 1, consumerId: 1, destination: 'queue://GQ', prefetch: 10 });
    const second = await answer(p, 3);
    assert.equal(second.type, CommandType.ERROR);
    assert.match((second as Extract<Command, { type: 20 }>).message, /consumer 1 already exists/);
    p.sock.destroy();
    await gone(w);
    const q = w.broker.queues.get('queue://GQ')!;
    assert.equal(q.consumers.length, 0, 'no ghost consumer on the queue');
    assert.equal(q.inflightCount, 0, 'no message held in flight');
    assert.equal(w.broker.durables.get('cleanup:g')?.active ?? null, null);
  });

  it('disconnect cleanup - a durable subscriber whose connection drops while it opens does not stay active', async () => {
    // The subscription's write is held until the connection is gone (a slow disk).
    const store = w.broker.store;
    const commit = store.commit.bind(store);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let holding = false;
    store.commit = (ops, o) => {
      if (!ops.some((op) => op.t === 3)) return commit(ops, o);
      holding = true;
      return held.then(() => commit(ops, o));
    };
    const p = await raw(w.url);
    p.send({ type: CommandType.HELLO, corr: 1, version: 1, heartbeat: 0, clientId: 'early' });
    p.send({ type: CommandType.SESSION_OPEN, sessionId: 1, ackMode: 1 });
    p.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'topic://ET', prefetch: 10, durableName: 'e' });
    await checkFor(5000, () => holding || undefined, 'the subscription is being written');
    p.sock.destroy();
    await gone(w);
    release();
    await checkFor(5000, () => w.broker.durables.has('early:e') || undefined, 'the subscription was written');
    const again = await open(w, 'early');
    again.send({ type: CommandType.CONSUMER_OPEN, corr: 2, sessionId: 1, consumerId: 1, destination: 'topic://ET', prefetch: 10, durableName: 'e' });
    assert.equal((await answer(again, 2)).type, CommandType.RECEIPT, 'not "Durable consumer is in use"');
    again.sock.destroy();
  });
});
