// A group member whose store is damaged does not serve what is left: it sets its files aside
// and catches up from the master.
import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { contents, putOps, TestGroup } from './harness';

async function flipNewestLog(dir: string): Promise<void> {
  const logs = (await readdir(dir)).filter((f) => /^\d+\.log$/.test(f)).sort();
  const file = join(dir, logs[logs.length - 1]!);
  const buf = await readFile(file);
  for (const at of [0.3, 0.5, 0.7]) {
    const off = Math.floor(buf.length * at);
    for (let i = 0; i < 16; i++) buf[off + i] = buf[off + i]! ^ 0xff;
  }
  await writeFile(file, buf);
}

describe('cluster - damaged store', function () {
  this.timeout(30000);
  let g: TestGroup | undefined;
  let aside: string[] = [];

  afterEach(async () => {
    await g?.close();
    await Promise.all(aside.map((d) => rm(d, { recursive: true, force: true })));
    aside = [];
  });

  it('damaged store - a slave whose store is damaged sets it aside and catches up from the master instead of serving what is left', async () => {
    // quorum_disk: slaves write their batches with fsync, so the committed mark covers them
    // (with quorum_mem a damaged unsynced tail is rewritten from the node's own retained log).
    g = new TestGroup({ sync: 'quorum_disk' });
    await Promise.all(['n1', 'n2', 'n3'].map((id) => g!.add(id)));
    const m = await g.waitForMaster();
    const s = [...g.nodes.keys()].find((id) => id !== m.id)!;
    for (let i = 1; i <= 200; i++) await m.serving!.commit(putOps(i));
    await g.waitForPosition([s], m.serving!.assignedPosition);
    await g.stopNode(s);
    const dir = g.get(s).dir;
    assert.ok((await stat(dir)).isDirectory());
    await flipNewestLog(dir);

    await g.add(s);
    assert.ok(g.get(s).log.has(/store is damaged/), 'the node says its store was damaged');
    aside = (await readdir(dirname(dir))).filter((f) => f.startsWith(`${basename(dir)}.damaged-`)).map((f) => join(dirname(dir), f));
    assert.equal(aside.length, 1, 'the damaged files are kept aside');
    await g.waitForPosition([s], m.serving!.assignedPosition);
    assert.deepEqual(await contents(g.get(s).store), await contents(m.store));
    assert.equal((await contents(g.get(s).store)).length, 200);
  });
});
