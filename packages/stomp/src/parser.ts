// STOMP 1.0/1.1/1.2 frame codec: bytes in, frames out, and frames in, bytes out. Pure code,
// no sockets or timers (docs/CONVENTIONS.md: pure codecs). The parser is streaming: a frame may arrive split across
// any number of chunks, one chunk may hold many frames, and EOLs between frames are heart-beats.
// It never throws: a malformed stream yields one `error` event and the parser stops, because a
// byte stream cannot resynchronise after a bad frame.

import { Escape, frames } from './writer';
import { LastValues, headerName, knownCommand, knownHeader } from './names';

export { escapeHeader } from './writer';

export type StompVersion = '1.0' | '1.1' | '1.2';
export const SUPPORTED_VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

export interface StompFrame {
  command: string;
  /** Decoded (unescaped) headers; the first occurrence of a repeated header wins (STOMP 1.2). */
  headers: Map<string, string>;
  body: Buffer;
}

export class StompParseError extends Error {
  /** True when a limit (header section, body size) was exceeded rather than the syntax broken. */
  readonly tooLarge: boolean;
  constructor(message: string, tooLarge = false) {
    super(message);
    this.name = 'StompParseError';
    this.tooLarge = tooLarge;
  }
}

export type ParseEvent =
  | { type: 'frame'; frame: StompFrame }
  | { type: 'heartbeat' }
  | { type: 'error'; error: StompParseError };

export interface ParserLimits {
  /** Longest command line (ActiveMQ MAX_COMMAND_LENGTH). */
  maxCommandLength: number;
  /** Bytes of the header section (all header lines together). */
  maxHeaderBytes: number;
  /** Header lines per frame (ActiveMQ MAX_HEADERS). */
  maxHeaders: number;
  /** Bytes of one body. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: ParserLimits = {
  maxCommandLength: 1024,
  maxHeaderBytes: 1024 * 1024,
  maxHeaders: 1000,
  maxBodyBytes: 100 * 1024 * 1024,
};

const LF = 10;
const CR = 13;
const COLON = 58;
const NUL = 0;
const COMMAND_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** CONNECT and CONNECTED headers are never escaped (STOMP 1.2 "Value Encoding"). */
const UNESCAPED_COMMANDS = new Set(['CONNECT', 'STOMP', 'CONNECTED']);

const EMPTY = Buffer.alloc(0);
/** What a body with a content-length starts with before its bytes arrive. */
const BODY_FIRST_BYTES = 64 * 1024;
const NO_HEADERS: Map<string, string> = new Map();
/** Node's Buffer decodes in place with these (undocumented, but what Buffer#toString calls). */
declare module 'node:buffer' {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
    utf8Slice(start: number, end: number): string;
  }
}
const enum State { COMMAND, HEADERS, BODY_LENGTH, BODY_SCAN, EXPECT_NUL, FAILED }

export class StompParser {
  /** The negotiated version decides header unescaping; before CONNECTED nothing is escaped. */
  version: StompVersion = '1.0';
  private state = State.COMMAND;
  private readonly limits: ParserLimits;
  private lineParts: Buffer[] = [];
  private lineLen = 0;
  private command = '';
  private headers = new Map<string, string>();
  private headerBytes = 0;
  private headerCount = 0;
  private body: Buffer = Buffer.alloc(0);
  private bodyFill = 0;
  /** content-length of the body being read; `body` grows towards it as bytes arrive. */
  private bodyWant = 0;
  private bodyParts: Buffer[] = [];
  private bodyLen = 0;
  private input: Buffer = EMPTY;
  private pos = 0;
  /** Whether this frame's headers are unescaped (STOMP 1.1+, not CONNECT). */
  private unescape = false;
  /** next()'s event list, reused. */
  private readonly out: ParseEvent[] = [];
  /** The last value of each repeating known header (names.ts). */
  private readonly lastValues = new LastValues();

  constructor(limits: Partial<ParserLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get failed(): boolean {
    return this.state === State.FAILED;
  }

  /**
   * Feed bytes, then take events with next() until it returns undefined. Events are parsed one
   * at a time so that a frame changing the version (CONNECT) applies to the frames after it in
   * the same chunk.
   */
  /** Bytes this parser holds for the frame being read (its body so far): what a client made it keep. */
  get heldBytes(): number {
    return this.state === State.BODY_LENGTH || this.state === State.EXPECT_NUL ? this.body.length : this.bodyLen + this.lineLen;
  }

  push(chunk: Uint8Array): void {
    if (this.state === State.FAILED || chunk.byteLength === 0) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pos >= this.input.length) this.input = buf;
    else this.input = Buffer.concat([this.input.subarray(this.pos), buf]);
    this.pos = 0;
  }

