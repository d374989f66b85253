import assert from 'node:assert/strict';
import {
  decodeBatch, decodeEncodedBatch, decodeNumber, decodePosition, decodeValue, encodeBatch, encodeBatchForApply, encodeNumber, encodePosition, encodeValue,
  type EncodedPutMessageOp,
} from '../src/codec';
import type { LogBatch } from '../src/index';
import { msg } from './fixtures';
import { OpType } from '../src';

describe('store codec', () => {
  it('store - codec: bigint, Uint8Array, Buffer and numbers round-trip exactly', () => {
    const v = {
      big: 2n ** 63n - 1n, neg: -(2n ** 63n), huge: 2n ** 100n, small: 5n,
      u8: new Uint8Array([0, 1, 255]), buf: Buffer.from('hi'),
      n40: 2 ** 40, max: Number.MAX_SAFE_INTEGER, f: 0.1, nan: NaN, inf: -Infinity, i: -3,
      s: 'é😀', nil: null, t: true, nested: { a: [1, 'x', 3n, { b: new Uint8Array([7]) }] },
    };
    const back = decodeValue<typeof v>(encodeValue(v));
    assert.deepEqual(back, v);
    assert.equal(Object.getPrototypeOf(back.u8), Uint8Array.prototype);
    assert.equal(typeof back.n40, 'number');
    assert.equal(typeof back.small, 'bigint');
  });

  it('store - codec: decoded bytes do not share memory with the encoded buffer', () => {
    const bytes = Buffer.from(encodeValue({ u8: new Uint8Array([1, 2, 3]) }));
    const back = decodeValue<{ u8: Uint8Array }>(bytes);
    bytes.fill(0);
    assert.deepEqual(back.u8, new Uint8Array([1, 2, 3]));
  });

  it('store - codec: an encoded value stays valid while later values are encoded', () => {
    const first = encodeValue(msg(1));
    const copy = Buffer.from(first);
    for (let i = 0; i < 5000; i++) encodeValue(msg(i, { body: 'y'.repeat(i % 300) }));
    assert.ok(first.equals(copy));
  });

  it('store - codec: a log batch decodes on its own, with no shared structures', () => {
    const batch: LogBatch = { position: { epoch: 3, index: 2 ** 40 }, ops: [{ t: OpType.PUT_MESSAGE, dest: 'queue://A', seq: 7, msg: msg(7), subs: ['c:a'] }, { t: OpType.REMOVE_DESTINATION, url: 'queue://B' }] };
    assert.deepEqual(decodeBatch(encodeBatch(batch)), batch);
  });

  it('store - codec: a batch carries its messages encoded, as the store writes them; batches of the older form decode too', () => {
    const batch: LogBatch = {
      position: { epoch: 2, index: 9 },
      ops: [{ t: OpType.PUT_MESSAGE, dest: 'queue://A', seq: 7, msg: msg(7) }, { t: OpType.PUT_MESSAGE, dest: 'topic://T', seq: 8, msg: msg(8), subs: ['c:a', 'c:b'] }, { t: OpType.REMOVE_MESSAGE, dest: 'queue://A', seq: 3 }],
    };
    const { bytes, batch: encoded } = encodeBatchForApply(batch);
    assert.ok(bytes.equals(encodeBatch(batch)));
    const put = encoded.ops[0] as EncodedPutMessageOp;
    assert.deepEqual(Buffer.from(put.m), encodeValue(msg(7)), 'the message as its store value');
    assert.equal(put.pid, 'p1');
    assert.equal(put.ps, 7);
    assert.equal('subs' in put, false);
    assert.deepEqual((encoded.ops[1] as EncodedPutMessageOp).subs, ['c:a', 'c:b']);
    const viewed = decodeEncodedBatch(bytes);
    assert.deepEqual(viewed.ops.map((op) => ('m' in op ? Buffer.from(op.m) : op)), encoded.ops.map((op) => ('m' in op ? Buffer.from(op.m) : op)));
    // Written before batches carried encoded messages: the batch itself, msgpack'd.
    const older = encodeValue(batch);
    assert.deepEqual(decodeBatch(older), batch);
    const upgraded = decodeEncodedBatch(older);
    assert.deepEqual(Buffer.from((upgraded.ops[1] as EncodedPutMessageOp).m), encodeValue(msg(8)));
    assert.ok(encodeBatch(upgraded).equals(bytes), 'the same batch, whichever form it came in');
  });

  it('store - codec: positions and numbers have fixed binary forms', () => {
    assert.deepEqual(decodePosition(encodePosition({ epoch: 4294967295, index: Number.MAX_SAFE_INTEGER })), { epoch: 4294967295, index: Number.MAX_SAFE_INTEGER });
    for (const n of [0, -1, 1.5, 2 ** 53]) assert.equal(decodeNumber(encodeNumber(n)), n);
  });
});
