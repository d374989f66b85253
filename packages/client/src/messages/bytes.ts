// BytesMessage: a byte stream written and read like Java's DataOutput/DataInput (big-endian,
// modified UTF-8 for writeUTF), so Java and Wharf programs read each other's bodies.
import { BodyKind, type WireMessage } from '@wharf/protocol';
import { Message, newWireMessage } from './message';
import { MessageEOFError, MessageFormatError, MessageNotReadableError, MessageNotWriteableError } from '../errors';
import * as cv from './convert';

const EMPTY = Buffer.alloc(0);

/** Java's modified UTF-8 (DataOutput.writeUTF), without the length prefix. */
export function encodeModifiedUtf8(s: string): Buffer {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c >= 0x01 && c <= 0x7f ? 1 : c <= 0x7ff ? 2 : 3;
  }
  const out = Buffer.allocUnsafe(n);
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) out[o++] = c;
    else if (c <= 0x7ff) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else {
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}

export function decodeModifiedUtf8(b: Uint8Array): string {
  let s = '';
  let i = 0;
  const bad = (): never => {
    throw new MessageFormatError(`malformed modified UTF-8 at byte ${i}`);
  };
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      i++;
    } else if ((c & 0xe0) === 0xc0) {
      const c2 = b[i + 1];
      if (c2 === undefined || (c2 & 0xc0) !== 0x80) bad();
      s += String.fromCharCode(((c & 0x1f) << 6) | (c2! & 0x3f));
      i += 2;
    } else if ((c & 0xf0) === 0xe0) {
      const c2 = b[i + 1];
      const c3 = b[i + 2];
      if (c2 === undefined || c3 === undefined || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) bad();
      s += String.fromCharCode(((c & 0x0f) << 12) | ((c2! & 0x3f) << 6) | (c3! & 0x3f));
      i += 3;
    } else bad();
  }
  return s;
}

export class BytesMessage extends Message {
  /** Write mode: the growing buffer and its used length. Read mode: the body and position. */
  private buf: Buffer = EMPTY;
  private len = 0;
  private pos = 0;
  private reading: boolean;

  constructor(wire?: WireMessage) {
    super(wire ?? newWireMessage(BodyKind.BYTES));
    const b = this._w.body;
    if (wire && b instanceof Uint8Array) {
      this.buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      this.len = this.buf.length;
    }
    this.reading = wire !== undefined;
  }

  // ---- modes ------------------------------------------------------------------------------

  /** Switch to reading from the start (JMS reset); the body becomes read-only. */
  reset(): void {
    if (!this.reading) {
      this.buf = this.buf.subarray(0, this.len);
      this._w.body = this.buf;
    }
    this.reading = true;
    this._bodyReadOnly = true;
    this.pos = 0;
  }

  override clearBody(): void {
    super.clearBody();
    this.buf = EMPTY;
    this.len = 0;
    this.pos = 0;
    this.reading = false;
  }

  /** Bytes in the body (read mode only, as in JMS). */
  getBodyLength(): number {
    this.checkReadable();
    return this.len;
  }

  /** A copy of the body bytes. */
  override getBody(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }

  /** @internal */
  override _prepareBody(): void {
    if (!this.reading) this._w.body = this.buf.subarray(0, this.len);
  }

  private checkReadable(): void {
    if (!this.reading) throw new MessageNotReadableError('the BytesMessage is in write mode: call reset() before reading');
  }
  private checkWritable(): void {
    if (this.reading || this._bodyReadOnly) throw new MessageNotWriteableError('the BytesMessage is in read mode: call clearBody() before writing');
  }

  // ---- writing ----------------------------------------------------------------------------

