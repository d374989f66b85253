// StreamMessage: a sequence of typed values read back in order with the JMS conversions
// (JMS 1.1 §3.11.3). A read that fails to convert does not move the position.
import { BodyKind, type PropertyValue, type StreamBody, type WireMessage } from '@wharf/protocol';
import { Message, newWireMessage } from './message';
import { MessageEOFError, MessageFormatError, MessageNotReadableError, MessageNotWriteableError } from '../errors';
import * as cv from './convert';

export class StreamMessage extends Message {
  private pos = 0;
  /** Bytes of the current byte[] field already returned by readBytes (-1: not started). */
  private bytesOff = -1;
  private reading: boolean;

  constructor(wire?: WireMessage) {
    const w = wire ?? newWireMessage(BodyKind.STREAM);
    if (!Array.isArray(w.body)) w.body = [];
    super(w);
    this.reading = wire !== undefined;
  }

  private get list(): StreamBody {
    return this._w.body as StreamBody;
  }

  reset(): void {
    this.reading = true;
    this._bodyReadOnly = true;
    this.pos = 0;
    this.bytesOff = -1;
  }

  override clearBody(): void {
    super.clearBody();
    this._w.body = [];
    this.reading = false;
    this.pos = 0;
    this.bytesOff = -1;
  }

  private push(v: PropertyValue): void {
    if (this.reading || this._bodyReadOnly) throw new MessageNotWriteableError('the StreamMessage is in read mode: call clearBody() before writing');
    this.list.push(v);
  }

  writeBoolean(v: boolean): void { this.push(cv.checkBoolean('writeBoolean', v)); }
  writeByte(v: number): void { this.push(cv.checkByte('writeByte', v)); }
  writeShort(v: number): void { this.push(cv.checkShort('writeShort', v)); }
  writeChar(v: string): void {
    if (typeof v !== 'string' || v.length !== 1) throw new MessageFormatError('writeChar: a char is a string of length 1');
    this.push(v);
  }
  writeInt(v: number): void { this.push(cv.checkInt('writeInt', v)); }
  writeLong(v: number | bigint): void { this.push(cv.checkLong('writeLong', v)); }
  writeFloat(v: number): void { this.push(Math.fround(cv.checkNumber('writeFloat', v, 'float'))); }
  writeDouble(v: number): void { this.push(cv.checkNumber('writeDouble', v, 'double')); }
  writeString(v: string | null): void { this.push(cv.checkString('writeString', v)); }
  writeBytes(v: Uint8Array, offset = 0, length?: number): void {
    if (!(v instanceof Uint8Array)) throw new MessageFormatError('writeBytes needs a Uint8Array');
    const end = length === undefined ? v.length : offset + length;
    if (offset < 0 || end > v.length || end < offset) throw new MessageFormatError('writeBytes: offset/length outside the array');
    this.push(Buffer.from(v.subarray(offset, end)));
  }
  writeObject(v: PropertyValue): void {
    const x = cv.checkObject('writeObject', v, true);
    this.push(x instanceof Uint8Array ? Buffer.from(x) : x);
  }

  /** Read the next value through `conv`; the position moves only when it succeeds. */
  private read<T>(what: string, conv: (where: string, v: PropertyValue) => T): T {
    if (!this.reading) throw new MessageNotReadableError('the StreamMessage is in write mode: call reset() before reading');
    if (this.bytesOff >= 0) throw new MessageFormatError(`${what}: a byte[] field is partly read; finish it with readBytes()`);
    if (this.pos >= this.list.length) throw new MessageEOFError(`${what}: end of the StreamMessage`);
    const v = this.list[this.pos] as PropertyValue;
    const r = conv(`${what} (field ${this.pos})`, v);
    this.pos++;
    return r;
  }

  readBoolean(): boolean { return this.read('readBoolean', cv.toBoolean); }
  readByte(): number { return this.read('readByte', cv.toByte); }
  readShort(): number { return this.read('readShort', cv.toShort); }
  readChar(): string {
    return this.read('readChar', (where, v) => {
      if (typeof v === 'string' && v.length === 1) return v;
      throw new MessageFormatError(`${where}: ${String(v)} is not a char`);
    });
  }
  readInt(): number { return this.read('readInt', cv.toInt); }
  readLong(): number { return this.read('readLong', cv.toLong); }
  readBigInt64(): bigint { return this.read('readBigInt64', cv.toBigInt); }
  readFloat(): number { return this.read('readFloat', cv.toFloat); }
  readDouble(): number { return this.read('readDouble', cv.toDouble); }
  readString(): string | null {
    return this.read('readString', cv.toStringValue);
  }
  readObject(): PropertyValue {
    return this.read('readObject', (_w, v) => v);
  }

  /**
   * Read a byte[] field into `target`, in several calls if it is longer. Returns the bytes
   * read, or -1 once the field is exhausted (or null): only then does the next read move on to
   * the next field (as ActiveMQ does).
   */
  readBytes(target: Uint8Array): number {
    if (!this.reading) throw new MessageNotReadableError('the StreamMessage is in write mode: call reset() before reading');
    if (this.pos >= this.list.length) throw new MessageEOFError('readBytes: end of the StreamMessage');
    const v = this.list[this.pos];
    if (v === null) {
      this.pos++;
      return -1;
    }
    if (!(v instanceof Uint8Array)) throw new MessageFormatError(`readBytes (field ${this.pos}): ${String(v)} is not a byte[]`);
    const off = this.bytesOff < 0 ? 0 : this.bytesOff;
    if (this.bytesOff >= 0 && off >= v.length) {
      this.pos++;
      this.bytesOff = -1;
      return -1;
    }
    const n = Math.min(target.length, v.length - off);
    target.set(v.subarray(off, off + n));
    this.bytesOff = off + n;
    return n;
  }

  override getBody(): never {
    throw new MessageFormatError('a StreamMessage has no single body value: read it with readXxx()');
  }
}
