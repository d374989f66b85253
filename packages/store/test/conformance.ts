// The one Store conformance suite (docs/CONVENTIONS.md: one contract, one conformance suite): every store passes it. Tests marked durable run
// only for stores whose state survives a reopen by a new instance (LevelStore).
import assert from 'node:assert/strict';
import { StoreError } from '@wharf/protocol';
import { ZERO_POSITION, type LogBatch, type Position, type RecoveredState, type Store, type StoreOp } from '../src/index';
import { msg, put, rejection, sub } from './fixtures';
import { OpType } from '../src';

export interface StoreHarness {
  /** An open store. */
  store: Store;
  /** Close the store and open it again (a new instance for a durable store); returns it open. */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  /** Retained log bound in batches. */
  logRetentionBatches?: number;
}

export interface ConformanceOptions {
  /** State survives reopen by a new instance (a new process). */
  durable: boolean;
  /** readLog serves the batches it retains (MemoryStore); LevelStore keeps none (a Journal does). */
  retainsLog: boolean;
}

const seqs = (rows: Array<{ seq: number }>): number[] => rows.map((r) => r.seq);
const pos = (epoch: number, index: number): Position => ({ epoch, index });

export function storeConformance(
  name: string,
  makeStore: (opts?: HarnessOptions) => Promise<StoreHarness>,
  { durable, retainsLog }: ConformanceOptions,
): void {
  describe(`${name} conformance`, function () {
    let h: StoreHarness | undefined;
    const open = async (opts?: HarnessOptions): Promise<Store> => {
      h = await makeStore(opts);
      return h.store;
    };
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it('store - commit assigns consecutive positions, in the current epoch', async () => {
      const s = await open();
      assert.deepEqual(s.position, ZERO_POSITION);
      assert.deepEqual(await s.commit([put('queue://A', 1)]), pos(0, 1));
      assert.deepEqual(await s.commit([put('queue://A', 2)], { sync: false }), pos(0, 2));
      s.setEpoch(3);
      assert.deepEqual(await s.commit([]), pos(3, 3));
      assert.deepEqual(s.position, pos(3, 3));
      s.setEpoch(1); // never goes back: positions only grow
      assert.deepEqual(await s.commit([put('queue://A', 3)]), pos(3, 4));
      assert.equal(s.stats().commits, 4);
    });

    it('store - group commit: concurrent sync commits resolve in order with consecutive positions', async () => {
      const s = await open();
      await s.commit([put('queue://G', 1)]);
      const before = s.stats();
      const order: number[] = [];
      const all = Array.from({ length: 200 }, (_, i) =>
        s.commit([put('queue://G', i + 2)], { sync: true }).then((p) => {
          order.push(i);
          return p;
        }),
      );
      const positions = await Promise.all(all);
      assert.deepEqual(order, Array.from({ length: 200 }, (_, i) => i));
      positions.forEach((p, i) => assert.deepEqual(p, pos(0, i + 2)));
      const after = s.stats();
      assert.equal(after.commits - before.commits, 200);
      if (durable) assert.ok(after.syncs - before.syncs <= 20, `200 sync commits took ${after.syncs - before.syncs} syncs`);
      assert.equal((await s.loadMessages('queue://G', 0, 1000)).length, 201);
    });

    it('store - messages are stored, read in seq order, fetched and removed', async () => {
      const s = await open();
      for (const seq of [5, 1, 3]) await s.commit([put('queue://Q', seq)]);
      await s.commit([put('queue://Other', 2)]);
      assert.deepEqual(seqs(await s.loadMessages('queue://Q', 0, 10)), [1, 3, 5]);
      assert.deepEqual(await s.getMessage('queue://Q', 3), msg(3, { destination: 'queue://Q' }));
      assert.equal(await s.getMessage('queue://Q', 2), undefined);
      assert.equal(s.stats().messages, 4);
      await s.commit([{ t: OpType.REMOVE_MESSAGE, dest: 'queue://Q', seq: 3 }]);
      assert.deepEqual(seqs(await s.loadMessages('queue://Q', 0, 10)), [1, 5]);
      assert.equal(await s.getMessage('queue://Q', 3), undefined);
      assert.deepEqual(seqs(await s.loadMessages('queue://Other', 0, 10)), [2]);
      assert.deepEqual(await s.loadMessages('queue://Nope', 0, 10), []);
      assert.equal(s.stats().messages, 3);
    });

    it('store - loadMessages pages with afterSeq and limit', async () => {
      const s = await open();
      await s.commit(Array.from({ length: 25 }, (_, i) => put('queue://P', i + 1)));
      assert.deepEqual(seqs(await s.loadMessages('queue://P', 0, 10)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(seqs(await s.loadMessages('queue://P', 10, 10)), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
      assert.deepEqual(seqs(await s.loadMessages('queue://P', 20, 10)), [21, 22, 23, 24, 25]);
      assert.deepEqual(await s.loadMessages('queue://P', 25, 10), []);
      assert.deepEqual(await s.loadMessages('queue://P', 0, 0), []);
      assert.deepEqual(seqs(await s.loadMessages('queue://P', 7.5, 2)), [8, 9]);
    });

    it('store - topic messages are stored once with a reference per subscription', async () => {
      const s = await open();
      const T = 'topic://T';
      await s.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: T, sub: sub('c:a', T) }, { t: OpType.PUT_SUBSCRIPTION, dest: T, sub: sub('c:b', T) }]);
      for (const seq of [1, 2, 3]) await s.commit([put(T, seq, {}, ['c:a', 'c:b'])]);
      assert.deepEqual(await s.loadSubscriptionRefs(T, 'c:a', 0, 10), [1, 2, 3]);
      await s.commit([{ t: OpType.ACK_SUBSCRIPTION, dest: T, key: 'c:a', seq: 1 }, { t: OpType.ACK_SUBSCRIPTION, dest: T, key: 'c:a', seq: 2 }]);
      assert.deepEqual(await s.loadSubscriptionRefs(T, 'c:a', 0, 10), [3]);
      assert.deepEqual(await s.loadSubscriptionRefs(T, 'c:b', 1, 1), [2]);
      assert.deepEqual(await s.loadSubscriptionRefs(T, 'c:zz', 0, 10), []);
      // The last reference acknowledged: the broker removes the message.
      await s.commit([{ t: OpType.ACK_SUBSCRIPTION, dest: T, key: 'c:b', seq: 1 }, { t: OpType.REMOVE_MESSAGE, dest: T, seq: 1 }]);
      assert.equal(await s.getMessage(T, 1), undefined);
      const st = await s.recover();
      const pending = Object.fromEntries(st.subscriptions.map((x) => [x.key, x.pending]));
      assert.deepEqual(pending, { 'c:a': 1, 'c:b': 2 });
      assert.deepEqual(st.destinations.map((d) => [d.url, d.count, d.firstSeq, d.lastSeq]), [[T, 2, 2, 3]]);
    });

    it('store - subscriptions are put, replaced and removed with their references', async () => {
      const s = await open();
      const T = 'topic://S';
      await s.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: T, sub: sub('c:a', T) }, { t: OpType.PUT_SUBSCRIPTION, dest: T, sub: sub('c:b', T) }]);
      await s.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: T, sub: { ...sub('c:a', T), selector: "color = 'red'", noLocal: true } }]);
      await s.commit([put(T, 1, {}, ['c:a', 'c:b']), put(T, 2, {}, ['c:a', 'c:b'])]);
      let st = await s.recover();
      assert.deepEqual(st.subscriptions.map((x) => [x.key, x.dest, x.selector ?? null, x.pending]), [
        ['c:a', T, "color = 'red'", 2],
        ['c:b', T, null, 2],
      ]);
      await s.commit([{ t: OpType.REMOVE_SUBSCRIPTION, dest: T, key: 'c:a' }]);
      assert.deepEqual(await s.loadSubscriptionRefs(T, 'c:a', 0, 10), []);
      assert.deepEqual(await s.loadSubscriptionRefs(T, 'c:b', 0, 10), [1, 2]);
      st = await s.recover();
      assert.deepEqual(st.subscriptions.map((x) => x.key), ['c:b']);
      assert.ok(await s.getMessage(T, 1), 'the message stays for the other subscription');
    });

    it('store - wildcard subscriptions count references held under concrete topics', async () => {
      const s = await open();
      await s.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: 'topic://A.>', sub: sub('c:w', 'topic://A.>') }]);
      await s.commit([put('topic://A.x', 1, {}, ['c:w']), put('topic://A.y', 2, {}, ['c:w'])]);
      const st = await s.recover();
      assert.deepEqual(st.subscriptions.map((x) => [x.key, x.dest, x.pending]), [['c:w', 'topic://A.>', 2]]);
    });

    it('store - jobs are loaded in due order up to a time', async () => {
      const s = await open();
      const job = (id: string, due: number) => ({ id, due, data: { id, n: due } });
      await s.commit([{ t: OpType.PUT_JOB, job: job('c', 300) }, { t: OpType.PUT_JOB, job: job('a', 100) }, { t: OpType.PUT_JOB, job: job('b', 200) }, { t: OpType.PUT_JOB, job: job('a2', 100) }]);
      assert.deepEqual((await s.loadJobs(250, 10)).map((j) => j.id), ['a', 'a2', 'b']);
      assert.deepEqual((await s.loadJobs(250, 2)).map((j) => j.id), ['a', 'a2']);
      assert.deepEqual((await s.loadJobs(99, 10)).map((j) => j.id), []);
      assert.deepEqual(await s.loadJobs(100, 1), [job('a', 100)]);
      await s.commit([{ t: OpType.REMOVE_JOB, id: 'a', due: 100 }, { t: OpType.PUT_JOB, job: job('b', 50) }]);
      assert.deepEqual((await s.loadJobs(1000, 10)).map((j) => [j.id, j.due]), [['b', 50], ['a2', 100], ['b', 200], ['c', 300]]);
      assert.equal((await s.recover()).jobCount, 4);
      // `after` is a cursor over (due, id): strictly after it.
      assert.deepEqual((await s.loadJobs(1000, 10, { due: 100, id: 'a2' })).map((j) => j.id), ['b', 'c']);
      assert.deepEqual((await s.loadJobs(1000, 1, { due: 100, id: 'a' })).map((j) => j.id), ['a2']);
      assert.deepEqual((await s.loadJobs(250, 10, { due: 200, id: 'b' })).map((j) => j.id), []);
    });

    it('store - prepared transactions are stored, listed by recover in xid order, and removed', async () => {
      let s = await open();
      const a = { xid: 'xa:1:0b:01', sends: [msg(7)], acks: [{ dest: 'queue://Q', seq: 3 }, { dest: 'topic://T', seq: 4, key: 'c:a' }], preparedAt: 5 };
      const b = { xid: 'xa:1:0a:01', sends: [], acks: [{ dest: 'queue://Q', seq: 1 }], preparedAt: 6 };
      await s.commit([{ t: OpType.PUT_PREPARED, tx: a }, { t: OpType.PUT_PREPARED, tx: b }]);
      if (durable) s = await h!.reopen();
      assert.deepEqual((await s.recover()).prepared, [b, a]);
      await s.commit([{ t: OpType.REMOVE_PREPARED, xid: a.xid }]);
      if (durable) s = await h!.reopen();
      assert.deepEqual((await s.recover()).prepared, [b]);
      assert.ok((await rejection(s.commit([{ t: OpType.PUT_PREPARED, tx: { ...b, xid: 'x\0y' } }]))) instanceof StoreError);
      assert.ok((await rejection(s.commit([{ t: OpType.PUT_PREPARED, tx: { ...b, acks: [{ dest: 'queue://Q', seq: -1 }] } }]))) instanceof StoreError);
    });

    it('store - removing a destination removes everything stored under it, and only that', async () => {
      const s = await open();
      const setup: StoreOp[] = [];
      for (const url of ['queue://A', 'queue://AB', 'queue://A.B', 'topic://A']) {
        setup.push({ t: OpType.PUT_DESTINATION, dest: { url, createdAt: 1 } });
        setup.push(put(url, 1, {}, url.startsWith('topic') ? ['c:s'] : undefined), put(url, 2));
        setup.push({ t: OpType.MARK_DELIVERED, dest: url, seq: 2 });
      }
      setup.push({ t: OpType.PUT_SUBSCRIPTION, dest: 'topic://A', sub: sub('c:s', 'topic://A') }, { t: OpType.MARK_DELIVERED, dest: 'topic://A', seq: 1, key: 'c:s' });
      await s.commit(setup);
      await s.commit([{ t: OpType.REMOVE_DESTINATION, url: 'queue://A' }]);
      await s.commit([{ t: OpType.REMOVE_DESTINATION, url: 'topic://A' }]);
      assert.deepEqual(await s.loadMessages('queue://A', 0, 10), []);
      assert.deepEqual(await s.loadMessages('topic://A', 0, 10), []);
      assert.deepEqual(await s.loadSubscriptionRefs('topic://A', 'c:s', 0, 10), []);
      assert.deepEqual(seqs(await s.loadMessages('queue://AB', 0, 10)), [1, 2]);
      const st = await s.recover();
      assert.deepEqual(st.destinations.map((d) => [d.url, d.count, d.deliveredSeq]), [['queue://A.B', 2, 2], ['queue://AB', 2, 2]]);
      assert.deepEqual(st.subscriptions, []);
      assert.equal(s.stats().messages, 4);
      // Within one batch the ops apply in order: a removal takes what came before it only.
      await s.commit([{ t: OpType.PUT_DESTINATION, dest: { url: 'queue://C', createdAt: 1 } }, put('queue://C', 1), { t: OpType.REMOVE_DESTINATION, url: 'queue://C' }, put('queue://C', 2)]);
      assert.deepEqual(seqs(await s.loadMessages('queue://C', 0, 10)), [2]);
      const c = (await s.recover()).destinations.find((d) => d.url === 'queue://C');
      assert.deepEqual(c && [c.count, c.createdAt], [1, 0]);
      assert.equal(s.stats().messages, 5);
    });

    it('store - recover summarises destinations, marks and producer seqs', async () => {
      const s = await open();
      await s.commit([{ t: OpType.PUT_DESTINATION, dest: { url: 'queue://R', createdAt: 42, options: { maxPageSize: 5 } } }]);
      await s.commit([put('queue://R', 4), put('queue://R', 9), put('queue://Bare', 7, { producerId: 'p2', producerSeq: 70 })]);
      await s.commit([{ t: OpType.MARK_DELIVERED, dest: 'queue://R', seq: 4 }]);
      await s.commit([{ t: OpType.MARK_DELIVERED, dest: 'queue://R', seq: 9 }]);
      await s.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: 'topic://M', sub: sub('c:m', 'topic://M') }, { t: OpType.MARK_DELIVERED, dest: 'topic://M', seq: 3, key: 'c:m' }]);
      const st = await s.recover();
      assert.deepEqual(st.position, s.position);
      assert.deepEqual(st.destinations, [
        { url: 'queue://Bare', createdAt: 0, count: 1, firstSeq: 7, lastSeq: 7, deliveredSeq: 0 },
        { url: 'queue://R', createdAt: 42, options: { maxPageSize: 5 }, count: 2, firstSeq: 4, lastSeq: 9, deliveredSeq: 9 },
      ]);
      assert.deepEqual(st.subscriptions, [{ ...sub('c:m', 'topic://M'), dest: 'topic://M', pending: 0, deliveredSeq: 3 }]);
      assert.deepEqual([...st.producerSeqs].sort(), [['p1', 9], ['p2', 70]]);
    });

    if (retainsLog) it('store - the retained log returns batches after a position, and is trimmed', async () => {
      const s = await open({ logRetentionBatches: 5 });
      const committed: LogBatch[] = [];
      for (let i = 1; i <= 12; i++) {
        const ops = [put('queue://L', i)];
        committed.push({ position: await s.commit(ops), ops });
      }
      assert.equal(await s.readLog(ZERO_POSITION, 100), undefined);
      assert.equal(await s.readLog(pos(0, 6), 100), undefined);
      assert.deepEqual(await s.readLog(pos(0, 7), 100), committed.slice(7));
      assert.deepEqual(await s.readLog(pos(0, 8), 2), committed.slice(8, 10));
      assert.deepEqual(await s.readLog(pos(0, 12), 10), []);
    });

    if (retainsLog) it('store - the retained log starts at the beginning when nothing was trimmed', async () => {
      const s = await open();
      const a = [put('queue://L', 1)];
      const b = [{ t: OpType.MARK_DELIVERED, dest: 'queue://L', seq: 1 }];
      await s.commit(a);
      await s.commit(b);
      assert.deepEqual(await s.readLog(ZERO_POSITION, 10), [{ position: pos(0, 1), ops: a }, { position: pos(0, 2), ops: b }]);
    });

    it('store - apply writes batches at their positions and refuses positions that do not grow', async () => {
      const s = await open();
      const b1: LogBatch = { position: pos(1, 1), ops: [put('queue://S', 1)] };
      const b3: LogBatch = { position: pos(1, 3), ops: [put('queue://S', 3)] };
      await s.apply(b1);
      await s.apply(b3);
      assert.deepEqual(s.position, pos(1, 3));
      for (const bad of [pos(1, 3), pos(1, 2), pos(0, 10)]) {
        const err = await rejection(s.apply({ position: bad, ops: [put('queue://S', 99)] }));
        assert.ok(err instanceof StoreError, String(err));
        assert.match(err.message, /does not follow/);
      }
      assert.equal(await s.getMessage('queue://S', 99), undefined);
      if (retainsLog) assert.deepEqual(await s.readLog(pos(1, 1), 10), [b3]);
      assert.deepEqual(seqs(await s.loadMessages('queue://S', 0, 10)), [1, 3]);
      // A slave that becomes master carries on after the last applied position.
      const p = s.commit([put('queue://S', 4)]);
      const queued = await rejection(s.apply({ position: pos(1, 4), ops: [] }));
      assert.match(queued.message, /does not follow/);
      assert.deepEqual(await p, pos(1, 4));
      await s.apply({ position: pos(2, 5), ops: [] });
      assert.deepEqual(await s.commit([]), pos(2, 6));
    });

    it('store - malformed ops are refused whole and the store goes on', async () => {
      const s = await open();
      await s.commit([put('queue://V', 1)]);
      const bad: StoreOp[][] = [
        [put('queue://V', 2), { t: OpType.REMOVE_MESSAGE, dest: 'queue://V', seq: -1 }],
        [put('queue://V\0x', 2)],
        [put('queue://V', 2.5)],
        [{ t: 99 } as unknown as StoreOp],
      ];
      for (const ops of bad) assert.ok((await rejection(s.commit(ops))) instanceof StoreError);
      assert.deepEqual(s.position, pos(0, 1));
      assert.deepEqual(await s.commit([put('queue://V', 2)]), pos(0, 2));
      assert.deepEqual(seqs(await s.loadMessages('queue://V', 0, 10)), [1, 2]);
    });

    it('store - property and body values keep their types', async () => {
      let s = await open();
      const m = msg(1, {
        properties: { big: 123456789012345678901234567890n, small: -5n, n: 2 ** 40, f: 0.1, neg: -7, s: 'é😀', b: true, nil: null, bytes: new Uint8Array([0, 1, 255]) },
        bodyKind: 2,
        body: new Uint8Array([9, 8, 7]),
      });
      const o = msg(2, { bodyKind: 5, body: { list: [1, 'two', { three: 3 }], when: 1_700_000_000_000 } });
      await s.commit([{ t: OpType.PUT_MESSAGE, dest: 'queue://T', seq: 1, msg: m }, { t: OpType.PUT_MESSAGE, dest: 'queue://T', seq: 2, msg: o }]);
      if (durable) s = await h!.reopen();
      assert.deepEqual(await s.getMessage('queue://T', 1), m);
      assert.deepEqual(await s.getMessage('queue://T', 2), o);
      if (retainsLog) {
        const [batch] = (await s.readLog(ZERO_POSITION, 1)) ?? [];
        assert.deepEqual(batch?.ops[0], { t: OpType.PUT_MESSAGE, dest: 'queue://T', seq: 1, msg: m });
      }
    });

    it('store - a closed store refuses commits', async () => {
      const s = await open();
      await s.close();
      assert.ok((await rejection(s.commit([put('queue://X', 1)]))) instanceof StoreError);
      await s.open();
      assert.deepEqual(await s.commit([put('queue://X', 1)]), pos(0, 1));
    });

    if (durable) {
      it('store - reopening recovers the same state and continues the log', async () => {
        let s = await open();
        const T = 'topic://D';
        s.setEpoch(2);
        await s.commit([{ t: OpType.PUT_DESTINATION, dest: { url: 'queue://D', createdAt: 5 } }, put('queue://D', 1), put('queue://D', 2)]);
        await s.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: T, sub: sub('c:d', T) }, put(T, 3, {}, ['c:d']), { t: OpType.MARK_DELIVERED, dest: T, seq: 3, key: 'c:d' }]);
        await s.commit([{ t: OpType.PUT_JOB, job: { id: 'j', due: 10, data: { x: 1n } } }, { t: OpType.MARK_DELIVERED, dest: 'queue://D', seq: 1 }]);
        await s.commit([{ t: OpType.REMOVE_MESSAGE, dest: 'queue://D', seq: 1 }], { sync: false });
        const before: RecoveredState = await s.recover();
        const log = await s.readLog(ZERO_POSITION, 100);
        s = await h!.reopen();
        const after = await s.recover();
        assert.deepEqual(after, before);
        assert.deepEqual(s.position, pos(2, 4));
        assert.equal(s.stats().messages, 2);
        assert.deepEqual(await s.readLog(ZERO_POSITION, 100), log);
        assert.deepEqual(seqs(await s.loadMessages('queue://D', 0, 10)), [2]);
        assert.deepEqual(await s.loadSubscriptionRefs(T, 'c:d', 0, 10), [3]);
        assert.deepEqual(await s.loadJobs(10, 10), [{ id: 'j', due: 10, data: { x: 1n } }]);
        assert.deepEqual(await s.commit([]), pos(2, 5));
      });
    }
  });
}
