// The journal (Journal), in which the cluster keeps its retained replication log: what a master
// reads to catch a slave up, and how it reconciles with the store after a crash.
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBatch, Journal, type Position } from '../src/index';
import { put } from './fixtures';

const pos = (epoch: number, index: number): Position => ({ epoch, index });
const bytesOf = (p: Position): Buffer => encodeBatch({ position: p, ops: [put('queue://Q', p.index)] });

describe('journal - batches in segment files', function () {
  this.timeout(10000);
  let dir: string;
  let log: Journal | undefined;

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'wharf-journal-')), 'journal');
  });

  afterEach(async () => {
    await log?.close();
    log = undefined;
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  async function openLog(at: Position, opts: { retentionBatches?: number; retentionBytes?: number } = {}): Promise<Journal> {
    await log?.close();
    log = new Journal({ directory: dir, ...opts });
    await log.open(at);
    return log;
  }

  /** Appends batches from..to, and says the store wrote them (unless `unwritten`). */
  function appendRange(l: Journal, epoch: number, from: number, to: number, unwritten = false): void {
    for (let i = from; i <= to; i++) l.append(pos(epoch, i), bytesOf(pos(epoch, i)), i % 2 === 0);
    if (!unwritten) l.written(to);
  }

  it('journal - reads the batches after a held position, exactly as appended, across segments', async () => {
    const l = await openLog(pos(0, 0), { retentionBatches: 80 }); // segments of 10 batches
    appendRange(l, 1, 1, 30);
    appendRange(l, 2, 31, 50);
    // Read before the end of the turn: what is queued is written first.
    const got = await l.read(pos(1, 5), 100, Infinity);
    assert.ok(got);
    assert.equal(got.length, 45);
    assert.deepEqual(got[0]!.position, pos(1, 6));
    assert.deepEqual(got[44]!.position, pos(2, 50));
    for (const r of got) {
      assert.deepEqual(Buffer.from(r.bytes), bytesOf(r.position));
      assert.equal(r.sync, r.position.index % 2 === 0);
    }
    assert.equal((await l.read(pos(1, 5), 3, Infinity))!.length, 3, 'limit');
    assert.equal((await l.read(pos(1, 5), 100, 1))!.length, 1, 'byte bound: at least one');
    assert.deepEqual(await l.read(pos(2, 50), 10, Infinity), [], 'nothing after the end');
    assert.ok((await readdir(dir)).length >= 5, 'several segment files');
  });

  it('journal - holds only positions of its history: not a batch of another epoch, not one it dropped', async () => {
    const l = await openLog(pos(0, 0), { retentionBatches: 20 });
    assert.equal(await l.holds(pos(0, 0)), true, 'an empty store\'s start');
    appendRange(l, 1, 1, 10);
    appendRange(l, 3, 11, 40);
    assert.equal(await l.holds(pos(3, 30)), true);
    assert.equal(await l.holds(pos(2, 30)), false, 'same index, other epoch: a diverged log');
    assert.equal(await l.read(pos(2, 30), 10, Infinity), undefined);
    assert.equal(await l.holds(pos(3, 41)), false, 'beyond the end');
    // 20 retained: 21..40; 20 is the point the log starts after, 19 is gone.
    assert.equal(l.count, 20);
    assert.equal(await l.holds(pos(3, 20)), true);
    assert.equal((await l.read(pos(3, 20), 100, Infinity))!.length, 20);
    assert.equal(await l.holds(pos(3, 19)), false);
    assert.equal(await l.read(pos(3, 19), 100, Infinity), undefined);
  });

  it('journal - trims by bytes and deletes whole segments it no longer needs', async () => {
    // The bound counts batches' bytes, not record headers (the last batches are the biggest).
    const size = bytesOf(pos(1, 2000)).length;
    const l = await openLog(pos(0, 0), { retentionBatches: 1000, retentionBytes: 100 * size });
    appendRange(l, 1, 1, 2000);
    await l.read(pos(1, 1999), 1, Infinity); // writes what is queued
    assert.ok(l.count <= 100 && l.count >= 95, `about 100 batches retained, got ${l.count}`);
    let onDisk = 0;
    for (const f of await readdir(dir)) onDisk += (await stat(join(dir, f))).size;
    assert.ok(onDisk < 3 * 100 * (size + 25), `old segments deleted (${onDisk} bytes on disk)`);
  });

  it('journal - a read in progress completes when the segments it reads are dropped meanwhile', async () => {
    const l = await openLog(pos(0, 0), { retentionBatches: 16 }); // segments of 2 batches
    appendRange(l, 1, 1, 16);
    const reading = l.read(pos(0, 0), 4, Infinity);
    for (let i = 0; i < 5; i++) await Promise.resolve(); // the read is now waiting for the file
    appendRange(l, 1, 17, 40); // 1..24 dropped, their files deleted
    const got = await reading;
    assert.deepEqual(got!.map((r) => r.position.index), [1, 2, 3, 4]);
    for (const r of got!) assert.deepEqual(Buffer.from(r.bytes), bytesOf(r.position));
    assert.equal(await l.holds(pos(1, 10)), false);
    assert.equal((await l.read(pos(1, 24), 100, Infinity))!.length, 16);
  });

  it('journal - reopened, it holds what it held; batches beyond the store\'s position are handed back to be written', async () => {
    let l = await openLog(pos(0, 0));
    appendRange(l, 1, 1, 50);
    await l.close();
    l = await openLog(pos(1, 50));
    assert.equal(l.count, 50);
    assert.equal((await l.read(pos(1, 10), 100, Infinity))!.length, 40);
    // A crash: the log got 51..60 (a slave acknowledged them) but the store only reached 55.
    appendRange(l, 1, 51, 60, true);
    await l.close();
    l = new Journal({ directory: dir });
    const tail = await l.open(pos(1, 55));
    log = l;
    assert.deepEqual(tail.map((r) => r.position), [56, 57, 58, 59, 60].map((i) => pos(1, i)));
    for (const r of tail) assert.deepEqual(Buffer.from(r.bytes), bytesOf(r.position));
    assert.deepEqual(l.end, pos(1, 60));
    l.written(60);
    appendRange(l, 2, 61, 62);
    assert.deepEqual((await l.read(pos(1, 60), 100, Infinity))!.map((r) => r.position), [pos(2, 61), pos(2, 62)]);
  });

  it('journal - a fresh log holds the store\'s position it started at, also after a crash', async () => {
    let l = await openLog(pos(3, 500));
    appendRange(l, 3, 501, 503, true); // received, not yet written by the store
    await l.close();
    l = new Journal({ directory: dir });
    const tail = await l.open(pos(3, 500));
    log = l;
    assert.deepEqual(tail.map((r) => r.position.index), [501, 502, 503]);
    await l.close();
    l = new Journal({ directory: dir });
    assert.deepEqual(await l.open(pos(2, 500)), [], 'another history at the same index: not this log\'s');
    log = l;
    assert.equal(l.count, 0);
  });

  it('journal - batches the store has not written are kept beyond the retention bound', async () => {
    const l = await openLog(pos(0, 0), { retentionBatches: 10 });
    appendRange(l, 1, 1, 30, true);
    assert.equal(l.count, 30);
    l.written(25);
    assert.equal(l.count, 10);
    assert.deepEqual(l.first, pos(1, 21));
    l.written(30);
    assert.equal(l.count, 10);
  });

  it('journal - a log that does not hold the store\'s position starts afresh there', async () => {
    let l = await openLog(pos(0, 0));
    appendRange(l, 1, 1, 20);
    await l.close();
    // The store is ahead (a write the log lost) or holds another history (a snapshot).
    l = await openLog(pos(1, 25));
    assert.equal(l.count, 0);
    assert.equal(await l.holds(pos(1, 10)), false);
    assert.equal(await l.holds(pos(1, 25)), true, 'the store\'s position itself');
    appendRange(l, 1, 26, 27);
    assert.equal((await l.read(pos(1, 25), 10, Infinity))!.length, 2);
    await l.close();
    l = await openLog(pos(4, 27));
    assert.equal(l.count, 0, 'same index, other epoch');
  });

  it('journal - a damaged record cuts the log there; a torn tail is cut off', async () => {
    let l = await openLog(pos(0, 0), { retentionBatches: 1000 });
    appendRange(l, 1, 1, 10);
    await l.close();
    const [file] = await readdir(dir);
    const path = join(dir, file!);
    // A torn tail: half a record more.
    await appendFile(path, Buffer.alloc(30, 7));
    l = await openLog(pos(1, 10), { retentionBatches: 1000 });
    assert.equal(l.count, 10, 'the torn tail is ignored');
    await l.close();
    // A flipped byte in record 6's payload: the log is cut before it, so it no longer holds
    // the store's position and starts afresh.
    const data = await readFile(path);
    let off = 0;
    for (let i = 1; i < 6; i++) off += 25 + data.readUInt32BE(off);
    data[off + 30] = data[off + 30]! ^ 0xff;
    await writeFile(path, data);
    l = await openLog(pos(1, 10), { retentionBatches: 1000 });
    assert.equal(l.count, 0);
    assert.equal(await l.holds(pos(1, 3)), false);
    // The cut also fits a store that only reached 5.
    await l.close();
    await writeFile(path, data);
    l = await openLog(pos(1, 5), { retentionBatches: 1000 });
    assert.equal(l.count, 5);
    assert.equal((await l.read(pos(1, 2), 10, Infinity))!.length, 3);
  });

  it('journal - reset forgets everything; a batch that does not follow the end restarts the log', async () => {
    const l = await openLog(pos(0, 0));
    appendRange(l, 1, 1, 10);
    await l.reset(pos(3, 500));
    assert.equal(l.count, 0);
    assert.equal(await l.holds(pos(1, 5)), false);
    assert.equal(await l.holds(pos(3, 500)), true);
    appendRange(l, 3, 501, 505);
    l.append(pos(3, 510), bytesOf(pos(3, 510)), true); // a gap
    l.written(510);
    assert.equal(l.count, 1);
    assert.equal(await l.holds(pos(3, 503)), false);
    assert.equal(await l.holds(pos(3, 510)), true);
    await l.close();
    const again = await openLog(pos(3, 510));
    assert.equal(again.count, 1, 'the restarted log reopens');
  });

  it('journal - sync (quorum_disk) writes and syncs what was appended; a synced log preallocates its segments with zeros, which reopen as its end', async () => {
    let l = await openLog(pos(0, 0), { retentionBatches: 80 }); // segments of 10 batches
    appendRange(l, 1, 1, 3, true);
    assert.equal(l.sync(), 3, 'the last index on disk');
    assert.equal(l.sync(), 3, 'nothing new: nothing to sync');
    appendRange(l, 1, 4, 25, true); // into three segments, each preallocated
    assert.equal(l.sync(), 25);
    const files = (await readdir(dir)).sort();
    assert.equal(files.length, 3);
    for (const f of files) assert.equal((await stat(join(dir, f))).size % (1024 * 1024), 0, `${f} is preallocated`);
    await l.close();
    // A crash after the sync, before the store wrote anything: every batch comes back.
    l = new Journal({ directory: dir, retentionBatches: 80 });
    const tail = await l.open(pos(0, 0));
    log = l;
    assert.deepEqual(tail.map((r) => r.position.index), Array.from({ length: 25 }, (_, i) => i + 1));
    for (const r of tail) assert.deepEqual(Buffer.from(r.bytes), bytesOf(r.position));
    // Appends go on after the records, over the zeros.
    l.written(25);
    appendRange(l, 1, 26, 28, true);
    assert.equal(l.sync(), 28);
    await l.close();
    l = await openLog(pos(1, 28), { retentionBatches: 80 });
    assert.deepEqual(l.end, pos(1, 28));
    assert.deepEqual((await l.read(pos(1, 20), 100, Infinity))!.map((r) => r.position.index), [21, 22, 23, 24, 25, 26, 27, 28]);
  });

  it('journal - records written before the first sync (a slave writes each frame, then syncs) are not zeroed by the preallocation that follows', async () => {
    let l = await openLog(pos(0, 0), { retentionBatches: 1000 });
    // As a quorum_disk slave does with each frame: append, write at once, sync at the end of the turn.
    const frame = (from: number, to: number): void => {
      appendRange(l, 1, from, to, true);
      assert.equal(l.flush(), true);
    };
    frame(1, 3);
    assert.equal(l.sync(), 3);
    frame(4, 6);
    assert.equal(l.sync(), 6);
    // kill -9: what the files hold is what a restarted node reads.
    let again = new Journal({ directory: dir, retentionBatches: 1000 });
    assert.deepEqual((await again.open(pos(0, 0))).map((r) => r.position.index), [1, 2, 3, 4, 5, 6]);
    await again.close();
    await l.close();
    // The same after a restart: the reopened log's tail segment is written before its first sync.
    l = await openLog(pos(1, 6), { retentionBatches: 1000 });
    frame(7, 9);
    assert.equal(l.sync(), 9);
    frame(10, 12);
    assert.equal(l.sync(), 12);
    again = new Journal({ directory: dir, retentionBatches: 1000 });
    const tail = await again.open(pos(1, 6));
    await again.close();
    assert.deepEqual(tail.map((r) => r.position.index), [7, 8, 9, 10, 11, 12]);
    for (const r of tail) assert.deepEqual(Buffer.from(r.bytes), bytesOf(r.position));
  });

  it('journal - zeros where a record should be, with records after them, are a hole: the log is cut there', async () => {
    let l = await openLog(pos(0, 0), { retentionBatches: 1000 });
    appendRange(l, 1, 1, 10, true);
    l.sync();
    await l.close();
    const [file] = await readdir(dir);
    const path = join(dir, file!);
    // Record 4 lost (a page the disk never got): zeros, then records 5..10.
    const data = await readFile(path);
    let off = 0;
    for (let i = 1; i < 4; i++) off += 25 + data.readUInt32BE(off);
    data.fill(0, off, off + 25 + data.readUInt32BE(off));
    await writeFile(path, data);
    l = new Journal({ directory: dir, retentionBatches: 1000 });
    const tail = await l.open(pos(0, 0));
    log = l;
    assert.deepEqual(tail.map((r) => r.position.index), [1, 2, 3]);
    assert.deepEqual(l.end, pos(1, 3));
  });

  it('journal - retention 0 keeps nothing', async () => {
    const l = await openLog(pos(0, 0), { retentionBatches: 0 });
    appendRange(l, 1, 1, 5);
    assert.equal(await l.holds(pos(1, 3)), false);
    assert.equal(await l.read(pos(1, 3), 10, Infinity), undefined);
    await assert.rejects(readdir(dir));
  });
});
