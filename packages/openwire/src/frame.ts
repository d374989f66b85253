// Size-prefixed OpenWire frames out of a byte stream. A frame's declared size is checked against
// maxFrameSize before any byte of it is buffered, so a lying size allocates nothing.
import { OpenWireError } from './errors';

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(public maxFrameSize: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame body (without its size), or null when more bytes are needed. */
  next(): Buffer | null {
    if (this.buffered < 4) return null;
    const head = this.peek(4);
    const size = head.readInt32BE(0);
    if (size < 1) throw new OpenWireError(`frame size ${size} is not positive`);
    if (size > this.maxFrameSize) throw new OpenWireError(`Frame size of ${Math.ceil(size / 1024)} KB larger than max allowed ${Math.floor(this.maxFrameSize / 1024)} KB`);
    if (this.buffered < 4 + size) return null;
    const all = this.take(4 + size);
    return all.subarray(4);
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      this.buffered -= n;
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const joined = Buffer.concat(this.chunks);
    this.chunks = joined.length > n ? [joined.subarray(n)] : [];
    this.buffered -= n;
    return joined.subarray(0, n);
  }
}
