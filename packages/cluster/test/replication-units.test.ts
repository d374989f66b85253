// Pieces of replication on their own: the frame codec, the slave's fencing and ordering checks
// against a hand-driven master, and which commits wait for a slave.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { OpType, Journal, LevelStore, encodeBatch } from '@wharf/store';
import { FrameReader, FrameType, encodeFrame, type ReplicationFrame } from '../src/replication/frames';
import { MemoryReplicationHub } from '../src/replication/memory-transport';
import { SlaveReplicator } from '../src/replication/slave';
import { openAndRecover } from '../src/replication/replication-log';
import type { ReplicationLink } from '../src/replication/transport';
import { TestGroup, TestLog, putOps, settlesWithin, waitFor } from './harness';

/** Bytes as arrays of numbers, so Buffer and Uint8Array compare equal. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('replication - frames', () => {
  it('frames - any split of the byte stream decodes to the same frames', () => {
    const frameArb = fc.oneof(
      fc.record({ t: fc.constant(FrameType.ACK), received: fc.nat(), durable: fc.integer({ min: -1, max: 1e9 }) }),
      fc.record({ t: fc.constant(FrameType.REFUSE), reason: fc.string() }),
      fc.record({ t: fc.constant(FrameType.BATCHES), epoch: fc.nat(), items: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }), sync: fc.array(fc.boolean(), { maxLength: 4 }) }),
    );
    fc.assert(fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (frames, cuts) => {
      const bytes = Buffer.concat(frames.map((f) => encodeFrame(f as ReplicationFrame)));
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const reader = new FrameReader();
      const out: ReplicationFrame[] = [];
      let prev = 0;
      for (const p of [...points, bytes.length]) {
        if (p > prev) reader.push(bytes.subarray(prev, p), (f) => out.push(f));
        prev = p;
      }
      assert.equal(out.length, frames.length);
      assert.deepEqual(plain(out), plain(frames));
    }));
  });

  it('frames - a length out of bounds is refused', () => {
    const bad = Buffer.alloc(8);
    bad.writeUInt32BE(0, 0);
    assert.throws(() => new FrameReader().push(bad, () => undefined), /out of bounds/);
  });
});

describe('replication - the slave against a hand-driven master', function () {
  this.timeout(10000);
  let dir: string;
  let store: LevelStore;
  let slave: SlaveReplicator | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wharf-slave-'));
    store = new LevelStore({ directory: dir });
    await store.open();
  });

  afterEach(async () => {
    await slave?.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fake master on the hub: answers HELLO with the frames the test gives. */
  async function fakeMaster(hub: MemoryReplicationHub, answer: (link: ReplicationLink, hello: ReplicationFrame) => void): Promise<string[]> {
    const seen: string[] = [];
    await hub.transport('m').listen('mem', (link) => {
      link.start({
        frame: (f) => {
          seen.push(JSON.stringify(f));
          if (f.t === FrameType.HELLO) answer(link, f);
        },
        closed: () => seen.push('closed'),
      });
    });
    return seen;
  }

  function startSlave(hub: MemoryReplicationHub, log: TestLog, maxEpochSeen: number): SlaveReplicator {
    const s = new SlaveReplicator({
      nodeId: 's', token: '', store, transport: hub.transport('s'), sync: 'quorum_mem', heartbeatMs: 1000, logger: log,
      masterId: 'm', masterUrl: 'mem://m', epoch: maxEpochSeen, maxEpochSeen, onPosition: () => undefined, onFailure: () => undefined,
    });
    s.start();
    return s;
  }

  it('fencing - a slave refuses a master of an epoch older than one it has seen', async () => {
    const hub = new MemoryReplicationHub();
    await fakeMaster(hub, (link) => link.send({ t: FrameType.WELCOME, nodeId: 'm', epoch: 2, snapshot: false }));
    const log = new TestLog('s');
    slave = startSlave(hub, log, 3);
    await waitFor(3000, () => log.has(/dropping the link/), 'the slave to drop the link');
    assert.ok(log.lines.some((l) => /older than epoch 3/.test(JSON.stringify(l.obj))));
    assert.equal(slave.attached, false);
  });

  it('ordering - a batch that does not follow the slave\'s last position is refused; nothing is applied', async () => {
    const hub = new MemoryReplicationHub();
    await fakeMaster(hub, (link) => {
      link.send({ t: FrameType.WELCOME, nodeId: 'm', epoch: 1, snapshot: false });
      // index 2 after 0: a gap.
      link.send({ t: FrameType.BATCHES, epoch: 1, items: [encodeBatch({ position: { epoch: 1, index: 2 }, ops: putOps(1) })], sync: [true] });
    });
    const log = new TestLog('s');
    slave = startSlave(hub, log, 1);
    await waitFor(3000, () => log.has(/dropping the link/), 'the slave to drop the link');
    assert.ok(log.lines.some((l) => /does not follow/.test(JSON.stringify(l.obj))));
    assert.equal(store.position.index, 0);
  });

  /**
   * The store's writes are held from now on (none lands); the function returned fails them, as
   * the end of the process would: the slave process ends before its store has the batches,
   * however late the test gets to look (a loaded machine can run the 20 ms timer first).
   */
  function holdWrites(): () => void {
    const held: Array<(err: Error) => void> = [];
    const apply = store.apply.bind(store);
    store.apply = () => new Promise<void>((_resolve, reject) => void held.push(reject));
    return () => {
      store.apply = apply;
      for (const fail of held.splice(0)) fail(new Error('the process ended before the write'));
    };
  }

  /**
   * A fake master that sends batches 1..3 (`durable` as given) to a slave with a retained log
   * file under `sync`; returns the frames the master saw, the log and the slave.
   */
  async function slaveWithLog(sync: 'quorum_mem' | 'quorum_disk', durable?: boolean): Promise<{ seen: string[]; rlog: Journal; s: SlaveReplicator }> {
    const hub = new MemoryReplicationHub();
    const seen = await fakeMaster(hub, (link) => {
      link.send({ t: FrameType.WELCOME, nodeId: 'm', epoch: 1, snapshot: false });
      const items = [1, 2, 3].map((i) => encodeBatch({ position: { epoch: 1, index: i }, ops: putOps(i) }));
      link.send({ t: FrameType.BATCHES, epoch: 1, items, sync: [true, true, true], ...(durable === undefined ? {} : { durable }) });
    });
    const rlog = new Journal({ directory: join(dir, 'replication-log') });
    await openAndRecover(rlog, store);
    const s = new SlaveReplicator({
      nodeId: 's', token: '', store, transport: hub.transport('s'), sync, heartbeatMs: 1000, logger: new TestLog('s'),
      masterId: 'm', masterUrl: 'mem://m', epoch: 1, maxEpochSeen: 1, onPosition: () => undefined, onFailure: () => undefined, log: rlog,
    });
    s.start();
    return { seen, rlog, s };
  }

  /**
   * The slave process ends before its store has the batches (it is closed under the slave);
   * a restart gives the store batches 1..3 from the retained log.
   */
  async function crashAndRecover(s: SlaveReplicator, rlog: Journal, end: () => void): Promise<void> {
    end();
    await store.close();
    await s.stop().catch(() => undefined); // (writes to the closed store fail: nothing lands)
    await rlog.close();
    store = new LevelStore({ directory: dir });
    await store.open();
    assert.equal(store.position.index, 0);
    const again = new Journal({ directory: join(dir, 'replication-log') });
    assert.equal(await openAndRecover(again, store), 3);
    assert.deepEqual(store.position, { epoch: 1, index: 3 });
    assert.deepEqual((await store.loadMessages('queue://Q', 0, 10)).map((m) => m.seq), [1, 2, 3]);
    await again.close();
  }

  it('crash - batches acknowledged as received survive the slave process: its retained log gives them to the store', async () => {
    const end = holdWrites();
    const { seen, rlog, s } = await slaveWithLog('quorum_mem');
    await waitFor(3000, () => seen.some((f) => f.includes('"received":3')), 'a received ack');
    // The process ends now: the store does not have the batches (they go to it ~20 ms later).
    assert.equal(store.position.index, 0);
    await crashAndRecover(s, rlog, end);
  });

  it('crash - a store that fails while the retained log is given back fails the recovery, and no write is left unhandled', async () => {
    const end = holdWrites();
    const { seen, rlog, s } = await slaveWithLog('quorum_mem');
    await waitFor(3000, () => seen.some((f) => f.includes('"received":3')), 'a received ack');
    end();
    await store.close();
    await s.stop().catch(() => undefined);
    await rlog.close();
    store = new LevelStore({ directory: dir });
    await store.open();
    const unhandled: unknown[] = [];
    const onRejection = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onRejection);
    const again = new Journal({ directory: join(dir, 'replication-log') });
    try {
      // The disk fails under every batch: each write is refused, not only the last one awaited.
      store.apply = () => Promise.reject(new Error('injected: write failed'));
      await assert.rejects(openAndRecover(again, store), /injected: write failed/);
      // Rejections nobody handled are reported after the microtasks of this turn.
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onRejection);
      await again.close();
    }
  });

  it('quorum_disk - a slave acknowledges batches as written once its retained log is synced; a crash before its store has them loses nothing', async () => {
    const end = holdWrites();
    const { seen, rlog, s } = await slaveWithLog('quorum_disk');
    await waitFor(3000, () => seen.some((f) => f.includes('"received":3,"durable":3')), 'a written ack');
    // One acknowledgement, after the sync: received and written together.
    assert.ok(!seen.some((f) => f.includes('"received":3,"durable":0')), 'no ack before the log is on disk');
    // The store gets the batches about 20 ms later: the process ends before that.
    assert.equal(store.position.index, 0);
    await crashAndRecover(s, rlog, end);
  });

  it('quorum_disk - batches the master does not need on this slave\'s disk now (durable: false) are written with its next store write', async () => {
    const { seen, rlog, s } = await slaveWithLog('quorum_disk', false);
    slave = s;
    await waitFor(3000, () => seen.some((f) => f.includes('"received":3,"durable":3')), 'a written ack');
    assert.ok(seen.some((f) => f.includes('"received":3,"durable":0')), 'received first, not synced');
    assert.deepEqual(store.position, { epoch: 1, index: 3 }, 'written means in the store (synced)');
    await slave.stop();
    slave = undefined;
    await rlog.close();
  });

  it('quorum_mem - batches in a frame that asks for no answer at once (ack: false) are acknowledged with their hand-off to the store', async () => {
    const events: string[] = [];
    const apply = store.apply.bind(store);
    store.apply = (batch, opts) => {
      events.push(`apply ${batch.position.index}`);
      return apply(batch, opts);
    };
    const hub = new MemoryReplicationHub();
    await hub.transport('m').listen('mem', (link) => {
      link.start({
        frame: (f) => {
          if (f.t === FrameType.ACK) events.push(`ack ${f.received}`);
          if (f.t !== FrameType.HELLO) return;
          link.send({ t: FrameType.WELCOME, nodeId: 'm', epoch: 1, snapshot: false });
          const items = [1, 2, 3].map((i) => encodeBatch({ position: { epoch: 1, index: i }, ops: putOps(i) }));
          link.send({ t: FrameType.BATCHES, epoch: 1, items: items.slice(0, 2), sync: [true, true], ack: false });
          link.send({ t: FrameType.BATCHES, epoch: 1, items: items.slice(2), sync: [true], ack: false });
        },
        closed: () => undefined,
      });
    });
    const rlog = new Journal({ directory: join(dir, 'replication-log') });
    await openAndRecover(rlog, store);
    slave = new SlaveReplicator({
      nodeId: 's', token: '', store, transport: hub.transport('s'), sync: 'quorum_mem', heartbeatMs: 1000, logger: new TestLog('s'),
      masterId: 'm', masterUrl: 'mem://m', epoch: 1, maxEpochSeen: 1, onPosition: () => undefined, onFailure: () => undefined, log: rlog,
    });
    slave.start();
    await waitFor(3000, () => events.some((e) => e.startsWith('ack')), 'an ack');
    // One answer for both frames, sent when the store is given the batches (not before).
    assert.deepEqual(events.slice(0, 4), ['apply 1', 'apply 2', 'apply 3', 'ack 3']);
    await slave.stop();
    slave = undefined;
    await rlog.close();
  });

  it('streaming - batches that follow are applied and acknowledged (received, then written)', async () => {
    const hub = new MemoryReplicationHub();
    const seen = await fakeMaster(hub, (link) => {
      link.send({ t: FrameType.WELCOME, nodeId: 'm', epoch: 1, snapshot: false });
      const items = [1, 2, 3].map((i) => encodeBatch({ position: { epoch: 1, index: i }, ops: putOps(i) }));
      link.send({ t: FrameType.BATCHES, epoch: 1, items, sync: [true, false, true] });
    });
    slave = startSlave(hub, new TestLog('s'), 1);
    await waitFor(3000, () => seen.some((f) => f.includes('"durable":3')), 'a written ack');
    assert.ok(seen.some((f) => f.includes('"received":3,"durable":0')), 'a received ack first');
    assert.deepEqual(store.position, { epoch: 1, index: 3 });
  });
});

