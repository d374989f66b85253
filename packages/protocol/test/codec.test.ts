import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { FrameDecoder, encodeFrame, encodeValue } from '../src/codec';
import { CommandType, type Command } from '../src/commands';
import { ErrorCode, ProtocolError } from '../src/errors';

function collect(max?: number): { dec: FrameDecoder; cmds: Command[]; errors: ProtocolError[] } {
  const cmds: Command[] = [];
  const errors: ProtocolError[] = [];
  const dec = new FrameDecoder({ command: (c) => cmds.push(c), error: (e) => errors.push(e) }, max);
  return { dec, cmds, errors };
}

describe('codec', () => {
  it('codec - round trip of a command with every property type', () => {
    const { dec, cmds, errors } = collect();
    const cmd: Command = {
      type: CommandType.SEND, corr: 7, producerId: 'p1',
      message: {
        messageId: 'ID:p1:1', destination: 'queue://A', deliveryMode: 2, priority: 4, timestamp: 1700000000123,
        expiration: 0, deliveryTime: 0, redelivered: false, deliveryCount: 0, producerId: 'p1', producerSeq: 1,
        properties: { s: 'x', n: 1.5, i: -3, b: true, big: 12345678901234567n, bytes: new Uint8Array([1, 2, 3]), nul: null },
        bodyKind: 1, body: 'hello',
      },
    };
    dec.push(encodeFrame(cmd));
    assert.equal(errors.length, 0);
    assert.deepEqual(cmds[0], { ...cmd, message: { ...(cmd as { message: object }).message, properties: { s: 'x', n: 1.5, i: -3, b: true, big: 12345678901234567n, bytes: Buffer.from([1, 2, 3]), nul: null } } });
  });

  it('codec - frames split at every byte and many frames in one chunk', () => {
    const frames = Buffer.concat([1, 2, 3].map((i) => encodeFrame({ type: CommandType.PULL, consumerId: i, timeout: 0 })));
    const a = collect();
    for (let i = 0; i < frames.length; i++) a.dec.push(frames.subarray(i, i + 1));
    assert.deepEqual(a.cmds.map((c) => (c as { consumerId: number }).consumerId), [1, 2, 3]);
    const b = collect();
    b.dec.push(frames);
    assert.equal(b.cmds.length, 3);
  });

  it('codec - a large frame trickled in small chunks is joined once, not once per chunk', () => {
    const body = 'x'.repeat(4 * 1024 * 1024);
    const frame = encodeFrame({ type: CommandType.SEND, corr: 1, producerId: 'p', message: {
      messageId: 'ID:p:1', destination: 'queue://A', deliveryMode: 1, priority: 4, timestamp: 0, expiration: 0, deliveryTime: 0,
      redelivered: false, deliveryCount: 0, producerId: 'p', producerSeq: 1, properties: {}, bodyKind: 1, body,
    } });
    const { dec, cmds, errors } = collect();
    for (let i = 0; i < frame.length; i += 1000) dec.push(frame.subarray(i, i + 1000));
    assert.equal(errors.length, 0);
    assert.equal((cmds[0] as { message: { body: string } }).message.body, body);
    // Quadratic joining copied about chunks²/2 × 1000 bytes (8.8 GB here); linear is one frame.
    assert.ok(dec.copied <= 2 * frame.length, `copied ${dec.copied} bytes for a ${frame.length}-byte frame`);
    assert.equal(dec.buffered, 0);
  });

  it('codec - oversize frame is an error naming the sizes and stops the decoder', () => {
    const { dec, errors, cmds } = collect(1024);
    const hdr = Buffer.alloc(4);
    hdr.writeUInt32BE(5000);
    dec.push(hdr);
    assert.equal(errors[0]?.code, ErrorCode.FRAME_TOO_LARGE);
    assert.match(errors[0]!.message, /5000 bytes exceeds maxFrameSize 1024/);
    dec.push(encodeFrame({ type: CommandType.PING }));
    assert.equal(cmds.length, 0);
  });

  it('codec - unknown command type is reported and the stream goes on', () => {
    const { dec, errors, cmds } = collect();
    const body = encodeValue({ type: 999 });
    const f = Buffer.alloc(4 + body.length);
    f.writeUInt32BE(body.length);
    body.copy(f, 4);
    dec.push(Buffer.concat([f, encodeFrame({ type: CommandType.PING })]));
    assert.equal(errors[0]?.code, ErrorCode.UNKNOWN_COMMAND);
    assert.equal(cmds.length, 1);
  });

  it('codec - non-object body is a protocol error', () => {
    const { dec, errors } = collect();
    const body = encodeValue([1, 2]);
    const f = Buffer.alloc(4 + body.length);
    f.writeUInt32BE(body.length);
    body.copy(f, 4);
    dec.push(f);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /not a command object/);
  });

  it('codec - random bytes never throw and never yield a non-command', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const { dec, cmds } = collect(4096);
        for (const c of chunks) dec.push(Buffer.from(c));
        for (const c of cmds) assert.equal(typeof (c as { type: unknown }).type, 'number');
      }),
      { numRuns: 2000 },
    );
  });

  it('codec - random frames with valid length prefixes never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 10 }), (bodies) => {
        const { dec } = collect();
        for (const b of bodies) {
          const f = Buffer.alloc(4 + b.length);
          f.writeUInt32BE(b.length);
          Buffer.from(b).copy(f, 4);
          dec.push(f);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
