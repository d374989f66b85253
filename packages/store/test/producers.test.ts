// The producers' last sequence numbers kept for duplicate detection after a failover or restart
// are bounded: the most recently written ones are kept (LevelStore at open and recovery, the
// MemoryStore as it goes), so a client opening a connection per send cannot grow them forever.
import assert from 'node:assert/strict';
import { encodeNumber } from '../src/codec';
import { producerKey } from '../src/keys';
import { openDb } from '../src/level-db';
import { pruneProducers, trackedProducers } from '../src/level-read';
import { LevelStore, MemoryStore, MAX_TRACKED_PRODUCERS, type StoreOp } from '../src/index';
import { put, tempDir } from './fixtures';

const puts = (from: number, to: number, seq0: number): StoreOp[] => {
  const ops: StoreOp[] = [];
  for (let p = from; p < to; p++) ops.push(put('queue://P', seq0 + p, { producerId: `p${p}`, producerSeq: 100 + p }));
  return ops;
};

describe('store - tracked producers', () => {
  it('store producers - LevelStore keeps the producers written last; an older value counts as oldest; open prunes the rest', async () => {
    const tmp = await tempDir('producers');
    let store = new LevelStore({ directory: tmp.dir });
    try {
      await store.open();
      await store.commit(puts(0, 10, 0));
      await store.commit(puts(10, 15, 0));
      await store.close();
      // The store's files directly, as the store's open and recovery read them.
      const o = await openDb(tmp.dir);
      try {
        await o.db.batch([{ type: 'put', key: producerKey('legacy'), value: encodeNumber(7) }], { sync: false });
        const { kept, stale } = await trackedProducers(o.db, 5);
        assert.deepEqual(kept.map((k) => k.key.toString('utf8', 1)).sort(), ['p10', 'p11', 'p12', 'p13', 'p14']);
        assert.equal(kept.find((k) => k.key.toString('utf8', 1) === 'p12')?.seq, 112);
        assert.equal(stale.length, 11);
        assert.ok(stale.some((k) => k.toString('utf8', 1) === 'legacy'));
      } finally {
        await o.db.close();
        o.release();
      }
      // Everything is within the default bound: recovery has all of them, the legacy value's too.
      store = new LevelStore({ directory: tmp.dir });
      await store.open();
      const st = await store.recover();
      assert.equal(st.producerSeqs.size, 16);
      assert.equal(st.producerSeqs.get('legacy'), 7);
      await store.close();
      const again = await openDb(tmp.dir);
      try {
        assert.equal(await pruneProducers(again.db, 5), 11);
      } finally {
        await again.db.close();
        again.release();
      }
      store = new LevelStore({ directory: tmp.dir });
      await store.open();
      assert.deepEqual([...(await store.recover()).producerSeqs.keys()].sort(), ['p10', 'p11', 'p12', 'p13', 'p14']);
    } finally {
      await store.close();
      await tmp.remove();
    }
  });

  it('store producers - MemoryStore keeps the last MAX_TRACKED_PRODUCERS producers written', async () => {
    const store = new MemoryStore();
    await store.open();
    await store.commit(puts(0, MAX_TRACKED_PRODUCERS, 0));
    // p0 sends again: it is now the most recent; p1 is the oldest and goes first.
    await store.commit([put('queue://P', MAX_TRACKED_PRODUCERS, { producerId: 'p0', producerSeq: 500 }), put('queue://P', MAX_TRACKED_PRODUCERS + 1, { producerId: 'new', producerSeq: 1 })]);
    const st = await store.recover();
    assert.equal(st.producerSeqs.size, MAX_TRACKED_PRODUCERS);
    assert.equal(st.producerSeqs.get('p0'), 500);
    assert.equal(st.producerSeqs.has('p1'), false);
    assert.equal(st.producerSeqs.get('new'), 1);
    await store.close();
  });

  // A producer's mark drops resent duplicates after a failover: every sequence at or below it
  // counts as stored. A message stored late with a lower sequence (a recovered XA branch
  // committed, a transaction committed after later plain sends) must not lower it.
  const late = (store: LevelStore | MemoryStore): Array<Promise<unknown>> => [
    store.commit([put('queue://M', 1, { producerId: 'late', producerSeq: 9 })]),
    store.commit([put('queue://M', 2, { producerId: 'late', producerSeq: 3 }), put('queue://M', 3, { producerId: 'late', producerSeq: 4 })]),
  ];

  it('store producers - MemoryStore never lowers a producer\'s mark', async () => {
    const store = new MemoryStore();
    await store.open();
    await Promise.all(late(store));
    assert.equal((await store.recover()).producerSeqs.get('late'), 9);
    await store.commit([put('queue://M', 4, { producerId: 'late', producerSeq: 10 })]);
    assert.equal((await store.recover()).producerSeqs.get('late'), 10);
    await store.close();
  });

  it('store producers - LevelStore never lowers a producer\'s mark, in one write, merged writes and after a reopen', async () => {
    const tmp = await tempDir('producer-mark');
    let store = new LevelStore({ directory: tmp.dir });
    try {
      await store.open();
      // Queued together: the group writer merges them into one LevelDB write.
      await Promise.all(late(store));
      assert.equal((await store.recover()).producerSeqs.get('late'), 9);
      // One write each, the lower one last.
      await store.commit([put('queue://M', 5, { producerId: 'apart', producerSeq: 20 })]);
      await store.commit([put('queue://M', 6, { producerId: 'apart', producerSeq: 2 })]);
      assert.equal((await store.recover()).producerSeqs.get('apart'), 20);
      await store.close();
      // After a reopen, the mark read from disk is the floor for the next write.
      store = new LevelStore({ directory: tmp.dir });
      await store.open();
      await store.commit([put('queue://M', 7, { producerId: 'apart', producerSeq: 5 })]);
      await store.close();
      store = new LevelStore({ directory: tmp.dir });
      await store.open();
      const st = await store.recover();
      assert.equal(st.producerSeqs.get('late'), 9);
      assert.equal(st.producerSeqs.get('apart'), 20);
    } finally {
      await store.close();
      await tmp.remove();
    }
  });
});
