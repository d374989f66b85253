// Java's "modified UTF-8" (DataOutput.writeUTF): UTF-16 code units, each encoded on its own, so
// NUL is two bytes (C0 80) and a supplementary character is its two surrogates, three bytes each.
// A JavaScript string is UTF-16 too, so every Java string survives the round trip exactly.
import { OpenWireError } from './errors';

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x01-\x7f]*$/;

/** Encoded length of `s`. */
export function mutf8Length(s: string): number {
  if (ASCII.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c >= 1 && c <= 0x7f ? 1 : c <= 0x7ff ? 2 : 3;
  }
  return n;
}

/** Pure 1..127 ASCII (OpenWire's tight "ascii" flag; then modified UTF-8 is the bytes themselves). */
export function isAscii(s: string): boolean {
  if (s.length > 16) return ASCII.test(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 1 || c > 0x7f) return false;
  }
  return true;
}

/** Write `s` at `at` (the caller reserved mutf8Length(s) bytes); returns the end offset. */
export function writeMutf8(buf: Uint8Array, at: number, s: string): number {
  if (s.length > 16 && ASCII.test(s) && Buffer.isBuffer(buf)) return at + buf.write(s, at, 'latin1');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 1 && c <= 0x7f) buf[at++] = c;
    else if (c <= 0x7ff) {
      buf[at++] = 0xc0 | (c >> 6);
      buf[at++] = 0x80 | (c & 0x3f);
    } else {
      buf[at++] = 0xe0 | (c >> 12);
      buf[at++] = 0x80 | ((c >> 6) & 0x3f);
      buf[at++] = 0x80 | (c & 0x3f);
    }
  }
  return at;
}

/** Decode `len` bytes at `at`; malformed input is a protocol error, as Java's UTFDataFormatException. */
export function readMutf8(buf: Uint8Array, at: number, len: number): string {
  const end = at + len;
  // Pure ASCII is the common case: one pass, no per-character work beyond the check.
  let i = at;
  while (i < end && buf[i]! < 0x80) i++;
  if (i === end) return latin1(buf, at, end);
  const out: number[] = [];
  for (let k = at; k < i; k++) out.push(buf[k]!);
  while (i < end) {
    const a = buf[i++]!;
    if (a < 0x80) out.push(a);
    else if ((a & 0xe0) === 0xc0) {
      if (i >= end) throw new OpenWireError('malformed modified UTF-8: truncated 2-byte sequence');
      const b = buf[i++]!;
      if ((b & 0xc0) !== 0x80) throw new OpenWireError('malformed modified UTF-8: bad continuation byte');
      out.push(((a & 0x1f) << 6) | (b & 0x3f));
    } else if ((a & 0xf0) === 0xe0) {
      if (i + 1 >= end) throw new OpenWireError('malformed modified UTF-8: truncated 3-byte sequence');
      const b = buf[i++]!;
      const c = buf[i++]!;
      if ((b & 0xc0) !== 0x80 || (c & 0xc0) !== 0x80) throw new OpenWireError('malformed modified UTF-8: bad continuation byte');
      out.push(((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f));
    } else {
      throw new OpenWireError('malformed modified UTF-8: bad lead byte');
    }
  }
  let s = '';
  for (let k = 0; k < out.length; k += 8192) s += String.fromCharCode(...out.slice(k, k + 8192));
  return s;
}

/** Bytes as chars 0-255 (Java's deprecated String(byte[], hibyte 0), used by tight ASCII strings). */
export function latin1(buf: Uint8Array, at: number, end: number): string {
  if (end - at < 64) {
    let s = '';
    for (let k = at; k < end; k++) s += String.fromCharCode(buf[k]!);
    return s;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + at, end - at).toString('latin1');
}
