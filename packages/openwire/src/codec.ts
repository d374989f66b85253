// The one OpenWire encoder/decoder engine: it walks the type table (schema.ts) in tight or loose
// encoding, with the marshal cache on or off, for versions 9 to 12. Pure code: bytes in,
// data structures out, and back. A WireFormat holds one direction pair of a connection's state
// (the marshal caches), so each connection has its own.
import { OpenWireError } from './errors';
import { BitReader, BitWriter } from './boolean-stream';
import { Reader, Writer } from './io';
import { MarshalCache, cacheKey } from './marshal-cache';
import { MAX_VERSION, MIN_VERSION, tableFor, type FieldSpec, type TypeSpec } from './schema';
import { decodersFor, encodersFor, type Decoder, type DecodeHelpers, type Encoder, type EncodeHelpers } from './compile';
import { long, looseString, num, tightLong, tightString } from './wire-values';

export { cacheKey } from './marshal-cache';

/** A decoded data structure: `type` is its OpenWire type number, the rest its fields. */
export interface Struct {
  type: number;
  [field: string]: unknown;
}

/** A Java exception on the wire (ExceptionResponse, ConnectionError, MessageAck's poison cause). */
export interface WireThrowable {
  className: string | null;
  message: string | null;
  stackTrace?: Array<{ className: string | null; methodName: string | null; fileName: string | null; lineNumber: number }>;
  cause?: WireThrowable | null;
}

export interface WireFormatOptions {
  version: number;
  tightEncoding: boolean;
  cacheEnabled: boolean;
  /** Negotiated cache size (entries); 0 means Java's default. */
  cacheSize: number;
  stackTraceEnabled: boolean;
  /** Largest frame accepted or produced, in bytes after the size prefix. */
  maxFrameSize: number;
}

export const MAGIC = Uint8Array.from([0x41, 0x63, 0x74, 0x69, 0x76, 0x65, 0x4d, 0x51]); // "ActiveMQ"
const DEFAULT_CACHE_SIZE = 16383; // Short.MAX_VALUE / 2, Java's size for a cache size of 0
/** Data structures nested deeper than this are refused (a hostile frame cannot recurse forever). */
const MAX_NESTING = 64;

const tables = new Map<number, Array<TypeSpec | undefined>>();
function table(version: number): Array<TypeSpec | undefined> {
  let t = tables.get(version);
  if (!t) tables.set(version, (t = tableFor(version)));
  return t;
}

export class WireFormat implements DecodeHelpers, EncodeHelpers {
  readonly opts: WireFormatOptions;
  private readonly types: Array<TypeSpec | undefined>;
  private readonly decoders: Array<Decoder | undefined>;
  private readonly encoders: Array<Encoder | undefined>;
  // Marshal (outgoing) cache, as Java's OpenWireFormat keeps it, so our frames match its bytes.
  private readonly encCache: MarshalCache;
  private readonly decSlots: Array<Struct | null | undefined>;
  private readonly out = new Writer(1024);
  private readonly body = new Writer(1024);

  constructor(opts: Partial<WireFormatOptions> = {}) {
    this.opts = {
      version: MAX_VERSION, tightEncoding: false, cacheEnabled: false, cacheSize: 0, stackTraceEnabled: false,
      maxFrameSize: 0x7fffffff, ...opts,
    };
    const v = this.opts.version;
    if (!Number.isInteger(v) || v < MIN_VERSION || v > MAX_VERSION) throw new OpenWireError(`unsupported OpenWire version ${v}`);
    this.types = table(v);
    this.decoders = decodersFor(v, this.opts.tightEncoding);
    this.encoders = encodersFor(v, this.opts.tightEncoding);
    const size = this.opts.cacheEnabled ? (this.opts.cacheSize > 0 ? Math.min(this.opts.cacheSize, 32767) : DEFAULT_CACHE_SIZE) : 0;
    this.encCache = new MarshalCache(size);
    this.decSlots = new Array(size).fill(undefined);
  }

  // ---- encoding --------------------------------------------------------------------------

