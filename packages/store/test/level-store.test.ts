import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Level } from 'level';
import { decodeEncodedBatch, encodeBatch, encodeValue } from '../src/codec';
import { clearKey, destinationRanges, Kind } from '../src/keys';
import { LevelStore, StoreLockedError, type LevelStoreOptions, type Store, type StoreOp } from '../src/index';
import { storeConformance } from './conformance';
import { put, rejection, sub, tempDir } from './fixtures';
import { OpType } from '../src';

const DIST = resolve(__dirname, '../src/index.js');

storeConformance(
  'LevelStore',
  async () => {
    const tmp = await tempDir('conf');
    const options: LevelStoreOptions = { directory: tmp.dir };
    let store = new LevelStore(options);
    await store.open();
    const h = {
      store: store as Store,
      async reopen() {
        await store.close();
        store = new LevelStore(options);
        await store.open();
        h.store = store;
        return store;
      },
      async cleanup() {
        await store.close();
        await tmp.remove();
      },
    };
    return h;
  },
  { durable: true, retainsLog: false },
);

/** Run `node -e script ...args` to its end. */
function runNode(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

const TRY_OPEN = `
const { LevelStore } = require(${JSON.stringify(DIST)});
new LevelStore({ directory: process.argv[1] }).open().then(
  () => console.log('OPENED'),
  (e) => console.log(e.name + ': ' + e.message));`;

// Sync commits from 8 concurrent writers; each line is printed only after its commit resolved.
const WRITER = `
const { LevelStore, OpType } = require(${JSON.stringify(DIST)});
(async () => {
  const s = new LevelStore({ directory: process.argv[1] });
  await s.open();
  const st = await s.recover();
  let seq = (st.destinations.find((d) => d.url === 'queue://kill') || { lastSeq: 0 }).lastSeq;
  const body = 'x'.repeat(256);
  const worker = async () => {
    for (;;) {
      const my = ++seq;
      const msg = { messageId: 'ID:k:' + my, destination: 'queue://kill', deliveryMode: 2, priority: 4, timestamp: Date.now(),
        expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'k', producerSeq: my,
        properties: {}, bodyKind: 1, body };
      const pos = await s.commit([{ t: OpType.PUT_MESSAGE, dest: 'queue://kill', seq: my, msg }], { sync: true });
      process.stdout.write(my + ' ' + pos.index + '\\n');
    }
  };
  for (let i = 0; i < 8; i++) worker().catch((e) => { console.error(e); process.exit(1); });
})().catch((e) => { console.error(e); process.exit(1); });`;

/** Start the writer, SIGKILL it once `lines` commits were printed; every printed line. */
function killAfter(dir: string, lines: number): Promise<Array<[number, number]>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const printed: Array<[number, number]> = [];
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      const [seq, index] = line.split(' ').map(Number);
      printed.push([seq!, index!]);
      if (printed.length >= lines && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    // Lines already in the pipe when the kill lands still count: they were printed.
    child.once('close', (code, signal) => {
      if (signal === 'SIGKILL' && killed) done(printed);
      else fail(new Error(`writer ended (${code ?? signal}) after ${printed.length} lines: ${stderr}`));
    });
  });
}

