// Big-endian reader and writer (Java's DataInput / DataOutput). The reader checks every length
// against the bytes it holds before anything is allocated, so a lying length costs nothing.
import { OpenWireError } from './errors';
import { isAscii, mutf8Length, readMutf8, writeMutf8, latin1 } from './mutf8';

const TWO_32 = 4294967296;

export class Reader {
  pos: number;
  readonly end: number;
  private readonly view: DataView;

  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what = 'data'): void {
    if (n < 0 || n > this.end - this.pos) {
      throw new OpenWireError(`${what}: length ${n} exceeds the ${this.end - this.pos} bytes left in the frame`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  bool(): boolean {
    return this.u8() !== 0;
  }
  i16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  /** A Java long: a number when it is a safe integer, else a bigint (exact either way). */
  i64(): number | bigint {
    this.need(8);
    const hi = this.view.getInt32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi >= -0x200000 && hi < 0x200000) return hi * TWO_32 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }
  /** A copy of `n` bytes (never a view: a decoded message outlives the socket's chunk). */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const b = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** DataInput.readUTF: unsigned short length, modified UTF-8. */
  utf(): string {
    const n = this.u16();
    return this.utfBody(n);
  }
  utfBody(n: number): string {
    this.need(n, 'string');
    const s = readMutf8(this.buf, this.pos, n);
    this.pos += n;
    return s;
  }
  latin1(n: number): string {
    this.need(n, 'string');
    const s = latin1(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  i16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.pos);
    this.pos += 2;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v | 0, this.pos);
    this.pos += 4;
  }
  i64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(v))), this.pos);
    this.pos += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatBE(v, this.pos);
    this.pos += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** DataOutput.writeUTF. */
  utf(s: string): void {
    const n = mutf8Length(s);
    if (n > 65535) throw new OpenWireError(`encoded string too long: ${n} bytes`);
    this.ensure(2 + n);
    this.buf.writeUInt16BE(n, this.pos);
    this.pos = writeMutf8(this.buf, this.pos + 2, s);
  }
  /** Modified UTF-8 with an int length (OpenWire's big string, text bodies). */
  utfBig(s: string): void {
    const n = mutf8Length(s);
    this.ensure(4 + n);
    this.buf.writeInt32BE(n, this.pos);
    this.pos = writeMutf8(this.buf, this.pos + 4, s);
  }
  ascii(s: string): void {
    this.ensure(2 + s.length);
    this.buf.writeUInt16BE(s.length, this.pos);
    this.buf.write(s, this.pos + 2, 'latin1');
    this.pos += 2 + s.length;
  }
  patchI32(at: number, v: number): void {
    this.buf.writeInt32BE(v | 0, at);
  }
  patchI16(at: number, v: number): void {
    this.buf.writeUInt16BE(v & 0xffff, at);
  }
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

export { isAscii, mutf8Length };
