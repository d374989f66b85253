// Whole-store copies (LevelStore.exportSnapshot / importSnapshot), which replication uses for a
// slave that is too far behind or diverged: the copy is exact, an interrupted import leaves the
// store as it was, and a crash in the middle of the swap is settled on the next open.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpType, LevelStore, type SnapshotEntry } from '@wharf/store';
import { putOps } from './harness';

async function entries(store: LevelStore): Promise<SnapshotEntry[][]> {
  const reader = store.exportSnapshot();
  const out: SnapshotEntry[][] = [];
  for (;;) {
    const chunk = await reader.next(4096);
    if (!chunk) return out;
    out.push(chunk);
  }
}

async function* from(chunks: SnapshotEntry[][], failAfter = Infinity): AsyncIterable<SnapshotEntry[]> {
  let n = 0;
  for (const c of chunks) {
    if (n++ >= failAfter) throw new Error('link lost');
    yield c;
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

describe('replication - store snapshots', function () {
  this.timeout(20000);
  let root: string;
  let a: LevelStore;
  let b: LevelStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'wharf-snap-'));
    a = new LevelStore({ directory: join(root, 'a') });
    b = new LevelStore({ directory: join(root, 'b') });
    await a.open();
    await b.open();
    a.setEpoch(3);
    for (let i = 1; i <= 300; i++) await a.commit(putOps(i), { sync: false });
    await a.commit([{ t: OpType.PUT_SUBSCRIPTION, dest: 'topic://T', sub: { key: 'c:s', clientId: 'c', name: 's', destination: 'topic://T', createdAt: 1 } }]);
    await a.commit([{ t: OpType.REMOVE_MESSAGE, dest: 'queue://Q', seq: 5 }]);
    for (let i = 1; i <= 10; i++) await b.commit(putOps(1000 + i, 'queue://OTHER'));
  });

  afterEach(async () => {
    await a.close();
    await b.close();
    await rm(root, { recursive: true, force: true });
  });

  it('snapshot - an imported copy is the exported store: content and position', async () => {
    const chunks = await entries(a);
    assert.ok(chunks.length > 1, 'the copy comes in several chunks');
    const pos = await b.importSnapshot(from(chunks));
    assert.deepEqual(pos, a.position);
    assert.deepEqual(b.position, a.position);
    assert.deepEqual(await b.loadMessages('queue://Q', 0, 1000), await a.loadMessages('queue://Q', 0, 1000));
    assert.deepEqual(await b.loadMessages('queue://OTHER', 0, 1000), []);
    const [ra, rb] = [await a.recover(), await b.recover()];
    assert.deepEqual(rb.destinations, ra.destinations);
    assert.deepEqual(rb.subscriptions, ra.subscriptions);
    // It goes on as a slave would.
    await b.apply({ position: { epoch: 3, index: a.position.index + 1 }, ops: putOps(999) });
    assert.equal(b.position.index, a.position.index + 1);
  });

  it('snapshot - an import that fails part-way leaves the store unchanged and open', async () => {
    const before = b.position;
    const chunks = await entries(a);
    await assert.rejects(b.importSnapshot(from(chunks, 1)), /link lost/);
    assert.deepEqual(b.position, before);
    assert.equal((await b.loadMessages('queue://OTHER', 0, 100)).length, 10);
    assert.equal(await exists(`${join(root, 'b')}.snapshot`), false, 'the partial copy is removed');
    await b.commit(putOps(2000, 'queue://OTHER'));
  });

  it('snapshot - a crash between the renames is settled on open: the complete copy wins', async () => {
    const chunks = await entries(a);
    await b.importSnapshot(from(chunks));
    await b.close();
    const dir = join(root, 'b');
    // As if the process died after moving the old store away but before moving the copy in.
    await rename(dir, `${dir}.snapshot`);
    const c = new LevelStore({ directory: dir });
    await c.open();
    assert.deepEqual(c.position, a.position);
    await c.close();
    // A partial copy left beside a store (a crash while writing it) is discarded.
    await mkdir(`${dir}.snapshot`);
    const d = new LevelStore({ directory: dir });
    await d.open();
    assert.deepEqual(d.position, a.position);
    await d.close();
    assert.equal(await exists(`${dir}.snapshot`), false);
    await b.open();
  });
});
