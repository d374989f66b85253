// Hostile bytes: random input and mutated valid frames never make the decoder throw anything but
// an OpenWireError, and a lying length is refused before anything of that size is allocated.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JMSError } from '@wharf/protocol';
import { fromOpenWire, WireFormat, FrameReader, OpenWireError, DataType, Reader, readPrimitiveMap, Writer, wireFormatInfo, defaultPrefs, type Struct } from '../src/index';

const MODES = [
  { tightEncoding: false, cacheEnabled: false }, { tightEncoding: true, cacheEnabled: false },
  { tightEncoding: false, cacheEnabled: true, cacheSize: 256 }, { tightEncoding: true, cacheEnabled: true, cacheSize: 256 },
];

const cid: Struct = { type: DataType.CONNECTION_ID, value: 'ID:fuzz-1' };
const pid: Struct = { type: DataType.PRODUCER_ID, connectionId: 'ID:fuzz-1', value: 1, sessionId: 1 };
const queue: Struct = { type: DataType.QUEUE, physicalName: 'FUZZ.Q' };
function samples(): Struct[] {
  return [
    { type: DataType.CONNECTION_INFO, commandId: 1, responseRequired: true, connectionId: cid, clientId: 'c\u0000\u{1F600}', password: null, userName: 'u', brokerPath: null },
    { type: DataType.PRODUCER_INFO, commandId: 2, responseRequired: true, producerId: pid, destination: queue, brokerPath: [{ type: DataType.BROKER_ID, value: 'b' }], windowSize: 5 },
    {
      type: DataType.TEXT_MESSAGE, commandId: 3, responseRequired: true, producerId: pid, destination: queue,
      messageId: { type: DataType.MESSAGE_ID, textView: null, producerId: pid, producerSequenceId: 1, brokerSequenceId: 2 ** 40 },
      persistent: true, expiration: 0, priority: 4, timestamp: 1700000000000, content: new Uint8Array([0, 0, 0, 2, 104, 105]),
      marshalledProperties: new Uint8Array([0, 0, 0, 1, 0, 1, 97, 4, 1, 2]),
    },
    { type: DataType.EXCEPTION_RESPONSE, commandId: 4, responseRequired: false, correlationId: 3, exception: { className: 'javax.jms.JMSException', message: 'x' } },
  ];
}

function expectOnlyOpenWireErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof OpenWireError)) throw err;
  }
}

describe('openwire - decoder fuzzing', function () {
  this.timeout(60000);

  for (const mode of MODES) {
    const label = `${mode.tightEncoding ? 'tight' : 'loose'} cache ${mode.cacheEnabled ? 'on' : 'off'}`;
    it(`openwire fuzz - ${label}: random bytes give a command or an OpenWireError, nothing else`, () => {
      fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        expectOnlyOpenWireErrors(() => new WireFormat(mode).decode(bytes));
      }), { numRuns: 3000 });
    });

    it(`openwire fuzz - ${label}: mutated valid frames give a command or an OpenWireError`, () => {
      const enc = new WireFormat(mode);
      const frames = samples().map((s) => enc.encode(s).subarray(4));
      fc.assert(fc.property(
        fc.nat(frames.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (which, edits, cut) => {
          const f = Buffer.from(frames[which]!);
          for (const [at, v] of edits) f[at % f.length] = v;
          const truncated = cut % 3 === 0 ? f.subarray(0, cut % f.length || 1) : f;
          expectOnlyOpenWireErrors(() => new WireFormat(mode).decode(truncated));
        },
      ), { numRuns: 3000 });
    });
  }

  it('openwire fuzz - message bodies and properties with random bytes map to Wharf or fail with a protocol or JMS error', () => {
    const base = samples()[2]!;
    fc.assert(fc.property(
      fc.constantFrom(DataType.TEXT_MESSAGE, DataType.MAP_MESSAGE, DataType.STREAM_MESSAGE, DataType.BYTES_MESSAGE, DataType.OBJECT_MESSAGE),
      fc.option(fc.uint8Array({ maxLength: 64 })), fc.option(fc.uint8Array({ maxLength: 64 })), fc.boolean(),
      (type, content, props, compressed) => {
        try {
          fromOpenWire({ ...base, type, content, marshalledProperties: props, compressed });
        } catch (err) {
          if (!(err instanceof OpenWireError || err instanceof JMSError)) throw err;
        }
      },
    ), { numRuns: 3000 });
  });

  it('openwire fuzz - valid frames decode to what was encoded, in every mode', () => {
    for (const mode of MODES) {
      for (const version of [9, 10, 11, 12]) {
        const enc = new WireFormat({ ...mode, version });
        const dec = new WireFormat({ ...mode, version });
        for (const s of samples()) {
          const back = dec.decode(enc.encode(s).subarray(4))!;
          assert.equal(back.type, s.type);
          assert.equal(back.commandId, s.commandId);
        }
      }
    }
  });

  it('openwire fuzz - a lying byte-array length is refused before allocating it', () => {
    // Loose BytesMessage whose content claims 2 GiB.
    const w = new Writer();
    w.u8(DataType.BYTES_MESSAGE);
    w.i32(1); w.bool(false); // commandId, responseRequired
    for (let i = 0; i < 6; i++) w.bool(false); // producerId..originalTransactionId (no message id)
    w.bool(false); w.i32(0); w.bool(false); w.bool(true); w.i64(0); w.u8(4); w.bool(false); w.i64(0); w.bool(false);
    w.bool(true); w.i32(0x7fffffff); // content: 2 GiB promised, nothing follows
    const before = process.memoryUsage().arrayBuffers;
    assert.throws(() => new WireFormat().decode(w.toBuffer()), (e: unknown) => e instanceof OpenWireError && /exceeds the \d+ bytes left/.test(e.message));
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  it('openwire fuzz - a lying map count or string length is refused', () => {
    const w = new Writer();
    w.i32(1_000_000_000);
    assert.throws(() => readPrimitiveMap(new Reader(w.toBuffer())), OpenWireError);
    const s = new Writer();
    s.i32(1); s.u8(0); s.u8(1); s.u8(0x61); s.u8(13); s.i32(0x7fffffff); // big string of 2 GiB
    assert.throws(() => readPrimitiveMap(new Reader(s.toBuffer())), OpenWireError);
  });

  it('openwire fuzz - a frame size over maxFrameSize is refused before buffering it', () => {
    const r = new FrameReader(1024 * 1024);
    const head = Buffer.alloc(8);
    head.writeInt32BE(0x7ffffff0, 0);
    r.push(head);
    assert.throws(() => r.next(), (e: unknown) => e instanceof OpenWireError && /larger than max allowed/.test(e.message));
    const neg = new FrameReader(1024);
    neg.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]));
    assert.throws(() => neg.next(), OpenWireError);
  });

  it('openwire fuzz - the broker\'s own WireFormatInfo decodes in every version', () => {
    const info = wireFormatInfo({ ...defaultPrefs({ config: { maxInactivityDuration: 30000, maxFrameSize: 1024 } } as never) });
    for (const version of [9, 10, 11, 12]) {
      const wf = new WireFormat({ version });
      assert.equal(wf.decode(wf.encode(info).subarray(4))!.type, DataType.WIREFORMAT_INFO);
    }
  });
});
