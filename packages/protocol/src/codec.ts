// Length-prefixed msgpackr frames (docs/ARCHITECTURE.md: the core API): 4-byte big-endian length, then one command.
// Pure code: bytes in, commands out; no sockets, no timers (docs/CONVENTIONS.md: pure codecs).
import { Packr } from 'msgpackr';
import { FrameTooLargeError, ProtocolError } from './errors';
import { CommandType, isKnownCommandType, type Command } from './commands';
import type { WireMessage } from './message';
import { describeValue } from './schema';

export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

// useRecords off: frames are self-describing, so any frame can be decoded alone (store, log,
// replication). int64AsType bigint: a bigint property survives the round trip exactly.
const packr = new Packr({ useRecords: false, int64AsType: 'bigint', copyBuffers: true, mapsAsObjects: true });

export function encodeValue(value: unknown): Buffer {
  return packr.pack(value);
}
export function decodeValue<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

// Messages inside SEND and DISPATCH travel as arrays in this field order rather than as maps:
// no key strings to write or read, about twice as fast both ways. Wire order: ONLY ADD TO THE END.
const MESSAGE_FIELDS = [
  'messageId', 'destination', 'deliveryMode', 'priority', 'timestamp', 'expiration', 'deliveryTime',
  'correlationId', 'replyTo', 'type', 'redelivered', 'deliveryCount', 'groupId', 'groupSeq',
  'producerId', 'producerSeq', 'brokerPath', 'originalDestination', 'userId', 'properties', 'bodyKind', 'body',
  'javaTypes',
] as const;
const NF = MESSAGE_FIELDS.length;

function messageToTuple(m: WireMessage): unknown[] {
  const a = new Array<unknown>(NF);
  const o = m as unknown as Record<string, unknown>;
  for (let i = 0; i < NF; i++) {
    const v = o[MESSAGE_FIELDS[i]!];
    a[i] = v === undefined ? null : v;
  }
  return a;
}

function tupleToMessage(a: unknown[]): WireMessage {
  const o: Record<string, unknown> = {};
  const n = a.length < NF ? a.length : NF;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (v !== null && v !== undefined) o[MESSAGE_FIELDS[i]!] = v;
  }
  if (o.redelivered === undefined) o.redelivered = false;
  return o as unknown as WireMessage;
}

/** Encode one command (no length prefix): what the tcp and vm transports carry. */
export function encodeCommand(cmd: Command): Buffer {
  if ((cmd.type === CommandType.SEND || cmd.type === CommandType.DISPATCH) && cmd.message) {
    return packr.pack({ ...cmd, message: messageToTuple(cmd.message) });
  }
  return packr.pack(cmd);
}

/** Decode one command encoded by encodeCommand (or any plain map command). */
export function decodeCommand(bytes: Uint8Array): Command {
  const cmd = packr.unpack(bytes) as Record<string, unknown>;
  if (cmd !== null && typeof cmd === 'object' && (cmd.type === CommandType.SEND || cmd.type === CommandType.DISPATCH) && Array.isArray(cmd.message)) {
    cmd.message = tupleToMessage(cmd.message);
  }
  return cmd as unknown as Command;
}

/** A 4-byte big-endian length prefix and `body`, in a single buffer (docs/ARCHITECTURE.md: the core API framing). */
export function lengthPrefixed(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, 4);
  return frame;
}

/** One frame: length prefix and body in a single buffer. */
export function encodeFrame(cmd: Command): Buffer {
  return lengthPrefixed(encodeCommand(cmd));
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
  private buf: Buffer = EMPTY;
  private off = 0;
  /**
   * Chunks of a frame that is not complete yet, kept apart and joined once when it is: a large
   * frame trickled in small chunks is copied once, not once per chunk (quadratic).
   */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Bytes (from `off`) the frame being read needs, header included; 0 while unknown. */
  private need = 0;
  private failed = false;
  /** Bytes copied to join chunks (linear in the bytes received). */
  copied = 0;
  constructor(private readonly events: DecoderEvents, private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    if (this.need > 0) {
      this.parts.push(chunk);
      this.partsLen += chunk.length;
      if (this.buf.length - this.off + this.partsLen < this.need) return;
      this.join();
    } else if (this.off >= this.buf.length) {
      this.buf = chunk;
      this.off = 0;
    } else {
      // Less than a frame header is left: join it to the chunk (a few bytes).
      this.parts.push(chunk);
      this.join();
    }
    while (!this.failed && this.buf.length - this.off >= 4) {
      const len = this.buf.readUInt32BE(this.off);
      if (len > this.maxFrameSize) return this.fail(new FrameTooLargeError(len, this.maxFrameSize));
      if (len === 0) return this.fail(new ProtocolError('empty frame'));
      if (this.buf.length - this.off - 4 < len) {
        this.need = 4 + len;
        return;
      }
      const body = this.buf.subarray(this.off + 4, this.off + 4 + len);
      this.off += 4 + len;
      let cmd: unknown;
      try {
        cmd = decodeCommand(body);
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
        this.events.error(new ProtocolError(`unknown command type ${describeValue(t)}`, 'WHARF_UNKNOWN_COMMAND'));
        continue;
      }
      this.events.command(cmd as Command);
    }
    if (this.off === this.buf.length) {
      this.buf = EMPTY;
      this.off = 0;
    }
  }

  private join(): void {
    const rest = this.buf.subarray(this.off);
    this.buf = Buffer.concat(rest.length > 0 ? [rest, ...this.parts] : this.parts);
    this.copied += this.buf.length;
    this.off = 0;
    this.parts = [];
    this.partsLen = 0;
    this.need = 0;
  }

  /** Bytes buffered waiting for the rest of a frame. */
  get buffered(): number {
    return this.buf.length - this.off + this.partsLen;
  }

  private fail(err: ProtocolError): void {
    this.failed = true;
    this.buf = EMPTY;
    this.off = 0;
    this.parts = [];
    this.partsLen = 0;
    this.events.error(err);
  }
}
