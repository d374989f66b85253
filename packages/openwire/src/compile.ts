// Decoders compiled from the type table: one function per type and encoding whose object
// literal reads the fields in wire order, so every decoded struct of a type has one shape and
// no field is stored through a computed name (the generic loop was the decoder's main cost).
// The table stays the one description; this only turns it into code once per version.
import type { FieldKind, FieldSpec, TypeSpec } from './schema';
import { tableFor } from './schema';

/** What compiled decoders call back into (the WireFormat, for nested, cached and composite fields). */
export interface DecodeHelpers {
  tLong(r: unknown, bs: unknown): unknown;
  tStr(r: unknown, bs: unknown): unknown;
  magic(r: unknown): unknown;
  tNested(r: unknown, bs: unknown, depth: number): unknown;
  tCached(r: unknown, bs: unknown, depth: number): unknown;
  tArray(r: unknown, bs: unknown, depth: number, name: string): unknown;
  tThrowable(r: unknown, bs: unknown): unknown;
  lStr(r: unknown): unknown;
  lNested(r: unknown, depth: number): unknown;
  lCached(r: unknown, depth: number): unknown;
  lArray(r: unknown, depth: number, name: string): unknown;
  lThrowable(r: unknown): unknown;
}

export type Decoder = (h: DecodeHelpers, r: unknown, bs: unknown, depth: number) => Record<string, unknown> & { type: number };

const q = (s: string): string => JSON.stringify(s);

const TIGHT: Record<FieldKind, (name: string) => string> = {
  bool: () => 'bs.read()',
  byte: () => 'r.i8()',
  int: () => 'r.i32()',
  long: () => 'h.tLong(r, bs)',
  string: () => 'h.tStr(r, bs)',
  bytes: (n) => `(bs.read() ? r.bytes(r.i32(), ${q(n)}) : null)`,
  magic: () => 'h.magic(r)',
  nested: () => 'h.tNested(r, bs, depth)',
  cached: () => 'h.tCached(r, bs, depth)',
  array: (n) => `h.tArray(r, bs, depth, ${q(n)})`,
  throwable: () => 'h.tThrowable(r, bs)',
};

const LOOSE: Record<FieldKind, (name: string) => string> = {
  bool: () => 'r.bool()',
  byte: () => 'r.i8()',
  int: () => 'r.i32()',
  long: () => 'r.i64()',
  string: () => 'h.lStr(r)',
  bytes: (n) => `(r.bool() ? r.bytes(r.i32(), ${q(n)}) : null)`,
  magic: () => 'h.magic(r)',
  nested: () => 'h.lNested(r, depth)',
  cached: () => 'h.lCached(r, depth)',
  array: (n) => `h.lArray(r, depth, ${q(n)})`,
  throwable: () => 'h.lThrowable(r)',
};

function compile(spec: TypeSpec, tight: boolean): Decoder {
  const kinds = tight ? TIGHT : LOOSE;
  // Property initialisers run in source order: the literal reads the fields in wire order.
  const fields = spec.fields.map((f) => `${q(f.name)}: ${kinds[f.kind](f.name)}`);
  const body = `return { type: ${spec.type}${fields.length ? ', ' : ''}${fields.join(', ')} };`;
  return new Function('h', 'r', 'bs', 'depth', body) as Decoder;
}

/** Compiled functions of one version and encoding, indexed by type number, made once. */
function perType<F>(cache: Map<string, Array<F | undefined>>, version: number, tight: boolean, make: (spec: TypeSpec, tight: boolean) => F): Array<F | undefined> {
  const key = `${version}:${tight ? 't' : 'l'}`;
  let fns = cache.get(key);
  if (!fns) {
    fns = tableFor(version).map((spec) => (spec ? make(spec, tight) : undefined));
    cache.set(key, fns);
  }
  return fns;
}

const compiledDec = new Map<string, Array<Decoder | undefined>>();

/** The decoders of one version and encoding, indexed by type number. */
export function decodersFor(version: number, tight: boolean): Array<Decoder | undefined> {
  return perType(compiledDec, version, tight, compile);
}

/** What compiled encoders call: the field writer of the WireFormat. */
export interface EncodeHelpers {
  tightField(fld: FieldSpec, v: unknown, w: unknown, bs: unknown, depth: number): void;
  looseField(fld: FieldSpec, v: unknown, w: unknown, depth: number): void;
}

export type Encoder = (h: EncodeHelpers, o: Record<string, unknown>, w: unknown, bs: unknown, depth: number) => void;

function compileEncoder(spec: TypeSpec, tight: boolean): Encoder {
  // Each field is read by its name (a load the engine caches per type) and written by the
  // WireFormat's field writer.
  const calls = spec.fields.map((f, i) => (tight ? `h.tightField(F[${i}], o[${q(f.name)}], w, bs, depth);` : `h.looseField(F[${i}], o[${q(f.name)}], w, depth);`));
  const make = new Function('F', `return function (h, o, w, bs, depth) { ${calls.join(' ')} };`) as (f: readonly FieldSpec[]) => Encoder;
  return make(spec.fields);
}

const compiledEnc = new Map<string, Array<Encoder | undefined>>();

/** The encoders of one version and encoding, indexed by type number. */
export function encodersFor(version: number, tight: boolean): Array<Encoder | undefined> {
  return perType(compiledEnc, version, tight, compileEncoder);
}
