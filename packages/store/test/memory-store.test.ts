import assert from 'node:assert/strict';
import { createStore, MemoryStore } from '../src/index';
import { storeConformance } from './conformance';
import { put } from './fixtures';
import { OpType } from '../src';

storeConformance(
  'MemoryStore',
  async (opts) => {
    const store = new MemoryStore(opts?.logRetentionBatches !== undefined ? { logRetention: opts.logRetentionBatches } : {});
    await store.open();
    return {
      store,
      // Not durable across processes: a reopen keeps the same instance and its state.
      async reopen() {
        await store.close();
        await store.open();
        return store;
      },
      cleanup: () => store.close(),
    };
  },
  { durable: false, retainsLog: true },
);

describe('MemoryStore', () => {
  it('store - the retained log is bounded by logRetention', async () => {
    const s = new MemoryStore({ logRetention: 3 });
    await s.open();
    for (let i = 1; i <= 10; i++) await s.commit([put('queue://B', i)]);
    assert.deepEqual((await s.readLog({ epoch: 0, index: 7 }, 10))?.map((b) => b.position.index), [8, 9, 10]);
    assert.equal(await s.readLog({ epoch: 0, index: 6 }, 10), undefined);
  });

  it('store - a large queue acked from the front stays fast and ordered', async () => {
    const s = new MemoryStore({ logRetention: 0 });
    await s.open();
    const n = 50_000;
    await s.commit(Array.from({ length: n }, (_, i) => put('queue://Big', i + 1)));
    for (let i = 1; i <= n - 10; i += 1000) {
      await s.commit(Array.from({ length: 1000 }, (_, k) => ({ t: OpType.REMOVE_MESSAGE, dest: 'queue://Big', seq: i + k })).filter((op) => op.seq <= n - 10));
    }
    assert.deepEqual((await s.loadMessages('queue://Big', 0, 3)).map((r) => r.seq), [n - 9, n - 8, n - 7]);
    const st = await s.recover();
    assert.deepEqual(st.destinations.map((d) => [d.count, d.firstSeq, d.lastSeq]), [[10, n - 9, n]]);
    assert.equal(s.stats().messages, 10);
  });

  it('store - createStore picks the store for the configuration', () => {
    assert.equal(createStore({ persistent: false }).kind, 'memory');
    assert.equal(createStore({ persistent: true, directory: '/tmp/wharf-never-opened' }).kind, 'leveldb');
    assert.throws(() => createStore({ persistent: true }), /needs a directory/);
  });
});
