import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Level } from 'level';
import { checkFiles, LevelStore, StoreDamagedError, type StoreOp } from '../src/index';
import { put, rejection, tempDir } from './fixtures';

const PAYLOAD = 'x'.repeat(200);

/** A store with `n` synced commits of one message each on queue://orders, closed again. */
async function filled(dir: string, n: number): Promise<void> {
  const store = new LevelStore({ directory: dir });
  await store.open();
  for (let i = 1; i <= n; i++) await store.commit([put('queue://orders', i, { body: `${PAYLOAD} ${i}` })], { sync: true });
  await store.close();
}

async function newestLog(dir: string): Promise<string> {
  const logs = (await readdir(dir)).filter((f) => f.endsWith('.log') && /^\d+/.test(f)).sort();
  return join(dir, logs[logs.length - 1]!);
}

async function flip(file: string, at: number[]): Promise<void> {
  const buf = await readFile(file);
  for (const off of at) for (let i = 0; i < 16; i++) buf[off + i] = buf[off + i]! ^ 0xff;
  await writeFile(file, buf);
}

async function count(store: LevelStore): Promise<number> {
  const state = await store.recover();
  return state.destinations.reduce((n, d) => n + d.count, 0);
}

const DIST = resolve(__dirname, '../src/index.js');

// A store in a process at ulimit -n 128 whose descriptors are then all taken: commits fail with
// the cause, and resume by themselves once the descriptors are given back.
const OUT_OF_FDS = `
const fs = require('node:fs');
const { randomBytes } = require('node:crypto');
const { LevelStore, OpType } = require(${JSON.stringify(DIST)});
const msg = (i, body) => ({ messageId: 'ID:f:' + i, destination: 'queue://F', deliveryMode: 2, priority: 4, timestamp: 1, expiration: 0,
  deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'f', producerSeq: i, properties: {}, bodyKind: 1, body });
(async () => {
  const dir = process.argv[1];
  const store = new LevelStore({ directory: dir });
  await store.open();
  const acked = [];
  const put = async (i) => { await store.commit([{ t: OpType.PUT_MESSAGE, dest: 'queue://F', seq: i, msg: msg(i, randomBytes(24 * 1024).toString('base64')) }]); acked.push(i); };
  await put(1);
  const fds = [];
  try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch {}
  let failure;
  let i = 2;
  for (; i < 1000 && !failure; i++) await put(i).catch((e) => (failure = e));
  console.log('FAILED ' + failure.name + ' ' + failure.message);
  for (const fd of fds) fs.closeSync(fd);
  const t0 = Date.now();
  for (;;) {
    try { await put(i); break; } catch (e) { if (Date.now() - t0 > 20000) throw e; await new Promise((r) => setImmediate(r)); }
  }
  console.log('RESUMED');
  await store.close();
  const again = new LevelStore({ directory: dir });
  await again.open();
  const left = new Set((await again.loadMessages('queue://F', 0, 100000)).map((m) => m.seq));
  console.log('LOST ' + acked.filter((s) => !left.has(s)).length + ' OF ' + acked.length);
  await again.close();
})().catch((e) => { console.log('ERROR ' + e.message); process.exit(1); });`;

