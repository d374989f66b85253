// OpenWire's BooleanStream (tight encoding): the flags of a frame's fields, written before them
// as one run of bits, least significant bit first, with a length prefix of one to three bytes.
import { OpenWireError } from './errors';
import type { Reader, Writer } from './io';

/** BooleanStream being written: bits in byte order, least significant bit first. */
export class BitWriter {
  bytes: number[] = [];
  private n = 0;
  write(v: boolean): void {
    const i = this.n >> 3;
    if ((this.n & 7) === 0) this.bytes.push(0);
    if (v) this.bytes[i]! |= 1 << (this.n & 7);
    this.n++;
  }
  marshalledSize(): number {
    const l = this.bytes.length;
    return l + (l < 64 ? 1 : l < 256 ? 2 : 3);
  }
  writeTo(w: Writer): void {
    const l = this.bytes.length;
    if (l < 64) w.u8(l);
    else if (l < 256) {
      w.u8(0xc0);
      w.u8(l);
    } else {
      w.u8(0x80);
      w.i16(l);
    }
    for (const b of this.bytes) w.u8(b);
  }
}

export class BitReader {
  private n = 0;
  constructor(private readonly bytes: Uint8Array) {}
  static read(r: Reader): BitReader {
    let len = r.u8();
    if (len === 0xc0) len = r.u8();
    else if (len === 0x80) len = r.i16();
    if (len < 0) throw new OpenWireError(`negative boolean stream length ${len}`);
    return new BitReader(r.bytes(len, 'boolean stream'));
  }
  read(): boolean {
    const i = this.n >> 3;
    if (i >= this.bytes.length) throw new OpenWireError('boolean stream exhausted');
    const v = ((this.bytes[i]! >> (this.n & 7)) & 1) !== 0;
    this.n++;
    return v;
  }
}
