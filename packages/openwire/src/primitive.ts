// OpenWire's typed primitive values: message properties, MapMessage and StreamMessage bodies and
// WireFormatInfo options. Java's types are kept exact: an int is a plain number, every other
// numeric type is a Typed wrapper (so a Java short comes back a short), longs beyond 2^53 are
// bigints, nested maps are plain objects and lists are arrays.
import { OpenWireError } from './errors';
import type { Reader, Writer } from './io';

export const PrimitiveType = {
  NULL: 0, BOOLEAN: 1, BYTE: 2, CHAR: 3, SHORT: 4, INTEGER: 5, LONG: 6, DOUBLE: 7, FLOAT: 8,
  STRING: 9, BYTE_ARRAY: 10, MAP: 11, LIST: 12, BIG_STRING: 13,
} as const;

export type TypedKind = 'byte' | 'char' | 'short' | 'long' | 'double' | 'float';
const KIND_CODE: Record<TypedKind, number> = { byte: 2, char: 3, short: 4, long: 6, double: 7, float: 8 };

/** A Java value whose type a JavaScript number alone would lose. */
export class Typed {
  constructor(readonly kind: TypedKind, readonly value: number | bigint) {}
  toJSON(): unknown {
    return typeof this.value === 'bigint' ? this.value.toString() : this.value;
  }
}

export type Primitive = null | boolean | number | string | Uint8Array | Typed | PrimitiveMap | Primitive[];
export interface PrimitiveMap { [key: string]: Primitive }

/** Java's MarshallingSupport chooses the big string form from the char length. */
const BIG_STRING_CHARS = 8191;
const MAX_DEPTH = 32;

export function readPrimitive(r: Reader, depth = 0): Primitive {
  const t = r.u8();
  switch (t) {
    case PrimitiveType.NULL: return null;
    case PrimitiveType.BOOLEAN: return r.bool();
    case PrimitiveType.BYTE: return new Typed('byte', r.i8());
    case PrimitiveType.CHAR: return new Typed('char', r.u16());
    case PrimitiveType.SHORT: return new Typed('short', r.i16());
    case PrimitiveType.INTEGER: return r.i32();
    case PrimitiveType.LONG: return new Typed('long', r.i64());
    case PrimitiveType.DOUBLE: return new Typed('double', r.f64());
    case PrimitiveType.FLOAT: return new Typed('float', r.f32());
    case PrimitiveType.STRING: return r.utf();
    case PrimitiveType.BIG_STRING: return r.utfBody(r.i32());
    case PrimitiveType.BYTE_ARRAY: return r.bytes(r.i32(), 'byte array');
    case PrimitiveType.MAP: return readPrimitiveMap(r, depth + 1) ?? null;
    case PrimitiveType.LIST: return readPrimitiveList(r, depth + 1);
    default: throw new OpenWireError(`unknown primitive type ${t}`);
  }
}

/** A map (int count, then key and typed value pairs); null for a count of -1. */
export function readPrimitiveMap(r: Reader, depth = 0): PrimitiveMap | null {
  if (depth > MAX_DEPTH) throw new OpenWireError('primitive map nested too deep');
  const n = r.i32();
  if (n < 0) return null;
  // Every entry takes at least 3 bytes (key length and type): a lying count fails here.
  r.need(n * 3, 'map entries');
  const m: PrimitiveMap = Object.create(null) as PrimitiveMap;
  for (let i = 0; i < n; i++) {
    const k = r.utf();
    m[k] = readPrimitive(r, depth);
  }
  return m;
}

export function readPrimitiveList(r: Reader, depth = 0): Primitive[] {
  if (depth > MAX_DEPTH) throw new OpenWireError('primitive list nested too deep');
  const n = r.i32();
  r.need(n, 'list entries');
  const a: Primitive[] = [];
  for (let i = 0; i < n; i++) a.push(readPrimitive(r, depth));
  return a;
}

export function writePrimitive(w: Writer, v: Primitive | undefined, depth = 0): void {
  if (v === null || v === undefined) return w.u8(PrimitiveType.NULL);
  switch (typeof v) {
    case 'boolean':
      w.u8(PrimitiveType.BOOLEAN);
      return w.bool(v);
    case 'number':
      // An untyped number: int when it is one, else long for integers, else double.
      if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
        w.u8(PrimitiveType.INTEGER);
        return w.i32(v);
      }
      if (Number.isInteger(v)) {
        w.u8(PrimitiveType.LONG);
        return w.i64(v);
      }
      w.u8(PrimitiveType.DOUBLE);
      return w.f64(v);
    case 'bigint':
      w.u8(PrimitiveType.LONG);
      return w.i64(v);
    case 'string':
      if (v.length < BIG_STRING_CHARS) {
        w.u8(PrimitiveType.STRING);
        return w.utf(v);
      }
      w.u8(PrimitiveType.BIG_STRING);
      return w.utfBig(v);
    default:
  }
  if (v instanceof Typed) {
    w.u8(KIND_CODE[v.kind]);
    switch (v.kind) {
      case 'byte': return w.u8(Number(v.value));
      case 'char':
      case 'short': return w.i16(Number(v.value));
      case 'long': return w.i64(v.value);
      case 'double': return w.f64(Number(v.value));
      case 'float': return w.f32(Number(v.value));
    }
  }
  if (v instanceof Uint8Array) {
    w.u8(PrimitiveType.BYTE_ARRAY);
    w.i32(v.length);
    return w.bytes(v);
  }
  if (depth > MAX_DEPTH) throw new OpenWireError('primitive value nested too deep');
  if (Array.isArray(v)) {
    w.u8(PrimitiveType.LIST);
    w.i32(v.length);
    for (const e of v) writePrimitive(w, e, depth + 1);
    return;
  }
  w.u8(PrimitiveType.MAP);
  writePrimitiveMap(w, v, depth + 1);
}

export function writePrimitiveMap(w: Writer, m: PrimitiveMap | null, depth = 0): void {
  if (m === null) return w.i32(-1);
  const keys = Object.keys(m);
  w.i32(keys.length);
  for (const k of keys) {
    w.utf(k);
    writePrimitive(w, m[k], depth);
  }
}