describe('replication - which commits wait for a slave', function () {
  this.timeout(10000);
  let g: TestGroup;
  afterEach(async () => {
    await g?.close();
  });

  it('quorum_mem - frames ask one slave to answer at once; when it is gone the other answers and is asked', async () => {
    g = new TestGroup({ replicationTimeout: 5000 });
    await Promise.all(['n1', 'n2', 'n3'].map((id) => g.add(id)));
    const m = await g.waitForMaster();
    const rs = m.serving!;
    await rs.whenCaughtUp();
    for (let i = 1; i <= 5; i++) await rs.commit(putOps(i));
    const streaming = () => [...rs.sessions].filter((s) => s.isStreaming());
    await waitFor(3000, () => streaming().length === 2, 'both slaves streaming');
    const asked = streaming().filter((s) => s.prompt);
    assert.equal(asked.length, 1, 'floor(3/2) = 1 slave is asked to answer at once');
    const prompt = asked[0]!.nodeId;
    g.network.partition(m.id, prompt);
    // The other slave acknowledges with its store hand-off, and the next frames ask it.
    for (let i = 6; i <= 8; i++) await rs.commit(putOps(i));
    const now = streaming();
    assert.equal(now.length, 1);
    assert.notEqual(now[0]!.nodeId, prompt);
    assert.equal(now[0]!.prompt, true);
    assert.ok(now[0]!.received >= 8);
  });

  it('marks - a delivered mark waits for a slave to hold it; an ack does not', async () => {
    g = new TestGroup({ replicationTimeout: 5000 });
    await Promise.all(['n1', 'n2', 'n3'].map((id) => g.add(id)));
    const m = await g.waitForMaster();
    await m.serving!.commit(putOps(1));
    for (const id of g.nodes.keys()) if (id !== m.id) g.network.partition(m.id, id);
    const ack = m.serving!.commit([{ t: OpType.REMOVE_MESSAGE, dest: 'queue://Q', seq: 1 }], { sync: false });
    assert.equal(await settlesWithin(ack, 100), true, 'an ack is written locally and not waited for');
    const mark = m.serving!.commit([{ t: OpType.MARK_DELIVERED, dest: 'queue://Q', seq: 1 }], { sync: false });
    assert.equal(await settlesWithin(mark, 300), false, 'a delivered mark waits for a slave');
    for (const id of g.nodes.keys()) if (id !== m.id) g.network.heal(m.id, id);
    await mark;
  });
});