describe('LevelStore', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const open = async (tag: string, opts: Partial<LevelStoreOptions> = {}) => {
    const tmp = await tempDir(tag);
    const store = new LevelStore({ directory: tmp.dir, ...opts });
    await store.open();
    cleanups.push(async () => {
      await store.close();
      await tmp.remove();
    });
    return { store, dir: tmp.dir };
  };

  it('store - a second open in the same process fails fast naming the lock, and keeps the lock', async () => {
    const { dir } = await open('lock1');
    const err = await rejection(new LevelStore({ directory: dir }).open());
    assert.ok(err instanceof StoreLockedError, String(err));
    assert.match(err.message, /locked by another broker/);
    assert.match(err.message, /LevelDB LOCK file/);
    assert.ok(err.message.includes(dir), err.message);
    // LevelDB's own second open in a process drops the first one's lock; ours must not.
    const child = await runNode(TRY_OPEN, [dir]);
    assert.match(child.stdout, /StoreLockedError: data directory .* is locked by another broker \(LevelDB LOCK file\)/, child.stdout + child.stderr);
  });

  it('store - an open in another process fails fast naming the lock and the directory', async () => {
    const { dir } = await open('lock2');
    const child = await runNode(TRY_OPEN, [dir]);
    assert.equal(child.code, 0, child.stderr);
    assert.ok(child.stdout.includes(`data directory ${dir} is locked by another broker (LevelDB LOCK file)`), child.stdout + child.stderr);
    assert.match(child.stdout, /stop the other broker or choose another dataDirectory/);
  });

  it('store - closing releases the directory for the next store', async () => {
    const tmp = await tempDir('release');
    cleanups.push(tmp.remove);
    const a = new LevelStore({ directory: tmp.dir });
    await a.open();
    await a.commit([put('queue://R', 1)]);
    await a.close();
    const b = new LevelStore({ directory: tmp.dir });
    await b.open();
    assert.equal((await b.loadMessages('queue://R', 0, 10)).length, 1);
    await b.close();
  });

  it('store - recovery counts 20,000 messages without reading their bodies', async function () {
    this.timeout(60000);
    const { store, dir } = await open('recover20k');
    const body = 'b'.repeat(1000);
    for (let c = 0; c < 20; c++) {
      const ops = Array.from({ length: 1000 }, (_, i) => put(`queue://R${c % 3}`, c * 1000 + i + 1, { body }));
      await store.commit(ops, { sync: c === 19 });
    }
    await store.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: 'topic://T', sub: sub('c:x', 'topic://T') }]);
    await store.close();
    const again = new LevelStore({ directory: dir });
    await again.open();
    cleanups.push(() => again.close());
    const st = await again.recover();
    assert.ok(again.reads.values < 20, `recovery read ${again.reads.values} values`);
    assert.equal(st.destinations.reduce((n, d) => n + d.count, 0), 20000);
    assert.deepEqual(st.destinations.map((d) => [d.url, d.firstSeq]), [['queue://R0', 1], ['queue://R1', 1001], ['queue://R2', 2001]]);
    assert.equal(st.destinations[0]!.lastSeq, 19000);
    assert.equal(again.stats().messages, 20000);
    const page = await again.loadMessages('queue://R1', 1500, 3);
    assert.deepEqual(page.map((r) => r.seq), [1501, 1502, 1503]);
  });

  it('store - every commit a killed process saw resolve is there after reopen (kill -9, 3 rounds)', async function () {
    this.timeout(60000);
    const tmp = await tempDir('kill');
    cleanups.push(tmp.remove);
    for (const lines of [100, 250, 400]) {
      const printed = await killAfter(tmp.dir, lines);
      const s = new LevelStore({ directory: tmp.dir });
      await s.open();
      try {
        const st = await s.recover();
        const maxIndex = Math.max(...printed.map(([, index]) => index));
        assert.ok(st.position.index >= maxIndex, `recovered ${st.position.index} < printed ${maxIndex}`);
        for (const [seq] of printed) assert.ok(await s.getMessage('queue://kill', seq), `message ${seq} lost`);
      } finally {
        await s.close();
      }
    }
  });

  it('store - a large removal is cleared after its batch, and later commits wait for it', async () => {
    const { store, dir } = await open('bigremove', { inlineRemoveLimit: 10 });
    await store.commit([{ t: OpType.PUT_DESTINATION, dest: { url: 'queue://Big', createdAt: 1 } }, ...Array.from({ length: 100 }, (_, i) => put('queue://Big', i + 1))]);
    await store.commit([put('queue://Big2', 1), { t: OpType.PUT_SUBSCRIPTION, dest: 'topic://Big', sub: sub('c:a', 'topic://Big') }]);
    await store.commit(Array.from({ length: 50 }, (_, i) => put('topic://Big', i + 1, {}, ['c:a'])));
    const removal = store.commit([put('queue://Big', 101), { t: OpType.REMOVE_DESTINATION, url: 'queue://Big' }]);
    const after = store.commit([put('queue://Big', 200)]);
    const unsub = store.commit([{ t: OpType.REMOVE_SUBSCRIPTION, dest: 'topic://Big', key: 'c:a' }]);
    await Promise.all([removal, after, unsub]);
    assert.deepEqual((await store.loadMessages('queue://Big', 0, 1000)).map((r) => r.seq), [200]);
    assert.deepEqual(await store.loadSubscriptionRefs('topic://Big', 'c:a', 0, 100), []);
    assert.equal(store.stats().messages, 52);
    // A removal followed by a write into the same range in one commit stays in one batch.
    await store.commit([put('queue://Big2', 2), ...Array.from({ length: 20 }, (_, i) => put('queue://Big2', i + 10))]);
    await store.commit([{ t: OpType.REMOVE_DESTINATION, url: 'queue://Big2' }, put('queue://Big2', 99)]);
    assert.deepEqual((await store.loadMessages('queue://Big2', 0, 100)).map((r) => r.seq), [99]);
    assert.equal(store.stats().messages, 52);
    await store.close();
    const raw = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await raw.open();
    const markers = await raw.keys({ gte: Buffer.from([Kind.CLEAR]), lt: Buffer.from([Kind.CLEAR + 1]) }).all();
    await raw.close();
    assert.equal(markers.length, 0);
  });

  it('store - open finishes a removal that a crash interrupted', async () => {
    const { store, dir } = await open('crashclear');
    await store.commit([...Array.from({ length: 30 }, (_, i) => put('queue://Half', i + 1)), put('queue://Keep', 1)]);
    await store.close();
    // The state a crash between the removal's batch and its clear leaves: marker, keys.
    const raw = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await raw.open();
    await raw.put(clearKey(1), encodeValue(destinationRanges('queue://Half').map((r) => [r.gte, r.lt])));
    await raw.close();
    await store.open();
    assert.deepEqual(await store.loadMessages('queue://Half', 0, 100), []);
    const st = await store.recover();
    assert.deepEqual(st.destinations.map((d) => [d.url, d.count]), [['queue://Keep', 1]]);
  });

  it('store - writes without sync are not synced, and one sync carries them', async () => {
    const { store } = await open('nosync');
    const before = store.stats().syncs;
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.commit([{ t: OpType.MARK_DELIVERED, dest: 'queue://N', seq: i }], { sync: false })));
    assert.equal(store.stats().syncs, before);
    await store.commit([put('queue://N', 1)], { sync: true });
    assert.equal(store.stats().syncs, before + 1);
    assert.equal(store.stats().commits, 51);
    assert.ok(store.stats().bytes > 0);
  });

  it('store - apply writes a batch whose messages come encoded (replication) exactly as the batch itself', async () => {
    const batches = [
      { position: { epoch: 1, index: 1 }, ops: [put('queue://E', 1), put('topic://T', 2, {}, ['c:a']), { t: OpType.MARK_DELIVERED, dest: 'queue://E', seq: 1 } as StoreOp] },
      { position: { epoch: 1, index: 2 }, ops: [put('queue://E', 3, { producerId: 'p2', producerSeq: 9 }), { t: OpType.REMOVE_MESSAGE, dest: 'queue://E', seq: 1 } as StoreOp] },
    ];
    const plain = await open('apply-plain');
    const encoded = await open('apply-encoded');
    for (const b of batches) {
      await plain.store.apply(b);
      await encoded.store.apply(decodeEncodedBatch(encodeBatch(b)));
    }
    assert.deepEqual(encoded.store.position, plain.store.position);
    assert.deepEqual(await encoded.store.loadMessages('queue://E', 0, 10), await plain.store.loadMessages('queue://E', 0, 10));
    assert.deepEqual(await encoded.store.recover(), await plain.store.recover());
    // Byte for byte: the same keys and values.
    const dump = async (s: LevelStore, dir: string): Promise<string[]> => {
      await s.close();
      const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      const rows = (await db.iterator().all()).map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
      await db.close();
      await s.open();
      return rows;
    };
    assert.deepEqual(await dump(encoded.store, encoded.dir), await dump(plain.store, plain.dir));
    const bad = decodeEncodedBatch(encodeBatch({ position: { epoch: 1, index: 3 }, ops: [put('queue://E', 4)] }));
    (bad.ops[0] as { pid: unknown }).pid = 7;
    assert.match((await rejection(encoded.store.apply(bad))).message, /pid must be a string/);
  });

  it('store - keeps no replication log: readLog answers only from its position; log batches an older version kept are removed at open', async () => {
    const { store, dir } = await open('nolog');
    for (let i = 1; i <= 3; i++) await store.commit([put('queue://N', i)]);
    assert.deepEqual(await store.readLog({ epoch: 0, index: 3 }, 10), []);
    assert.equal(await store.readLog({ epoch: 0, index: 2 }, 10), undefined);
    assert.equal(await store.readLog({ epoch: 0, index: 0 }, 10), undefined);
    await store.close();
    // An L key (the LevelDB replication log of older versions), as they wrote it.
    const raw = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const logKey = Buffer.from([Kind.LOG, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    await raw.put(logKey, encodeBatch({ position: { epoch: 0, index: 3 }, ops: [put('queue://N', 3)] }));
    await raw.close();
    const again = new LevelStore({ directory: dir });
    await again.open();
    assert.deepEqual(again.position, { epoch: 0, index: 3 });
    assert.deepEqual((await again.loadMessages('queue://N', 0, 10)).map((r) => r.seq), [1, 2, 3]);
    await again.close();
    const check = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      assert.deepEqual(await check.keys({ gte: Buffer.from([Kind.LOG]), lt: Buffer.from([Kind.LOG + 1]) }).all(), []);
    } finally {
      await check.close();
    }
  });

  it('store - a LevelDB that is not a Wharf store is refused', async () => {
    const tmp = await tempDir('foreign');
    cleanups.push(tmp.remove);
    const raw = new Level(tmp.dir);
    await raw.open();
    await raw.put('hello', 'world');
    await raw.close();
    for (let i = 0; i < 2; i++) {
      const err = await rejection(new LevelStore({ directory: tmp.dir }).open());
      assert.match(err.message, /not a Wharf store/);
    }
  });

  describe('concurrent store and dispatch', () => {
    const mark = (dest: string, seq: number): StoreOp => ({ t: OpType.MARK_DELIVERED, dest, seq });
    const reopen = async (store: LevelStore, dir: string) => {
      await store.close();
      const again = new LevelStore({ directory: dir });
      await again.open();
      cleanups.push(() => again.close());
      return { again, st: await again.recover() };
    };

    it('store - a dispatchable put consumed before its write is never written, and its commit resolves then', async () => {
      const { store, dir } = await open('csd1');
      const before = store.stats();
      let syncsAt = -1;
      const done = store.commit([put('queue://C', 1), mark('queue://C', 1)], { sync: true, dispatchable: true })
        .then(() => (syncsAt = store.stats().syncs));
      assert.equal(store.cancelQueuedPut('queue://C', 1), true);
      assert.equal(store.cancelQueuedPut('queue://C', 1), false, 'a put is taken back once');
      await done;
      assert.equal(syncsAt, before.syncs, 'resolved without an fsync');
      assert.equal(store.stats().cancelledPuts, 1);
      await store.commit([put('queue://C', 2)], { sync: true });
      const { again, st } = await reopen(store, dir);
      assert.deepEqual((await again.loadMessages('queue://C', 0, 10)).map((r) => r.seq), [2]);
      assert.equal(st.destinations.find((d) => d.url === 'queue://C')?.deliveredSeq ?? 0, 0, "the cancelled put's mark was dropped with it");
    });

    it('store - a dispatchable put consumed before its write still writes its producer\'s mark (a resend after a restart is a duplicate)', async () => {
      const { store, dir } = await open('csd5');
      await store.commit([put('queue://C', 1)], { sync: true });
      const before = store.stats().syncs;
      const done = store.commit([put('queue://C', 2), mark('queue://C', 2)], { sync: true, dispatchable: true });
      assert.equal(store.cancelQueuedPut('queue://C', 2), true);
      await done;
      const { again, st } = await reopen(store, dir);
      assert.equal(store.stats().syncs, before, 'the mark alone is written without an fsync');
      assert.deepEqual((await again.loadMessages('queue://C', 0, 10)).map((r) => r.seq), [1]);
      assert.equal(st.producerSeqs.get('p1'), 2, 'the producer mark covers the consumed message');
    });

    it('store - a put the writer has taken cannot be cancelled: it is stored with its mark', async () => {
      const { store, dir } = await open('csd2');
      await store.commit([put('queue://C', 1), mark('queue://C', 1)], { sync: true, dispatchable: true });
      assert.equal(store.cancelQueuedPut('queue://C', 1), false);
      const { again, st } = await reopen(store, dir);
      assert.deepEqual((await again.loadMessages('queue://C', 0, 10)).map((r) => r.seq), [1]);
      assert.equal(st.destinations.find((d) => d.url === 'queue://C')?.deliveredSeq, 1);
      assert.equal(st.producerSeqs.get('p1'), 1);
    });

    it('store - a commit with one of two puts cancelled resolves after its write and keeps the other', async () => {
      const { store, dir } = await open('csd3');
      const before = store.stats().syncs;
      const done = store.commit([put('queue://A', 1), mark('queue://A', 1), put('queue://B', 1), mark('queue://B', 1)], { sync: true, dispatchable: true });
      assert.equal(store.cancelQueuedPut('queue://A', 1), true);
      await done;
      assert.equal(store.stats().syncs, before + 1, 'the rest was written with an fsync');
      const { again, st } = await reopen(store, dir);
      assert.deepEqual((await again.loadMessages('queue://A', 0, 10)).length, 0);
      assert.deepEqual((await again.loadMessages('queue://B', 0, 10)).map((r) => r.seq), [1]);
      assert.equal(st.destinations.find((d) => d.url === 'queue://B')?.deliveredSeq, 1);
      assert.equal(again.stats().messages, 1);
    });

    it('store - commits after a held dispatchable commit keep their order, and an empty write is skipped', async () => {
      const { store, dir } = await open('csd4');
      const order: number[] = [];
      const a = store.commit([put('queue://O', 1)], { sync: true, dispatchable: true }).then((p) => order.push(p.index));
      const b = store.commit([put('queue://O', 2)], { sync: true }).then((p) => order.push(p.index));
      const c = store.commit([put('queue://O', 3), mark('queue://O', 3)], { sync: true, dispatchable: true }).then((p) => order.push(p.index));
      assert.equal(store.cancelQueuedPut('queue://O', 3), true);
      await Promise.all([a, b, c]);
      assert.deepEqual(order, [3, 1, 2], 'the cancelled commit resolved first; the others in log order');
      const { again } = await reopen(store, dir);
      assert.deepEqual((await again.loadMessages('queue://O', 0, 10)).map((r) => r.seq), [1, 2]);
    });
  });
});