  private room(n: number): number {
    this.checkWritable();
    const need = this.len + n;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, 64));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    const at = this.len;
    this.len = need;
    return at;
  }

  writeBoolean(v: boolean): void {
    const b = cv.checkBoolean('writeBoolean', v) ? 1 : 0;
    const at = this.room(1);
    this.buf[at] = b;
  }
  writeByte(v: number): void {
    const x = cv.checkByte('writeByte', v);
    const at = this.room(1);
    this.buf.writeInt8(x, at);
  }
  writeShort(v: number): void {
    const x = cv.checkShort('writeShort', v);
    const at = this.room(2);
    this.buf.writeInt16BE(x, at);
  }
  /** A UTF-16 code unit: a one-character string or a number 0..65535. */
  writeChar(v: string | number): void {
    const c = typeof v === 'string' && v.length === 1 ? v.charCodeAt(0) : v;
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 0xffff) throw new MessageFormatError(`writeChar: ${String(v)} is not a char`);
    const at = this.room(2);
    this.buf.writeUInt16BE(c, at);
  }
  writeInt(v: number): void {
    const x = cv.checkInt('writeInt', v);
    const at = this.room(4);
    this.buf.writeInt32BE(x, at);
  }
  writeLong(v: number | bigint): void {
    const x = BigInt(cv.checkLong('writeLong', v));
    const at = this.room(8);
    this.buf.writeBigInt64BE(x, at);
  }
  writeFloat(v: number): void {
    const x = cv.checkNumber('writeFloat', v, 'float');
    const at = this.room(4);
    this.buf.writeFloatBE(x, at);
  }
  writeDouble(v: number): void {
    const x = cv.checkNumber('writeDouble', v, 'double');
    const at = this.room(8);
    this.buf.writeDoubleBE(x, at);
  }
  /** Java DataOutput.writeUTF: a 2-byte length, then modified UTF-8 (at most 65535 bytes). */
  writeUTF(s: string): void {
    if (typeof s !== 'string') throw new MessageFormatError('writeUTF needs a string');
    const b = encodeModifiedUtf8(s);
    if (b.length > 0xffff) throw new MessageFormatError(`writeUTF: encoded string is ${b.length} bytes; the limit is 65535`);
    const at = this.room(2 + b.length);
    this.buf.writeUInt16BE(b.length, at);
    b.copy(this.buf, at + 2);
  }
  writeBytes(v: Uint8Array, offset = 0, length?: number): void {
    if (!(v instanceof Uint8Array)) throw new MessageFormatError('writeBytes needs a Uint8Array');
    const end = length === undefined ? v.length : offset + length;
    if (offset < 0 || end > v.length || end < offset) throw new MessageFormatError('writeBytes: offset/length outside the array');
    const at = this.room(end - offset);
    this.buf.set(v.subarray(offset, end), at);
  }
  /** Writes a boolean, number (as a double), bigint (as a long), string (UTF) or bytes. */
  writeObject(v: boolean | number | bigint | string | Uint8Array): void {
    if (typeof v === 'boolean') this.writeBoolean(v);
    else if (typeof v === 'number') this.writeDouble(v);
    else if (typeof v === 'bigint') this.writeLong(v);
    else if (typeof v === 'string') this.writeUTF(v);
    else if (v instanceof Uint8Array) this.writeBytes(v);
    else throw new MessageFormatError(`writeObject: unsupported value ${String(v)}`);
  }

  // ---- reading ----------------------------------------------------------------------------

  private take(n: number, what: string): number {
    this.checkReadable();
    if (this.pos + n > this.len) throw new MessageEOFError(`${what}: end of the BytesMessage (${this.len - this.pos} of ${n} bytes left)`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  readBoolean(): boolean {
    return this.buf[this.take(1, 'readBoolean')] !== 0;
  }
  readByte(): number {
    return this.buf.readInt8(this.take(1, 'readByte'));
  }
  readUnsignedByte(): number {
    return this.buf.readUInt8(this.take(1, 'readUnsignedByte'));
  }
  readShort(): number {
    return this.buf.readInt16BE(this.take(2, 'readShort'));
  }
  readUnsignedShort(): number {
    return this.buf.readUInt16BE(this.take(2, 'readUnsignedShort'));
  }
  readChar(): string {
    return String.fromCharCode(this.buf.readUInt16BE(this.take(2, 'readChar')));
  }
  readInt(): number {
    return this.buf.readInt32BE(this.take(4, 'readInt'));
  }
  /** A long as a number; use readBigInt64 for values beyond ±2^53. */
  readLong(): number {
    const at = this.take(8, 'readLong');
    const b = this.buf.readBigInt64BE(at);
    if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.pos = at;
      throw new MessageFormatError(`readLong: ${b} does not fit a JavaScript number exactly; use readBigInt64()`);
    }
    return Number(b);
  }
  readBigInt64(): bigint {
    return this.buf.readBigInt64BE(this.take(8, 'readBigInt64'));
  }
  readFloat(): number {
    return this.buf.readFloatBE(this.take(4, 'readFloat'));
  }
  readDouble(): number {
    return this.buf.readDoubleBE(this.take(8, 'readDouble'));
  }
  readUTF(): string {
    const at = this.take(2, 'readUTF');
    const n = this.buf.readUInt16BE(at);
    if (this.pos + n > this.len) {
      this.pos = at;
      throw new MessageEOFError(`readUTF: string of ${n} bytes runs past the end of the BytesMessage`);
    }
    const s = decodeModifiedUtf8(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  /**
   * Read up to `length` (default: the target's length) bytes into `target`. Returns the number
   * read, or -1 at the end of the body (JMS readBytes).
   */
  readBytes(target: Uint8Array, length = target.length): number {
    this.checkReadable();
    if (length < 0 || length > target.length) throw new MessageFormatError('readBytes: length outside the target array');
    if (this.pos >= this.len) return -1;
    const n = Math.min(length, this.len - this.pos);
    target.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
}
