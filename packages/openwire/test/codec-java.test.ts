// The codec against ActiveMQ's own OpenWireFormat: frames the Java client writes decode and
// re-encode to the same bytes, and frames Wharf writes decode and re-encode in Java to the same
// bytes, for versions 9 to 12, tight and loose encoding, cache on and off.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WireFormat, FrameReader, DataType, Reader, readPrimitiveMap, Typed, type Struct } from '../src/index';
import { classpath, compileJava, runJava } from './java';

const CLASSES = path.join(__dirname, '..', 'java-build', 'codec');
const SRC = path.join(__dirname, '..', '..', 'test', 'java');

function frames(bytes: Buffer): Buffer[] {
  const r = new FrameReader(0x7fffffff);
  r.push(bytes);
  const out: Buffer[] = [];
  for (let f = r.next(); f; f = r.next()) out.push(f);
  return out;
}

describe('openwire - codec against the Java client', function () {
  this.timeout(120000);
  let dir = '';
  before(function () {
    if (!classpath()) this.skip();
    compileJava(SRC, CLASSES);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wharf-ow-'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const version of [9, 10, 11, 12]) {
    for (const tight of [false, true]) {
      for (const cache of [false, true]) {
        const label = `v${version} ${tight ? 'tight' : 'loose'} cache ${cache ? 'on' : 'off'}`;
        it(`openwire - ${label}: Java's frames decode and re-encode byte for byte, both ways`, async () => {
          const stack = tight; // vary the stack trace option too
          const flags = [String(version), String(tight), String(cache), String(stack)];
          const javaFile = path.join(dir, `java-${label}.bin`);
          const gen = await runJava(CLASSES, 'OwCodec', ['gen', ...flags, javaFile]);
          assert.equal(gen.code, 0, gen.stderr);
          const javaBytes = fs.readFileSync(javaFile);
          const opts = { version, tightEncoding: tight, cacheEnabled: cache, stackTraceEnabled: stack };
          const dec = new WireFormat(opts);
          const enc = new WireFormat(opts);
          const decoded: Struct[] = [];
          const ours: Buffer[] = [];
          for (const f of frames(javaBytes)) {
            const cmd = dec.decode(f)!;
            decoded.push(cmd);
            ours.push(enc.encode(cmd));
          }
          assert.ok(decoded.length > 50);
          const ourBytes = Buffer.concat(ours);
          assert.equal(ourBytes.toString('hex'), javaBytes.toString('hex'));

          // Typed values arrive typed.
          const text = decoded.find((c) => c.type === DataType.TEXT_MESSAGE)!;
          const props = readPrimitiveMap(new Reader(text.marshalledProperties as Uint8Array))!;
          assert.deepEqual(props.short, new Typed('short', -300));
          assert.deepEqual(props.byte, new Typed('byte', -7));
          assert.deepEqual(props.long, new Typed('long', 9007199254740993n));
          assert.deepEqual(props.smallLong, new Typed('long', 5));
          assert.deepEqual(props.float, new Typed('float', 1.5));
          assert.deepEqual(props.char, new Typed('char', 0x263a));
          assert.equal(props.int, 123456789);
          assert.equal(props.str, 'a\u0000b\u{1F600}\u00ff');
          assert.equal((props.big as string).length, 9000);
          const ci = decoded.find((c) => c.type === DataType.CONNECTION_INFO)!;
          assert.equal(ci.clientId, 'client\u0000one');

          // And the Java client reads what we wrote and writes it again identically.
          const ourFile = path.join(dir, `ours-${label}.bin`);
          const echoFile = path.join(dir, `echo-${label}.bin`);
          fs.writeFileSync(ourFile, ourBytes);
          const echo = await runJava(CLASSES, 'OwCodec', ['echo', ...flags, ourFile, echoFile]);
          assert.equal(echo.code, 0, echo.stderr);
          assert.equal(fs.readFileSync(echoFile).toString('hex'), ourBytes.toString('hex'));
        });
      }
    }
  }
});
