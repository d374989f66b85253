// How one value is written in tight and loose encoding: Java's compact longs (0, 2, 4 or 8
// bytes chosen by two flag bits) and strings (ASCII as single bytes, else modified UTF-8).
import type { BitWriter } from './boolean-stream';
import { OpenWireError } from './errors';
import { isAscii, mutf8Length, type Writer } from './io';

export function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : typeof v === 'boolean' ? (v ? 1 : 0) : 0;
}

export function long(v: unknown): number | bigint {
  return typeof v === 'number' || typeof v === 'bigint' ? v : 0;
}

export function tightLong(v: unknown, w: Writer, bs: BitWriter): void {
  if (typeof v !== 'bigint') {
    const n = typeof v === 'number' ? Math.trunc(v) : 0;
    if (n >= 0 && n <= 0xffffffff) {
      bs.write(n > 0xffff);
      bs.write(n !== 0 && n <= 0xffff);
      if (n > 0xffff) w.i32(n);
      else if (n !== 0) w.i16(n);
      return;
    }
  }
  const x = BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(long(v) as number)));
  if (x === 0n) {
    bs.write(false);
    bs.write(false);
  } else if ((x & 0xffffffffffff0000n) === 0n) {
    bs.write(false);
    bs.write(true);
    w.i16(Number(x));
  } else if ((x & 0xffffffff00000000n) === 0n) {
    bs.write(true);
    bs.write(false);
    w.i32(Number(x));
  } else {
    bs.write(true);
    bs.write(true);
    w.i64(BigInt.asIntN(64, x));
  }
}

export function tightString(s: string | null | undefined, w: Writer, bs: BitWriter): void {
  bs.write(s != null);
  if (s == null) return;
  const n = mutf8Length(s);
  if (n >= 32767) throw new OpenWireError('Encountered a String value that is too long to encode.');
  const ascii = isAscii(s);
  bs.write(ascii);
  if (ascii) w.ascii(s);
  else w.utf(s);
}

export function looseString(s: string | null | undefined, w: Writer): void {
  w.bool(s != null);
  if (s != null) w.utf(s);
}