  /** The next complete event, or undefined when more bytes are needed (or after an error). */
  next(): ParseEvent | undefined {
    const out = this.out; // empty between calls
    try {
      while (out.length === 0 && this.pos < this.input.length && this.state !== State.FAILED) {
        this.pos = this.step(this.input, this.pos, out);
      }
    } catch (err) {
      // Defensive: every fault is reported as a parse error, never thrown to the socket.
      this.fail(out, `unparseable frame: ${(err as Error).message}`);
    }
    if (this.pos >= this.input.length) {
      this.input = EMPTY;
      this.pos = 0;
    }
    // One step makes at most one event; pop() keeps clear of the length setter (a runtime call).
    const ev = out[0];
    if (out.length === 1) out.pop();
    else if (out.length > 1) out.length = 0;
    return ev;
  }

  /** push() and take every event (tests, fuzzing). */
  parse(chunk: Uint8Array): ParseEvent[] {
    this.push(chunk);
    const out: ParseEvent[] = [];
    for (let ev = this.next(); ev; ev = this.next()) out.push(ev);
    return out;
  }

  private step(buf: Buffer, i: number, out: ParseEvent[]): number {
    switch (this.state) {
      case State.COMMAND:
      case State.HEADERS: {
        // Lines are short: a loop here costs less than Buffer#indexOf's call into the runtime.
        let end = i;
        const size = buf.length;
        while (end < size && buf[end] !== LF) end++;
        const nl = end === size ? -1 : end;
        const len = this.lineLen + end - i;
        if (this.state === State.COMMAND && len > this.limits.maxCommandLength + 1) {
          return this.fail(out, `command line longer than ${this.limits.maxCommandLength} bytes`);
        }
        if (this.state === State.HEADERS && this.headerBytes + len > this.limits.maxHeaderBytes) {
          return this.fail(out, `frame headers exceed ${this.limits.maxHeaderBytes} bytes`, true);
        }
        if (nl === -1) {
          this.lineParts.push(buf.subarray(i));
          this.lineLen = len;
          return buf.length;
        }
        // A whole line in this chunk is read in place; a split one is joined first.
        let line = buf;
        let start = i;
        let stop = nl;
        if (this.lineParts.length) {
          this.lineParts.push(buf.subarray(i, nl));
          line = Buffer.concat(this.lineParts, len);
          this.lineParts = [];
          start = 0;
          stop = line.length;
        }
        this.lineLen = 0;
        if (this.state === State.COMMAND) this.onCommandLine(line, start, stop, out);
        else this.onHeaderLine(line, start, stop, out);
        return nl + 1;
      }
      case State.BODY_LENGTH: {
        const n = Math.min(this.bodyWant - this.bodyFill, buf.length - i);
        if (this.bodyFill + n > this.body.length) this.growBody(this.bodyFill + n);
        buf.copy(this.body, this.bodyFill, i, i + n);
        this.bodyFill += n;
        if (this.bodyFill === this.bodyWant) this.state = State.EXPECT_NUL;
        return i + n;
      }
      case State.EXPECT_NUL:
        if (buf[i] !== NUL) return this.fail(out, 'frame body is not terminated by NUL after content-length bytes');
        this.emit(this.body, out);
        return i + 1;
      case State.BODY_SCAN: {
        const z = buf.indexOf(NUL, i);
        const end = z === -1 ? buf.length : z;
        this.bodyLen += end - i;
        if (this.bodyLen > this.limits.maxBodyBytes) {
          return this.fail(out, `frame body exceeds ${this.limits.maxBodyBytes} bytes`, true);
        }
        // The usual case, a body whole in this chunk, needs no list of parts.
        if (z !== -1 && this.bodyParts.length === 0) {
          this.emit(buf.subarray(i, z), out);
          return z + 1;
        }
        if (end > i) this.bodyParts.push(buf.subarray(i, end));
        if (z === -1) return buf.length;
        const parts = this.bodyParts;
        this.bodyParts = [];
        this.emit(parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.bodyLen), out);
        return z + 1;
      }
      default:
        return buf.length;
    }
  }

  private growBody(atLeast: number): void {
    const next = Buffer.allocUnsafe(Math.min(this.bodyWant, Math.max(atLeast, this.body.length * 2)));
    this.body.copy(next, 0, 0, this.bodyFill);
    this.body = next;
  }

  private onCommandLine(buf: Buffer, start: number, stop: number, out: ParseEvent[]): void {
    const end = stop > start && buf[stop - 1] === CR ? stop - 1 : stop;
    if (end === start) {
      out.push({ type: 'heartbeat' });
      return;
    }
    let command = knownCommand(buf, start, end);
    if (command === undefined) {
      command = buf.latin1Slice(start, end);
      if (!COMMAND_RE.test(command)) {
        this.fail(out, `malformed command line '${printable(command)}'`);
        return;
      }
    }
    this.command = command;
    this.unescape = this.version !== '1.0' && !UNESCAPED_COMMANDS.has(command);
    this.headers = new Map();
    this.headerBytes = 0;
    this.headerCount = 0;
    this.state = State.HEADERS;
  }

  private onHeaderLine(buf: Buffer, start: number, stop: number, out: ParseEvent[]): void {
    this.headerBytes += stop - start + 1;
    const end = stop > start && buf[stop - 1] === CR ? stop - 1 : stop;
    if (end === start) {
      this.startBody(out);
      return;
    }
    if (++this.headerCount > this.limits.maxHeaders) {
      this.fail(out, `frame has more than ${this.limits.maxHeaders} headers`, true);
      return;
    }
    // The first ':' ends the name (UTF-8 never has that byte inside a character).
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon++;
    // ActiveMQ skips a header line without ':' and takes the rest of the frame.
    if (colon === end) return;
    const k = knownHeader(buf, start, colon);
    if (k >= 0) {
      const last = this.lastValues.get(k, buf, colon + 1, end, this.unescape);
      if (last !== undefined) {
        this.setHeader(headerName(k), last);
        return;
      }
    }
    // A known name has no escape sequence to undo.
    let name = k >= 0 ? headerName(k) : buf.utf8Slice(start, colon);
    let value = buf.utf8Slice(colon + 1, end);
    if (this.unescape) {
      const n = k >= 0 ? name : unescapeHeader(name, this.version);
      const v = unescapeHeader(value, this.version);
      if (n === null || v === null) {
        this.fail(out, `invalid escape sequence in header '${printable(buf.utf8Slice(start, end))}'`);
        return;
      }
      name = n;
      value = v;
    }
    if (k >= 0) this.lastValues.set(k, buf, colon + 1, end, value, this.unescape);
    this.setHeader(name, value);
  }

  private setHeader(name: string, value: string): void {
    if (!this.headers.has(name)) this.headers.set(name, value);
  }

  private startBody(out: ParseEvent[]): void {
    const cl = this.headers.get('content-length');
    if (cl !== undefined) {
      const t = cl.trim();
      if (!/^\d{1,15}$/.test(t)) {
        this.fail(out, `invalid content-length '${printable(cl)}'`);
        return;
      }
      const n = Number(t);
      if (n > this.limits.maxBodyBytes) {
        this.fail(out, `frame body of ${n} bytes exceeds ${this.limits.maxBodyBytes} bytes`, true);
        return;
      }
      // A declared length is only a claim: memory follows the bytes that arrive (doubling, so
      // the copies stay linear), or a few header bytes could make the broker hold maxBodyBytes.
      // Not from the Buffer pool: a small body kept as a message would hold the pool's whole slab.
      this.body = Buffer.allocUnsafeSlow(Math.min(n, BODY_FIRST_BYTES));
      this.bodyWant = n;
      this.bodyFill = 0;
      this.state = n === 0 ? State.EXPECT_NUL : State.BODY_LENGTH;
    } else {
      this.bodyParts = [];
      this.bodyLen = 0;
      this.state = State.BODY_SCAN;
    }
  }

  /** Drop every buffer held (the connection closed): nothing read outlives its connection. */
  release(): void {
    this.state = State.FAILED;
    this.lineParts = [];
    this.lineLen = 0;
    this.bodyParts = [];
    this.bodyLen = 0;
    this.body = EMPTY;
    this.bodyFill = 0;
    this.headers = NO_HEADERS;
    this.input = EMPTY;
    this.pos = 0;
  }

  private emit(body: Buffer, out: ParseEvent[]): void {
    out.push({ type: 'frame', frame: { command: this.command, headers: this.headers, body } });
    // The next command line makes the next frame's map.
    this.headers = NO_HEADERS;
    this.body = EMPTY;
    this.state = State.COMMAND;
  }

  private fail(out: ParseEvent[], message: string, tooLarge = false): number {
    this.state = State.FAILED;
    this.lineParts = [];
    this.bodyParts = [];
    this.input = EMPTY;
    this.pos = 0;
    out.push({ type: 'error', error: new StompParseError(message, tooLarge) });
    return Number.MAX_SAFE_INTEGER;
  }
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
}