  /** One frame: int size, type byte, fields. */
  encode(cmd: Struct): Buffer {
    if (this.opts.cacheEnabled) this.encCache.evictionSweep();
    const spec = this.spec(cmd.type);
    const w = this.out;
    w.reset();
    if (this.opts.tightEncoding) {
      const bits = new BitWriter();
      const b = this.body;
      b.reset();
      this.tightFields(spec, cmd, b, bits, 0);
      const size = 1 + bits.marshalledSize() + b.pos;
      this.checkSize(size);
      w.i32(size);
      w.u8(cmd.type);
      bits.writeTo(w);
      w.ensure(b.pos);
      b.buf.copy(w.buf, w.pos, 0, b.pos);
      w.pos += b.pos;
    } else {
      w.i32(0);
      w.u8(cmd.type);
      this.looseFields(spec, cmd, w, 0);
      this.checkSize(w.pos - 4);
      w.patchI32(0, w.pos - 4);
    }
    return w.toBuffer();
  }

  private checkSize(size: number): void {
    if (size > this.opts.maxFrameSize) throw new OpenWireError(`frame of ${size} bytes is over maxFrameSize ${this.opts.maxFrameSize}`);
  }

  private spec(type: number): TypeSpec {
    const s = this.types[type & 0xff];
    if (!s) throw new OpenWireError(`Unknown data type: ${type}`);
    return s;
  }

  private tightFields(spec: TypeSpec, o: Struct, w: Writer, bs: BitWriter, depth: number): void {
    this.encoders[spec.type]!(this, o, w, bs, depth);
  }

  tightField(fld: FieldSpec, v: unknown, w: Writer, bs: BitWriter, depth: number): void {
    switch (fld.kind) {
      case 'bool': return bs.write(v === true);
      case 'byte': return w.u8(num(v));
      case 'int': return w.i32(num(v));
      case 'long': return tightLong(v, w, bs);
      case 'string': return tightString(v as string | null | undefined, w, bs);
      case 'bytes': {
        const b = v as Uint8Array | null | undefined;
        bs.write(b != null);
        if (b != null) {
          w.i32(b.length);
          w.bytes(b);
        }
        return;
      }
      case 'magic': return w.bytes(MAGIC);
      case 'nested': return this.tightNested(v as Struct | null | undefined, w, bs, depth);
      case 'cached': {
        const o = v as Struct | null | undefined;
        if (!this.opts.cacheEnabled) return this.tightNested(o, w, bs, depth);
        // Java adds a missed object to the cache after its nested fields (pass one), but
        // writes its index before them (pass two): reserve the index, patch it after.
        const key = o == null ? 'null' : cacheKey(o);
        const idx = this.encCache.indexOf(key);
        bs.write(idx === undefined);
        if (idx !== undefined) return w.i16(idx);
        const at = w.pos;
        w.i16(0);
        this.tightNested(o, w, bs, depth);
        w.patchI16(at, this.encCache.add(key));
        return;
      }
      case 'array': {
        const a = v as Struct[] | null | undefined;
        bs.write(a != null);
        if (a == null) return;
        w.i16(a.length);
        for (const e of a) this.tightNested(e, w, bs, depth);
        return;
      }
      case 'throwable': return this.tightThrowable(v as WireThrowable | null | undefined, w, bs);
    }
  }

  private tightNested(o: Struct | null | undefined, w: Writer, bs: BitWriter, depth: number): void {
    bs.write(o != null);
    if (o == null) return;
    if (depth > MAX_NESTING) throw new OpenWireError('data structures nested too deep');
    const spec = this.spec(o.type);
    if (spec.marshallAware) bs.write(false);
    w.u8(o.type);
    this.tightFields(spec, o, w, bs, depth + 1);
  }

  private tightThrowable(t: WireThrowable | null | undefined, w: Writer, bs: BitWriter): void {
    bs.write(t != null);
    if (t == null) return;
    tightString(t.className, w, bs);
    tightString(t.message, w, bs);
    if (!this.opts.stackTraceEnabled) return;
    const st = t.stackTrace ?? [];
    w.i16(st.length);
    for (const e of st) {
      tightString(e.className, w, bs);
      tightString(e.methodName, w, bs);
      tightString(e.fileName, w, bs);
      w.i32(e.lineNumber);
    }
    this.tightThrowable(t.cause, w, bs);
  }

  private looseFields(spec: TypeSpec, o: Struct, w: Writer, depth: number): void {
    this.encoders[spec.type]!(this, o, w, null, depth);
  }

