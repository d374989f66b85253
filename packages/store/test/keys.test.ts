import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  inRange, jobKey, jobsUntil, keySeq, messageKey, messageKeyDest, messagesAfter,
  prefixRange, refKey, refRange, splitNamedKey, subscriptionKey,
} from '../src/keys';

const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\0'));
const seq = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const cmp = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);
const range = (r: { gt?: Buffer; gte?: Buffer; lt: Buffer }) => ({ gte: r.gte ?? r.gt!, lt: r.lt });

describe('store keys', () => {
  it('store - keys: message keys sort by destination bytes, then seq', () => {
    fc.assert(fc.property(name, seq, name, seq, (d1, s1, d2, s2) => {
      const expected = Buffer.compare(utf8(d1), utf8(d2)) || cmp(s1, s2);
      assert.equal(Math.sign(Buffer.compare(messageKey(d1, s1), messageKey(d2, s2))), expected);
    }));
  });

  it('store - keys: a destination range holds exactly its own keys', () => {
    fc.assert(fc.property(name, name, seq, (d1, d2, s) => {
      const own = messagesAfter(d1, -1);
      assert.equal(inRange(messageKey(d2, s), range(own)), d1 === d2);
      assert.equal(inRange(refKey(d2, 'c:a', s), refRange(d1, 'c:a')), d1 === d2);
      assert.equal(inRange(subscriptionKey(d2, 'k'), prefixRange(subscriptionKey(d1, ''))), d1 === d2);
    }));
    // The classic trap: a name that is a prefix of another.
    assert.equal(inRange(messageKey('queue://AB', 1), range(messagesAfter('queue://A', -1))), false);
    assert.equal(inRange(refKey('t', 'c:ab', 1), refRange('t', 'c:a')), false);
  });

  it('store - keys: parts read back from keys', () => {
    fc.assert(fc.property(name, name, seq, (d, k, s) => {
      const m = messageKey(d, s);
      assert.equal(messageKeyDest(m).toString('utf8'), d);
      assert.equal(keySeq(m), s);
      const r = refKey(d, k, s);
      assert.deepEqual(splitNamedKey(r, r.length - 9), { dest: d, rest: k });
      assert.equal(keySeq(r), s);
    }));
  });

  it('store - keys: job keys sort numerically', () => {
    fc.assert(fc.property(seq, seq, (a, b) => {
      assert.equal(Math.sign(Buffer.compare(jobKey(a, 'x'), jobKey(b, 'x'))), cmp(a, b));
      assert.equal(inRange(jobKey(a, 'id'), range(jobsUntil(b))), a <= b);
    }));
  });

  it('store - keys: names with NUL are refused', () => {
    assert.throws(() => messageKey('a\0b', 1), /NUL/);
    assert.throws(() => refKey('a', 'k\0', 1), /NUL/);
  });
});
