// Snappy decompression (the block format LevelDB compresses table blocks with), enough for the
// store check to read index blocks without a native module. Throws on malformed input.
export function snappyUncompress(src: Uint8Array): Buffer {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= src.length) throw new Error('snappy: truncated length');
      const b = src[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
    }
    throw new Error('snappy: bad length');
  };
  const size = varint();
  if (size > 64 * 1024 * 1024) throw new Error('snappy: implausible length');
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  while (pos < src.length) {
    const tag = src[pos++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (pos + bytes > src.length) throw new Error('snappy: truncated literal');
        len = 0;
        for (let i = 0; i < bytes; i++) len += src[pos + i]! * 2 ** (8 * i);
        pos += bytes;
      }
      len += 1;
      if (pos + len > src.length || o + len > size) throw new Error('snappy: literal out of bounds');
      out.set(src.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos >= src.length) throw new Error('snappy: truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos++]!;
    } else if (kind === 2) {
      if (pos + 2 > src.length) throw new Error('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = src[pos]! | (src[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > src.length) throw new Error('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16)) + src[pos + 3]! * 2 ** 24;
      pos += 4;
    }
    if (offset === 0 || offset > o || o + len > size) throw new Error('snappy: copy out of bounds');
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset]!;
  }
  if (o !== size) throw new Error('snappy: length mismatch');
  return out;
}