  looseField(fld: FieldSpec, v: unknown, w: Writer, depth: number): void {
    switch (fld.kind) {
      case 'bool': return w.bool(v === true);
      case 'byte': return w.u8(num(v));
      case 'int': return w.i32(num(v));
      case 'long': return w.i64(long(v));
      case 'string': return looseString(v as string | null | undefined, w);
      case 'bytes': {
        const b = v as Uint8Array | null | undefined;
        w.bool(b != null);
        if (b != null) {
          w.i32(b.length);
          w.bytes(b);
        }
        return;
      }
      case 'magic': return w.bytes(MAGIC);
      case 'nested': return this.looseNested(v as Struct | null | undefined, w, depth);
      case 'cached': {
        const o = v as Struct | null | undefined;
        if (!this.opts.cacheEnabled) return this.looseNested(o, w, depth);
        const key = o == null ? 'null' : cacheKey(o);
        const idx = this.encCache.indexOf(key);
        w.bool(idx === undefined);
        if (idx !== undefined) return w.i16(idx);
        w.i16(this.encCache.add(key));
        return this.looseNested(o, w, depth);
      }
      case 'array': {
        const a = v as Struct[] | null | undefined;
        w.bool(a != null);
        if (a == null) return;
        w.i16(a.length);
        for (const e of a) this.looseNested(e, w, depth);
        return;
      }
      case 'throwable': return this.looseThrowable(v as WireThrowable | null | undefined, w);
    }
  }

  private looseNested(o: Struct | null | undefined, w: Writer, depth: number): void {
    w.bool(o != null);
    if (o == null) return;
    if (depth > MAX_NESTING) throw new OpenWireError('data structures nested too deep');
    const spec = this.spec(o.type);
    w.u8(o.type);
    this.looseFields(spec, o, w, depth + 1);
  }

  private looseThrowable(t: WireThrowable | null | undefined, w: Writer): void {
    w.bool(t != null);
    if (t == null) return;
    looseString(t.className, w);
    looseString(t.message, w);
    if (!this.opts.stackTraceEnabled) return;
    const st = t.stackTrace ?? [];
    w.i16(st.length);
    for (const e of st) {
      looseString(e.className, w);
      looseString(e.methodName, w);
      looseString(e.fileName, w);
      w.i32(e.lineNumber);
    }
    this.looseThrowable(t.cause, w);
  }

  // ---- decoding --------------------------------------------------------------------------

  /**
   * One frame's body (after the size prefix): the type byte and fields. Every length is checked
   * against the frame; a fault is an OpenWireError. Returns null for the NULL type.
   */
  decode(frame: Uint8Array): Struct | null {
    const r = new Reader(frame);
    const type = r.u8();
    if (type === 0) return null;
    const dec = this.decoder(type);
    const o = this.opts.tightEncoding ? dec(this, r, BitReader.read(r), 0) : dec(this, r, null, 0);
    if (r.remaining !== 0) throw new OpenWireError(`${r.remaining} bytes left over after data type ${type}`);
    return o;
  }

  private decoder(type: number): Decoder {
    const d = this.decoders[type & 0xff];
    if (!d) throw new OpenWireError(`Unknown data type: ${type}`);
    return d;
  }

  // ---- what compiled decoders (compile.ts) call ---------------------------------------------

  tLong(r: Reader, bs: BitReader): number | bigint {
    return bs.read() ? (bs.read() ? r.i64() : r.i32() >>> 0) : bs.read() ? r.u16() : 0;
  }

  tStr(r: Reader, bs: BitReader): string | null {
    return bs.read() ? (bs.read() ? r.latin1(r.i16()) : r.utf()) : null;
  }

  lStr(r: Reader): string | null {
    return r.bool() ? r.utf() : null;
  }

  magic(r: Reader): Uint8Array {
    const m = r.bytes(8, 'magic');
    for (let i = 0; i < 8; i++) if (m[i] !== MAGIC[i]) throw new OpenWireError('bad WireFormatInfo magic');
    return m;
  }