/**
 * Undo STOMP header escaping. An undefined escape sequence (`\t`, or `\r` in 1.1) is kept as
 * written, backslash included, as ActiveMQ does (the spec calls it an error; ActiveMQ clients
 * rely on it passing through). Never null today; the type keeps callers checking.
 */
export function unescapeHeader(s: string, version: StompVersion): string | null {
  if (version === '1.0' || !s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = s[++i];
    if (next === 'n') out += '\n';
    else if (next === 'c') out += ':';
    else if (next === '\\') out += '\\';
    else if (next === 'r' && version === '1.2') out += '\r';
    else out += next === undefined ? '\\' : `\\${next}`;
  }
  return out;
}

/** Headers in order; a third element `true` says name and value need no escaping (numbers, constants). */
export type HeaderList = Array<readonly [string, string] | readonly [string, string, true]>;

/**
 * Encode one frame. A string body is written as UTF-8; headers are escaped for `version`
 * except on CONNECTED. The caller adds `content-length` when it wants one. The frame is a view
 * of the shared slab of writer.ts: read it, send it, never write into it.
 */
export function encodeFrame(command: string, headers: HeaderList, body: string | Uint8Array | undefined, version: StompVersion): Buffer {
  frames.begin(command, UNESCAPED_COMMANDS.has(command) ? '1.0' : version);
  for (const e of headers) frames.header(e[0], e[1], e.length === 3 ? Escape.NONE : Escape.BOTH);
  return frames.end(body);
}

/** One EOL: a heart-beat. */
export const HEARTBEAT = Buffer.from('\n');
