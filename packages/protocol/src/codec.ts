// Length-prefixed msgpackr frames (DESIGN §3): 4-byte big-endian length, then one command.
// Pure code: bytes in, commands out; no sockets, no timers (STYLE.md §2).
import { Packr } from 'msgpackr';
import { FrameTooLargeError, ProtocolError } from './errors';
import { isKnownCommandType, type Command } from './commands';

export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;

// useRecords off: frames are self-describing, so any frame can be decoded alone (store, log,
// replication). int64AsType bigint: a bigint property survives the round trip exactly.
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', copyBuffers: true, mapsAsObjects: true });

export function encodeValue(value: unknown): Buffer {
  return packr.pack(value);
}
export function decodeValue<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

/** One frame: length prefix and body in a single buffer. */
export function encodeFrame(cmd: Command): Buffer {
  const body = packr.pack(cmd);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export interface DecoderEvents {
  command(cmd: Command): void;
  /** A fault the stream cannot continue after: close the connection. */
  error(err: ProtocolError): void;
}

/**
 * Streaming decoder. Feed it chunks as they arrive; it emits whole commands. Never throws on
 * arbitrary bytes: a bad length, undecodable body or unknown command is reported through
 * `error` and the decoder stops (a byte stream cannot resynchronise after a bad frame).
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;
  private failed = false;
  constructor(private readonly events: DecoderEvents, private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    if (this.off >= this.buf.length) {
      this.buf = chunk;
      this.off = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.off), chunk]);
      this.off = 0;
    }
    while (!this.failed && this.buf.length - this.off >= 4) {
      const len = this.buf.readUInt32BE(this.off);
      if (len > this.maxFrameSize) return this.fail(new FrameTooLargeError(len, this.maxFrameSize));
      if (len === 0) return this.fail(new ProtocolError('empty frame'));
      if (this.buf.length - this.off - 4 < len) break;
      const body = this.buf.subarray(this.off + 4, this.off + 4 + len);
      this.off += 4 + len;
      let cmd: unknown;
      try {
        cmd = packr.unpack(body);
      } catch (e) {
        return this.fail(new ProtocolError(`undecodable frame: ${(e as Error).message}`));
      }
      if (cmd === null || typeof cmd !== 'object' || Array.isArray(cmd)) {
        return this.fail(new ProtocolError('frame is not a command object'));
      }
      const t = (cmd as { type?: unknown }).type;
      if (!isKnownCommandType(t)) {
        // An unknown command type in a well-formed frame: the stream is still in sync, so the
        // caller may answer with an error and carry on.
        this.events.error(new ProtocolError(`unknown command type ${JSON.stringify(t)?.slice(0, 40)}`, 'WHARF_UNKNOWN_COMMAND'));
        continue;
      }
      this.events.command(cmd as Command);
    }
    if (this.off === this.buf.length) {
      this.buf = Buffer.alloc(0);
      this.off = 0;
    }
  }

  /** Bytes buffered waiting for the rest of a frame. */
  get buffered(): number {
    return this.buf.length - this.off;
  }

  private fail(err: ProtocolError): void {
    this.failed = true;
    this.buf = Buffer.alloc(0);
    this.off = 0;
    this.events.error(err);
  }
}
