import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeqIndex } from '../src/seq-index';

describe('store SeqIndex', () => {
  it('store - SeqIndex reads like a sorted map under any mix of adds and removes', () => {
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ del: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ delFirst: fc.constant(true) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 4000 }), fc.integer({ min: -1, max: 3001 }), fc.integer({ min: 0, max: 50 }), (ops, after, limit) => {
      const idx = new SeqIndex<string>();
      const model = new Map<number, string>();
      for (const o of ops) {
        if ('add' in o) {
          assert.equal(idx.set(o.add, `v${o.add}`), !model.has(o.add));
          model.set(o.add, `v${o.add}`);
        } else if ('del' in o) {
          assert.equal(idx.delete(o.del), model.delete(o.del));
        } else {
          const f = idx.first();
          if (model.size > 0) {
            assert.equal(f, Math.min(...model.keys()));
            idx.delete(f);
            model.delete(f);
          }
        }
      }
      const sorted = [...model.keys()].sort((a, b) => a - b);
      assert.equal(idx.size, model.size);
      assert.equal(idx.first(), sorted[0] ?? 0);
      assert.equal(idx.last(), sorted[sorted.length - 1] ?? 0);
      assert.deepEqual([...idx.keys()], sorted);
      const got: Array<[number, string]> = [];
      idx.after(after, limit, (s, v) => got.push([s, v]));
      assert.deepEqual(got, sorted.filter((s) => s > after).slice(0, limit).map((s) => [s, `v${s}`]));
    }), { numRuns: 200 });
  });

  it('store - SeqIndex compacts dead slots and keeps order', () => {
    const idx = new SeqIndex<number>();
    for (let i = 1; i <= 20000; i++) idx.set(i, i);
    for (let i = 2; i <= 20000; i += 2) idx.delete(i); // dead slots in the middle
    for (let i = 1; i <= 9999; i += 2) idx.delete(i); // and a dead front
    idx.set(5000, 5000); // back, below the live range
    assert.equal(idx.size, 5001);
    assert.equal(idx.first(), 5000);
    assert.equal(idx.last(), 19999);
    const got: number[] = [];
    idx.after(10000, 3, (s) => got.push(s));
    assert.deepEqual(got, [10001, 10003, 10005]);
  });
});