  tNested(r: Reader, bs: BitReader, depth: number): Struct | null {
    if (!bs.read()) return null;
    if (depth > MAX_NESTING) throw new OpenWireError('data structures nested too deep');
    const type = r.u8();
    const dec = this.decoder(type);
    // A pre-marshalled nested form (never produced by the Java client) has its own stream.
    if (this.types[type]!.marshallAware && bs.read()) {
      r.i32();
      r.u8();
      return dec(this, r, BitReader.read(r), depth + 1);
    }
    return dec(this, r, bs, depth + 1);
  }

  tCached(r: Reader, bs: BitReader, depth: number): Struct | null {
    if (!this.opts.cacheEnabled) return this.tNested(r, bs, depth);
    if (!bs.read()) return this.getCached(r.i16());
    const idx = r.i16();
    const v = this.tNested(r, bs, depth);
    this.setCached(idx, v);
    return v;
  }

  tArray(r: Reader, bs: BitReader, depth: number, name: string): Array<Struct | null> | null {
    if (!bs.read()) return null;
    const n = r.i16();
    if (n < 0) throw new OpenWireError(`negative array length ${n}`);
    r.need(n, name);
    const a: Array<Struct | null> = [];
    for (let i = 0; i < n; i++) a.push(this.tNested(r, bs, depth));
    return a;
  }

  tThrowable(r: Reader, bs: BitReader, depth = 0): WireThrowable | null {
    if (!bs.read()) return null;
    if (depth > MAX_NESTING) throw new OpenWireError('exception causes nested too deep');
    const t: WireThrowable = { className: this.tStr(r, bs), message: this.tStr(r, bs) };
    if (this.opts.stackTraceEnabled) {
      const n = r.i16();
      if (n < 0) throw new OpenWireError('negative stack trace length');
      r.need(n * 4, 'stack trace');
      t.stackTrace = [];
      for (let i = 0; i < n; i++) t.stackTrace.push({ className: this.tStr(r, bs), methodName: this.tStr(r, bs), fileName: this.tStr(r, bs), lineNumber: r.i32() });
      t.cause = this.tThrowable(r, bs, depth + 1);
    }
    return t;
  }

  lNested(r: Reader, depth: number): Struct | null {
    if (!r.bool()) return null;
    if (depth > MAX_NESTING) throw new OpenWireError('data structures nested too deep');
    return this.decoder(r.u8())(this, r, null, depth + 1);
  }

  lCached(r: Reader, depth: number): Struct | null {
    if (!this.opts.cacheEnabled) return this.lNested(r, depth);
    if (!r.bool()) return this.getCached(r.i16());
    const idx = r.i16();
    const v = this.lNested(r, depth);
    this.setCached(idx, v);
    return v;
  }

  lArray(r: Reader, depth: number, name: string): Array<Struct | null> | null {
    if (!r.bool()) return null;
    const n = r.i16();
    if (n < 0) throw new OpenWireError(`negative array length ${n}`);
    r.need(n, name);
    const a: Array<Struct | null> = [];
    for (let i = 0; i < n; i++) a.push(this.lNested(r, depth));
    return a;
  }

  lThrowable(r: Reader, depth = 0): WireThrowable | null {
    if (!r.bool()) return null;
    if (depth > MAX_NESTING) throw new OpenWireError('exception causes nested too deep');
    const t: WireThrowable = { className: this.lStr(r), message: this.lStr(r) };
    if (this.opts.stackTraceEnabled) {
      const n = r.i16();
      if (n < 0) throw new OpenWireError('negative stack trace length');
      r.need(n * 4, 'stack trace');
      t.stackTrace = [];
      for (let i = 0; i < n; i++) t.stackTrace.push({ className: this.lStr(r), methodName: this.lStr(r), fileName: this.lStr(r), lineNumber: r.i32() });
      t.cause = this.lThrowable(r, depth + 1);
    }
    return t;
  }

  private setCached(idx: number, v: Struct | null): void {
    if (idx === -1) return;
    if (idx < 0 || idx >= this.decSlots.length) throw new OpenWireError(`marshal cache index ${idx} out of range`);
    this.decSlots[idx] = v;
  }

  private getCached(idx: number): Struct | null {
    if (idx < 0 || idx >= this.decSlots.length) throw new OpenWireError(`marshal cache index ${idx} out of range`);
    const v = this.decSlots[idx];
    if (v === undefined) throw new OpenWireError(`marshal cache index ${idx} was never set`);
    return v;
  }
}