describe('store integrity', function () {
  this.timeout(30000);

  it('store integrity - bytes flipped in the newest log refuse the open, naming the damaged batches and what they held', async () => {
    const tmp = await tempDir('flip');
    try {
      await filled(tmp.dir, 300);
      const log = await newestLog(tmp.dir);
      const size = (await stat(log)).size;
      await flip(log, [Math.floor(size * 0.3), Math.floor(size * 0.5), Math.floor(size * 0.7)]);
      const err = await rejection(new LevelStore({ directory: tmp.dir }).open());
      assert.ok(err instanceof StoreDamagedError, String(err));
      assert.ok(err.damage.length >= 1 && err.damage.length <= 3, err.message);
      for (const d of err.damage) {
        assert.match(d.file, /^\d+\.log$/);
        assert.ok(d.after && d.before, `damage lies between two intact batches: ${err.message}`);
      }
      const held = err.damage.reduce((n, d) => n + (d.messages['queue://orders'] ?? 0), 0);
      assert.ok(held > 0, err.message);
      assert.match(err.message, /queue:\/\/orders/);
      assert.match(err.message, /wharf store repair/);
      // Refused again: nothing was dropped by trying.
      assert.ok((await rejection(new LevelStore({ directory: tmp.dir }).open())) instanceof StoreDamagedError);
      // Told to continue, it serves what is left and says what it accepted.
      const store = new LevelStore({ directory: tmp.dir, acceptDamage: true });
      await store.open();
      assert.equal(store.damageAccepted.length, err.damage.length);
      const left = await count(store);
      assert.ok(left < 300 && left > 0, `left ${left}`);
      await store.close();
      // Accepted once: the next open is clean.
      const again = new LevelStore({ directory: tmp.dir });
      await again.open();
      assert.equal(again.damageAccepted.length, 0);
      await again.close();
    } finally {
      await tmp.remove();
    }
  });

  it('store integrity - a torn write after the last committed batch (power loss before its fsync) is not damage', async () => {
    const tmp = await tempDir('torn');
    try {
      await filled(tmp.dir, 50);
      const log = await newestLog(tmp.dir);
      // A record header and half a payload whose checksum cannot match: what a torn write leaves.
      const torn = Buffer.alloc(300, 0x5a);
      torn.writeUInt16LE(200, 4);
      torn[6] = 1;
      const buf = await readFile(log);
      await writeFile(log, Buffer.concat([buf, torn]));
      const store = new LevelStore({ directory: tmp.dir });
      await store.open();
      assert.equal(await count(store), 50);
      await store.close();
    } finally {
      await tmp.remove();
    }
  });

  it('store integrity - a log cut short refuses the open, naming the missing batches', async () => {
    const tmp = await tempDir('trunc');
    try {
      await filled(tmp.dir, 300);
      const log = await newestLog(tmp.dir);
      await truncate(log, Math.floor((await stat(log)).size * 0.6));
      const err = await rejection(new LevelStore({ directory: tmp.dir }).open());
      assert.ok(err instanceof StoreDamagedError, String(err));
      assert.match(err.message, /but 0:300 was committed/);
      assert.match(err.message, /missing/);
      const store = new LevelStore({ directory: tmp.dir, acceptDamage: true });
      await store.open();
      assert.ok((await count(store)) < 300);
      await store.close();
    } finally {
      await tmp.remove();
    }
  });

  it('store integrity - a damaged table block is named by file and key range, at open and by checkFiles', async () => {
    const tmp = await tempDir('table');
    try {
      // Enough data for LevelDB to write tables; compactRange puts it all in them.
      const store = new LevelStore({ directory: tmp.dir });
      await store.open();
      for (let i = 1; i <= 40; i++) {
        const ops: StoreOp[] = [];
        for (let j = 0; j < 100; j++) ops.push(put('queue://orders', i * 100 + j, { body: `${PAYLOAD} ${i} ${j} ${Math.random()}` }));
        await store.commit(ops, { sync: false });
      }
      await store.close();
      const db = new Level<Buffer, Buffer>(tmp.dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      await db.open();
      await (db as unknown as { compactRange(a: Buffer, b: Buffer): Promise<void> }).compactRange(Buffer.from([0]), Buffer.from([0xff]));
      await db.close();
      const tables = (await readdir(tmp.dir)).filter((f) => f.endsWith('.ldb'));
      assert.ok(tables.length > 0);
      assert.deepEqual((await checkFiles(tmp.dir)).damage, []);
      const biggest = (await Promise.all(tables.map(async (f) => ({ f, size: (await stat(join(tmp.dir, f))).size })))).sort((a, b) => b.size - a.size)[0]!;
      await flip(join(tmp.dir, biggest.f), [Math.floor(biggest.size * 0.4)]);
      const found = await checkFiles(tmp.dir);
      assert.equal(found.damage.length, 1, JSON.stringify(found.damage));
      assert.equal(found.damage[0]!.file, biggest.f);
      assert.match(found.damage[0]!.toKey ?? '', /message queue:\/\/orders #\d+/);
      const err = await rejection((async () => {
        const s = new LevelStore({ directory: tmp.dir });
        await s.open();
        try {
          await s.recover();
        } finally {
          await s.close();
        }
      })());
      assert.ok(err instanceof StoreDamagedError, String(err));
      assert.match(err.message, new RegExp(`${biggest.f}.*message queue://orders`));
      assert.doesNotMatch(err.message, /writable/);
    } finally {
      await tmp.remove();
    }
  });

  it('store resources - out of file descriptors: commits fail with the cause and resume once descriptors are free; nothing acknowledged lost', async () => {
    const tmp = await tempDir('emfile');
    try {
      const out = await new Promise<string>((done, fail) => {
        const child = spawn('bash', ['-c', 'ulimit -n 128 && exec "$0" "$@"', process.execPath, '-e', OUT_OF_FDS, tmp.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.once('error', fail);
        child.once('close', () => done(text));
      });
      assert.match(out, /^FAILED StoreUnavailableError .*Too many open files/m, out);
      assert.match(out, /^RESUMED$/m, out);
      assert.match(out, /^LOST 0 OF \d+$/m, out);
    } finally {
      await tmp.remove();
    }
  });
});
